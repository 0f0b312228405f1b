"""Writes of service requests: intake, the state machine, hand routing, SLA escalation, tokens.

Every function is keyword-only, validates first, runs its writes in one transaction and appends
to the timeline in that same transaction. Messages go through the notification outbox
(``message_send`` writes the message in the transaction; delivery happens after commit).

Lock order (to stay free of deadlocks): the service request row, then its SLA clock rows.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fairdesk.core import roles
from fairdesk.core.choices import is_value, label, rank
from fairdesk.core.errors import DomainError
from fairdesk.core.ids import next_id
from fairdesk.core.localtime import local_text as _local
from fairdesk.core.phones import mask_phone
from fairdesk.core.rows import Columns, atomic_write, column, columns, insert, instances, new
from fairdesk.network.choices import MemberRole, OutletStatus, ProductLine
from fairdesk.network.selectors import outlet_members
from fairdesk.notifications.services import message_send, message_send_to_customer
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import (
    FIELD_KINDS,
    WAITING_STATES,
    ActorRole,
    Channel,
    ClockType,
    EventKind,
    Kind,
    Priority,
    Status,
)
from fairdesk.service_requests.config import (
    AccessConfig,
    KeptToken,
    RoutingConfig,
    routing_config,
)
from fairdesk.service_requests.models import (
    ApiClient,
    ApiToken,
    IdempotencyRecord,
    ServiceRequest,
    SlaClock,
    SlaPause,
    SlaPolicy,
    TimelineEvent,
)
from fairdesk.service_requests.selectors import (
    ASSIGN_OUTLET,
    TRANSITION,
    actor_role_for,
    applicable_policies,
    calendar_of,
    capacities,
    check,
    check_create_for,
    clock_state,
    outlet_calendar,
    principal_for,
    promises_not_applying,
)
from fairdesk.service_requests.sla import ALWAYS_OPEN, CalendarSpec, add_business_time

log = logging.getLogger("fairdesk.service_requests")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DESCRIPTION = 5000
MAX_PREFERRED_AHEAD = timedelta(days=90)
DEFAULT_LEVEL2_HOURS = 4

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def format_duration(delta: timedelta) -> str:
    """45 min / 24 h / 2 h 05 min / 5 d 3 h (in the active language)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, mins = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": mins}
    if hours < 100:
        if not mins:
            return _("%(h)d h") % {"h": hours}
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def _actor_label(actor: Any) -> str:
    """Who acted, as kept in the timeline: a staff user's name; for a customer, their masked
    number (a customer's username holds the full number, which staff must not all see)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    if principal_for(actor).customer_id is None:  # staff: no query for a customer row
        return actor.get_username()
    return mask_phone(actor.customer.phone)


def _user_or_none(actor: Any) -> Any:
    return (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )


def _invalid(message: str, code: str, **details: Any) -> DomainError:
    return DomainError(message, code=code, status=422, details=details or None)


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Routing:
    """Where a new request goes: an outlet, or the central queue (and why)."""

    outlet: Any = None
    out_of_coverage: bool = False
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def route_request(
    *, kind: str, address: Any, device: Any, config: RoutingConfig | None = None
) -> Routing:
    """The outlet for a new request (the most specific covering outlet that serves the product).

    Desk kinds (consultation, plan change, refund, complaint) go to the brand's service desk.
    A field request without an address, with an address that did not resolve to one division,
    or where no active outlet covers the division (or serves the product line) goes to the
    central queue, out of coverage, with the reason; it is routed by hand.
    """
    if kind not in FIELD_KINDS:
        return Routing(reason=_("Handled by the brand's service desk."), data={"desk": True})
    if address is None:
        return Routing(
            out_of_coverage=True,
            reason=_("No address was given: the request will be routed by hand."),
            data={"address": None},
        )
    code = (address.division_code or "").strip()
    if address.division_status != "resolved" or not code:
        return Routing(
            out_of_coverage=True,
            reason=_(
                "The address could not be matched to one district: the request will be "
                "routed by hand."
            ),
            data={"address_status": address.division_status},
        )
    try:
        answer = (config or routing_config()).coverage(code)
    except DomainError:
        return Routing(
            out_of_coverage=True,
            reason=_(
                "The address's district (%(code)s) is not a current division: the request "
                "will be routed by hand."
            )
            % {"code": code},
            data={"division_code": code},
        )
    nearest = [m.outlet.code for m in answer.nearest]
    if not answer.outlets:
        return Routing(
            out_of_coverage=True,
            reason=_("No outlet covers %(division)s.")
            % {"division": address.division_name or code},
            data={"division_code": code, "nearest": nearest},
        )
    line = None
    if device is not None:
        line = device.product_model.product_line
    for match in answer.outlets:
        lines = match.outlet.product_lines or []
        if line is None or not lines or line in lines:
            return Routing(
                outlet=match.outlet,
                data={
                    "outlet": match.outlet.code,
                    "outlet_name": match.outlet.name,
                    "matched_division": {
                        "code": match.coverage.division_code,
                        "level": match.coverage_level,
                        "name": match.coverage.division_name,
                    },
                },
            )
    return Routing(
        out_of_coverage=True,
        reason=_("The outlets covering %(division)s do not serve %(line)s.")
        % {
            "division": address.division_name or code,
            "line": dict(ProductLine.choices).get(line, line),
        },
        data={
            "division_code": code,
            "product_line": line,
            "covering": [m.outlet.code for m in answer.outlets],
        },
    )


# --------------------------------------------------------------------------------------------
# SLA clocks
# --------------------------------------------------------------------------------------------


def _new_clock(
    *,
    request: ServiceRequest,
    policy: SlaPolicy,
    outlet_calendar: CalendarSpec | None,
    start: datetime,
    cycle: int = 1,
) -> SlaClock:
    if policy.calendar_id is not None:
        calendar = calendar_of(policy.calendar)
    else:
        calendar = outlet_calendar or ALWAYS_OPEN
    return new(
        SlaClock,
        request=request,
        clock_type=policy.clock_type,
        cycle=cycle,
        policy=policy,
        duration_minutes=policy.duration_minutes,
        calendar_name=calendar.name,
        started_at=start,
        deadline=add_business_time(start, timedelta(minutes=policy.duration_minutes), calendar),
    )


def _clock_effect(clock: SlaClock, effect: str) -> dict[str, Any]:
    return {
        "clock": clock.clock_type,
        "cycle": clock.cycle,
        "effect": effect,
        "deadline": clock.deadline.isoformat(),
    }


def _pause(clock: SlaClock, *, reason: str, note: str, now: datetime) -> None:
    clock.paused_at = now
    clock.save(update_fields=["paused_at"])
    SlaPause.objects.create(clock=clock, reason=reason, note=note, started_at=now)


def _resume(clock: SlaClock, *, now: datetime) -> None:
    """End a pause: the deadline moves by exactly the paused (wall) time."""
    assert clock.paused_at is not None
    paused = max(now - clock.paused_at, timedelta(0))
    clock.deadline = clock.deadline + paused
    clock.paused_seconds += int(paused.total_seconds())
    clock.paused_at = None
    clock.save(update_fields=["deadline", "paused_seconds", "paused_at"])
    SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=now)


#: The clocks a transition to a status meets.
_MEETS = {
    Status.ON_SITE: {ClockType.ON_SITE},
    Status.RESOLVED: {ClockType.RESOLUTION},
}
#: Leaving "new" for anything but cancellation is the first response (and the callback).
_MET_BY_RESPONSE = {ClockType.FIRST_RESPONSE, ClockType.CALLBACK}


def _apply_sla(
    *,
    request: ServiceRequest,
    from_status: str,
    to_status: str,
    reason: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The SLA effects of a transition (the request row is locked by the caller)."""
    effects: list[dict[str, Any]] = []
    clocks = list(
        SlaClock.objects.select_for_update()
        .filter(request=request, met_at__isnull=True, stopped_at__isnull=True)
        .order_by("pk")
    )
    # 1. Leaving a waiting state resumes the paused clocks.
    if from_status in WAITING_STATES:
        for clock in clocks:
            if clock.paused_at is not None:
                _resume(clock, now=now)
                effects.append(_clock_effect(clock, "resumed"))
    # 2. Meet.
    meets = set(_MEETS.get(to_status, set()))
    if from_status == Status.NEW and to_status != Status.CANCELLED:
        meets |= _MET_BY_RESPONSE
    open_clocks = []
    for clock in clocks:
        if clock.clock_type in meets:
            clock.met_at = now
            clock.save(update_fields=["met_at"])
            effects.append(_clock_effect(clock, "met"))
        else:
            open_clocks.append(clock)
    # 3. Stop: cancellation stops everything; resolving (or closing) stops what no longer
    #    applies (an on-site promise when the problem was solved without a visit).
    if to_status in (Status.CANCELLED, Status.RESOLVED, Status.CLOSED):
        for clock in open_clocks:
            clock.stopped_at = now
            clock.stop_reason = str(to_status)
            clock.save(update_fields=["stopped_at", "stop_reason"])
            effects.append(_clock_effect(clock, "stopped"))
        open_clocks = []
    # 4. Entering a waiting state pauses the running clocks, with the reason.
    if to_status in WAITING_STATES:
        for clock in open_clocks:
            _pause(clock, reason=to_status, note=reason, now=now)
            effects.append(_clock_effect(clock, "paused"))
    # 5. Reopening restarts the resolution promise (a new cycle; the old clock stays as it was).
    if to_status == Status.REOPENED:
        policy = applicable_policies(
            kind=request.kind,
            priority=request.priority,
            division_code=request.division_code,
            covered=not request.out_of_coverage,
        ).get(ClockType.RESOLUTION)
        if policy is not None:
            last = (
                SlaClock.objects.filter(request=request, clock_type=ClockType.RESOLUTION)
                .order_by("-cycle")
                .values_list("cycle", flat=True)
                .first()
            )
            clock = _new_clock(
                request=request,
                policy=policy,
                outlet_calendar=outlet_calendar(request.outlet),
                start=now,
                cycle=(last or 0) + 1,
            )
            clock.save()
            effects.append(_clock_effect(clock, "started"))
    return effects


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def _fingerprint(**fields: Any) -> str:
    def norm(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(SHANGHAI).isoformat()
        return value

    canonical = json.dumps({k: norm(v) for k, v in sorted(fields.items())}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_idempotency_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise _invalid(
            _("An Idempotency-Key is 1–255 printable characters."), "invalid_idempotency_key"
        )
    return key


def _replay(*, owner: dict[str, Any], key: str, fingerprint: str) -> ServiceRequest | None:
    record = (
        IdempotencyRecord.objects.filter(key=key, **owner).select_related("service_request").first()
    )
    if record is None or record.service_request is None:
        return None
    if record.fingerprint != fingerprint:
        raise DomainError(
            _(
                "This Idempotency-Key was already used for a different request (%(number)s). "
                "Use a new key for a new request."
            )
            % {"number": record.service_request.number},
            code="idempotency_key_reused",
            status=422,
            details={"number": record.service_request.number},
        )
    sr = record.service_request
    sr.idempotent_replay = True  # type: ignore[attr-defined]
    return sr


def _check_window(start: datetime | None, end: datetime | None, now: datetime) -> None:
    if start is None and end is None:
        return
    if start is None or end is None:
        raise _invalid(
            _("Give both the start and the end of the preferred visit window."),
            "invalid_window",
        )
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise _invalid(_("The visit window needs times with a time zone."), "invalid_window")
    if end <= start:
        raise _invalid(_("The preferred visit window must end after it starts."), "invalid_window")
    if end <= now:
        raise _invalid(_("The preferred visit window is in the past."), "invalid_window")
    if start > now + MAX_PREFERRED_AHEAD:
        raise _invalid(
            _("The preferred visit window must start within %(days)s days.")
            % {"days": MAX_PREFERRED_AHEAD.days},
            "invalid_window",
        )


def _confirmation_text(
    request: ServiceRequest,
    clocks: list[SlaClock],
    not_applying: list[SlaPolicy],
    routing: Routing,
) -> str:
    parts = [
        _("Your request %(number)s (%(kind)s) has been received.")
        % {"kind": label(Kind, request.kind), "number": request.number}
    ]
    if clocks:
        promises = pgettext("list separator", "; ").join(
            _("%(clock)s by %(deadline)s")
            % {"clock": label(ClockType, c.clock_type), "deadline": _local(c.deadline)}
            for c in clocks
        )
        parts.append(_("Our promises (Beijing time): %(promises)s.") % {"promises": promises})
    if request.outlet is not None:
        parts.append(_("Outlet: %(outlet)s.") % {"outlet": request.outlet.name})
    if request.out_of_coverage:
        parts.append(routing.reason)
        if not_applying:
            parts.append(
                _(
                    "Your address is outside our outlets' service areas, so these promises do "
                    "not apply: %(promises)s. Our service desk will arrange your request by hand."
                )
                % {
                    "promises": pgettext("list separator", "; ").join(
                        _("%(clock)s within %(duration)s")
                        % {
                            "clock": label(ClockType, p.clock_type),
                            "duration": format_duration(timedelta(minutes=p.duration_minutes)),
                        }
                        for p in not_applying
                    )
                }
            )
    if not clocks:
        parts.append(_("No time promise applies to this request."))
    return pgettext("sentence separator", " ").join(str(p) for p in parts if p)


def _check_create(
    *,
    customer: Any,
    kind: str,
    actor: Any,
    address: Any,
    device: Any,
    product_description: str,
    preferred_start: datetime | None,
    preferred_end: datetime | None,
    api_client: ApiClient | None,
    now: datetime,
) -> None:
    """The checks of a new request that depend on more than its own fields."""
    if device is not None and device.customer_id != customer.pk:
        raise _invalid(_("This device is not registered to this customer."), "device_not_owned")
    if address is not None and address.customer_id != customer.pk:
        raise _invalid(_("This address is not one of this customer's."), "address_not_owned")
    if kind in FIELD_KINDS and device is None and not product_description:
        raise _invalid(_("Choose a registered device or describe the product."), "product_required")
    _check_window(preferred_start, preferred_end, now)
    if api_client is not None and not api_client.active:
        raise DomainError(_("This API client is disabled."), code="client_disabled", status=403)
    if actor is not None or api_client is not None:
        check_create_for(actor, customer, api_client=api_client)


def service_request_create(
    *,
    customer: Any,
    kind: str,
    channel: str,
    actor: Any,
    description: str,
    address: Any = None,
    device: Any = None,
    product_description: str = "",
    priority: str = Priority.NORMAL,
    preferred_start: datetime | None = None,
    preferred_end: datetime | None = None,
    idempotency_key: str | None = None,
    api_client: ApiClient | None = None,
    config: RoutingConfig | None = None,
    new_id: int | None = None,
) -> ServiceRequest:
    """File a service request, route it, start its SLA clocks and confirm it to the customer.

    * ``actor`` is the user filing it (the customer, an agent, an integration's user); ``None``
      only for trusted internal callers. Customers file for themselves only; see
      ``selectors.can_create_for``.
    * Routing (``route_request``): the most specific covering outlet; otherwise the request is
      still accepted, in the central queue, ``out_of_coverage`` for field kinds, with the reason
      in the timeline and in the confirmation.
    * Clocks: one per applicable policy (``selectors.applicable_policies``), the deadline
      computed through the policy's (or the outlet's) calendar.
    * Idempotency: with ``idempotency_key``, a second call by the same client (or user) with the
      same key returns the same request (``request.idempotent_replay`` is True), never a second
      one — also when two calls race (the key is claimed by a unique constraint first); the same
      key with different content is a ``DomainError`` 422 ``idempotency_key_reused``.
    * ``config``: the routing configuration, when the caller has read it (``config``); else it
      is read here.
    * ``new_id``: the request's id, when the caller's read took it from the table's sequence
      (``core.ids.next_id_sql``); else it is taken here (``core.ids.next_id``).
    """
    now = timezone.now()
    # --- validate ------------------------------------------------------------------------
    if not is_value(Kind, kind):
        raise _invalid(
            _("Unknown kind of request: %(kind)s.") % {"kind": kind},
            "invalid_kind",
            allowed=list(Kind.values),
        )
    if not is_value(Channel, channel):
        raise _invalid(
            _("Unknown channel: %(channel)s.") % {"channel": channel},
            "invalid_channel",
            allowed=list(Channel.values),
        )
    if not is_value(Priority, priority):
        raise _invalid(
            _("Unknown priority: %(priority)s.") % {"priority": priority},
            "invalid_priority",
            allowed=list(Priority.values),
        )
    description = (description or "").strip()
    if not description:
        raise _invalid(_("Describe the problem or the request."), "description_required")
    if len(description) > MAX_DESCRIPTION:
        raise _invalid(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION},
            "description_too_long",
        )
    product_description = (product_description or "").strip()
    if len(product_description) > 300:
        raise _invalid(
            _("The product description is too long (at most 300 characters)."),
            "product_description_too_long",
        )
    # the key's owner and the request's fingerprint; the key itself is claimed when the request
    # is written (a unique constraint), so the common case — a new key — costs no extra read
    owner: dict[str, Any] | None = None
    fingerprint = ""
    if idempotency_key is not None:
        idempotency_key = _check_idempotency_key(idempotency_key)
        if api_client is not None:
            owner = {"client": api_client}
        elif _user_or_none(actor) is not None:
            owner = {"client": None, "user": actor}
        else:
            raise ValueError("an idempotency key needs an API client or a signed-in actor")
        fingerprint = _fingerprint(
            customer=customer.pk,
            kind=kind,
            channel=channel,
            description=description,
            address=getattr(address, "pk", None),
            device=getattr(device, "pk", None),
            product=product_description,
            priority=priority,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
        )
    try:
        _check_create(
            customer=customer,
            kind=kind,
            actor=actor,
            address=address,
            device=device,
            product_description=product_description,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            api_client=api_client,
            now=now,
        )
    except DomainError:
        # a retry is answered even when a check would now fail (the visit window has passed)
        if owner is not None and idempotency_key is not None:
            replay = _replay(owner=owner, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay
        raise

    # --- decide (reads, outside the write transaction) -----------------------------------
    # the routing configuration: one statement, then answers kept in memory (``config``); the
    # caller passes it when it has read its generation already
    config = config or routing_config()
    routing = route_request(kind=kind, address=address, device=device, config=config)
    division_code = address.division_code if address is not None else ""
    policies = config.policies(
        kind=kind,
        priority=priority,
        division_code=division_code,
        covered=not routing.out_of_coverage,
    )
    calendar = config.outlet_calendar(routing.outlet)
    user = _user_or_none(actor)

    # --- write ---------------------------------------------------------------------------
    try:
        # the rows are written by one statement at the end of the block, which on PostgreSQL
        # is the whole transaction (``core.rows.atomic_write``)
        with atomic_write():
            # the id first, so the row is written once, with its number (``core.ids``)
            sr_id = new_id if new_id is not None else next_id(ServiceRequest)
            sr = new(
                ServiceRequest,
                id=sr_id,
                number=f"SR{timezone.localtime(now, SHANGHAI):%y%m%d}{sr_id:06d}",
                customer=customer,
                device=device,
                device_label=str(device)[:200] if device is not None else "",
                product_description=product_description,
                kind=kind,
                channel=channel,
                priority=priority,
                status=Status.NEW,
                description=description,
                address=address,
                address_text=(address.text if address is not None else "")[:300],
                division_code=division_code or "",
                division_name=(address.division_name if address is not None else "")[:200],
                outlet=routing.outlet,
                out_of_coverage=routing.out_of_coverage,
                preferred_start=preferred_start,
                preferred_end=preferred_end,
                created_by=user,
                created_at=now,
            )
            # the rows of a creation are written by statements written once (``core.rows``)
            insert([sr])
            if owner is not None:
                assert idempotency_key is not None
                # claim the key: a concurrent call with the same key blocks on the unique
                # constraint until this transaction ends, then fails, rolls back everything it
                # wrote, and replays this request (see the IntegrityError handler below)
                insert(
                    [
                        new(
                            IdempotencyRecord,
                            key=idempotency_key,
                            fingerprint=fingerprint,
                            service_request=sr,
                            **owner,
                        )
                    ]
                )
            clocks = [
                _new_clock(request=sr, policy=p, outlet_calendar=calendar, start=now)
                for _t, p in sorted(policies.items(), key=lambda item: rank(ClockType, item[0]))
            ]
            insert(clocks)
            not_applying = (
                promises_not_applying(
                    sr,
                    clocks=clocks,
                    covered=config.policies(
                        kind=kind, priority=priority, division_code=division_code, covered=True
                    ),
                )
                if sr.out_of_coverage
                else []
            )
            if api_client is not None:
                role = ActorRole.INTEGRATION
            elif actor is None:
                role = ActorRole.SYSTEM
            else:
                role = actor_role_for(principal_for(actor), sr)
            insert(
                [
                    new(
                        TimelineEvent,
                        request=sr,
                        at=now,
                        actor=user,
                        actor_label=api_client.name if api_client else _actor_label(actor),
                        actor_role=role,
                        to_status=Status.NEW,
                        kind=EventKind.CREATED,
                        data={
                            "number": sr.number,
                            "channel": channel,
                            "kind": kind,
                            "priority": priority,
                            "clocks": [
                                {"clock": c.clock_type, "deadline": c.deadline.isoformat()}
                                for c in clocks
                            ],
                            "promises_not_applying": [p.clock_type for p in not_applying],
                        },
                    ),
                    new(
                        TimelineEvent,
                        request=sr,
                        at=now,
                        actor_role=ActorRole.SYSTEM,
                        kind=EventKind.ROUTED if sr.outlet is not None else EventKind.CENTRAL_QUEUE,
                        reason=routing.reason,
                        data={**routing.data, "out_of_coverage": sr.out_of_coverage},
                    ),
                ]
            )
            language = getattr(customer, "language", "") or settings.LANGUAGE_CODE
            with translation.override(language):
                body = _confirmation_text(sr, clocks, not_applying, routing)
                subject = _("Service request %(number)s") % {"number": sr.number}
            message_send_to_customer(
                customer=customer,
                kind="service_request.created",
                subject=subject,
                body=body,
                reference=sr.number,
            )
    except IntegrityError:
        if owner is None or idempotency_key is None:
            raise
        # a concurrent call with the same key won the race: return its request
        replay = _replay(owner=owner, key=idempotency_key, fingerprint=fingerprint)
        if replay is None:
            raise
        return replay
    sr.idempotent_replay = False  # type: ignore[attr-defined]
    # to render the answer without reading them again
    sr.new_clocks = clocks  # type: ignore[attr-defined]
    sr.new_not_applying = not_applying  # type: ignore[attr-defined]
    return sr


# --------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------


def _status_message(sr: ServiceRequest, event: TimelineEvent) -> None:
    """Tell the customer, in their portal inbox, what changed (also when they did it themselves:
    every change is confirmed on a durable medium)."""
    from fairdesk.service_requests.selectors import event_text

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
    SLA effects (leaving "new" meets the first response and callback; on site meets on-site;
    resolved meets resolution; waiting states pause the running clocks and leaving them resumes
    them, moving the deadline by the paused time; cancellation stops every clock; reopening
    starts a new resolution clock), one timeline event, and a portal message to the customer
    saying what changed. ``serving`` is the customer an agent is serving (the
    console's caller); an agent may cancel, close or reopen only for them.
    Returns the updated request (a fresh object; ``request`` is refreshed too).
    """
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise _invalid(_("The reason is too long (at most 2000 characters)."), "reason_too_long")
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
            raise _invalid(_("Give a reason for this change."), "reason_required")
        from_status = sr.status
        effects = _apply_sla(
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
        role = actor_role_for(principal, sr, api_client=api_client)
        event = TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor=_user_or_none(actor),
            actor_label=_actor_label(actor),
            actor_role=role,
            from_status=from_status,
            to_status=to_status,
            kind=EventKind.STATUS_CHANGED,
            reason=reason,
            data=data,
        )
        _status_message(sr, event)
    request.refresh_from_db()
    return sr


def service_request_assign_outlet(
    *,
    request: ServiceRequest,
    outlet: Any,
    actor: Any,
    reason: str,
) -> ServiceRequest:
    """Route a request by hand (the central queue's out-of-coverage requests, or a re-route).

    Central dispatch and brand administrators only; the outlet must be active; a reason is
    required. The request is no longer out of coverage: the promises for covered requests
    that it did not have start now (paused if the request is waiting), except those whose
    moment has passed (a first response once the request left "new", on-site once visited).
    """
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("Give a reason for this change."), "reason_required")
    if outlet.status != OutletStatus.ACTIVE:
        raise _invalid(
            _("Outlet %(code)s is not active.") % {"code": outlet.code}, "outlet_inactive"
        )
    now = timezone.now()
    with transaction.atomic():
        sr = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("customer", "outlet")
            .get(pk=request.pk)
        )
        check(actor, ASSIGN_OUTLET, sr)
        if sr.outlet_id == outlet.pk:
            raise DomainError(
                _("Request %(number)s is already with %(outlet)s.")
                % {"number": sr.number, "outlet": outlet.name},
                code="already_assigned",
                status=409,
            )
        previous = sr.outlet
        was_out = sr.out_of_coverage
        sr.outlet = outlet
        sr.out_of_coverage = False
        sr.save(update_fields=["outlet", "out_of_coverage", "updated_at"])
        present = set(
            SlaClock.objects.filter(request=sr).values_list("clock_type", flat=True).distinct()
        )
        passed: set[str] = set()
        if sr.status != Status.NEW:
            passed |= _MET_BY_RESPONSE
        if sr.visited_at is not None:
            passed.add(ClockType.ON_SITE)
        policies = applicable_policies(
            kind=sr.kind, priority=sr.priority, division_code=sr.division_code, covered=True
        )
        calendar = outlet_calendar(outlet)
        effects = []
        for clock_type in ClockType.values:
            policy = policies.get(clock_type)
            if policy is None or clock_type in present or clock_type in passed:
                continue
            clock = _new_clock(request=sr, policy=policy, outlet_calendar=calendar, start=now)
            clock.save()
            effects.append(_clock_effect(clock, "started"))
            if sr.status in WAITING_STATES:
                _pause(clock, reason=sr.status, note=reason, now=now)
                effects.append(_clock_effect(clock, "paused"))
        principal = principal_for(actor)
        TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor=_user_or_none(actor),
            actor_label=_actor_label(actor),
            actor_role=actor_role_for(principal, sr),
            from_status=sr.status,
            to_status=sr.status,
            kind=EventKind.OUTLET_ASSIGNED,
            reason=reason,
            data={
                "outlet": outlet.code,
                "outlet_name": outlet.name,
                "previous_outlet": previous.code if previous else None,
                "was_out_of_coverage": was_out,
                "clocks": effects,
            },
        )
    request.refresh_from_db()
    return sr


# --------------------------------------------------------------------------------------------
# Escalation (run every minute by the worker: tasks.py)
# --------------------------------------------------------------------------------------------


def _escalation_recipients(sr: ServiceRequest, level: int) -> list[Any]:
    if level == 1 and sr.outlet is not None:
        managers = list(outlet_members(outlet=sr.outlet, roles=[MemberRole.MANAGER]))
        if managers:
            return managers
    return roles.brand_admins()


def _escalate(clock: SlaClock, *, level: int, now: datetime) -> bool:
    """Escalate one breached clock to ``level``, exactly once (False: already done, or met)."""
    with transaction.atomic():
        claimed = SlaClock.objects.filter(
            pk=clock.pk,
            escalation_level=level - 1,
            met_at__isnull=True,
            stopped_at__isnull=True,
        ).update(escalation_level=level, escalated_at=now)
        if not claimed:
            return False
        clock.escalation_level, clock.escalated_at = level, now
        sr = clock.request
        state = clock_state(clock, now=now)
        recipients = _escalation_recipients(sr, level)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("SLA breach, level %(level)s: %(number)s") % {
                "level": level,
                "number": sr.number,
            }
            body = _(
                "Request %(number)s (%(kind)s): the %(clock)s deadline %(deadline)s (Beijing "
                "time) was missed by %(overdue)s. Outlet: %(outlet)s. Status: %(status)s."
            ) % {
                "number": sr.number,
                "kind": sr.get_kind_display(),
                "clock": clock.get_clock_type_display(),
                "deadline": _local(clock.deadline),
                "overdue": format_duration(state.overdue_by or timedelta(0)),
                "outlet": sr.outlet.name if sr.outlet else _("central queue"),
                "status": sr.get_status_display(),
            }
            if level >= 2:
                body += " " + _("Still not met: escalated to the brand's administrators.")
        for user in recipients:
            key = f"sla:{clock.pk}:{level}"
            message_send(
                channel="portal",
                user=user,
                kind="sla.escalation",
                subject=subject,
                body=body,
                reference=sr.number,
                dedupe_key=f"{key}:u{user.pk}",
            )
            if user.email:
                message_send(
                    channel="email",
                    recipient=user.email,
                    user=user,
                    kind="sla.escalation",
                    subject=subject,
                    body=body,
                    reference=sr.number,
                    dedupe_key=f"{key}:e{user.pk}",
                )
        if not recipients:
            log.warning("SLA escalation %s level %s: nobody to notify", sr.number, level)
        TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor_role=ActorRole.SYSTEM,
            from_status=sr.status,
            to_status=sr.status,
            kind=EventKind.ESCALATED,
            data={
                "clock_type": clock.clock_type,
                "cycle": clock.cycle,
                "level": level,
                "deadline": clock.deadline.isoformat(),
                "overdue_seconds": int((state.overdue_by or timedelta(0)).total_seconds()),
                "notified": [u.get_username() for u in recipients],
            },
        )
    return True


def sla_escalate_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate every breached, unmet clock; return the number of escalations sent.

    Level 1 goes to the managers of the request's outlet (the brand administrators when the
    request is in the central queue or the outlet has no manager); level 2, once the clock is
    overdue by ``SLA_ESCALATION_LEVEL2_HOURS`` (default 4) and still unmet, to the brand
    administrators. Each level is sent exactly once per clock: it is claimed by a conditional
    UPDATE of ``escalation_level`` (two workers racing: one wins) and the messages carry the
    dedupe key ``sla:<clock>:<level>:<recipient>``.
    """
    from fairdesk.service_requests.selectors import breached_clocks

    now = now or timezone.now()
    hours = getattr(settings, "SLA_ESCALATION_LEVEL2_HOURS", DEFAULT_LEVEL2_HOURS)
    level2_after = timedelta(hours=hours)
    sent = 0
    level2_due = Q(escalation_level=1) & (
        Q(paused_at__isnull=True, deadline__lte=now - level2_after)
        | Q(paused_at__isnull=False, deadline__lte=F("paused_at") - level2_after)
    )
    due = (
        breached_clocks(now=now)
        .filter(Q(escalation_level=0) | level2_due)
        .select_related("request__outlet", "request__customer")
        .order_by("deadline", "pk")[:batch]
    )
    for clock in list(due):
        state = clock_state(clock, now=now)
        if not state.breached:
            continue
        if clock.escalation_level < 1 and _escalate(clock, level=1, now=now):
            sent += 1
        overdue = state.overdue_by or timedelta(0)
        if (
            clock.escalation_level == 1
            and overdue >= level2_after
            and _escalate(clock, level=2, now=now)
        ):
            sent += 1
    return sent


# --------------------------------------------------------------------------------------------
# API clients and tokens
# --------------------------------------------------------------------------------------------

TOKEN_PREFIX = "fd_"


def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Forget idempotency keys older than ``IDEMPOTENCY_KEY_DAYS`` (setting, default 30 days).

    A retry within that time is answered with the first request; the requests themselves are
    never touched. Returns how many keys were forgotten.
    """
    days = int(getattr(settings, "IDEMPOTENCY_KEY_DAYS", 30))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, client_name: str, user: Any) -> tuple[ApiToken, str]:
    """Issue a token for the client ``client_name`` (created, acting as ``user``, if new).

    Returns the token row and the key: the key is shown this once; only its hash is kept.
    """
    name = (client_name or "").strip()
    if not name or len(name) > 100:
        raise _invalid(_("An API client needs a name (at most 100 characters)."), "name_required")
    if user is None or not user.is_active:
        raise _invalid(_("The API client's user must be an active user."), "invalid_user")
    with transaction.atomic():
        client, _created = ApiClient.objects.get_or_create(name=name, defaults={"user": user})
        if client.user_id != user.pk:
            raise DomainError(
                _("The API client %(name)s acts as another user.") % {"name": name},
                code="client_user_mismatch",
                status=409,
            )
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(client=client, prefix=key[:10], key_hash=_hash_key(key))
    return token, key


@functools.cache
def _token_statement(vendor: str) -> tuple[str, Columns, Columns, Columns]:
    """The statement of ``api_token_authenticate``, written once (``core.rows``): the active
    token with this key hash, of an active client, acting as an active user; its parameters are
    the hash, then True three times."""
    user_model = get_user_model()
    qn = connection.ops.quote_name
    t = columns(ApiToken, "t", connection)
    c = columns(ApiClient, "c", connection)
    u = columns(user_model, "u", connection)

    col = functools.partial(column, connection=connection)

    sql = (
        f"SELECT {t.sql}, {c.sql}, {u.sql} FROM {qn(ApiToken._meta.db_table)} t"
        f" JOIN {qn(ApiClient._meta.db_table)} c"
        f" ON c.{col(ApiClient, 'id')} = t.{col(ApiToken, 'client')}"
        f" JOIN {qn(user_model._meta.db_table)} u"
        f" ON u.{col(user_model, 'id')} = c.{col(ApiClient, 'user')}"
        f" WHERE t.{col(ApiToken, 'key_hash')} = %s AND t.{col(ApiToken, 'active')} = %s"
        f" AND c.{col(ApiClient, 'active')} = %s AND u.{col(user_model, 'is_active')} = %s"
    )
    return sql, t, c, u


def api_token_authenticate(*, key: str, access: AccessConfig | None = None) -> ApiToken | None:
    """The active token with this key (of an active client and user), or None. The token comes
    with its client and user, and the user's principal (``selectors.principal_for``).

    ``access``: the access configuration the caller has read (``config.access_config``); a token
    authenticated under it is then taken from memory, as fresh instances (one statement, the
    configuration's generation, instead of two). Records when the token was last used (at most
    once a minute per process, so that reads stay reads).
    """
    key = (key or "").strip()
    if not key.startswith(TOKEN_PREFIX) or len(key) > 200:
        return None
    key_hash = _hash_key(key)
    sql, token_cols, client_cols, user_cols = _token_statement(connection.vendor)
    cols = (token_cols, client_cols, user_cols)

    def read() -> KeptToken | None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [key_hash, True, True, True])
            row = cursor.fetchone()
        if row is None:
            return None
        token, _client, user = instances(row, cols, connection)
        principal = principal_for(user)
        return KeptToken(row=tuple(row), principal=principal, last_used_at=token.last_used_at)

    kept = read() if access is None else access.token(key_hash, read)
    if kept is None:
        return None
    token, client, client.user = instances(kept.row, cols, connection)
    token.client = client
    client.user._fairdesk_principal = kept.principal  # as principal_for keeps it
    now = timezone.now()
    if kept.last_used_at is None or now - kept.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        kept.last_used_at = now
    token.last_used_at = kept.last_used_at
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False


def resolved_requests_autoclose(*, now: datetime | None = None) -> int:
    """Close requests that stayed resolved ``AUTO_CLOSE_RESOLVED_DAYS`` (setting, default 7)
    without the customer closing or reopening them; the timeline names the system and the rule,
    and the customer is told (they can still ask for the repair to be looked at again with a new
    request or a complaint). Returns how many were closed."""
    from django.db.models import Max

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
            _status_message(sr, event)
            closed += 1
    return closed
