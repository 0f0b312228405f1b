"""Filing a service request, in two steps (as Zulip's ``check_*`` / ``do_*``):

1. ``check_service_request`` checks the request's own fields and returns a ``NewRequest``;
   ``check_may_file`` checks it against the world — the device and address are the customer's,
   the visit window is possible, the caller may file for this customer.
2. ``do_service_request_create`` routes it and writes it in one transaction: the request (its
   number computed by the database from its id, ``models.RequestNumber``), its Idempotency-Key,
   its SLA clocks, two timeline events and the confirmation to the customer.

``service_request_file`` runs both and answers retries: with an ``Idempotency-Key``, a second
call by the same client (or user) with the same key gets the first request back (``Filed``
with ``replayed``) — also when two calls race (the key is claimed by a unique constraint in the
writing transaction) and when a check would now fail (the visit window has passed); the same
key with other content is 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fairdesk.api.models import ApiClient
from fairdesk.core.choices import is_value, label, rank
from fairdesk.core.errors import DomainError, Invalid
from fairdesk.core.localtime import SHANGHAI
from fairdesk.core.localtime import local_text as _local
from fairdesk.core.safety import looks_hazardous, safety_advice
from fairdesk.core.sentences import sentences
from fairdesk.notifications.services import message_send_to_customer
from fairdesk.service_requests.choices import (
    FIELD_KINDS,
    ActorRole,
    Channel,
    ClockType,
    EventKind,
    Kind,
    Priority,
    Status,
)
from fairdesk.service_requests.configuration import routing_config
from fairdesk.service_requests.display import format_duration
from fairdesk.service_requests.models import (
    IdempotencyRecord,
    ServiceRequest,
    SlaClock,
    SlaPolicy,
    TimelineEvent,
)
from fairdesk.service_requests.selectors import (
    actor_label,
    actor_role_for,
    check_belongs_to,
    check_files_for,
    principal_for,
    promises_not_applying,
    signed_in_user,
    tracking_link,
)
from fairdesk.service_requests.services.clocks import new_clock
from fairdesk.service_requests.services.escalation import safety_alert
from fairdesk.service_requests.services.routing import Routing, route_request

MAX_DESCRIPTION = 5000
MAX_PRODUCT_DESCRIPTION = 300
MAX_PREFERRED_AHEAD = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request whose own fields passed ``check_service_request``."""

    customer: Any
    kind: str
    channel: str
    priority: str
    description: str
    product_description: str
    address: Any
    device: Any
    preferred_start: datetime | None
    preferred_end: datetime | None
    actor: Any  # the user filing it; None only for trusted internal callers
    client: ApiClient | None  # the integration, when one files it


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """An Idempotency-Key, whose it is (an integration, else the signed-in user) and the
    fingerprint of the request it was sent with."""

    key: str
    client: ApiClient | None
    user: Any
    fingerprint: str

    def owner(self) -> dict[str, Any]:
        if self.client is not None:
            return {"client": self.client}
        return {"client": None, "user": self.user}


@dataclass(frozen=True, slots=True)
class Filed:
    """What filing gave: the request and, when it was written now (not a retry's answer), its
    clocks and the promises that do not apply to it (so that the answer needs no read)."""

    request: ServiceRequest
    replayed: bool = False
    clocks: list[SlaClock] | None = None
    not_applying: list[SlaPolicy] | None = None


# --------------------------------------------------------------------------------------------
# 1. Checks
# --------------------------------------------------------------------------------------------


def check_service_request(
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
    api_client: ApiClient | None = None,
) -> NewRequest:
    """The request's own fields, checked and normalised (422 with the rule's code)."""
    if not is_value(Kind, kind):
        raise Invalid(
            _("Unknown kind of request: %(kind)s.") % {"kind": kind},
            code="invalid_kind",
            details={"allowed": list(Kind.values)},
        )
    if not is_value(Channel, channel):
        raise Invalid(
            _("Unknown channel: %(channel)s.") % {"channel": channel},
            code="invalid_channel",
            details={"allowed": list(Channel.values)},
        )
    if not is_value(Priority, priority):
        raise Invalid(
            _("Unknown priority: %(priority)s.") % {"priority": priority},
            code="invalid_priority",
            details={"allowed": list(Priority.values)},
        )
    description = (description or "").strip()
    if not description:
        raise Invalid(_("Describe the problem or the request."), code="description_required")
    if looks_hazardous(description):
        priority = Priority.URGENT  # a hazard is urgent whoever files it and however
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION},
            code="description_too_long",
        )
    product_description = (product_description or "").strip()
    if len(product_description) > MAX_PRODUCT_DESCRIPTION:
        raise Invalid(
            _("The product description is too long (at most 300 characters)."),
            code="product_description_too_long",
        )
    return NewRequest(
        customer=customer,
        kind=kind,
        channel=channel,
        priority=priority,
        description=description,
        product_description=product_description,
        address=address,
        device=device,
        preferred_start=preferred_start,
        preferred_end=preferred_end,
        actor=actor,
        client=api_client,
    )


