"""The contact API's callbacks (``api/callbacks.py``): booking a window, the breach shown without
a worker, the checks, who lists which."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fairdesk.contact.models import Callback, Contact
from fairdesk.contact.tests.conftest import API, T0, Clock, Staff, as_user, post
from fairdesk.core import roles
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


def callback_body(**extra: Any) -> dict[str, Any]:
    return {
        "contact_type": "downgrade_cancel",
        "window_start": (T0 + timedelta(hours=1)).isoformat(),
        "window_end": (T0 + timedelta(hours=2)).isoformat(),
        **extra,
    }


def test_book_a_callback_and_see_the_breach_without_a_worker(
    customer: Customer, other: Customer, clock: Clock
) -> None:
    me = as_user(customer.user)
    response = post(me, f"{API}/callbacks", callback_body())
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["phone"] == "13800000002" and data["status"] == "scheduled"
    assert data["window_end"] == "2026-11-23T12:00:00+08:00" and data["breached"] is False
    assert post(as_user(other.user), f"{API}/callbacks", callback_body()).status_code == 201
    mine = me.get(f"{API}/callbacks").json()
    assert [c["id"] for c in mine] == [data["id"]]
    clock.move_to(T0 + timedelta(hours=2, minutes=1))
    late = me.get(f"{API}/callbacks").json()[0]
    assert late["breached"] is True and late["status"] == "missed"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"window_start": "2026-11-23T11:00:00"}, "timezone_required"),
        ({"window_end": (T0 + timedelta(hours=1, minutes=5)).isoformat()}, "invalid_window"),
        ({"window_end": (T0 + timedelta(days=8)).isoformat()}, "invalid_window"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"contact_type": "nope"}, "invalid_contact_type"),
        ({"window_start": "tomorrow"}, "invalid_input"),
    ],
)
def test_bad_callback_is_422_and_books_nothing(
    customer: Customer, clock: Clock, extra: dict[str, Any], code: str
) -> None:
    response = post(as_user(customer.user), f"{API}/callbacks", callback_body(**extra))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not Callback.objects.exists() and not Contact.objects.exists()


def test_callback_lists_by_role(customer: Customer, staff: Staff, clock: Clock) -> None:
    post(as_user(customer.user), f"{API}/callbacks", callback_body())
    assert len(as_user(staff("agent1")).get(f"{API}/callbacks").json()) == 1
    auditor = as_user(staff("aud", roles.AUDITOR)).get(f"{API}/callbacks")
    assert auditor.status_code == 403
    booked = post(as_user(staff("agent2")), f"{API}/callbacks", callback_body())
    assert booked.status_code == 403
