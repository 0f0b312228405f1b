"""SLA arithmetic, in plain Python (no ORM): business calendars, deadlines, a clock's state.

* A **calendar** is either open 24×7, or open during weekly working hours, closed on holidays and
  open on extra working days (调休: a weekend day worked in exchange for a holiday), in a time
  zone (Asia/Shanghai by default).
* ``add_business_time(start, duration, calendar)`` is the deadline of a promise made at ``start``:
  24×7 adds the duration; a working-hours calendar counts only open time.
* ``clock_view(...)`` says, from a clock's stored times and the current time, whether it is
  running, paused, met or stopped, whether it is breached, by how much, and what remains. Breach
  is never stored: it is computed here, so it is right even when no worker runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

DEFAULT_TIMEZONE = "Asia/Shanghai"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead a deadline is searched for before the calendar is declared never open.
MAX_SEARCH_DAYS = 800

_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")

Interval = tuple[int, int]  # minutes after midnight: [start, end), end ≤ 1440


class CalendarError(ValueError):
    """A calendar definition that cannot be used (the message is shown to the administrator)."""


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    name: str = "24×7"
    always_open: bool = True
    hours: tuple[tuple[Interval, ...], ...] = ((),) * 7  # Monday … Sunday
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    timezone: str = DEFAULT_TIMEZONE

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def workday_hours(self) -> tuple[Interval, ...]:
        """The hours of an extra working day: Monday's (or the first open weekday's)."""
        for day in self.hours:
            if day:
                return day
        return ()

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if self.always_open:
            return ((0, 1440),)
        if day in self.holidays:
            return ()
        if day in self.extra_workdays:
            return self.workday_hours
        return self.hours[day.weekday()]


ALWAYS_OPEN = CalendarSpec()


def _minutes(hh: str, mm: str) -> int:
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and m):
        raise CalendarError(_("%(time)s is not a time of day.") % {"time": f"{hh}:{mm}"})
    return h * 60 + m


def parse_weekly_hours(value: Mapping[str, Any] | None) -> tuple[tuple[Interval, ...], ...]:
    """``{"mon": ["09:00-12:00", "13:00-18:00"], …}`` → seven tuples of intervals.

    A weekday that is missing or has an empty list is closed. Intervals must not overlap.
    """
    value = value or {}
    if not isinstance(value, Mapping):
        raise CalendarError(_("Working hours must map weekdays (mon … sun) to lists of hours."))
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise CalendarError(
            _("Unknown weekday %(day)s: use mon, tue, wed, thu, fri, sat, sun.")
            % {"day": ", ".join(unknown)}
        )
    out: list[tuple[Interval, ...]] = []
    for day in WEEKDAYS:
        items = value.get(day) or []
        if isinstance(items, str):
            items = [items]
        intervals: list[Interval] = []
        for item in items:
            match = _INTERVAL_RE.match(str(item))
            if not match:
                raise CalendarError(
                    _("“%(hours)s” (%(day)s): write working hours as 09:00-18:00.")
                    % {"hours": item, "day": day}
                )
            start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
            if end <= start:
                raise CalendarError(
                    _("“%(hours)s” (%(day)s): the end must be after the start.")
                    % {"hours": item, "day": day}
                )
            intervals.append((start, end))
        intervals.sort()
        for (_a, b), (c, _d) in pairwise(intervals):
            if c < b:
                raise CalendarError(
                    _("The working hours of %(day)s overlap.") % {"day": day},
                )
        out.append(tuple(intervals))
    return tuple(out)


def parse_dates(values: Iterable[Any] | None, *, what: str) -> frozenset[date]:
    out: set[date] = set()
    for item in values or []:
        if isinstance(item, date):
            out.add(item)
            continue
        try:
            out.add(date.fromisoformat(str(item).strip()))
        except ValueError as exc:
            raise CalendarError(
                _("%(what)s: “%(value)s” is not a date (write 2026-10-01).")
                % {"what": what, "value": item}
            ) from exc
    return frozenset(out)


def calendar_spec(
    *,
    name: str,
    always_open: bool,
    weekly_hours: Mapping[str, Any] | None,
    holidays: Iterable[Any] | None,
    extra_workdays: Iterable[Any] | None,
    timezone: str = DEFAULT_TIMEZONE,
) -> CalendarSpec:
    """Check a calendar definition and make it usable; ``CalendarError`` says what is wrong."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(_("Unknown time zone: %(tz)s.") % {"tz": timezone}) from exc
    if always_open:
        return CalendarSpec(name=name, always_open=True, timezone=timezone)
    spec = CalendarSpec(
        name=name,
        always_open=False,
        hours=parse_weekly_hours(weekly_hours),
        holidays=parse_dates(holidays, what=_("Holidays")),
        extra_workdays=parse_dates(extra_workdays, what=_("Extra working days")),
        timezone=timezone,
    )
    if not any(spec.hours) and not (spec.extra_workdays and spec.workday_hours):
        raise CalendarError(
            _("A calendar that is not open 24×7 needs working hours on at least one weekday.")
        )
    return spec


