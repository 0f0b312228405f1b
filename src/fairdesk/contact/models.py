"""Contacts (conversations), agents, the assignment log, callbacks, complaints.

No logic here: writes go through ``services.py``; the queue's rule is ``ordering.py``. Instants are
UTC. Append-only: ``ContactMessage``, ``Assignment``, ``ComplaintEvent``.

Note what a ``Contact`` does NOT have: nothing about revenue, plan tier or customer value. The
queue cannot read what is not there (guarantee F7).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.core.models import AppendOnly


class AgentProfile(models.Model):
    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="agent_profile", verbose_name=_("user")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgentStatus.choices, default=AgentStatus.AWAY
    )
    status_since = models.DateTimeField(_("status since"))
    # when the agent last had no open contact: the longest idle gets the next contact
    idle_since = models.DateTimeField(_("idle since"))
    product_lines = models.JSONField(_("product lines (empty: all)"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    max_concurrent = models.PositiveSmallIntegerField(_("contacts at once"), default=2)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_username()


class Contact(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("customer"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_type = models.CharField(_("type"), max_length=20, choices=ContactType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ContactStatus.choices, db_index=True
    )
    safety_hazard = models.BooleanField(_("safety hazard"), default=False)
    product_line = models.CharField(_("product line"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("started"))
    queued_at = models.DateTimeField(_("joined the queue"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    agent = models.ForeignKey(
        AgentProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("agent"),
    )
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    subscription = models.ForeignKey(
        "plans.Subscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-id"]
        constraints = [
            # one waiting web chat per customer: "talk to a person" again (or in another chat)
            # finds the place already held instead of queueing a second contact
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="queued", channel="web_chat"),
                name="contact_one_waiting_chat_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"C{self.pk} {self.contact_type} {self.status}"


class ContactMessage(AppendOnly):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(_("from"), max_length=10, choices=Sender.choices)
    agent = models.ForeignKey(
        AgentProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["contact", "at", "id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class Assignment(AppendOnly):
    """Every hand-over of a contact to an agent, with the reason (the published rule applied)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(AgentProfile, on_delete=models.PROTECT, related_name="assignments")
    at = models.DateTimeField(_("at"), db_index=True)
    waited_seconds = models.PositiveIntegerField(_("waited (s)"))
    reason = models.JSONField(_("reason"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"C{self.contact_id} → {self.agent_id}"


class FaqEntry(models.Model):
    """An automatic answer: shown when a customer's words contain one of its keywords."""

    keywords = models.CharField(
        _("keywords (comma-separated)"),
        max_length=300,
        help_text=_(
            "A fault code such as E1 matches only that code (not E10); words joined by + must "
            "all appear (上门+多少钱). The answer with the longest matching keyword is shown."
        ),
    )
    answer = models.TextField(_("answer"))
    answer_en = models.TextField(_("answer (English)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("automatic answer")
        verbose_name_plural = _("automatic answers")

    def __str__(self) -> str:
        return self.keywords


class Callback(models.Model):
    """A promise to call back within a window: the window's end is a deadline (guarantee F8)."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="callback")
    phone = models.CharField(_("phone"), max_length=20)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.SCHEDULED
    )
    done_at = models.DateTimeField(_("called back"), null=True, blank=True)
    done_by = models.ForeignKey(
        AgentProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    missed_at = models.DateTimeField(_("missed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(pgettext_lazy("when", "cancelled"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["window_end", "id"]

    def __str__(self) -> str:
        return f"callback C{self.contact_id} {self.status}"


class ComplaintPolicy(models.Model):
    """Deadlines of the complaint steps (one row, pk 1)."""

    acknowledge_hours = models.PositiveSmallIntegerField(
        _("acknowledge within (hours)"), default=24
    )
    resolve_days = models.PositiveSmallIntegerField(_("resolve within (days)"), default=7)
    green_resolve_days = models.PositiveSmallIntegerField(
        _("resolve green-channel complaints within (days)"), default=3
    )
    customer_answer_days = models.PositiveSmallIntegerField(
        _("customer may answer within (days)"), default=15
    )

    class Meta:
        verbose_name = _("complaint policy")
        verbose_name_plural = _("complaint policy")

    def __str__(self) -> str:
        return str(_("complaint policy"))


class Complaint(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="complaints"
    )
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    green = models.BooleanField(_("green channel"), default=False)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, db_index=True
    )
    owner = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # the deadline of the current step (empty once nothing is owed by the brand)
    due_at = models.DateTimeField(_("current step due"), null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    outcome = models.TextField(_("outcome"), blank=True)
    external_body = models.CharField(_("escalated to"), max_length=100, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=100, blank=True)
    outlet = models.ForeignKey(
        "network.Outlet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    subscription = models.ForeignKey(
        "plans.Subscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    created_at = models.DateTimeField(_("received"), db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ComplaintEvent(AppendOnly):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("by"), max_length=20)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["complaint", "at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"
