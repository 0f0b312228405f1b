"""SLA arithmetic without the database: calendars, deadlines, a clock's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from fairdesk.service_requests.sla import (
    ALWAYS_OPEN,
    CalendarError,
    add_business_time,
    calendar_spec,
    clock_view,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


OFFICE = {
    day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")
}  # 8 open hours a day, closed on weekends


def office(**kw: object) -> object:
    return calendar_spec(
        name="office",
        always_open=False,
        weekly_hours=kw.get("hours", OFFICE),  # type: ignore[arg-type]
        holidays=kw.get("holidays", []),  # type: ignore[arg-type]
        extra_workdays=kw.get("extra", []),  # type: ignore[arg-type]
    )


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[arg-type,misc]


def test_24x7_adds_the_duration() -> None:
    start = sh(2026, 11, 20, 16, 0)
    assert add_business_time(start, timedelta(hours=24), ALWAYS_OPEN) == sh(2026, 11, 21, 16, 0)
    assert add_business_time(start, timedelta(hours=24), ALWAYS_OPEN).tzinfo == UTC


def test_working_hours_skip_the_weekend_and_a_holiday() -> None:
    # Friday 16:00 + 24 working hours: Fri 2 h; Sat, Sun closed; Mon a holiday; Tue 8 h;
    # Wed 8 h; Thu 09–12 (3 h) and 13–16 (3 h) → Thursday 16:00.
    cal = office(holidays=["2026-11-23"])
    deadline = add_business_time(sh(2026, 11, 20, 16, 0), timedelta(hours=24), cal)  # type: ignore[arg-type]
    assert deadline == sh(2026, 11, 26, 16, 0)
    # without the holiday, a day earlier
    deadline = add_business_time(sh(2026, 11, 20, 16, 0), timedelta(hours=24), office())  # type: ignore[arg-type]
    assert deadline == sh(2026, 11, 25, 16, 0)


def test_start_outside_hours_starts_at_the_next_opening() -> None:
    cal = office()
    # Saturday night + 2 h → Monday 11:00
    assert add_business_time(sh(2026, 11, 21, 22, 0), timedelta(hours=2), cal) == sh(  # type: ignore[arg-type]
        2026, 11, 23, 11, 0
    )
    # lunch break does not count: Monday 11:30 + 1 h → 13:30
    assert add_business_time(sh(2026, 11, 23, 11, 30), timedelta(hours=1), cal) == sh(  # type: ignore[arg-type]
        2026, 11, 23, 13, 30
    )
    # a deadline at closing time stays at closing time
    assert add_business_time(sh(2026, 11, 23, 17, 0), timedelta(hours=1), cal) == sh(  # type: ignore[arg-type]
        2026, 11, 23, 18, 0
    )


def test_extra_working_day_counts_with_mondays_hours() -> None:
    # Saturday 2026-11-21 is a make-up working day (调休)
    cal = office(extra=["2026-11-21"])
    deadline = add_business_time(sh(2026, 11, 20, 17, 0), timedelta(hours=4), cal)  # type: ignore[arg-type]
    assert deadline == sh(2026, 11, 21, 12, 0)  # Fri 1 h, Sat 09–12 3 h


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"hours": {"mon": ["9-18"]}}, "09:00-18:00"),
        ({"hours": {"mon": ["18:00-09:00"]}}, "after the start"),
        ({"hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"hours": {"monday": ["09:00-12:00"]}}, "Unknown weekday"),
        ({"hours": {"mon": ["09:00-25:00"]}}, "not a time of day"),
        ({"holidays": ["2026-13-01"]}, "not a date"),
        ({"hours": {}}, "at least one weekday"),
    ],
)
def test_bad_calendars_are_refused_with_a_reason(kwargs: dict, fragment: str) -> None:
    with pytest.raises(CalendarError, match=fragment):
        office(**kwargs)


def test_unknown_time_zone() -> None:
    with pytest.raises(CalendarError, match="time zone"):
        calendar_spec(
            name="x",
            always_open=True,
            weekly_hours={},
            holidays=[],
            extra_workdays=[],
            timezone="Mars/Olympus",
        )


D = sh(2026, 11, 24, 10, 0)


def view(**kw: object) -> Any:
    args: dict[str, object] = {
        "deadline": D,
        "paused_at": None,
        "paused_seconds": 0,
        "met_at": None,
    }
    args |= {"stopped_at": None, "now": D}
    args |= kw
    return clock_view(**args)  # type: ignore[arg-type]


def test_running_clock_before_at_and_after_the_deadline() -> None:
    before = view(now=D - timedelta(hours=3))
    assert (before.status, before.breached, before.remaining) == (
        "running",
        False,
        timedelta(hours=3),
    )
    at = view(now=D)
    assert not at.breached and at.remaining == timedelta(0)
    after = view(now=D + timedelta(hours=1, minutes=5))
    assert after.breached and after.overdue_by == timedelta(hours=1, minutes=5)
    assert after.remaining is None


def test_met_clock_on_time_and_late() -> None:
    on_time = view(met_at=D, now=D + timedelta(days=3))
    assert on_time.status == "met" and not on_time.breached and on_time.overdue_by is None
    late = view(met_at=D + timedelta(minutes=30), now=D + timedelta(days=3))
    assert late.breached and late.overdue_by == timedelta(minutes=30)


def test_paused_clock_moves_its_deadline_and_freezes_what_remains() -> None:
    paused = view(paused_at=D - timedelta(hours=2), now=D + timedelta(hours=5), paused_seconds=60)
    assert paused.status == "paused" and not paused.breached
    assert paused.deadline == D + timedelta(hours=7)  # moved by the 7 h paused so far
    assert paused.remaining == timedelta(hours=2)
    assert paused.paused_for == timedelta(hours=7, seconds=60)
    # paused after the deadline had passed: still breached, by the time it was late
    late = view(paused_at=D + timedelta(hours=1), now=D + timedelta(hours=9))
    assert late.breached and late.overdue_by == timedelta(hours=1)


def test_stopping_a_clock_never_erases_a_breach() -> None:
    assert not view(stopped_at=D - timedelta(hours=1), now=D + timedelta(days=1)).breached
    stopped_late = view(stopped_at=D + timedelta(hours=2), now=D + timedelta(days=1))
    assert stopped_late.status == "stopped" and stopped_late.breached
    assert stopped_late.overdue_by == timedelta(hours=2)