def check_may_file(new: NewRequest, *, now: datetime) -> None:
    """The checks that depend on more than the request's own fields: the device and address
    are the customer's, a field request names its product, the visit window can be kept, the
    integration is active, and the caller may file for this customer (``check_files_for``: an
    integration by its user's rights)."""
    check_belongs_to(new.customer, device=new.device, address=new.address)
    if new.kind in FIELD_KINDS and getattr(new.address, "division_status", "") == "not_found":
        raise Invalid(
            _(
                "We could not find this address: %(text)s. Correct it (province, city and "
                "district first) and file the request again."
            )
            % {"text": new.address.text},
            code="address_not_found",
            details={"address_id": new.address.pk},
        )
    if new.kind in FIELD_KINDS and new.device is None and not new.product_description:
        raise Invalid(
            _("Choose a registered device or describe the product."), code="product_required"
        )
    _check_window(new.preferred_start, new.preferred_end, now)
    if new.client is not None and not new.client.active:
        raise DomainError(_("This API client is disabled."), code="client_disabled", status=403)
    actor = new.actor if new.actor is not None else (new.client.user if new.client else None)
    if actor is not None:
        check_files_for(actor, new.customer)


def _check_window(start: datetime | None, end: datetime | None, now: datetime) -> None:
    if start is None and end is None:
        return
    if start is None or end is None:
        raise Invalid(
            _("Give both the start and the end of the preferred visit window."),
            code="invalid_window",
        )
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise Invalid(_("The visit window needs times with a time zone."), code="invalid_window")
    if end <= start:
        raise Invalid(
            _("The preferred visit window must end after it starts."), code="invalid_window"
        )
    if end <= now:
        raise Invalid(_("The preferred visit window is in the past."), code="invalid_window")
    if start > now + MAX_PREFERRED_AHEAD:
        raise Invalid(
            _("The preferred visit window must start within %(days)s days.")
            % {"days": MAX_PREFERRED_AHEAD.days},
            code="invalid_window",
        )


# --------------------------------------------------------------------------------------------
# Idempotency
# --------------------------------------------------------------------------------------------


def idempotency_claim(new: NewRequest, key: str) -> IdempotencyClaim:
    """The claim of ``key`` for this request (422 ``invalid_idempotency_key`` for a key that is
    not 1–255 printable characters). A key needs an owner: an integration or a signed-in user."""
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise Invalid(
            _("An Idempotency-Key is 1–255 printable characters."), code="invalid_idempotency_key"
        )
    user = signed_in_user(new.actor)
    if new.client is None and user is None:
        raise ValueError("an idempotency key needs an API client or a signed-in actor")

    def norm(value: Any) -> Any:
        return value.astimezone(SHANGHAI).isoformat() if isinstance(value, datetime) else value

    content = {
        "customer": new.customer.pk,
        "kind": new.kind,
        "channel": new.channel,
        "description": new.description,
        "address": getattr(new.address, "pk", None),
        "device": getattr(new.device, "pk", None),
        "product": new.product_description,
        "priority": new.priority,
        "preferred_start": norm(new.preferred_start),
        "preferred_end": norm(new.preferred_end),
    }
    fingerprint = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return IdempotencyClaim(key=key, client=new.client, user=user, fingerprint=fingerprint)


def replay_of(claim: IdempotencyClaim) -> ServiceRequest | None:
    """The request filed earlier with this key by the same owner (None: the key is new); 422
    ``idempotency_key_reused`` when it was filed with other content."""
    record = (
        IdempotencyRecord.objects.filter(key=claim.key, **claim.owner())
        .select_related("service_request")
        .first()
    )
    if record is None or record.service_request is None:
        return None
    if record.fingerprint != claim.fingerprint:
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
    return record.service_request


