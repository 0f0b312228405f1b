"""Agents and the queue's dispatch (``services/queue.py``): a hazard goes first, the agent idle
the longest gets the contact, every assignment logged with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.choices import AgentStatus, Channel, ContactStatus, ContactType
from fairdesk.contact.models import Contact
from fairdesk.contact.services.conversations import contact_close, contact_start
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_hazard_goes_to_the_front(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
    sale = contact_start(
        customer=customer,
        contact_type=ContactType.BUY_UPGRADE,
        channel=Channel.WEB_CHAT,
        text="人工",
    )
    clock.move_to(T0 + timedelta(minutes=1))
    gas = contact_start(
        customer=other,
        contact_type=ContactType.REPAIR,
        channel=Channel.WEB_CHAT,
        text="热水器有燃气味",
    )
    assert gas.safety_hazard and Contact.objects.get(pk=gas.pk).status == ContactStatus.QUEUED
    agent = staff("agent1")
    agent_profile_ensure(user=agent, max_concurrent=1)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    assert Contact.objects.get(pk=gas.pk).status == ContactStatus.ASSIGNED
    assert Contact.objects.get(pk=sale.pk).status == ContactStatus.QUEUED
    contact_close(contact=gas, agent_user=agent, outcome="advised, technician booked")
    assert Contact.objects.get(pk=sale.pk).status == ContactStatus.ASSIGNED


def test_idle_longest_agent_gets_the_contact(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    first, second = staff("a1"), staff("a2")
    for user in (first, second):
        agent_profile_ensure(user=user)
    agent_set_status(agent_user=second, status=AgentStatus.AVAILABLE)
    clock.move_to(T0 + timedelta(minutes=5))
    agent_set_status(agent_user=first, status=AgentStatus.AVAILABLE)
    contact = contact_start(
        customer=customer,
        contact_type=ContactType.COMPLAINT,
        channel=Channel.WEB_CHAT,
        text="转人工",
    )
    contact.refresh_from_db()
    assert contact.agent is not None and contact.agent.user == second
