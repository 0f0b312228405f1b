"""A short simulated rush through the real queue rule (the full day is bench/sim_queue.py)."""

from __future__ import annotations

import pytest

from fairdesk.contact.choices import ContactType
from fairdesk.contact.simulation import simulate

GREEN = (ContactType.DOWNGRADE_CANCEL, ContactType.REFUND, ContactType.COMPLAINT)


@pytest.mark.parametrize("agents", [8, 11])
def test_green_waits_no_longer_than_sales_and_everyone_is_answered(agents: int) -> None:
    result = simulate(contacts_per_day=1200, agents=agents, hours=3, seed=7)
    stats = result.stats()
    assert not any(v["unanswered"] for v in stats.values())
    for kind in GREEN:
        assert stats[kind]["p95_s"] <= stats[ContactType.BUY_UPGRADE]["p95_s"]
