"""How service requests are put into words and rows for people: the portal and the console (rows,
deadlines, the timeline), messages and the admin (durations).

Pure read-outs built from the selectors (which decide access and compute the clocks); nothing
here queries beyond what the selectors prefetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fairdesk.core.safety import safety_advice
from fairdesk.customers.selectors import personal_data_for
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests.choices import ActorRole, ClockStatus, Priority


def format_duration(delta: timedelta) -> str:
    """45 min / 24 h / 2 h 05 min / 5 d 3 h (in the active language)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, mins = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": mins}
    if hours < 100:
        if not mins:
            return _("%(h)d h") % {"h": hours}
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def duration_words(value: timedelta | None) -> str:
    """``timedelta(hours=26, minutes=5)`` → "1 day 2 hours" (two largest units, to the minute)."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    if minutes == 0:
        return ngettext("less than %(n)d minute", "less than %(n)d minutes", 1) % {"n": 1}
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if mins and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return " ".join(parts[:2])


@dataclass(frozen=True, slots=True)
class RequestRow:
    request: Any
    clocks: list[Any]
    next_clock: Any  # the open clock with the nearest deadline, or None
    breached: bool  # any promise of the request was missed

    @property
    def worst(self) -> Any:
        """The missed promise that is most overdue, or None."""
        late = [c for c in self.clocks if c.breached]
        return max(late, key=lambda c: c.overdue_by) if late else None


def request_row(request: Any, *, now: datetime | None = None) -> RequestRow:
    clocks = sr.clock_states(request, now=now or timezone.now())
    open_clocks = [c for c in clocks if c.status in (ClockStatus.RUNNING, ClockStatus.PAUSED)]
    next_clock = min(open_clocks, key=lambda c: c.deadline) if open_clocks else None
    return RequestRow(request, clocks, next_clock, any(c.breached for c in clocks))


def request_rows(requests: Any, *, now: datetime | None = None) -> list[RequestRow]:
    now = now or timezone.now()
    return [request_row(r, now=now) for r in requests]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    event: Any
    text: str
    actor: str


def timeline_entries(*, user: Any, request: Any, staff: bool = False) -> list[TimelineEntry]:
    """The timeline in plain words; customers see roles, staff also see who acted."""
    entries = []
    personal = personal_data_for(user)  # auditors: reasons and notes redacted
    names = [request.customer.name] if personal.masked else []
    for event in sr.timeline_for(user=user, request=request):
        actor = sr.actor_display(event)
        # staff see which colleague acted; a customer's user name is their phone number, which
        # stays masked: they are named by role only
        if staff and event.actor_label and event.actor_role != ActorRole.CUSTOMER:
            actor = f"{actor} · {event.actor_label}"
        text = personal.text(sr.event_text(event), names=names)
        entries.append(TimelineEntry(event, text, actor))
    return entries


def promise_label(clock_type: str) -> str:
    """A promise in the customer's words ("A technician is with you by …")."""
    return {
        "first_response": _("We respond by"),
        "callback": _("We call you back by"),
        "on_site": _("A technician is with you by"),
        "resolution": _("The problem is solved by"),
    }.get(clock_type, clock_type)


def promise_length(minutes: int) -> str:
    """A promise's length as brands publish it: whole hours up to 3 days ("72 hours"), else the
    largest units ("5 days")."""
    if minutes % 60 == 0 and minutes <= 72 * 60:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return duration_words(timedelta(minutes=minutes))


def promise_terms(policy: Any) -> str:
    """A policy as a promise with its length ("A technician on site within 24 hours")."""
    length = promise_length(policy.duration_minutes)
    sentences = {
        "first_response": _("A first response within %(length)s"),
        "callback": _("A call back within %(length)s"),
        "on_site": _("A technician on site within %(length)s"),
        "resolution": _("The problem solved within %(length)s"),
    }
    sentence = sentences.get(policy.clock_type)
    if sentence is None:
        return f"{policy.get_clock_type_display()}: {length}"
    return sentence % {"length": length}


def safety_advice_for(request: Any) -> list[str]:
    """What to do now, shown at the top of a safety request's page (the customer's and the
    agent's): empty unless the request is urgent (``core.safety``)."""
    if getattr(request, "priority", None) != Priority.URGENT:
        return []
    return safety_advice(request.description)
