"""The SLA promises: business calendars, the policies that apply to a request (and those an
out-of-coverage request does not get), and the state of a request's clocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fairdesk.core.choices import label, rank
from fairdesk.service_requests.choices import AppliesWhen, ClockType, PolicyPriority
from fairdesk.service_requests.models import BusinessCalendar, ServiceRequest, SlaClock, SlaPolicy
from fairdesk.service_requests.sla import ALWAYS_OPEN, CalendarSpec, calendar_spec, clock_view


def calendar_of(calendar: BusinessCalendar | None) -> CalendarSpec:
    if calendar is None:
        return ALWAYS_OPEN
    return calendar_spec(
        name=calendar.name,
        always_open=calendar.always_open,
        weekly_hours=calendar.weekly_hours,
        holidays=calendar.holidays,
        extra_workdays=calendar.extra_workdays,
        timezone=calendar.timezone,
    )


def outlet_calendar(outlet: Any) -> CalendarSpec | None:
    """The outlet's own business calendar, if it has one."""
    if outlet is None:
        return None
    calendar = BusinessCalendar.objects.filter(outlet=outlet).first()
    return calendar_of(calendar) if calendar is not None else None


def _policy_rank(policy: SlaPolicy) -> tuple[int, int, int, int]:
    return (
        -len(policy.area_prefix),
        0 if policy.priority != PolicyPriority.ANY else 1,
        0 if policy.applies_when != AppliesWhen.ANY else 1,
        policy.pk,
    )


def policy_candidates(*, kind: str, priority: str, covered: bool) -> list[SlaPolicy]:
    """The active policies of the kind, for the priority (or any), that apply to covered /
    out-of-coverage requests (or always), whatever their area; oldest first."""
    applies = [AppliesWhen.ANY, AppliesWhen.COVERED if covered else AppliesWhen.OUT_OF_COVERAGE]
    return list(
        SlaPolicy.objects.filter(
            active=True,
            kind=kind,
            priority__in=[priority, PolicyPriority.ANY],
            applies_when__in=applies,
        )
        .select_related("calendar")
        .order_by("pk")
    )


def choose_policies(candidates: Iterable[SlaPolicy], *, division_code: str) -> dict[str, SlaPolicy]:
    """Among ``policy_candidates``, the promise of each clock type for a request in this
    division: those whose area prefix the division code starts with (or everywhere); the longest
    area prefix wins, then an exact priority, then an exact coverage condition, then the oldest."""
    code = division_code or ""
    best: dict[str, SlaPolicy] = {}
    matching = [p for p in candidates if not p.area_prefix or code.startswith(p.area_prefix)]
    for policy in sorted(matching, key=_policy_rank):
        best.setdefault(policy.clock_type, policy)
    return best


def applicable_policies(
    *, kind: str, priority: str, division_code: str, covered: bool
) -> dict[str, SlaPolicy]:
    """The promise of each clock type for such a request: ``{clock_type: policy}``
    (``policy_candidates``, then ``choose_policies``)."""
    return choose_policies(
        policy_candidates(kind=kind, priority=priority, covered=covered),
        division_code=division_code,
    )


def promises_not_applying(
    request: ServiceRequest,
    *,
    clocks: Iterable[SlaClock] | None = None,
    covered: dict[str, SlaPolicy] | None = None,
) -> list[SlaPolicy]:
    """For a request outside every outlet's coverage: the promises it would have had if covered
    (the customer is told honestly which ones do not apply). Empty for covered requests.
    ``clocks``: the request's clocks when the caller has them (else they are read); ``covered``:
    the ``applicable_policies`` of the request covered, when the caller has them."""
    if not request.out_of_coverage:
        return []
    if covered is None:
        covered = applicable_policies(
            kind=request.kind,
            priority=request.priority,
            division_code=request.division_code,
            covered=True,
        )
    present = {clock.clock_type for clock in (request.clocks.all() if clocks is None else clocks)}
    return sorted(
        (p for t, p in covered.items() if t not in present),
        key=lambda p: rank(ClockType, p.clock_type),
    )


@dataclass(frozen=True, slots=True)
class ClockState:
    """One promise of a request, as it stands now (everything a page or the API shows)."""

    clock: SlaClock
    clock_type: str
    label: str
    cycle: int
    started_at: datetime
    deadline: datetime
    status: str  # running | paused | met | stopped
    met_at: datetime | None
    stopped_at: datetime | None
    breached: bool
    overdue_by: timedelta | None
    remaining: timedelta | None
    paused: bool
    paused_for: timedelta
    escalation_level: int


def clock_state(clock: SlaClock, *, now: datetime | None = None) -> ClockState:
    now = now or timezone.now()
    view = clock_view(
        deadline=clock.deadline,
        paused_at=clock.paused_at,
        paused_seconds=clock.paused_seconds,
        met_at=clock.met_at,
        stopped_at=clock.stopped_at,
        now=now,
    )
    return ClockState(
        clock=clock,
        clock_type=clock.clock_type,
        label=label(ClockType, clock.clock_type),
        cycle=clock.cycle,
        started_at=clock.started_at,
        deadline=view.deadline,
        status=view.status,
        met_at=clock.met_at,
        stopped_at=clock.stopped_at,
        breached=view.breached,
        overdue_by=view.overdue_by,
        remaining=view.remaining,
        paused=view.status == "paused",
        paused_for=view.paused_for,
        escalation_level=clock.escalation_level,
    )


def clock_states(
    request: ServiceRequest,
    *,
    now: datetime | None = None,
    clocks: Iterable[SlaClock] | None = None,
) -> list[ClockState]:
    """Every clock of the request (uses ``prefetch_related("clocks")`` when present, or the
    ``clocks`` the caller has just written), in the order first response, callback, on site,
    resolution, then by cycle."""
    now = now or timezone.now()
    clocks = sorted(
        request.clocks.all() if clocks is None else clocks,
        key=lambda c: (rank(ClockType, c.clock_type), c.cycle),
    )
    return [clock_state(c, now=now) for c in clocks]


def breached_clocks(*, now: datetime | None = None) -> QuerySet[SlaClock]:
    """Open clocks whose deadline has passed (a paused clock: passed before the pause began)."""
    now = now or timezone.now()
    return SlaClock.objects.filter(met_at__isnull=True, stopped_at__isnull=True).filter(
        Q(paused_at__isnull=True, deadline__lt=now)
        | Q(paused_at__isnull=False, deadline__lt=F("paused_at"))
    )
