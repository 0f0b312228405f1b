"""The worker's minute (``tasks.py``): waiting contacts assigned, missed callbacks escalated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ContactStatus,
    ContactType,
)
from fairdesk.contact.models import AgentProfile, Callback, Contact
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.conversations import contact_start
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tasks import process_contacts_due
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.core import roles
from fairdesk.customers.models import Customer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_periodic_task_assigns_and_escalates(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    staff("boss", roles.BRAND_ADMIN)
    callback = callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(minutes=30),
        window_end=T0 + timedelta(hours=1),
        contact_type=ContactType.REFUND,
    )
    contact = contact_start(
        customer=customer, contact_type=ContactType.REPAIR, channel=Channel.WEB_CHAT, text="人工"
    )
    agent = agent_profile_ensure(user=staff("agent1"), max_concurrent=2)
    AgentProfile.objects.filter(pk=agent.pk).update(status=AgentStatus.AVAILABLE)
    clock.move_to(T0 + timedelta(hours=1, minutes=1))
    result = process_contacts_due.call_local()
    assert result == {"assigned": 2, "callbacks": 1, "complaints": 0}
    assert Contact.objects.get(pk=contact.pk).status == ContactStatus.ASSIGNED
    assert Callback.objects.get(pk=callback.pk).status == CallbackStatus.MISSED
