"""Reads (``selectors.py``): the queue snapshot in the published order with its estimates, the
percentiles of the public figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact import selectors
from fairdesk.contact.choices import AgentStatus, Channel, ContactStatus, ContactType
from fairdesk.contact.models import AgentProfile, Contact
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tests.conftest import T0, Clock, Staff, waiting


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
