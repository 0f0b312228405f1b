"""Admin of service requests: requests (read-only, with timeline and clocks), SLA policies,
business calendars.

Requests change only through the services (the console, the portal, the API), so that every
change is checked and appended to the timeline; here they are read, within what the user may
see (``selectors.requests_visible_to``), with phone numbers masked, and for auditors every
personal datum (``core.admin.PersonalDataAdmin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairdesk.core.admin import PersonalDataAdmin, ReadOnlyInline
from fairdesk.core.phones import mask_phone
from fairdesk.service_requests import selectors
from fairdesk.service_requests.display import format_duration
from fairdesk.service_requests.models import (
    BusinessCalendar,
    ServiceRequest,
    SlaClock,
    SlaPolicy,
    TimelineEvent,
)


class TimelineInline(PersonalDataAdmin, ReadOnlyInline):
    model = TimelineEvent
    personal_fields = {"reason": "text"}
    fields = (
        "at",
        "kind",
        "from_status",
        "to_status",
        "actor_label",
        "actor_role",
        "reason",
    )
    readonly_fields = fields
    ordering = ["at", "id"]


class ClockInline(ReadOnlyInline):
    model = SlaClock
    fields = (
        "clock_type",
        "cycle",
        "started_at",
        "deadline",
        "calendar_name",
        "state_display",
        "paused_seconds",
        "met_at",
        "stopped_at",
        "escalation_level",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("state now"))
    def state_display(self, obj: SlaClock) -> str:
        state = selectors.clock_state(obj, now=timezone.now())
        text = str(dict(_clock_status_labels()).get(state.status, state.status))
        if state.breached and state.overdue_by is not None:
            text += " — " + _("late by %(d)s") % {"d": format_duration(state.overdue_by)}
        return text


def _clock_status_labels() -> list[tuple[str, Any]]:
    from fairdesk.service_requests.choices import ClockStatus

    return list(ClockStatus.choices)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(PersonalDataAdmin, admin.ModelAdmin):
    personal_fields = {
        "customer_display": "customer",
        "device_label": "device_label",
        "description": "text",
        "address_text": "address",
        "division_code": "division_code",
        "division_name": "division_name",
        "created_by": "user",
    }
    list_display = [
        "number",
        "kind",
        "status",
        "priority",
        "customer_display",
        "outlet",
        "out_of_coverage",
        "channel",
        "created_at",
    ]
    list_filter = ["status", "kind", "priority", "channel", "out_of_coverage"]
    list_select_related = ["customer", "outlet"]
    search_fields = ["number", "outlet__code", "division_name"]
    date_hierarchy = "created_at"
    fields = (
        "number",
        "kind",
        "status",
        "priority",
        "channel",
        "customer_display",
        "device_label",
        "product_description",
        "description",
        "address_text",
        "division_code",
        "division_name",
        "outlet",
        "out_of_coverage",
        "preferred_start",
        "preferred_end",
        "visited_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [ClockInline, TimelineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRequest]:
        visible = selectors.requests_visible_to(request.user)
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    @admin.display(description=gettext_lazy("customer"))
    def customer_display(self, obj: ServiceRequest) -> str:
        # the admin is a back-office read view: numbers are masked for everyone here (those who
        # need a full number see it in the console, for the requests they may see it for)
        return f"{obj.customer.name or '—'} ({mask_phone(obj.customer.phone)})"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "clock_type",
        "duration_display",
        "priority",
        "area_prefix",
        "applies_when",
        "calendar",
        "active",
    ]
    list_filter = ["kind", "clock_type", "applies_when", "priority", "active"]
    search_fields = ["name", "area_prefix"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=gettext_lazy("duration"), ordering="duration_minutes")
    def duration_display(self, obj: SlaPolicy) -> str:
        from datetime import timedelta

        return format_duration(timedelta(minutes=obj.duration_minutes))


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "always_open", "outlet", "timezone"]
    list_filter = ["always_open"]
    search_fields = ["name", "outlet__code", "outlet__name"]
    autocomplete_fields = ["outlet"]
