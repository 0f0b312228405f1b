"""Service requests in the API (mounted at /api/v1/service-requests).

Authentication: ``Authorization: Bearer <token>`` for integrations (``create_api_token``), or the
session of a signed-in user (customer or staff; unsafe methods need the CSRF token). The token's
client acts as its user. Access is decided by ``selectors`` (who sees and may change what).

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated`` (neither a session nor a token), ``invalid_token``;
* 403 ``forbidden`` (seen but not yours to change, or not yours to file for), ``csrf_failed``;
* 404 ``request_not_found`` (also for a request you may not see), ``customer_not_found``,
  ``outlet_not_found``;
* 409 ``illegal_transition`` (the state machine does not allow it from the current status),
  ``cancel_after_visit``, ``already_assigned``;
* 422 ``invalid_input`` (the body or query), ``reason_required``, ``invalid_window``,
  ``device_not_owned``, ``address_not_owned``, ``product_required``,
  ``idempotency_key_reused`` (the same Idempotency-Key with a different body) ….

Creation with an ``Idempotency-Key`` header: the first call answers 201, a retry with the same key
and body answers 200 with the same request (header ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Respond
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from fairdesk.core.choices import label
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.localtime import local_or_none as _local
from fairdesk.core.phones import normalize_mobile
from fairdesk.core.schemas import Data, ErrorOut
from fairdesk.service_requests import config, selectors, services
from fairdesk.service_requests.choices import (
    ActorRole,
    Channel,
    ClockType,
    Kind,
    Priority,
    Status,
)
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent

router = Router()

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: an integration (ApiClient) acting as its user."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None  # no token: the session may still authenticate
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise DomainError(
                _("Send the token as “Authorization: Bearer <token>”."),
                code="invalid_token",
                status=401,
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # every configuration's generation in one statement: the token is checked against the
        # access configuration, and a creation routes with the routing one (``config``)
        generations = config.read_generations()
        request.config_generations = generations  # type: ignore[attr-defined]
        found = services.api_token_authenticate(
            key=token, access=config.access_config(generations.get(config.ACCESS))
        )
        if found is None:
            raise DomainError(
                _("The API token is not valid, or it was revoked."),
                code="invalid_token",
                status=401,
            )
        request.api_client = found.client  # type: ignore[attr-defined]
        return found.client.user


class SessionUserAuth(APIKeyCookie):
    """The signed-in user's session (the portal and the console), CSRF-checked for writes.

    Last in the list: when it fails, the request is not authenticated (401 in the one error
    shape, rather than Ninja's default body).
    """

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            raise DomainError(
                _("Sign in, or send an API token (Authorization: Bearer <token>)."),
                code="not_authenticated",
                status=401,
            )
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise DomainError(
                _("The form has expired (CSRF check failed): reload the page and try again."),
                code="csrf_failed",
                status=403,
            )
        request.api_client = None  # type: ignore[attr-defined]
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None


AUTH = [TokenAuth(), SessionUserAuth()]

# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class CustomerOut(Data):
    id: int
    name: str
    phone: str = Field(description="Masked (138****8000) unless you may see it in full")


class DeviceOut(Data):
    id: int | None
    label: str = Field(description="Model and serial number at intake")


class AddressOut(Data):
    text: str
    division_code: str
    division_name: str


class OutletRefOut(Data):
    code: str
    name: str


class ClockOut(Data):
    clock_type: str = Field(description="first_response | callback | on_site | resolution")
    label: str
    cycle: int = Field(description="1, or more for a clock restarted by reopening")
    started_at: datetime
    deadline: datetime = Field(description="The deadline (a paused clock's moves with the pause)")
    status: str = Field(description="running | paused | met | stopped")
    met_at: datetime | None
    stopped_at: datetime | None
    breached: bool
    overdue_by_seconds: int | None = Field(description="How late: met late, or unmet past it")
    remaining_seconds: int | None = Field(description="Time left, when not breached")
    paused: bool
    paused_seconds: int
    escalation_level: int


class PromiseOut(Data):
    clock_type: str
    label: str
    duration_minutes: int


class ServiceRequestOut(Data):
    number: str
    kind: Kind
    kind_label: str
    channel: Channel
    priority: Priority
    status: Status
    status_label: str
    description: str
    product_description: str
    device: DeviceOut | None
    customer: CustomerOut
    address: AddressOut
    outlet: OutletRefOut | None = Field(description="null: the brand's central queue")
    out_of_coverage: bool
    preferred_start: datetime | None
    preferred_end: datetime | None
    created_at: datetime
    updated_at: datetime
    clocks: list[ClockOut]
    allowed_transitions: list[str] = Field(description="What you may change the status to")


class ServiceRequestDetailOut(ServiceRequestOut):
    promises_not_applying: list[PromiseOut] = Field(
        description="Out of coverage: the promises a covered request would have had"
    )


class ServiceRequestPage(Data):
    items: list[ServiceRequestOut]
    total: int
    limit: int
    offset: int


class ServiceRequestIn(Data):
    kind: Kind
    description: str = Field(max_length=5000)
    customer_id: int | None = Field(None, description="Integrations and agents: the customer")
    customer_phone: str | None = Field(None, description="…or the customer's mobile number")
    device_id: int | None = None
    product_description: str = Field("", max_length=300)
    address_id: int | None = None
    priority: Priority = Priority.NORMAL
    preferred_start: datetime | None = None
    preferred_end: datetime | None = None
    channel: Literal["api", "device"] | None = Field(
        None, description="Integrations only: api (default) or device (a smart device's report)"
    )


class TransitionIn(Data):
    to: Status
    reason: str = Field("", max_length=2000)
    serving_customer_id: int | None = Field(
        None, description="Agents: the caller you are serving (to act for them)"
    )


class AssignOutletIn(Data):
    outlet_code: str
    reason: str = Field(max_length=2000)


class TimelineEventOut(Data):
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor_role: str
    actor_role_label: str
    actor: str | None = Field(description="The staff user's name (shown to staff only)")
    reason: str
    text: str = Field(description="The event in plain words")


class RequestFilters(Schema):
    status: Status | None = None
    kind: Kind | None = None
    outlet: str | None = Field(None, description="Outlet code")
    customer_phone: str | None = None
    created_from: date | None = Field(None, description="From this day (Beijing time)")
    created_to: date | None = Field(None, description="To this day, inclusive")
    out_of_coverage: bool | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _seconds(delta: timedelta | None) -> int | None:
    return int(delta.total_seconds()) if delta is not None else None


def _clock_out(state: selectors.ClockState) -> dict[str, Any]:
    return {
        "clock_type": state.clock_type,
        "label": state.label,
        "cycle": state.cycle,
        "started_at": _local(state.started_at),
        "deadline": _local(state.deadline),
        "status": state.status,
        "met_at": _local(state.met_at),
        "stopped_at": _local(state.stopped_at),
        "breached": state.breached,
        "overdue_by_seconds": _seconds(state.overdue_by),
        "remaining_seconds": _seconds(state.remaining),
        "paused": state.paused,
        "paused_seconds": int(state.paused_for.total_seconds()),
        "escalation_level": state.escalation_level,
    }


def render_request(
    sr: ServiceRequest,
    *,
    user: Any,
    now: datetime,
    serving: Any = None,
    detail: bool = False,
    clocks: list[Any] | None = None,
    not_applying: list[Any] | None = None,
) -> dict[str, Any]:
    """The API's view of a request. ``clocks`` and ``not_applying``: the request's clocks and
    the promises that do not apply, when the caller has just written them (else they are read;
    the clocks may come from ``prefetch_related("clocks")``)."""
    out: dict[str, Any] = {
        "number": sr.number,
        "kind": sr.kind,
        "kind_label": label(Kind, sr.kind),
        "channel": sr.channel,
        "priority": sr.priority,
        "status": sr.status,
        "status_label": label(Status, sr.status),
        "description": sr.description,
        "product_description": sr.product_description,
        "device": (
            {"id": sr.device_id, "label": sr.device_label}
            if sr.device_id or sr.device_label
            else None
        ),
        "customer": {
            "id": sr.customer_id,
            "name": sr.customer.name,
            "phone": selectors.customer_phone_for(user, sr, serving=serving),
        },
        "address": {
            "text": sr.address_text,
            "division_code": sr.division_code,
            "division_name": sr.division_name,
        },
        "outlet": {"code": sr.outlet.code, "name": sr.outlet.name} if sr.outlet else None,
        "out_of_coverage": sr.out_of_coverage,
        "preferred_start": _local(sr.preferred_start),
        "preferred_end": _local(sr.preferred_end),
        "created_at": _local(sr.created_at),
        "updated_at": _local(sr.updated_at),
        "clocks": [_clock_out(s) for s in selectors.clock_states(sr, now=now, clocks=clocks)],
        "allowed_transitions": selectors.allowed_transitions(user, sr, serving=serving),
    }
    if detail:
        out["promises_not_applying"] = [
            {
                "clock_type": p.clock_type,
                "label": label(ClockType, p.clock_type),
                "duration_minutes": p.duration_minutes,
            }
            for p in (
                selectors.promises_not_applying(sr, clocks=clocks)
                if not_applying is None
                else not_applying
            )
        ]
    return out


def _timeline_out(event: TimelineEvent, *, show_names: bool) -> dict[str, Any]:
    return {
        "at": _local(event.at),
        "kind": event.kind,
        "from_status": event.from_status or None,
        "to_status": event.to_status or None,
        "actor_role": event.actor_role or ActorRole.SYSTEM,
        "actor_role_label": selectors.actor_display(event),
        "actor": (event.actor_label or None) if show_names else None,
        "reason": event.reason,
        "text": selectors.event_text(event),
    }


def _customer_for(
    user: Any, payload: ServiceRequestIn, api_client: Any
) -> tuple[Any, Any, int | None]:
    """Whose request: a customer files for themselves; integrations and agents name the
    customer by id or mobile number. Returns the customer, the address when it was read with
    them (else None: the caller reads and checks it), and the new request's id when that read
    took it too (``core.ids.next_id_sql``; else None: the service takes it)."""
    from fairdesk.customers.models import Customer

    principal = selectors.principal_for(user) if api_client is None else None
    files_for_others = principal is None or (
        principal.brand_admin
        or principal.central_dispatcher
        or (principal.agent and not principal.outlet_staff)
    )
    if not files_for_others:
        assert principal is not None
        if principal.customer_id is None:
            raise DomainError(
                _("You may not file a service request for this customer."),
                code="forbidden",
                status=403,
            )
        own = Customer.objects.get(pk=principal.customer_id)
        phone = normalize_mobile(payload.customer_phone) if payload.customer_phone else None
        if payload.customer_id not in (None, own.pk) or (
            payload.customer_phone and phone != own.phone
        ):
            raise DomainError(
                _("You can file service requests for yourself only."),
                code="forbidden",
                status=403,
            )
        return own, None, None
    if payload.customer_id is not None:
        if payload.address_id is not None:
            # the usual integration call names both: one read (the address with its customer,
            # and the new request's id)
            from fairdesk.customers.selectors import address_with_customer

            address, new_id = address_with_customer(
                address_id=payload.address_id,
                customer_id=payload.customer_id,
                next_id_of=ServiceRequest,
            )
            if address is not None:
                return address.customer, address, new_id
        customer = Customer.objects.filter(pk=payload.customer_id).first()
    elif payload.customer_phone:
        phone = normalize_mobile(payload.customer_phone)
        if phone is None:
            raise DomainError(
                _("Not a mobile number: %(phone)s.") % {"phone": payload.customer_phone},
                code="invalid_phone",
                status=422,
            )
        customer = Customer.objects.filter(phone=phone).first()
    else:
        raise DomainError(
            _("Say whose request this is: customer_id or customer_phone."),
            code="customer_required",
            status=422,
        )
    if customer is None:
        raise NotFound(_("There is no such customer."), code="customer_not_found")
    return customer, None, None


def _routing_config(request: HttpRequest) -> config.RoutingConfig | None:
    """The routing configuration of the generation read when the token was checked (None:
    signed in with a session, the service reads it)."""
    generations = getattr(request, "config_generations", None)
    if generations is None:
        return None
    return config.routing_config(generations.get(config.ROUTING))


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------


@router.post(
    "",
    auth=AUTH,
    response={
        200: ServiceRequestDetailOut,
        201: ServiceRequestDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
    summary="File a service request / 提交服务申请",
)
def create_request(
    request: HttpRequest,
    response: HttpResponse,
    payload: ServiceRequestIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="A retry with the same key returns the same request, never a second one",
    ),
) -> Respond[dict[str, Any]]:
    """File a request: it is routed to the outlet covering the address (or the central queue,
    out of coverage), its SLA clocks start, and the customer gets a confirmation (SMS and
    portal) with the number and every deadline that applies."""
    from fairdesk.customers.models import Address, Device

    user = request.auth  # type: ignore[attr-defined]
    api_client = getattr(request, "api_client", None)
    customer, address, new_id = _customer_for(user, payload, api_client)
    if api_client is not None:
        channel = payload.channel or Channel.API
    elif payload.channel is not None:
        raise DomainError(
            _("Only integrations set the channel."), code="invalid_channel", status=422
        )
    else:
        principal = selectors.principal_for(user)
        channel = Channel.PORTAL if principal.customer_id == customer.pk else Channel.CONSOLE
    device = None
    if payload.device_id is not None:
        device = (
            Device.objects.select_related("product_model")
            .filter(pk=payload.device_id, customer=customer)
            .first()
        )
        if device is None:
            raise DomainError(
                _("This device is not registered to this customer."),
                code="device_not_owned",
                status=422,
            )
    if address is None and payload.address_id is not None:
        address = Address.objects.filter(pk=payload.address_id, customer=customer).first()
        if address is None:
            raise DomainError(
                _("This address is not one of this customer's."),
                code="address_not_owned",
                status=422,
            )
    sr = services.service_request_create(
        customer=customer,
        kind=payload.kind,
        channel=channel,
        actor=user,
        description=payload.description,
        address=address,
        device=device,
        product_description=payload.product_description,
        priority=payload.priority,
        preferred_start=payload.preferred_start,
        preferred_end=payload.preferred_end,
        idempotency_key=idempotency_key,
        api_client=api_client,
        config=_routing_config(request),
        new_id=new_id,
    )
    replay = bool(getattr(sr, "idempotent_replay", False))
    if replay:
        response["Idempotent-Replayed"] = "true"
        sr = (
            ServiceRequest.objects.select_related("customer", "outlet")
            .prefetch_related("clocks")
            .get(pk=sr.pk)
        )
        clocks = not_applying = None
    else:  # what was just written
        clocks = sr.new_clocks  # type: ignore[attr-defined]
        not_applying = sr.new_not_applying  # type: ignore[attr-defined]
    # the filer sees what they filed (even an integration that may not list requests)
    body = render_request(
        sr, user=user, now=timezone.now(), detail=True, clocks=clocks, not_applying=not_applying
    )
    return Respond(200 if replay else 201, body)


@router.get(
    "",
    auth=AUTH,
    response={200: ServiceRequestPage, 401: ErrorOut, 422: ErrorOut},
    summary="Service requests / 服务申请列表",
)
def list_requests(request: HttpRequest, filters: Query[RequestFilters]) -> dict[str, Any]:
    """The requests you may see, newest first, with their SLA clocks (``limit``/``offset``
    pagination and the ``total``)."""
    user = request.auth  # type: ignore[attr-defined]
    qs = selectors.request_list(
        user=user,
        filters=selectors.RequestFilters(
            status=filters.status,
            kind=filters.kind,
            outlet_code=filters.outlet,
            customer_phone=filters.customer_phone,
            created_from=filters.created_from,
            created_to=filters.created_to,
            out_of_coverage=filters.out_of_coverage,
        ),
    )
    total = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if total else []
    now = timezone.now()
    return {
        "items": [render_request(sr, user=user, now=now) for sr in page],
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/{number}",
    auth=AUTH,
    response={200: ServiceRequestDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="One service request / 服务申请详情",
)
def get_request(request: HttpRequest, number: str) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    sr = selectors.request_get(user=user, number=number)
    return render_request(sr, user=user, now=timezone.now(), detail=True)


@router.post(
    "/{number}/transitions",
    auth=AUTH,
    response={
        200: ServiceRequestDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Change the status / 变更状态",
)
def transition_request(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    """Move the request to ``to`` (see ``allowed_transitions``): 409 when the state machine does
    not allow it from the current status, 403 when it is not yours to make."""
    user = request.auth  # type: ignore[attr-defined]
    sr = selectors.request_get(user=user, number=number)
    services.service_request_transition(
        request=sr,
        to_status=payload.to,
        actor=user,
        reason=payload.reason,
        serving=payload.serving_customer_id,
        api_client=getattr(request, "api_client", None),
    )
    sr = selectors.request_get(user=user, number=number)
    return render_request(
        sr, user=user, now=timezone.now(), serving=payload.serving_customer_id, detail=True
    )


@router.post(
    "/{number}/outlet",
    auth=AUTH,
    response={
        200: ServiceRequestDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Route by hand / 人工分派网点",
)
def assign_outlet(request: HttpRequest, number: str, payload: AssignOutletIn) -> dict[str, Any]:
    """Central dispatch: give a request (typically out of coverage) to an outlet."""
    from fairdesk.network.selectors import outlet_get

    user = request.auth  # type: ignore[attr-defined]
    sr = selectors.request_get(user=user, number=number)
    selectors.check(user, selectors.ASSIGN_OUTLET, sr)
    outlet = outlet_get(code=payload.outlet_code)
    services.service_request_assign_outlet(
        request=sr, outlet=outlet, actor=user, reason=payload.reason
    )
    sr = selectors.request_get(user=user, number=number)
    return render_request(sr, user=user, now=timezone.now(), detail=True)


@router.get(
    "/{number}/timeline",
    auth=AUTH,
    response={200: list[TimelineEventOut], 401: ErrorOut, 404: ErrorOut},
    summary="The timeline / 处理记录",
)
def request_timeline(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """Every event of the request, oldest first, in plain words (staff also see names)."""
    user = request.auth  # type: ignore[attr-defined]
    sr = selectors.request_get(user=user, number=number)
    principal = selectors.principal_for(user)
    show_names = principal.sees_all or principal.outlet_staff
    return [
        _timeline_out(e, show_names=show_names)
        for e in selectors.timeline_for(user=user, request=sr)
    ]
