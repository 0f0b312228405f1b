"""SLA clocks: the promises a request starts with, and what a change of status does to them
(meet, stop, pause, resume, restart). The caller holds the request row's lock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fairdesk.service_requests.choices import WAITING_STATES, ClockType, Status
from fairdesk.service_requests.models import ServiceRequest, SlaClock, SlaPause, SlaPolicy
from fairdesk.service_requests.selectors import applicable_policies, calendar_of, outlet_calendar
from fairdesk.service_requests.sla import ALWAYS_OPEN, CalendarSpec, add_business_time

#: The clocks a transition to a status meets.
MEETS: dict[str, set[str]] = {
    Status.ON_SITE: {ClockType.ON_SITE},
    Status.RESOLVED: {ClockType.RESOLUTION},
}
#: Leaving "new" for anything but cancellation is the first response (and the callback).
MET_BY_RESPONSE: set[str] = {ClockType.FIRST_RESPONSE, ClockType.CALLBACK}


def new_clock(
    *,
    request: ServiceRequest,
    policy: SlaPolicy,
    outlet_calendar: CalendarSpec | None,
    start: datetime,
    cycle: int = 1,
) -> SlaClock:
    """A clock for ``policy`` starting at ``start`` (not saved): its deadline counts business
    time on the policy's calendar, else the outlet's, else around the clock."""
    if policy.calendar_id is not None:
        calendar = calendar_of(policy.calendar)
    else:
        calendar = outlet_calendar or ALWAYS_OPEN
    return SlaClock(
        request=request,
        clock_type=policy.clock_type,
        cycle=cycle,
        policy=policy,
        duration_minutes=policy.duration_minutes,
        calendar_name=calendar.name,
        started_at=start,
        deadline=add_business_time(start, timedelta(minutes=policy.duration_minutes), calendar),
    )


def clock_effect(clock: SlaClock, effect: str) -> dict[str, Any]:
    """What happened to a clock, as the timeline records it."""
    return {
        "clock": clock.clock_type,
        "cycle": clock.cycle,
        "effect": effect,
        "deadline": clock.deadline.isoformat(),
    }


def pause(clock: SlaClock, *, reason: str, note: str, now: datetime) -> None:
    clock.paused_at = now
    clock.save(update_fields=["paused_at"])
    SlaPause.objects.create(clock=clock, reason=reason, note=note, started_at=now)


def resume(clock: SlaClock, *, now: datetime) -> None:
    """End a pause: the deadline moves by exactly the paused (wall) time."""
    assert clock.paused_at is not None
    paused = max(now - clock.paused_at, timedelta(0))
    clock.deadline = clock.deadline + paused
    clock.paused_seconds += int(paused.total_seconds())
    clock.paused_at = None
    clock.save(update_fields=["deadline", "paused_seconds", "paused_at"])
    SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=now)


def apply_transition(
    *,
    request: ServiceRequest,
    from_status: str,
    to_status: str,
    reason: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The SLA effects of a change of status (the request row is locked by the caller)."""
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
                resume(clock, now=now)
                effects.append(clock_effect(clock, "resumed"))
    # 2. Meet.
    meets = set(MEETS.get(to_status, set()))
    if from_status == Status.NEW and to_status != Status.CANCELLED:
        meets |= MET_BY_RESPONSE
    open_clocks = []
    for clock in clocks:
        if clock.clock_type in meets:
            clock.met_at = now
            clock.save(update_fields=["met_at"])
            effects.append(clock_effect(clock, "met"))
        else:
            open_clocks.append(clock)
    # 3. Stop: cancellation stops everything; resolving (or closing) stops what no longer
    #    applies (an on-site promise when the problem was solved without a visit).
    if to_status in (Status.CANCELLED, Status.RESOLVED, Status.CLOSED):
        for clock in open_clocks:
            clock.stopped_at = now
            clock.stop_reason = str(to_status)
            clock.save(update_fields=["stopped_at", "stop_reason"])
            effects.append(clock_effect(clock, "stopped"))
        open_clocks = []
    # 4. Entering a waiting state pauses the running clocks, with the reason.
    if to_status in WAITING_STATES:
        for clock in open_clocks:
            pause(clock, reason=to_status, note=reason, now=now)
            effects.append(clock_effect(clock, "paused"))
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
            clock = new_clock(
                request=request,
                policy=policy,
                outlet_calendar=outlet_calendar(request.outlet),
                start=now,
                cycle=(last or 0) + 1,
            )
            clock.save()
            effects.append(clock_effect(clock, "started"))
    return effects
