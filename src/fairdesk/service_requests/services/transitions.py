"""The state machine's changes: a checked move of a request to a new status, with its SLA
effects, a timeline event and a message to the customer; and the automatic closing of requests
left resolved."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.api.models import ApiClient
from fairdesk.core.errors import Invalid
from fairdesk.notifications.services import message_send
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import ActorRole, EventKind, Status
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.selectors import (
    TRANSITION,
    actor_label,
    actor_role_for,
    capacities,
    check,
    event_text,
    principal_for,
    signed_in_user,
)
from fairdesk.service_requests.services.clocks import apply_transition

MAX_REASON = 2000


def status_message(sr: ServiceRequest, event: TimelineEvent) -> None:
    """Tell the customer, in their portal inbox, what changed (also when they did it themselves:
    every change is confirmed on a durable medium)."""
    language = getattr(sr.customer, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        body = _("%(number)s: %(text)s") % {"number": sr.number, "text": event_text(event)}
        subject = _("Service request %(number)s") % {"number": sr.number}
    message_send(
        channel="portal",
        customer=sr.customer,
        kind="service_request.status",
        subject=subject,
        body=body,
        reference=sr.number,
    )


def service_request_transition(
    *,
    request: ServiceRequest,
    to_status: str,
    actor: Any,
    reason: str = "",
    serving: Any = None,
    api_client: ApiClient | None = None,
) -> ServiceRequest:
    """Move a request to ``to_status``, if the state machine and the actor's rights allow it.

    The request row is locked; the check (``selectors.check``) runs on the locked row: an
    illegal transition is a ``DomainError`` 409, a forbidden one 403, an invisible request 404,
    a missing reason 422 — and nothing changes. Otherwise, in one transaction: the status, the
    SLA effects (``clocks.apply_transition``), one timeline event, and a portal message to the
    customer saying what changed. ``serving`` is the customer an agent is serving (the
    console's caller); an agent may cancel, close or reopen only for them.
    Returns the updated request (a fresh object; ``request`` is refreshed too).
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid(
            _("The reason is too long (at most 2000 characters)."), code="reason_too_long"
        )
    now = timezone.now()
    with transaction.atomic():
        sr = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("customer", "outlet")
            .get(pk=request.pk)
        )
        check(actor, TRANSITION, sr, to_status=to_status, serving=serving)
        principal = principal_for(actor)
        granted = capacities(principal, sr, serving=serving) & workflow.who_may(
            sr.status, to_status
        )
        as_customer = workflow.acts_only_as_customer(granted)
        if workflow.reason_required(sr.status, to_status, as_customer=as_customer) and not reason:
            raise Invalid(_("Give a reason for this change."), code="reason_required")
        from_status = sr.status
        effects = apply_transition(
            request=sr, from_status=from_status, to_status=to_status, reason=reason, now=now
        )
        sr.status = to_status
        fields = ["status", "updated_at"]
        if to_status == Status.ON_SITE and sr.visited_at is None:
            sr.visited_at = now
            fields.append("visited_at")
        sr.save(update_fields=fields)
        data: dict[str, Any] = {"clocks": effects}
        if workflow.AGENT_FOR_CUSTOMER in granted and workflow.OWNER not in granted:
            data["on_behalf_of_customer"] = sr.customer_id
        event = TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor=signed_in_user(actor),
            actor_label=actor_label(actor),
            actor_role=actor_role_for(principal, sr, api_client=api_client),
            from_status=from_status,
            to_status=to_status,
            kind=EventKind.STATUS_CHANGED,
            reason=reason,
            data=data,
        )
        status_message(sr, event)
    request.refresh_from_db()
    return sr


def resolved_requests_autoclose(*, now: datetime | None = None) -> int:
    """Close requests that stayed resolved ``AUTO_CLOSE_RESOLVED_DAYS`` (setting, default 7)
    without the customer closing or reopening them; the timeline names the system and the rule,
    and the customer is told (they can still ask for the repair to be looked at again with a new
    request or a complaint). Returns how many were closed."""
    now = now or timezone.now()
    days = int(getattr(settings, "AUTO_CLOSE_RESOLVED_DAYS", 7))
    cutoff = now - timedelta(days=days)
    due = (
        ServiceRequest.objects.filter(status=Status.RESOLVED)
        .annotate(resolved_at=Max("timeline__at", filter=Q(timeline__to_status=Status.RESOLVED)))
        .filter(resolved_at__lte=cutoff)
        .values_list("pk", flat=True)
    )
    closed = 0
    for pk in list(due):
        with transaction.atomic():
            sr = (
                ServiceRequest.objects.select_for_update(of=("self",))
                .select_related("customer")
                .get(pk=pk)
            )
            if sr.status != Status.RESOLVED:
                continue  # the customer acted meanwhile
            sr.status = Status.CLOSED
            sr.save(update_fields=["status", "updated_at"])
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("Closed automatically %(days)d days after it was resolved.") % {
                    "days": days
                }
            event = TimelineEvent.objects.create(
                request=sr,
                at=now,
                actor=None,
                actor_label="fairdesk",
                actor_role=ActorRole.SYSTEM,
                from_status=Status.RESOLVED,
                to_status=Status.CLOSED,
                kind=EventKind.STATUS_CHANGED,
                reason=reason,
                data={"rule": "auto_close_resolved", "days": days},
            )
            status_message(sr, event)
            closed += 1
    return closed
