"""The contact API's complaints (``api/complaints.py``): filing with deadlines and a timeline,
the checks of what a complaint is about, who reads which, the lifecycle's transitions, the
customer taking a late complaint outside, a list of constant cost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fairdesk.contact.choices import ComplaintStatus
from fairdesk.contact.models import Complaint, ComplaintEvent
from fairdesk.contact.services.complaints import complaint_file
from fairdesk.contact.tests.conftest import API, T0, Clock, Staff, as_user, post, start
from fairdesk.core import roles
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


def file(client: Client, **body: Any) -> Any:
    return post(
        client,
        f"{API}/complaints",
        {"category": "refund", "description": "退款迟迟未到账", **body},
    )


def test_customer_files_a_complaint_with_deadlines_and_timeline(
    customer: Customer, clock: Clock
) -> None:
    response = file(as_user(customer.user))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"].startswith("TS20261123") and data["green"] is True
    assert data["status"] == "received" and data["due_at"] == "2026-11-24T10:00:00+08:00"
    assert data["customer"] is None  # the customer's own record: no need to echo them
    assert data["allowed_transitions"] == []
    assert [e["to_status"] for e in data["timeline"]] == ["received"]
    assert data["timeline"][0]["actor_role"] == "customer"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "vip"}, "invalid_category"),
        ({"description": "  "}, "empty_message"),
        ({"service_request": "SR000"}, "service_request_not_found"),
        ({"subscription_id": 999}, "subscription_not_found"),
        ({"contact_id": 999}, "contact_not_found"),
    ],
)
def test_bad_complaint_is_422_and_files_nothing(
    customer: Customer, body: dict[str, Any], code: str
) -> None:
    response = file(as_user(customer.user), **body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()


def test_complaint_about_another_customers_conversation_is_refused(
    customer: Customer, other: Customer
) -> None:
    theirs = start(as_user(other.user))
    response = file(as_user(customer.user), contact_id=theirs["id"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "contact_not_found"
    assert not Complaint.objects.exists()


def test_complaint_access_rules(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
    mine = file(as_user(customer.user)).json()
    theirs = file(as_user(other.user), category="product").json()
    me = as_user(customer.user)
    listed = me.get(f"{API}/complaints").json()
    assert [c["number"] for c in listed["items"]] == [mine["number"]] and listed["total"] == 1
    hidden = me.get(f"{API}/complaints/{theirs['id']}")
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "complaint_not_found"
    agent = as_user(staff("agent1"))
    everything = agent.get(f"{API}/complaints").json()
    assert everything["total"] == 2
    assert everything["items"][0]["customer"]["phone"] == "139****0009"
    assert agent.get(f"{API}/complaints?category=product").json()["total"] == 1
    bad = agent.get(f"{API}/complaints?status=lost")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_status"
    auditor = as_user(staff("aud", roles.AUDITOR))
    assert auditor.get(f"{API}/complaints").status_code == 403
    assert auditor.get(f"{API}/complaints/{mine['id']}").status_code == 404
    moved = post(
        auditor, f"{API}/complaints/{mine['id']}/transitions", {"to_status": "acknowledged"}
    )
    assert moved.status_code == 404
    assert Complaint.objects.get(pk=mine["id"]).status == ComplaintStatus.RECEIVED


def test_complaint_transitions_through_the_api(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    me = as_user(customer.user)
    data = file(me).json()
    url = f"{API}/complaints/{data['id']}/transitions"
    agent = as_user(staff("agent1"))
    refused = post(me, url, {"to_status": "acknowledged"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    unknown = post(agent, url, {"to_status": "solved"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_status"
    illegal = post(agent, url, {"to_status": "accepted"})
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "illegal_transition"
    ack = post(agent, url, {"to_status": "acknowledged", "note": "已联系客户"})
    assert ack.status_code == 200
    assert ack.json()["allowed_transitions"] == ["investigating", "resolved"]
    no_outcome = post(agent, url, {"to_status": "resolved"})
    assert no_outcome.status_code == 422
    assert no_outcome.json()["error"]["code"] == "outcome_required"
    assert Complaint.objects.get(pk=data["id"]).status == ComplaintStatus.ACKNOWLEDGED
    resolved = post(agent, url, {"to_status": "resolved", "outcome": "已原路退款"})
    assert resolved.status_code == 200
    view = me.get(f"{API}/complaints/{data['id']}").json()
    assert view["allowed_transitions"] == ["accepted", "rejected", "escalated"]
    assert view["timeline"][1]["actor"] is None  # customers do not see staff names
    assert agent.get(f"{API}/complaints/{data['id']}").json()["timeline"][1]["actor"] == "agent1"
    no_body = post(me, url, {"to_status": "escalated"})
    assert no_body.json()["error"]["code"] == "external_body_required"
    done = post(me, url, {"to_status": "accepted"})
    assert done.status_code == 200 and done.json()["closed_at"] is not None


def test_customer_may_escalate_a_late_complaint(customer: Customer, clock: Clock) -> None:
    me = as_user(customer.user)
    data = file(me).json()
    clock.move_to(T0 + timedelta(hours=25))
    view = me.get(f"{API}/complaints/{data['id']}").json()
    assert view["overdue"] is True and view["allowed_transitions"] == ["escalated"]
    response = post(
        me,
        f"{API}/complaints/{data['id']}/transitions",
        {"to_status": "escalated", "external_body": "12315", "external_reference": "A1"},
    )
    assert response.status_code == 200 and response.json()["external_body"] == "12315"


def test_complaint_list_has_a_constant_number_of_queries(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
    complaint_file(customer=customer, category="refund", description="一")
    agent = as_user(staff("agent1"))
    agent.get(f"{API}/complaints")  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert agent.get(f"{API}/complaints").json()["total"] == 1
    for text in ("二", "三"):
        complaint_file(customer=other, category="product", description=text)
    with CaptureQueriesContext(connection) as three:
        assert agent.get(f"{API}/complaints").json()["total"] == 3
    assert len(three) == len(one)
