"""The contact API's conversations (``api/contacts.py``): authentication, who may start and
read a chat (another customer's is "not found"), one step to a person with the place in the
queue, agents' replies, specific 422 codes that change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from fairdesk.api.services import api_token_create
from fairdesk.contact.choices import AgentStatus, ContactStatus
from fairdesk.contact.models import Contact, ContactMessage
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.contact.tests.conftest import API, T0, Clock, Staff, as_user, post, start
from fairdesk.core import roles
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_customer_starts_a_chat_and_sees_it(customer: Customer, clock: Clock) -> None:
    me = as_user(customer.user)
    data = start(me)
    assert data["status"] == "bot" and data["channel"] == "web_chat"
    assert data["can_request_human"] is True and data["position"] is None
    assert data["messages"][0]["sender"] == "bot"
    assert data["created_at"] == "2026-11-23T10:00:00+08:00"
    got = me.get(f"{API}/contacts/{data['id']}")
    assert got.status_code == 200 and got.json()["id"] == data["id"]


def test_another_customers_contact_is_not_found(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
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


def test_not_signed_in_is_401(customer: Customer) -> None:
    response = post(Client(), f"{API}/contacts", {"contact_type": "refund"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    bad = Client().get(f"{API}/complaints", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_token"


def test_a_customers_token_starts_a_chat(customer: Customer, clock: Clock) -> None:
    _token, key = api_token_create(client_name="brand-app", user=customer.user)
    response = post(
        Client(),
        f"{API}/contacts",
        {"contact_type": "refund", "language": "en"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201
    assert response.json()["language"] == "en" and response.json()["queue_class"] == "green"


def test_staff_do_not_start_web_chats(staff: Staff) -> None:
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
def test_bad_start_is_422_and_creates_nothing(
    customer: Customer, body: dict[str, Any], code: str
) -> None:
    response = post(as_user(customer.user), f"{API}/contacts", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not Contact.objects.exists() and not ContactMessage.objects.exists()


def test_talk_to_a_person_is_one_step_with_position_and_wait(
    customer: Customer, other: Customer, clock: Clock
) -> None:
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


def test_agents_cannot_press_the_customers_button(customer: Customer, staff: Staff) -> None:
    data = start(as_user(customer.user))
    response = post(as_user(staff("agent1")), f"{API}/contacts/{data['id']}/human")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert Contact.objects.get(pk=data["id"]).status == ContactStatus.BOT


@pytest.mark.parametrize(
    ("text", "code"), [("   ", "empty_message"), ("好" * 2001, "message_too_long")]
)
def test_bad_message_is_422_and_adds_nothing(customer: Customer, text: str, code: str) -> None:
    me = as_user(customer.user)
    data = start(me)
    before = ContactMessage.objects.count()
    response = post(me, f"{API}/contacts/{data['id']}/messages", {"text": text})
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert ContactMessage.objects.count() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_rengong_reaches_an_agent_who_replies(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
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


def test_closed_contact_is_409(customer: Customer, clock: Clock) -> None:
    me = as_user(customer.user)
    data = start(me)
    Contact.objects.filter(pk=data["id"]).update(status=ContactStatus.CLOSED, closed_at=T0)
    response = post(me, f"{API}/contacts/{data['id']}/human")
    assert response.status_code == 409 and response.json()["error"]["code"] == "contact_closed"
