"""The contact API: conversations (one step to a person), callbacks, complaints with their
timeline and transitions, the live queue and Erlang C — authentication, access rules (another
customer's record is "not found"), specific 422 codes that change nothing, the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fairdesk.api.services import api_token_create
from fairdesk.contact.choices import AgentStatus, ComplaintStatus, ContactStatus
from fairdesk.contact.models import Callback, Complaint, ComplaintEvent, Contact, ContactMessage
from fairdesk.contact.services.complaints import complaint_file
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.contact.tests.conftest import T0
from fairdesk.core import roles
from fairdesk.customers.models import Customer

API = "/api/v1"

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(url, body or {}, content_type="application/json", **headers)


@pytest.fixture
def other(django_user_model: Any) -> Customer:
    user = django_user_model.objects.create_user("c13900000009", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(user=user, phone="13900000009", name="韩梅梅")


def start(client: Client, **body: Any) -> dict[str, Any]:
    response = post(client, f"{API}/contacts", {"contact_type": "consultation", **body})
    assert response.status_code == 201, response.json()
    return response.json()


# --- conversations ---------------------------------------------------------------------------


def test_customer_starts_a_chat_and_sees_it(customer, clock):
    me = as_user(customer.user)
    data = start(me)
    assert data["status"] == "bot" and data["channel"] == "web_chat"
    assert data["can_request_human"] is True and data["position"] is None
    assert data["messages"][0]["sender"] == "bot"
    assert data["created_at"] == "2026-11-23T10:00:00+08:00"
    got = me.get(f"{API}/contacts/{data['id']}")
    assert got.status_code == 200 and got.json()["id"] == data["id"]


def test_another_customers_contact_is_not_found(customer, other, staff, clock):
    data = start(as_user(customer.user))
    url = f"{API}/contacts/{data['id']}"
    for user in (other.user, staff("aud", roles.AUDITOR), staff("tech", roles.TECHNICIAN)):
        response = as_user(user).get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "contact_not_found"
    assert as_user(staff("agent1")).get(url).status_code == 200
    assert as_user(staff("boss", roles.BRAND_ADMIN)).get(url).status_code == 200
    assert post(as_user(other.user), f"{url}/messages", {"text": "hi"}).status_code == 404
    assert post(as_user(other.user), f"{url}/human").status_code == 404
    assert Contact.objects.get(pk=data["id"]).status == ContactStatus.BOT


def test_not_signed_in_is_401(customer):
    response = post(Client(), f"{API}/contacts", {"contact_type": "refund"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    bad = Client().get(f"{API}/complaints", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_token"


def test_a_customers_token_starts_a_chat(customer, clock):
    _token, key = api_token_create(client_name="brand-app", user=customer.user)
    response = post(
        Client(),
        f"{API}/contacts",
        {"contact_type": "refund", "language": "en"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201
    assert response.json()["language"] == "en" and response.json()["queue_class"] == "green"


def test_staff_do_not_start_web_chats(staff):
    response = post(as_user(staff("agent1")), f"{API}/contacts", {"contact_type": "refund"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"contact_type": "vip_sales"}, "invalid_contact_type"),
        ({"contact_type": "refund", "language": "fr"}, "invalid_language"),
        ({}, "invalid_input"),
        ({"contact_type": "refund", "product_line": "x" * 40}, "invalid_input"),
        ({"contact_type": "refund", "text": "好" * 2001}, "message_too_long"),
    ],
)
def test_bad_start_is_422_and_creates_nothing(customer, body, code):
    response = post(as_user(customer.user), f"{API}/contacts", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not Contact.objects.exists() and not ContactMessage.objects.exists()


def test_talk_to_a_person_is_one_step_with_position_and_wait(customer, other, clock):
    me = as_user(customer.user)
    sale = start(me, contact_type="buy_upgrade")
    queued = post(me, f"{API}/contacts/{sale['id']}/human")
    assert queued.status_code == 200
    data = queued.json()
    assert data["status"] == "queued" and data["can_request_human"] is False
    assert data["position"] == 1 and data["estimated_wait_seconds"] == 300  # no agent yet
    clock.move_to(T0 + timedelta(minutes=5))
    refund = start(as_user(other.user), contact_type="refund", text="转人工")
    assert refund["status"] == "queued" and refund["position"] == 1  # green: 30 min head start
    assert me.get(f"{API}/contacts/{sale['id']}").json()["position"] == 2
    again = post(me, f"{API}/contacts/{sale['id']}/human")  # repeating changes nothing
    assert again.json()["queued_at"] == "2026-11-23T10:00:00+08:00"


def test_agents_cannot_press_the_customers_button(customer, staff):
    data = start(as_user(customer.user))
    response = post(as_user(staff("agent1")), f"{API}/contacts/{data['id']}/human")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert Contact.objects.get(pk=data["id"]).status == ContactStatus.BOT


@pytest.mark.parametrize(
    ("text", "code"), [("   ", "empty_message"), ("好" * 2001, "message_too_long")]
)
def test_bad_message_is_422_and_adds_nothing(customer, text, code):
    me = as_user(customer.user)
    data = start(me)
    before = ContactMessage.objects.count()
    response = post(me, f"{API}/contacts/{data['id']}/messages", {"text": text})
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert ContactMessage.objects.count() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_rengong_reaches_an_agent_who_replies(customer, staff, clock):
    agent, other_agent = staff("agent1"), staff("agent2")
    agent_profile_ensure(user=agent)
    agent_profile_ensure(user=other_agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    me = as_user(customer.user)
    data = start(me, contact_type="downgrade_cancel", text="你好")
    said = post(me, f"{API}/contacts/{data['id']}/messages", {"text": "人工"})
    assert said.status_code == 201
    contact = me.get(f"{API}/contacts/{data['id']}").json()
    assert contact["status"] == "assigned" and contact["agent"] == "agent1"
    assert contact["position"] is None
    reply = post(as_user(agent), f"{API}/contacts/{data['id']}/messages", {"text": "您好"})
    assert reply.status_code == 201
    assert reply.json()["messages"][-1] == {
        **reply.json()["messages"][-1],
        "sender": "agent",
        "agent": "agent1",
        "text": "您好",
    }
    stranger = post(as_user(other_agent), f"{API}/contacts/{data['id']}/messages", {"text": "x"})
    assert stranger.status_code == 403
    assert stranger.json()["error"]["code"] == "not_your_contact"


def test_closed_contact_is_409(customer, clock):
    me = as_user(customer.user)
    data = start(me)
    Contact.objects.filter(pk=data["id"]).update(status=ContactStatus.CLOSED, closed_at=T0)
    response = post(me, f"{API}/contacts/{data['id']}/human")
    assert response.status_code == 409 and response.json()["error"]["code"] == "contact_closed"


# --- callbacks -------------------------------------------------------------------------------


def callback_body(**extra: Any) -> dict[str, Any]:
    return {
        "contact_type": "downgrade_cancel",
        "window_start": (T0 + timedelta(hours=1)).isoformat(),
        "window_end": (T0 + timedelta(hours=2)).isoformat(),
        **extra,
    }


def test_book_a_callback_and_see_the_breach_without_a_worker(customer, other, clock):
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
def test_bad_callback_is_422_and_books_nothing(customer, clock, extra, code):
    response = post(as_user(customer.user), f"{API}/callbacks", callback_body(**extra))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not Callback.objects.exists() and not Contact.objects.exists()


def test_callback_lists_by_role(customer, staff, clock):
    post(as_user(customer.user), f"{API}/callbacks", callback_body())
    assert len(as_user(staff("agent1")).get(f"{API}/callbacks").json()) == 1
    auditor = as_user(staff("aud", roles.AUDITOR)).get(f"{API}/callbacks")
    assert auditor.status_code == 403
    booked = post(as_user(staff("agent2")), f"{API}/callbacks", callback_body())
    assert booked.status_code == 403


# --- complaints ------------------------------------------------------------------------------


def file(client: Client, **body: Any) -> Any:
    return post(
        client,
        f"{API}/complaints",
        {"category": "refund", "description": "退款迟迟未到账", **body},
    )


def test_customer_files_a_complaint_with_deadlines_and_timeline(customer, clock):
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
def test_bad_complaint_is_422_and_files_nothing(customer, body, code):
    response = file(as_user(customer.user), **body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()


def test_complaint_about_another_customers_conversation_is_refused(customer, other):
    theirs = start(as_user(other.user))
    response = file(as_user(customer.user), contact_id=theirs["id"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "contact_not_found"
    assert not Complaint.objects.exists()


def test_complaint_access_rules(customer, other, staff, clock):
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


def test_complaint_transitions_through_the_api(customer, staff, clock):
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


def test_customer_may_escalate_a_late_complaint(customer, clock):
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


def test_complaint_list_has_a_constant_number_of_queries(customer, other, staff, clock):
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


# --- the queue and staffing ------------------------------------------------------------------


def test_live_queue_for_staff_in_served_order(customer, other, staff, clock):
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


def test_erlang_c_for_staff(staff, customer):
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
def test_erlang_c_bad_input_is_422(staff, query, code):
    response = as_user(staff("agent1")).get(f"{API}/staffing/erlang-c?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


# --- the schema ------------------------------------------------------------------------------


def test_openapi_documents_the_contact_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/contacts", "post"): {"201", "401", "403", "422"},
        ("/api/v1/contacts/{contact_id}", "get"): {"200", "401", "404"},
        ("/api/v1/contacts/{contact_id}/messages", "post"): {"201", "403", "404", "409", "422"},
        ("/api/v1/contacts/{contact_id}/human", "post"): {"200", "403", "404", "409"},
        ("/api/v1/callbacks", "post"): {"201", "403", "422"},
        ("/api/v1/callbacks", "get"): {"200", "401", "403"},
        ("/api/v1/complaints", "post"): {"201", "403", "422"},
        ("/api/v1/complaints", "get"): {"200", "403", "422"},
        ("/api/v1/complaints/{complaint_id}", "get"): {"200", "404"},
        ("/api/v1/complaints/{complaint_id}/transitions", "post"): {"200", "403", "409", "422"},
        ("/api/v1/complaints/export", "get"): {"200", "403", "422"},
        ("/api/v1/queue", "get"): {"200", "403"},
        ("/api/v1/staffing/erlang-c", "get"): {"200", "403", "422"},
    }
    for (path, method), codes in expected.items():
        operation = paths[path][method]
        assert "contact" in operation["tags"], path
        assert codes <= set(operation["responses"]), (path, method)
        assert operation["description"], path
    export = paths["/api/v1/complaints/export"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    assert {p["name"] for p in export["parameters"]} >= {"format", "from", "to", "category"}
    body = schema["components"]["schemas"]["ContactIn"]["properties"]["contact_type"]
    assert "refund" in body["enum"]
