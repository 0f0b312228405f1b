"""The service-request API's view of a request, its clocks and its timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fairdesk.core.choices import label
from fairdesk.core.localtime import local_or_none as _local
from fairdesk.core.masking import PersonalData
from fairdesk.customers.selectors import personal_data_for
from fairdesk.service_requests import selectors
from fairdesk.service_requests.choices import ActorRole, ClockType, Kind, Status
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent


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
    personal = personal_data_for(user)  # auditors: every personal datum masked
    out: dict[str, Any] = {
        "number": sr.number,
        "kind": sr.kind,
        "kind_label": label(Kind, sr.kind),
        "channel": sr.channel,
        "priority": sr.priority,
        "status": sr.status,
        "status_label": label(Status, sr.status),
        "description": personal.text(sr.description, names=[sr.customer.name]),
        "product_description": sr.product_description,
        "device": (
            {"id": sr.device_id, "label": personal.device_label(sr.device_label)}
            if sr.device_id or sr.device_label
            else None
        ),
        "customer": {
            "id": sr.customer_id,
            "name": personal.name(sr.customer.name),
            "phone": selectors.customer_phone_for(user, sr, serving=serving),
        },
        "address": {
            "text": personal.address(sr.address_text, sr.division_code, sr.division_name),
            "division_code": personal.division_code(sr.division_code),
            "division_name": personal.division_name(sr.division_code, sr.division_name),
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


def timeline_out(
    event: TimelineEvent,
    *,
    show_names: bool,
    personal: PersonalData | None = None,
    names: list[str] | None = None,
) -> dict[str, Any]:
    """An event as the API shows it (``personal``: the reader's view of free text, in which
    ``names`` are taken out when masked)."""
    personal = personal or PersonalData()
    names = names or []
    return {
        "at": _local(event.at),
        "kind": event.kind,
        "from_status": event.from_status or None,
        "to_status": event.to_status or None,
        "actor_role": event.actor_role or ActorRole.SYSTEM,
        "actor_role_label": selectors.actor_display(event),
        "actor": (event.actor_label or None) if show_names else None,
        "reason": personal.text(event.reason, names=names),
        "text": personal.text(selectors.event_text(event), names=names),
    }
