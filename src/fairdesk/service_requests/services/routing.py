"""Routing: the outlet a new request goes to (the most specific covering outlet that serves the
product), or the central queue with the reason; and routing by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError, Invalid
from fairdesk.network.choices import OutletStatus, ProductLine
from fairdesk.service_requests.choices import (
    FIELD_KINDS,
    WAITING_STATES,
    ClockType,
    EventKind,
    Status,
)
from fairdesk.service_requests.configuration import RoutingConfig, routing_config
from fairdesk.service_requests.models import ServiceRequest, SlaClock, TimelineEvent
from fairdesk.service_requests.selectors import (
    ASSIGN_OUTLET,
    actor_label,
    actor_role_for,
    applicable_policies,
    check,
    outlet_calendar,
    principal_for,
    signed_in_user,
)
from fairdesk.service_requests.services.clocks import (
    MET_BY_RESPONSE,
    clock_effect,
    new_clock,
    pause,
)


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
    central queue, out of coverage, with the reason; it is routed by hand. ``config``: the
    routing configuration the caller has read (else it is read here).
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
    line = device.product_model.product_line if device is not None else None
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
            "line": dict(ProductLine.choices).get(line or "", line),
        },
        data={
            "division_code": code,
            "product_line": line,
            "covering": [m.outlet.code for m in answer.outlets],
        },
    )


def service_request_assign_outlet(
    *,
    request: ServiceRequest,
    outlet: Any,
    actor: Any,
    reason: str,
) -> ServiceRequest:
    """Route a request by hand (the central queue's out-of-coverage requests, or a re-route).

    Central dispatchers and brand administrators only; the outlet must be active; a reason is
    required. The request is no longer out of coverage: the promises for covered requests
    that it did not have start now (paused if the request is waiting), except those whose
    moment has passed (a first response once the request left "new", on-site once visited).
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for this change."), code="reason_required")
    if outlet.status != OutletStatus.ACTIVE:
        raise Invalid(
            _("Outlet %(code)s is not active.") % {"code": outlet.code}, code="outlet_inactive"
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
            passed |= MET_BY_RESPONSE
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
            clock = new_clock(request=sr, policy=policy, outlet_calendar=calendar, start=now)
            clock.save()
            effects.append(clock_effect(clock, "started"))
            if sr.status in WAITING_STATES:
                pause(clock, reason=sr.status, note=reason, now=now)
                effects.append(clock_effect(clock, "paused"))
        TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor=signed_in_user(actor),
            actor_label=actor_label(actor),
            actor_role=actor_role_for(principal_for(actor), sr),
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
