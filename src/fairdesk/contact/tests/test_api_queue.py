"""The contact API's live queue and staffing (``api/queue.py``): the queue in served order for
staff only, Erlang C and its checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.tests.conftest import API, T0, Clock, Staff, as_user, start
from fairdesk.core import roles
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_live_queue_for_staff_in_served_order(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
    sale = start(as_user(customer.user), contact_type="buy_upgrade", text="人工")
    clock.move_to(T0 + timedelta(minutes=10))
    gas = start(as_user(other.user), contact_type="repair", text="有燃气味")
    queue = as_user(staff("agent1")).get(f"{API}/queue")
    assert queue.status_code == 200
    data = queue.json()
    assert [e["contact_id"] for e in data["entries"]] == [gas["id"], sale["id"]]
    assert [e["queue_class"] for e in data["entries"]] == ["safety", "standard"]
    assert data["entries"][1]["waited_seconds"] == 600
    assert data["entries"][1]["estimated_wait_seconds"] == 600 and data["agents_available"] == 0
    assert data["mean_handle_seconds"] == 300
    assert as_user(customer.user).get(f"{API}/queue").status_code == 403
    assert as_user(staff("aud", roles.AUDITOR)).get(f"{API}/queue").status_code == 403


def test_erlang_c_for_staff(staff: Staff, customer: Customer) -> None:
    agent = as_user(staff("agent1"))
    response = agent.get(
        f"{API}/staffing/erlang-c?arrivals_per_hour=120&handle_seconds=180"
        "&target_share=0.8&target_seconds=20"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["traffic_erlangs"] == 6 and data["agents"] >= 7
    assert data["service_level"] >= 0.8
    refused = as_user(customer.user).get(
        f"{API}/staffing/erlang-c?arrivals_per_hour=1&handle_seconds=1"
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("arrivals_per_hour=-1&handle_seconds=180", "invalid_arrivals"),
        ("arrivals_per_hour=10&handle_seconds=0", "invalid_handle_time"),
        ("arrivals_per_hour=10&handle_seconds=180&target_share=1", "invalid_target_share"),
        ("arrivals_per_hour=10&handle_seconds=180&target_seconds=-5", "invalid_target_seconds"),
        ("arrivals_per_hour=inf&handle_seconds=180", "not_a_number"),
        ("arrivals_per_hour=nan&handle_seconds=180", "not_a_number"),
        ("arrivals_per_hour=1000000&handle_seconds=86400", "too_many_agents"),
        ("handle_seconds=180", "invalid_input"),
    ],
)
def test_erlang_c_bad_input_is_422(staff: Staff, query: str, code: str) -> None:
    response = as_user(staff("agent1")).get(f"{API}/staffing/erlang-c?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
