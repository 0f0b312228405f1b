"""Callbacks (``services/callbacks.py``): the window's checks, a missed callback escalated once per
level and counted, the apology when the worker was down."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.choices import CallbackStatus, ContactStatus, ContactType
from fairdesk.contact.models import Contact
from fairdesk.contact.services.callbacks import (
    callback_done,
    callback_request,
    callbacks_escalate_due,
)
from fairdesk.contact.services.queue import agent_profile_ensure, queue_dispatch
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_callback_missed_escalates_once_and_is_counted(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    admin = staff("boss", roles.BRAND_ADMIN)
    cb = callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.DOWNGRADE_CANCEL,
    )
    assert Message.objects.filter(kind="contact.callback", channel="sms").count() == 1
    queue_dispatch()
    assert Contact.objects.get(pk=cb.contact_id).status == ContactStatus.QUEUED  # not yet open
    clock.move_to(T0 + timedelta(hours=2, minutes=1))
    assert callbacks_escalate_due() == 1
    assert callbacks_escalate_due() == 0
    cb.refresh_from_db()
    assert cb.status == CallbackStatus.MISSED and cb.escalation_level == 1
    assert Message.objects.filter(user=admin, kind="contact.callback_missed").count() == 1
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    callback_done(callback=cb, agent_user=agent)
    cb.refresh_from_db()
    assert cb.status == CallbackStatus.MISSED and cb.done_at is not None  # late still counts
    clock.move_to(T0 + timedelta(hours=7))
    assert callbacks_escalate_due() == 0


def test_callback_window_must_be_sane(customer: Customer, clock: Clock) -> None:
    with pytest.raises(DomainError) as err:
        callback_request(
            customer=customer,
            phone="13800000002",
            window_start=T0 + timedelta(hours=1),
            window_end=T0 + timedelta(hours=1, minutes=5),
            contact_type=ContactType.REFUND,
        )
    assert err.value.code == "invalid_window"
    assert not Contact.objects.exists()


def test_a_worker_that_was_down_still_apologises(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    staff("boss", roles.BRAND_ADMIN)
    callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.REFUND,
    )
    clock.move_to(T0 + timedelta(hours=9))  # straight to level 2
    assert callbacks_escalate_due() == 1
    assert Message.objects.filter(kind="contact.callback_missed", channel="sms").count() == 1
