"""The contact centre's staffed hours for callbacks — pure functions on a calendar, no ORM.

The hours are a ``service_requests.sla.CalendarSpec`` (the same calendar type, parser and
arithmetic as the SLA clocks): open intervals per day in a time zone, closed on holidays. Which
calendar is the contact centre's is ``selectors.callback_calendar`` (from the settings); what
is done with it is here:

* ``within_hours``: does a window lie inside staffed time (start and end in one open stretch)?
* ``windows``: the concrete windows the portal offers — ``length`` long, starting every
  ``step`` from each opening, inside the hours, not started, ending within ``ahead``;
* ``hours_text``: the hours in words for a message ("08:30–18:00").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from fairdesk.service_requests.sla import CalendarSpec

#: Offered windows start on the hour and the half hour (from each opening time).
WINDOW_STEP = timedelta(minutes=30)


def _stretches(
    calendar: CalendarSpec, first: date, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """The open stretches from ``first`` on, in order, as aware datetimes; stretches that touch
    (an interval ending at 24:00 and the next day's starting at 00:00) are joined."""
    tz = calendar.tz
    pending: tuple[datetime, datetime] | None = None
    for offset in range(days):
        day = first + timedelta(days=offset)
        midnight = datetime.combine(day, time.min, tzinfo=tz)
        for a, b in calendar.intervals_on(day):
            opens = midnight + timedelta(minutes=a)
            closes = midnight + timedelta(minutes=b)
            if pending is not None and pending[1] == opens:
                pending = (pending[0], closes)
                continue
            if pending is not None:
                yield pending
            pending = (opens, closes)
    if pending is not None:
        yield pending


def within_hours(start: datetime, end: datetime, calendar: CalendarSpec) -> bool:
    """Whether the window [start, end] lies inside one open stretch of the calendar."""
    if end <= start:
        return False
    first = start.astimezone(calendar.tz).date() - timedelta(days=1)
    days = (end.astimezone(calendar.tz).date() - first).days + 2
    return any(
        opens <= start and end <= closes for opens, closes in _stretches(calendar, first, days)
    )


def windows(
    calendar: CalendarSpec,
    *,
    now: datetime,
    length: timedelta,
    ahead: timedelta,
    shortest: timedelta,
) -> list[tuple[datetime, datetime]]:
    """The windows to offer: ``length`` long (a stretch shorter than that, if at least
    ``shortest``, is offered whole), starting every ``WINDOW_STEP`` from each opening, not
    started before ``now``, ending by ``now + ahead``; in order."""
    latest = now + ahead
    first = now.astimezone(calendar.tz).date()
    days = (latest.astimezone(calendar.tz).date() - first).days + 1
    out: list[tuple[datetime, datetime]] = []
    for opens, closes in _stretches(calendar, first, days):
        if closes - opens < length:
            if closes - opens >= shortest and opens >= now and closes <= latest:
                out.append((opens, closes))
            continue
        start = opens
        while start + length <= closes:
            if start >= now and start + length <= latest:
                out.append((start, start + length))
            start += WINDOW_STEP
    return out


def hours_text(calendar: CalendarSpec, day: date | None = None) -> str:
    """The open hours in words: "08:30–18:00", "08:30–12:00, 13:00–18:00"; a calendar open
    around the clock: "00:00–24:00". ``day``: that day's (else the first open weekday's)."""
    intervals = calendar.intervals_on(day) if day is not None else calendar.workday_hours
    if calendar.always_open:
        intervals = ((0, 1440),)
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in intervals)
