"""Enumerations of service requests (values are stable API strings; labels are translated)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    CONSULTATION = "consultation", _("Consultation")
    PLAN_CHANGE = "plan_change", _("Plan change")
    REFUND = "refund", _("Refund")
    COMPLAINT = "complaint", _("Complaint")


#: Kinds done at the customer's address by an outlet: routed by coverage. The others are handled
#: by the brand's service desk (the central queue) wherever the customer lives.
FIELD_KINDS = frozenset({Kind.REPAIR, Kind.INSTALLATION, Kind.MAINTENANCE})


class Channel(models.TextChoices):
    PORTAL = "portal", _("Web portal")
    CONSOLE = "console", _("Agent console (phone)")
    API = "api", _("API")
    DEVICE = "device", _("Smart device")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (safety hazard)")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("request status", "New")
    ACCEPTED = "accepted", pgettext_lazy("request status", "Accepted")
    SCHEDULED = "scheduled", pgettext_lazy("request status", "Scheduled")
    EN_ROUTE = "en_route", pgettext_lazy("request status", "Technician on the way")
    ON_SITE = "on_site", pgettext_lazy("request status", "Technician on site")
    RESOLVED = "resolved", pgettext_lazy("request status", "Resolved")
    CLOSED = "closed", pgettext_lazy("request status", "Closed")
    WAITING_CUSTOMER = (
        "waiting_customer",
        pgettext_lazy("request status", "Waiting for the customer"),
    )
    WAITING_PARTS = "waiting_parts", pgettext_lazy("request status", "Waiting for parts")
    CANCELLED = "cancelled", pgettext_lazy("request status", "Cancelled")
    REOPENED = "reopened", pgettext_lazy("request status", "Reopened")


#: States that pause the SLA clocks.
WAITING_STATES = frozenset({Status.WAITING_CUSTOMER, Status.WAITING_PARTS})
#: States a request never leaves.
FINAL_STATES = frozenset({Status.CLOSED, Status.CANCELLED})


class ClockType(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    CALLBACK = "callback", _("Callback")
    ON_SITE = "on_site", _("Technician on site")
    RESOLUTION = "resolution", _("Resolution")


class PolicyPriority(models.TextChoices):
    ANY = "any", _("Any priority")
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (safety hazard)")


class AppliesWhen(models.TextChoices):
    COVERED = "covered", _("In an outlet's coverage")
    OUT_OF_COVERAGE = "out_of_coverage", _("Out of coverage")
    ANY = "any", _("Always")


class ClockStatus(models.TextChoices):
    """A clock's state, computed from its stored times (never stored)."""

    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    STOPPED = "stopped", _("Stopped")


class EventKind(models.TextChoices):
    CREATED = "created", _("Request created")
    ROUTED = "routed", _("Routed to an outlet")
    CENTRAL_QUEUE = "central_queue", _("Sent to the central queue")
    STATUS_CHANGED = "status_changed", _("Status changed")
    OUTLET_ASSIGNED = "outlet_assigned", _("Outlet assigned")
    ESCALATED = "escalated", _("SLA escalation")
    SAFETY_ALERT = "safety_alert", _("Safety alert")
    NOTE = "note", _("Information added")


#: Who acted, as stored in the timeline (``TimelineEvent.actor_role``).
class ActorRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Hotline agent")
    OUTLET_MANAGER = "manager", _("Outlet manager")
    OUTLET_DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    CENTRAL_DISPATCHER = "central_dispatcher", _("Central dispatch")
    BRAND_ADMIN = "brand_admin", _("Brand administrator")
    INTEGRATION = "integration", _("Integration")
    SYSTEM = "system", _("System")