def add_business_time(start: datetime, duration: timedelta, calendar: CalendarSpec) -> datetime:
    """The moment ``duration`` of the calendar's open time has passed since ``start`` (UTC).

    24×7: ``start + duration``. Otherwise the open intervals are walked day by day in the
    calendar's time zone, from ``start`` on: closed time (nights, weekends, holidays) does not
    count. A deadline that falls exactly at closing time stays at closing time.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if calendar.always_open:
        return (start + duration).astimezone(UTC)
    tz = calendar.tz
    local = start.astimezone(tz)
    remaining = duration
    day = local.date()
    for _i in range(MAX_SEARCH_DAYS):
        midnight = datetime.combine(day, time.min, tzinfo=tz)
        for a, b in calendar.intervals_on(day):
            opens = midnight + timedelta(minutes=a)
            closes = midnight + timedelta(minutes=b)
            if closes <= local:
                continue
            begin = max(opens, local)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
        day += timedelta(days=1)
    raise CalendarError(
        _("The calendar %(name)s has no open time in the next %(days)s days.")
        % {"name": calendar.name, "days": MAX_SEARCH_DAYS}
    )


@dataclass(frozen=True, slots=True)
class ClockView:
    """What a clock says at a moment (``now``); every value is computed, none is stored."""

    status: str  # running | paused | met | stopped (ClockStatus)
    deadline: datetime  # the effective deadline (a paused clock's moves with the pause)
    breached: bool
    overdue_by: timedelta | None  # how late (met or stopped late, or still unmet past it)
    remaining: timedelta | None  # time left before the deadline (running or paused, in time)
    paused_for: timedelta  # total paused time, the current pause included


def clock_view(
    *,
    deadline: datetime,
    paused_at: datetime | None,
    paused_seconds: int,
    met_at: datetime | None,
    stopped_at: datetime | None,
    now: datetime,
) -> ClockView:
    """A clock's state from its stored times.

    * met: breached when met after the deadline (met exactly at the deadline is kept);
    * stopped (the request was cancelled, or the promise no longer applies): breached when it
      was already late when it stopped — stopping a clock never erases a breach;
    * paused: the deadline moves with the pause, so the clock is breached only if it already was
      when the pause began, and the time left is frozen;
    * running: breached once ``now`` is past the deadline.
    """
    paused_total = timedelta(seconds=paused_seconds)
    if met_at is not None:
        late = met_at - deadline
        breached = late > timedelta(0)
        return ClockView("met", deadline, breached, late if breached else None, None, paused_total)
    if stopped_at is not None:
        late = stopped_at - deadline
        breached = late > timedelta(0)
        return ClockView(
            "stopped", deadline, breached, late if breached else None, None, paused_total
        )
    if paused_at is not None:
        current = max(now - paused_at, timedelta(0))
        late = paused_at - deadline
        breached = late > timedelta(0)
        return ClockView(
            "paused",
            deadline + current,
            breached,
            late if breached else None,
            None if breached else deadline - paused_at,
            paused_total + current,
        )
    late = now - deadline
    breached = late > timedelta(0)
    return ClockView(
        "running",
        deadline,
        breached,
        late if breached else None,
        None if breached else deadline - now,
        paused_total,
    )
