"""Enumerations of contacts, the queue, callbacks and complaints (stable API strings)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactType(models.TextChoices):
    BUY_UPGRADE = "buy_upgrade", _("Buy or upgrade")
    DOWNGRADE_CANCEL = "downgrade_cancel", _("Downgrade or cancel")
    REFUND = "refund", _("Refund")
    COMPLAINT = "complaint", _("Complaint")
    REPAIR = "repair", _("Repair")
    CONSULTATION = "consultation", _("Consultation")


#: The green channel: contacts that must never wait behind sales.
GREEN_TYPES = frozenset({ContactType.DOWNGRADE_CANCEL, ContactType.REFUND, ContactType.COMPLAINT})


class Channel(models.TextChoices):
    WEB_CHAT = "web_chat", _("Web chat")
    PHONE = "phone", _("Phone")
    CALLBACK = "callback", _("Callback")


class ContactStatus(models.TextChoices):
    BOT = "bot", _("With the automatic assistant")
    QUEUED = "queued", _("Waiting for an agent")
    ASSIGNED = "assigned", _("With an agent")
    CLOSED = "closed", _("Closed")


class AgentStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    AWAY = "away", _("Away")


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    BOT = "bot", _("Assistant")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class CallbackStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Called back")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", pgettext_lazy("callback status", "Cancelled")


class ComplaintCategory(models.TextChoices):
    PLAN_CHANGE = "plan_change", _("Plan change")
    REFUND = "refund", _("Refund")
    OBSTRUCTION = "obstruction", _("Obstructed or talked out of a change")
    SERVICE_QUALITY = "service_quality", _("Service quality")
    ON_SITE = "on_site", _("Technician visit")
    PRODUCT = "product", _("Product")
    OTHER = "other", _("Other")


#: Complaints about plan changes, refunds and obstruction go through the green channel.
GREEN_CATEGORIES = frozenset(
    {ComplaintCategory.PLAN_CHANGE, ComplaintCategory.REFUND, ComplaintCategory.OBSTRUCTION}
)


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved, awaiting your answer")
    ACCEPTED = "accepted", _("Accepted by the customer")
    REJECTED = "rejected", _("Rejected by the customer")
    ESCALATED = "escalated", _("Escalated outside (e.g. 12315)")
