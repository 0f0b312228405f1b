"""Conversations and the assistant (``services/conversations.py``): words that ask for a person,
the assistant's answers, the one-step hand-over, hazards."""

from __future__ import annotations

import pytest

from fairdesk.contact.choices import AgentStatus, Channel, ContactStatus, ContactType, Sender
from fairdesk.contact.models import Assignment, FaqEntry
from fairdesk.contact.services.conversations import (
    contact_request_human,
    contact_say,
    contact_start,
    wants_human,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("text", ["人工", "转人工", " 客服！", "Agent", "human", "我要转人工服务"])
def test_transfer_words(text: str) -> None:
    assert wants_human(text)


@pytest.mark.parametrize("text", ["空调不制冷", "人工智能是什么产品", "agenda"])
def test_not_transfer_words(text: str) -> None:
    assert not wants_human(text)


@pytest.mark.parametrize(
    "text", ["我要人工", "找人工", "人工服务", "真人客服", "I want a human", "agent please"]
)
def test_more_ways_to_ask_for_a_person(text: str) -> None:
    assert wants_human(text)


@pytest.mark.parametrize(
    "text,hazard",
    [
        ("燃气热水器不出热水", False),
        ("买个燃气灶", False),
        ("I use Firefox", False),
        ("sparkling water dispenser", False),
        ("闻到燃气味", True),
        ("插座冒烟了", True),
        ("the outlet is sparking", True),
        ("I smell gas", True),
    ],
)
def test_hazard_words_mean_danger_not_the_fuel(text: str, hazard: bool) -> None:
    from fairdesk.contact.ordering import looks_hazardous

    assert looks_hazardous(text) is hazard


def test_bot_answers_then_typing_rengong_transfers_at_once(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    FaqEntry.objects.create(
        keywords="保修,warranty", answer="整机保修一年。", answer_en="One year."
    )
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    contact = contact_start(
        customer=customer,
        contact_type=ContactType.CONSULTATION,
        channel=Channel.WEB_CHAT,
        text="保修多久",
    )
    assert contact.status == ContactStatus.BOT
    answer = contact.messages.filter(sender=Sender.BOT).last()
    assert answer is not None and answer.text == "整机保修一年。"
    contact_say(contact=contact, text="人工")
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED
    assert contact.agent is not None and contact.agent.user == agent
    assignment = Assignment.objects.get(contact=contact)
    assert assignment.reason["class"] == "standard"


def test_talk_to_a_person_button_is_one_step(customer: Customer, clock: Clock) -> None:
    contact = contact_start(
        customer=customer, contact_type=ContactType.REFUND, channel=Channel.WEB_CHAT
    )
    contact_request_human(contact=contact)
    contact.refresh_from_db()
    assert contact.status == ContactStatus.QUEUED and contact.queued_at == T0
