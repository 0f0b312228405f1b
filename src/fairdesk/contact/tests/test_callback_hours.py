"""Callbacks within the staffed hours (issue 24, item 19): the windows offered (``hours.py``,
``selectors.callback_windows``), a window outside the hours refused with the hours said
(``check_callback``: 422 ``outside_hours``), the settings and their system check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.checks import run_checks

from fairdesk.contact import hours
from fairdesk.contact.models import Callback, Contact
from fairdesk.contact.selectors import callback_calendar, callback_windows
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.tests.conftest import API, SHANGHAI, Clock, as_user, post
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.service_requests.sla import calendar_spec

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def book(customer: Customer, start: datetime, end: datetime) -> Callback:
    return callback_request(
        customer=customer,
        phone=customer.phone,
        window_start=start,
        window_end=end,
        contact_type="repair",
    )


# --- the arithmetic -------------------------------------------------------------------------


def every_day(*intervals: str) -> Any:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return calendar_spec(
        name="t",
        always_open=False,
        weekly_hours={day: list(intervals) for day in days},
        holidays=(),
        extra_workdays=(),
    )


def test_within_hours_needs_the_whole_window_in_one_open_stretch() -> None:
    calendar = every_day("08:30-12:00", "13:00-18:00")
    assert hours.within_hours(at(23, 8, 30), at(23, 9, 30), calendar)
    assert hours.within_hours(at(23, 17), at(23, 18), calendar)
    assert not hours.within_hours(at(23, 3), at(23, 4), calendar)  # the night
    assert not hours.within_hours(at(23, 8), at(23, 9), calendar)  # starts before opening
    assert not hours.within_hours(at(23, 17, 30), at(23, 18, 30), calendar)  # ends after closing
    assert not hours.within_hours(at(23, 11, 30), at(23, 13, 30), calendar)  # over lunch
    # open around the clock: a window across midnight is one stretch
    always = every_day("00:00-24:00")
    assert hours.within_hours(at(23, 23, 30), at(24, 0, 30), always)


def test_windows_offered_start_every_half_hour_inside_the_hours() -> None:
    calendar = every_day("08:30-18:00")
    offered = hours.windows(
        calendar,
        now=at(23, 16, 10),
        length=timedelta(hours=1),
        ahead=timedelta(days=7),
        shortest=timedelta(minutes=15),
    )
    assert offered[:3] == [
        (at(23, 16, 30), at(23, 17, 30)),
        (at(23, 17), at(23, 18)),
        (at(24, 8, 30), at(24, 9, 30)),
    ]
    assert all(hours.within_hours(start, end, calendar) for start, end in offered)
    assert offered[-1][1] <= at(23, 16, 10) + timedelta(days=7)
    assert hours.hours_text(every_day("08:30-12:00", "13:00-18:00")) == "08:30–12:00, 13:00–18:00"


def test_a_stretch_shorter_than_a_window_is_offered_whole() -> None:
    offered = hours.windows(
        every_day("09:00-09:30"),
        now=at(23, 8),
        length=timedelta(hours=1),
        ahead=timedelta(days=1),
        shortest=timedelta(minutes=15),
    )
    assert offered == [(at(23, 9), at(23, 9, 30))]


# --- the service and its settings -----------------------------------------------------------


def test_a_callback_at_three_in_the_morning_is_refused_with_the_hours(
    customer: Customer, clock: Clock
) -> None:
    """The defect: a callback at 03:00 was accepted while the centre works 08:30–18:00."""
    with pytest.raises(DomainError) as err:
        book(customer, at(24, 3), at(24, 4))
    assert err.value.code == "outside_hours" and err.value.status == 422
    assert "08:30–18:00" in err.value.message
    assert err.value.details == {"hours": "08:30–18:00", "time_zone": "Asia/Shanghai"}
    with pytest.raises(DomainError) as err:
        book(customer, at(23, 17, 30), at(23, 18, 30))  # runs past closing
    assert err.value.code == "outside_hours"
    assert not Contact.objects.exists() and not Callback.objects.exists()
    assert book(customer, at(23, 17), at(23, 18)).pk  # the last hour is fine


def test_the_hours_and_closed_days_come_from_the_settings(
    customer: Customer, clock: Clock, settings: Any
) -> None:
    settings.CONTACT_CALLBACK_HOURS = "09:00-12:00, 13:00-17:00"
    settings.CONTACT_CALLBACK_CLOSED_DAYS = ["2026-11-24"]
    settings.CONTACT_CALLBACK_WINDOW_MINUTES = 30
    with pytest.raises(DomainError) as err:
        book(customer, at(23, 12), at(23, 13))
    assert err.value.code == "outside_hours" and "09:00–12:00, 13:00–17:00" in err.value.message
    with pytest.raises(DomainError) as err:
        book(customer, at(24, 10), at(24, 11))
    assert err.value.code == "outside_hours" and "2026-11-24" in err.value.message
    offered = callback_windows()
    assert offered[0] == (at(23, 10), at(23, 10, 30))  # T0 is 10:00; 30-minute windows
    assert not any(start.astimezone(SHANGHAI).day == 24 for start, _end in offered)
    assert (at(23, 12), at(23, 12, 30)) not in offered
    assert book(customer, at(23, 13), at(23, 14)).pk


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("CONTACT_CALLBACK_HOURS", "8h-18h", "contact.E001"),
        ("CONTACT_CALLBACK_HOURS", "18:00-08:30", "contact.E001"),
        ("CONTACT_CALLBACK_CLOSED_DAYS", ["2026-13-01"], "contact.E001"),
        ("CONTACT_CALLBACK_WINDOW_MINUTES", 5, "contact.E002"),
    ],
)
def test_bad_settings_are_reported_at_start(
    settings: Any, name: str, value: Any, check_id: str
) -> None:
    setattr(settings, name, value)
    assert check_id in {m.id for m in run_checks()}


def test_good_settings_pass_the_check() -> None:
    assert not [m for m in run_checks() if (m.id or "").startswith("contact.")]
    assert callback_calendar().timezone == "Asia/Shanghai"


# --- the API --------------------------------------------------------------------------------


def test_api_refuses_a_window_outside_the_hours_and_lists_the_windows(
    customer: Customer, clock: Clock
) -> None:
    me = as_user(customer.user)
    body = {
        "contact_type": "refund",
        "window_start": "2026-11-24T03:00:00+08:00",
        "window_end": "2026-11-24T04:00:00+08:00",
    }
    response = post(me, f"{API}/callbacks", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "outside_hours" and "08:30–18:00" in error["message"]
    assert error["details"]["hours"] == "08:30–18:00"
    assert not Callback.objects.exists()
    answer = me.get(f"{API}/callbacks/windows").json()
    assert answer["hours"] == "08:30–18:00" and answer["time_zone"] == "Asia/Shanghai"
    first = answer["windows"][0]
    assert first == {"start": "2026-11-23T10:00:00+08:00", "end": "2026-11-23T11:00:00+08:00"}
    # a window spanning the night is refused too, though it starts within the hours
    overnight = post(me, f"{API}/callbacks", {**body, "window_start": first["start"]})
    assert overnight.json()["error"]["code"] == "outside_hours"
    booked = post(
        me,
        f"{API}/callbacks",
        {"contact_type": "refund", "window_start": first["start"], "window_end": first["end"]},
    )
    assert booked.status_code == 201 and booked.json()["changeable"] is True
