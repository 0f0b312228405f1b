"""Service requests, their timeline, SLA policies, calendars and clocks, API clients.

No logic here: writes go through ``services.py``, reads through ``selectors.py``. The timeline is
append-only: its queryset refuses updates and deletes, and a saved event cannot be saved again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairdesk.service_requests.choices import (
    AppliesWhen,
    Channel,
    ClockType,
    EventKind,
    Kind,
    PolicyPriority,
    Priority,
    Status,
)
from fairdesk.service_requests.expressions import RequestNumber
from fairdesk.service_requests.sla import DEFAULT_TIMEZONE, CalendarError, calendar_spec


class ServiceRequest(models.Model):
    # unique by a constraint, indexes in Meta: see the note there
    number = models.GeneratedField(
        expression=RequestNumber(),
        output_field=models.CharField(_("number"), max_length=24),
        db_persist=True,
        verbose_name=_("number"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("customer"),
        db_index=False,  # sr_customer_created starts with it
    )
    device = models.ForeignKey(
        "customers.Device",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("device"),
    )
    # the device as it was at intake (model and serial), kept if the device row goes away
    device_label = models.CharField(_("device (at intake)"), max_length=200, blank=True)
    product_description = models.CharField(_("product"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    description = models.TextField(_("description"))
    address = models.ForeignKey(
        "customers.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("address"),
    )
    # the address as it was at intake (the customer may edit or delete it later)
    address_text = models.CharField(_("address (at intake)"), max_length=300, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    division_name = models.CharField(_("division"), max_length=200, blank=True)
    outlet = models.ForeignKey(
        "network.Outlet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("outlet"),
        help_text=_("Empty: the brand's central queue."),
        db_index=False,  # sr_outlet_created starts with it
    )
    out_of_coverage = models.BooleanField(_("out of coverage"), default=False)
    preferred_start = models.DateTimeField(_("preferred visit from"), null=True, blank=True)
    preferred_end = models.DateTimeField(_("preferred visit until"), null=True, blank=True)
    # the first arrival on site (customers may cancel until a technician has been there)
    visited_at = models.DateTimeField(_("technician first on site"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        # Every index is written on each creation, so each one here is used by a query. Indexes
        # are declared here rather than with db_index/unique on text fields: on PostgreSQL those
        # add a second "_like" index (for LIKE 'prefix%'), which no query of ours uses.
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="sr_customer_created"),
            models.Index(fields=["outlet", "-created_at"], name="sr_outlet_created"),
            models.Index(fields=["kind"], name="sr_kind"),
            models.Index(fields=["status"], name="sr_status"),
            models.Index(fields=["division_code"], name="sr_division_code"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="sr_number_unique"),
            models.CheckConstraint(
                condition=Q(preferred_start__isnull=True, preferred_end__isnull=True)
                | Q(preferred_start__lt=models.F("preferred_end")),
                name="sr_preferred_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TimelineQuerySet(models.QuerySet["TimelineEvent"]):
    """The timeline is append-only: no bulk update, no delete."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("the service request timeline is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the service request timeline is append-only")


class TimelineEvent(models.Model):
    """One thing that happened to a request: who, when, from which status to which, and why."""

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.PROTECT,
        related_name="timeline",
        verbose_name=_("service request"),
        db_index=False,  # sr_timeline_request_at starts with it
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor (name)"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=32, blank=True)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices, blank=True)
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = TimelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="sr_timeline_request_at")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("the service request timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("the service request timeline is append-only")


class BusinessCalendar(models.Model):
    """When a promise's clock counts: 24×7, or working hours minus holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    outlet = models.OneToOneField(
        "network.Outlet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="business_calendar",
        verbose_name=_("outlet"),
        help_text=_("The outlet whose promises follow this calendar (unless a policy names one)."),
    )
    always_open = models.BooleanField(_("open 24×7"), default=False)
    weekly_hours = models.JSONField(
        _("weekly working hours"),
        default=dict,
        blank=True,
        help_text=_('For example {"mon": ["09:00-12:00", "13:00-18:00"], …, "sat": [], "sun": []}'),
    )
    holidays = models.JSONField(
        _("holidays"), default=list, blank=True, help_text=_('For example ["2026-10-01"]')
    )
    extra_workdays = models.JSONField(
        _("extra working days"),
        default=list,
        blank=True,
        help_text=_("Weekend days worked in exchange for a holiday (调休), with Monday's hours."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            calendar_spec(
                name=self.name,
                always_open=self.always_open,
                weekly_hours=self.weekly_hours,
                holidays=self.holidays,
                extra_workdays=self.extra_workdays,
                timezone=self.timezone,
            )
        except CalendarError as exc:
            raise ValidationError(str(exc)) from exc


class SlaPolicy(models.Model):
    """A promise: for requests of this kind (priority, area, coverage), this clock, this long."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    priority = models.CharField(
        _("priority"), max_length=16, choices=PolicyPriority.choices, default=PolicyPriority.ANY
    )
    area_prefix = models.CharField(
        _("area"),
        max_length=12,
        blank=True,
        help_text=_(
            "A division code prefix (45 = Guangxi, 4501 = Nanning); empty for everywhere. "
            "The longest matching prefix wins."
        ),
    )
    applies_when = models.CharField(
        _("applies"), max_length=16, choices=AppliesWhen.choices, default=AppliesWhen.ANY
    )
    clock_type = models.CharField(_("clock"), max_length=16, choices=ClockType.choices)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("calendar"),
        help_text=_("Empty: the outlet's calendar if it has one, else 24×7."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["kind", "clock_type", "area_prefix", "priority", "id"]
        indexes = [models.Index(fields=["kind", "active"], name="sr_policy_kind_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="sr_policy_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaClock(models.Model):
    """One promise made to one request: started, stored deadline, paused, met or stopped.

    ``cycle`` counts restarts of the same promise (a reopened request gets a new resolution
    clock; the first one stays as it was). The deadline is stored when the clock starts and
    moves only by paused time.
    """

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.PROTECT,
        related_name="clocks",
        verbose_name=_("service request"),
        db_index=False,  # sr_clock_unique_cycle starts with it
    )
    clock_type = models.CharField(_("clock"), max_length=16, choices=ClockType.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy"),
    )
    # the promise as made (policies may change later)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    calendar_name = models.CharField(_("calendar"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), default=0)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    stop_reason = models.CharField(_("stop reason"), max_length=32, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["request", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "clock_type", "cycle"], name="sr_clock_unique_cycle"
            ),
        ]
        indexes = [
            # the escalation worker's scan: open clocks by deadline
            models.Index(
                fields=["deadline"],
                condition=Q(met_at__isnull=True, stopped_at__isnull=True),
                name="sr_clock_open_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.clock_type}#{self.cycle}"


class SlaPause(models.Model):
    """A pause of a clock (waiting for the customer, waiting for parts), kept for the record."""

    clock = models.ForeignKey(
        SlaClock, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("clock")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA pause")
        verbose_name_plural = _("SLA pauses")
        ordering = ["clock", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock} {self.reason}"


class IdempotencyRecord(models.Model):
    """An ``Idempotency-Key`` used to create a request: a retry gets the same request back."""

    client = models.ForeignKey(
        "api.ApiClient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
        db_index=False,  # sr_idempotency_client_key starts with it (and holds every client row)
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    service_request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service request"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "key"],
                condition=Q(client__isnull=False),
                name="sr_idempotency_client_key",
            ),
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=Q(client__isnull=True),
                name="sr_idempotency_user_key",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(user__isnull=False),
                name="sr_idempotency_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.key
