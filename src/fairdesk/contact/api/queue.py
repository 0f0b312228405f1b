"""The live queue and staffing (Erlang C), for staff."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.contact import erlang, selectors
from fairdesk.contact.api.rendering import render_queue, render_staffing
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import QueueOut, StaffingOut, StaffingQuery
from fairdesk.core.errors import DomainError

MAX_ARRIVALS_PER_HOUR = 1_000_000
MAX_HANDLE_SECONDS = 86_400


@router.get(
    "/queue",
    auth=api_auth,
    response=responds(QueueOut, 401, 403),
    summary="The live queue / 实时排队",
)
def live_queue(request: ApiRequest) -> dict[str, Any]:
    """Every waiting contact in the order it will be served (the published rule), with its
    class, wait so far and estimated wait. Agents and brand administrators (403 ``forbidden``)."""
    selectors.check_contact_staff(request.auth.user)
    return render_queue(selectors.queue_snapshot())


def _too_many() -> DomainError:
    return DomainError(
        _("That needs more than %(max)d agents.") % {"max": erlang.MAX_AGENTS},
        code="too_many_agents",
        status=422,
    )


def check_staffing_query(query: StaffingQuery) -> None:
    """Figures Erlang C can answer: 422 ``not_a_number``, ``invalid_arrivals``,
    ``invalid_handle_time``, ``invalid_target_share``, ``invalid_target_seconds``,
    ``too_many_agents``."""
    values = (query.arrivals_per_hour, query.handle_seconds, query.target_share)
    if not all(math.isfinite(v) for v in (*values, query.target_seconds)):
        raise DomainError(_("Give finite numbers."), code="not_a_number", status=422)
    if not 0 <= query.arrivals_per_hour <= MAX_ARRIVALS_PER_HOUR:
        raise DomainError(
            _("Arrivals per hour must be between 0 and %(max)d.") % {"max": MAX_ARRIVALS_PER_HOUR},
            code="invalid_arrivals",
            status=422,
        )
    if not 0 < query.handle_seconds <= MAX_HANDLE_SECONDS:
        raise DomainError(
            _("The handle time must be more than 0 and at most a day."),
            code="invalid_handle_time",
            status=422,
        )
    if not 0 < query.target_share < 1:
        raise DomainError(
            _("The target share must be between 0 and 1."),
            code="invalid_target_share",
            status=422,
        )
    if query.target_seconds < 0:
        raise DomainError(
            _("The target time cannot be negative."), code="invalid_target_seconds", status=422
        )
    if query.arrivals_per_hour * query.handle_seconds / 3600 >= erlang.MAX_AGENTS:
        raise _too_many()


@router.get(
    "/staffing/erlang-c",
    auth=api_auth,
    response=responds(StaffingOut, 401, 403, 422),
    summary="Agents needed (Erlang C) / 坐席人数测算",
)
def staffing(request: ApiRequest, query: Query[StaffingQuery]) -> dict[str, Any]:
    """The fewest agents that answer ``target_share`` of contacts within ``target_seconds``,
    by Erlang C. Staff only (403 ``forbidden``); 422 ``not_a_number``, ``invalid_arrivals``,
    ``invalid_handle_time``, ``invalid_target_share``, ``invalid_target_seconds``,
    ``too_many_agents``."""
    selectors.check_may_plan_staffing(request.auth.user)
    check_staffing_query(query)
    try:
        result = erlang.agents_needed(
            arrivals_per_hour=query.arrivals_per_hour,
            handle_seconds=query.handle_seconds,
            target_share=query.target_share,
            target_seconds=query.target_seconds,
        )
    except ValueError as exc:
        raise _too_many() from exc
    return render_staffing(result)
