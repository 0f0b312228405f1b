"""A request's timeline: its events for a user who may see the request, each in plain words,
and who acted, named by role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from fairdesk.service_requests.choices import ActorRole, ClockType, EventKind, Status
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.selectors.access import VIEW, check


def timeline_for(*, user: Any, request: ServiceRequest) -> list[TimelineEvent]:
    """The request's timeline, oldest first, if ``user`` may see the request."""
    check(user, VIEW, request)
    return list(TimelineEvent.objects.filter(request=request).order_by("at", "id"))


_STATUS_SENTENCES: dict[str, Callable[[], str]] = {
    Status.ACCEPTED: lambda: _("The request was accepted."),
    Status.SCHEDULED: lambda: _("A visit was scheduled."),
    Status.EN_ROUTE: lambda: _("The technician is on the way."),
    Status.ON_SITE: lambda: _("The technician arrived."),
    Status.RESOLVED: lambda: _("The problem was resolved."),
    Status.CLOSED: lambda: _("The request was closed."),
    Status.WAITING_CUSTOMER: lambda: _("Waiting for the customer."),
    Status.WAITING_PARTS: lambda: _("Waiting for parts."),
    Status.CANCELLED: lambda: _("The request was cancelled."),
    Status.REOPENED: lambda: _("The request was reopened."),
    Status.NEW: lambda: _("The request is new again."),
}


def event_text(event: TimelineEvent) -> str:
    """One timeline event in plain words, in the active language (for the customer's page)."""
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        text = _("Request %(number)s was received.") % {"number": data.get("number", "")}
    elif event.kind == EventKind.ROUTED:
        text = _("It was sent to %(outlet)s, the outlet serving your area.") % {
            "outlet": data.get("outlet_name") or data.get("outlet", "")
        }
    elif event.kind == EventKind.CENTRAL_QUEUE:
        text = _("It was sent to the brand's central service desk.")
    elif event.kind == EventKind.OUTLET_ASSIGNED:
        text = _("It was assigned to %(outlet)s.") % {
            "outlet": data.get("outlet_name") or data.get("outlet", "")
        }
    elif event.kind == EventKind.ESCALATED:
        text = _("The %(clock)s deadline was missed; it was escalated (level %(level)s).") % {
            "clock": str(dict(ClockType.choices).get(str(data.get("clock_type", "")), "")),
            "level": data.get("level", ""),
        }
    elif event.kind == EventKind.NOTE:
        text = _("Information added: %(text)s") % {"text": event.reason}
    elif event.kind == EventKind.SAFETY_ALERT:
        text = _("A safety hazard was reported: the service managers were alerted at once.")
    else:
        sentence = _STATUS_SENTENCES.get(event.to_status)
        text = sentence() if sentence else str(event.get_kind_display())
    if event.reason and event.kind != EventKind.NOTE:
        text = _("%(text)s Reason: %(reason)s") % {"text": text, "reason": event.reason}
    return text


def public_event_text(event: TimelineEvent) -> str:
    """One timeline event in plain words for the public tracking page (``tracking``): what
    happened, without anything a stranger holding the link must not read — no outlet, no note,
    no reason (free text may hold a name, a phone number or an address)."""
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        return _("Request %(number)s was received.") % {"number": data.get("number", "")}
    if event.kind == EventKind.ROUTED:
        return _("It was sent to the outlet serving your area.")
    if event.kind == EventKind.CENTRAL_QUEUE:
        return _("It was sent to the brand's central service desk.")
    if event.kind == EventKind.OUTLET_ASSIGNED:
        return _("An outlet was assigned to it.")
    if event.kind == EventKind.ESCALATED:
        return _("The %(clock)s deadline was missed; it was escalated (level %(level)s).") % {
            "clock": str(dict(ClockType.choices).get(str(data.get("clock_type", "")), "")),
            "level": data.get("level", ""),
        }
    if event.kind == EventKind.NOTE:
        return _("Information was added.")
    if event.kind == EventKind.SAFETY_ALERT:
        return _("A safety hazard was reported: the service managers were alerted at once.")
    sentence = _STATUS_SENTENCES.get(event.to_status)
    return sentence() if sentence else str(event.get_kind_display())


def actor_display(event: TimelineEvent) -> str:
    """Who acted, as a role in plain words (customers are shown roles, not staff names)."""
    labels = dict(ActorRole.choices)
    return str(labels.get(event.actor_role, event.actor_role or labels[ActorRole.SYSTEM]))