def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Forget idempotency keys older than ``IDEMPOTENCY_KEY_DAYS`` (setting, default 30 days).

    A retry within that time is answered with the first request; the requests themselves are
    never touched. Returns how many keys were forgotten.
    """
    days = int(getattr(settings, "IDEMPOTENCY_KEY_DAYS", 30))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --------------------------------------------------------------------------------------------
# 2. The write
# --------------------------------------------------------------------------------------------


def do_service_request_create(
    new: NewRequest, *, claim: IdempotencyClaim | None = None, now: datetime
) -> Filed:
    """Route ``new`` (``routing.route_request``), then write it in one transaction: the request,
    the key's claim, one clock per applicable promise (the routing configuration's policies,
    ``configuration.routing_config``; the deadline through the policy's or the outlet's
    calendar), the "created" and "routed" events
    and the confirmation (SMS and portal) with the number and every deadline that applies.

    A field request that no outlet covers is still accepted, in the central queue, out of
    coverage, with the reason in the timeline and in the confirmation. With a ``claim``, a
    concurrent call with the same key blocks on the key's unique constraint until this
    transaction ends, then fails, rolls back what it wrote and answers with this request.
    """
    config = routing_config()  # one statement, then answers kept in memory
    routing = route_request(kind=new.kind, address=new.address, device=new.device, config=config)
    division_code = new.address.division_code if new.address is not None else ""
    covered = not routing.out_of_coverage
    policies = config.policies(
        kind=new.kind, priority=new.priority, division_code=division_code, covered=covered
    )
    calendar = config.outlet_calendar(routing.outlet)
    try:
        with transaction.atomic():
            sr = _write_request(new, routing, division_code=division_code, now=now)
            if claim is not None:
                IdempotencyRecord.objects.create(
                    key=claim.key,
                    fingerprint=claim.fingerprint,
                    service_request=sr,
                    **claim.owner(),
                )
            clocks = SlaClock.objects.bulk_create(
                new_clock(request=sr, policy=policy, outlet_calendar=calendar, start=now)
                for _type, policy in sorted(
                    policies.items(), key=lambda item: rank(ClockType, item[0])
                )
            )
            not_applying = (
                []
                if covered
                else promises_not_applying(
                    sr,
                    clocks=clocks,
                    covered=config.policies(
                        kind=new.kind,
                        priority=new.priority,
                        division_code=division_code,
                        covered=True,
                    ),
                )
            )
            _write_events(sr, new, routing, clocks, not_applying, now=now)
            if sr.priority == Priority.URGENT:
                safety_alert(sr=sr, now=now)
            _confirm(sr, clocks, not_applying, routing)
    except IntegrityError:
        replay = replay_of(claim) if claim is not None else None
        if replay is None:
            raise
        return Filed(replay, replayed=True)
    return Filed(sr, clocks=clocks, not_applying=not_applying)


def _write_request(
    new: NewRequest, routing: Routing, *, division_code: str, now: datetime
) -> ServiceRequest:
    address, device = new.address, new.device
    return ServiceRequest.objects.create(
        customer=new.customer,
        device=device,
        device_label=device.label[:200] if device is not None else "",
        product_description=new.product_description,
        kind=new.kind,
        channel=new.channel,
        priority=new.priority,
        status=Status.NEW,
        description=new.description,
        address=address,
        address_text=(address.text if address is not None else "")[:300],
        division_code=division_code or "",
        division_name=(address.division_name if address is not None else "")[:200],
        outlet=routing.outlet,
        out_of_coverage=routing.out_of_coverage,
        preferred_start=new.preferred_start,
        preferred_end=new.preferred_end,
        created_by=signed_in_user(new.actor),
        created_at=now,
    )


def _write_events(
    sr: ServiceRequest,
    new: NewRequest,
    routing: Routing,
    clocks: list[SlaClock],
    not_applying: list[SlaPolicy],
    *,
    now: datetime,
) -> None:
    """The "created" event (who filed it, the promises) and the "routed" one (where and why)."""
    role: str
    if new.client is not None:
        role = ActorRole.INTEGRATION
    elif new.actor is None:
        role = ActorRole.SYSTEM
    else:
        role = actor_role_for(principal_for(new.actor), sr)
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                request=sr,
                at=now,
                actor=signed_in_user(new.actor),
                actor_label=new.client.name if new.client else actor_label(new.actor),
                actor_role=role,
                to_status=Status.NEW,
                kind=EventKind.CREATED,
                data={
                    "number": sr.number,
                    "channel": new.channel,
                    "kind": new.kind,
                    "priority": new.priority,
                    "clocks": [
                        {"clock": c.clock_type, "deadline": c.deadline.isoformat()} for c in clocks
                    ],
                    "promises_not_applying": [p.clock_type for p in not_applying],
                },
            ),
            TimelineEvent(
                request=sr,
                at=now,
                actor_role=ActorRole.SYSTEM,
                kind=EventKind.ROUTED if sr.outlet is not None else EventKind.CENTRAL_QUEUE,
                reason=routing.reason,
                data={**routing.data, "out_of_coverage": sr.out_of_coverage},
            ),
        ]
    )


def _confirm(
    sr: ServiceRequest,
    clocks: list[SlaClock],
    not_applying: list[SlaPolicy],
    routing: Routing,
) -> None:
    """The confirmation to the customer, in their language (SMS and portal)."""
    customer = sr.customer
    language = getattr(customer, "language", "") or settings.LANGUAGE_CODE
    # the request's progress without signing in: a signed link that expires (selectors.tracking)
    link = tracking_link(sr)
    with translation.override(language):
        body = sentences(
            confirmation_text(sr, clocks, not_applying, routing),
            _("Follow your request here: %(link)s") % {"link": link},
        )
        subject = _("Service request %(number)s") % {"number": sr.number}
        params = {
            "number": sr.number,
            "kind": str(label(Kind, sr.kind)),
            # the earliest promise (the SMS template's one deadline); "-" for none
            "deadline": _local(min(c.deadline for c in clocks)) if clocks else "-",
            "link": link,
        }
    urgent = sr.priority == Priority.URGENT
    if urgent:  # the safety template says what to do now (docs/notifications.md)
        params.pop("kind")
    message_send_to_customer(
        customer=customer,
        kind="service_request.safety" if urgent else "service_request.created",
        subject=subject,
        body=body,
        reference=sr.number,
        params=params,
    )


def confirmation_text(
    request: ServiceRequest,
    clocks: list[SlaClock],
    not_applying: list[SlaPolicy],
    routing: Routing,
) -> str:
    """The confirmation of a new request, in the active language: its number, every deadline
    (Beijing time), the outlet, and for a request out of coverage why and which promises do not
    apply."""
    separator = pgettext("list separator", "; ")
    parts: list[Any] = []
    if request.priority == Priority.URGENT:
        parts.append(_("Safety first:"))
        parts.extend(safety_advice(request.description))
    parts.append(
        _("Your request %(number)s (%(kind)s) has been received.")
        % {"kind": label(Kind, request.kind), "number": request.number}
    )
    if clocks:
        promises = separator.join(
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
            missing = separator.join(
                _("%(clock)s within %(duration)s")
                % {
                    "clock": label(ClockType, p.clock_type),
                    "duration": format_duration(timedelta(minutes=p.duration_minutes)),
                }
                for p in not_applying
            )
            # a place no outlet covers, or whose outlets do not serve this product
            if "nearest" in routing.data or "product_line" in routing.data:
                text = _(
                    "Your address is outside our outlets' service areas, so these promises do "
                    "not apply: %(promises)s. Our service desk will arrange your request by hand."
                )
            else:  # no address, or one that could not be placed in one district
                text = _(
                    "Until our service desk has found the outlet for your address, these "
                    "promises do not apply: %(promises)s. It will arrange your request by hand."
                )
            parts.append(text % {"promises": missing})
    if not clocks:
        parts.append(_("No time promise applies to this request."))
    return sentences(*parts)


# --------------------------------------------------------------------------------------------
# Both steps
# --------------------------------------------------------------------------------------------


def service_request_file(
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
) -> Filed:
    """File a service request: the checks, then the write; a retry with the same
    ``idempotency_key`` gets the first request back (see the module's docstring).

    ``actor`` is the user filing it (the customer, an agent, an integration's user); None only
    for trusted internal callers."""
    now = timezone.now()
    new = check_service_request(
        customer=customer,
        kind=kind,
        channel=channel,
        actor=actor,
        description=description,
        address=address,
        device=device,
        product_description=product_description,
        priority=priority,
        preferred_start=preferred_start,
        preferred_end=preferred_end,
        api_client=api_client,
    )
    claim = idempotency_claim(new, idempotency_key) if idempotency_key is not None else None
    try:
        check_may_file(new, now=now)
    except DomainError:
        replay = replay_of(claim) if claim is not None else None
        if replay is None:
            raise
        return Filed(replay, replayed=True)
    # a retry's key is found when the write claims it (``do_service_request_create``): the
    # common case, a new key, costs no read
    return do_service_request_create(new, claim=claim, now=now)


def service_request_create(**fields: Any) -> ServiceRequest:
    """``service_request_file``'s request (for callers that need only the row)."""
    return service_request_file(**fields).request
