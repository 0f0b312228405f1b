"""Reads and access (``selectors.py``): the queue snapshot in the published order with its
estimates, the percentiles of the public figures, and the ``access_*`` / ``check_*`` rules the
API, the console, the portal and the services share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from fairdesk.contact import selectors
from fairdesk.contact.choices import AgentStatus, Channel, ContactStatus, ContactType
from fairdesk.contact.models import AgentProfile, Contact
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tests.conftest import T0, Clock, Staff, waiting
from fairdesk.core import roles
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.models import Customer


def test_percentile_is_nearest_rank() -> None:
    assert selectors.percentile([], 0.5) is None
    assert selectors.percentile([5], 0.95) == 5
    assert selectors.percentile(list(range(1, 101)), 0.95) == 95
    assert selectors.percentile([1, 2, 3, 4], 0.5) == 2


@pytest.mark.django_db
def test_snapshot_follows_the_published_order_and_estimates_the_wait(
    staff: Staff, clock: Clock
) -> None:
    sale = waiting(ContactType.BUY_UPGRADE, at=T0 - timedelta(minutes=20))
    refund = waiting(ContactType.REFUND, at=T0 - timedelta(minutes=5))
    gas = waiting(ContactType.REPAIR, at=T0, hazard=True)
    agents = [agent_profile_ensure(user=staff(f"a{n}")) for n in range(2)]
    AgentProfile.objects.update(status=AgentStatus.AVAILABLE)
    for minutes in (4, 8):  # closed contacts: the mean handle time is 6 minutes
        Contact.objects.create(
            contact_type=ContactType.REPAIR,
            channel=Channel.WEB_CHAT,
            status=ContactStatus.CLOSED,
            created_at=T0 - timedelta(hours=1),
            assigned_at=T0 - timedelta(hours=1),
            closed_at=T0 - timedelta(hours=1) + timedelta(minutes=minutes),
            agent=agents[0],
        )
    snapshot = selectors.queue_snapshot()
    assert [e.contact_id for e in snapshot.entries] == [gas.pk, refund.pk, sale.pk]
    assert snapshot.mean_handle_seconds == 360 and snapshot.agents_available == 2
    assert [e.estimated_wait_seconds for e in snapshot.entries] == [180, 360, 540]
    assert snapshot.entries[2].waited_seconds == 1200
    mine = selectors.contact_queue_position(sale)
    assert mine is not None and (mine.position, mine.queue_class) == (3, "standard")
    assert selectors.contact_queue_position(Contact(status=ContactStatus.BOT)) is None


@pytest.mark.django_db
def test_only_customers_act_for_themselves(customer: Customer, staff: Staff) -> None:
    assert selectors.access_customer(customer.user) == customer
    for user in (staff("agent1"), staff("boss", roles.BRAND_ADMIN), AnonymousUser()):
        with pytest.raises(DomainError) as err:
            selectors.access_customer(user)
        assert err.value.code == "forbidden" and err.value.status == 403


@pytest.mark.django_db
def test_who_sees_the_contact_centre(customer: Customer, staff: Staff) -> None:
    for user in (staff("agent1"), staff("boss", roles.BRAND_ADMIN)):
        selectors.check_contact_staff(user)
    for user in (customer.user, staff("aud", roles.AUDITOR), staff("t", roles.TECHNICIAN)):
        with pytest.raises(DomainError):
            selectors.check_contact_staff(user)
    selectors.check_may_export_complaints(staff("aud2", roles.AUDITOR))
    with pytest.raises(DomainError):
        selectors.check_may_export_complaints(staff("agent2"))


@pytest.mark.django_db
def test_an_agent_answers_and_closes_only_their_conversation(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    mine, theirs = (agent_profile_ensure(user=staff(name)) for name in ("a1", "a2"))
    contact = waiting(ContactType.REFUND, at=T0)
    contact.customer = customer
    contact.status, contact.agent = ContactStatus.ASSIGNED, mine
    contact.save()
    assert selectors.answers(mine, contact) and not selectors.answers(theirs, contact)
    assert selectors.access_contact_to_answer(contact_id=contact.pk, agent=mine) == contact
    assert selectors.access_contact_to_close(contact_id=contact.pk, agent=None) == contact
    for access in (selectors.access_contact_to_answer, selectors.access_contact_to_close):
        with pytest.raises(DomainError) as err:
            access(contact_id=contact.pk, agent=theirs)
        assert err.value.code == "not_your_contact"
    assert selectors.is_contact_customer(customer.user, contact)
    with pytest.raises(DomainError) as err:
        selectors.access_contact_as_customer(user=staff("a3"), contact_id=contact.pk)
    assert err.value.code == "forbidden"


@pytest.mark.django_db
def test_a_callback_of_someone_else_is_not_found(
    customer: Customer, other: Customer, clock: Clock
) -> None:
    callback = callback_request(
        customer=customer,
        phone="",
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.REFUND,
    )
    assert selectors.access_callback(user=customer.user, callback_id=callback.pk) == callback
    with pytest.raises(NotFound) as err:
        selectors.access_callback(user=other.user, callback_id=callback.pk)
    assert err.value.code == "callback_not_found"
    assert not selectors.callback_missed(callback, T0 + timedelta(hours=2))
    assert selectors.callback_missed(callback, T0 + timedelta(hours=2, seconds=1))
