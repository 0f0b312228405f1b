"""The models' guarantees: the audit trail and the ledger are append-only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from time_machine import Traveller

from fairdesk.plans.models import Plan, PlanEvent, Subscription

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_audit_trail_and_ledger_are_append_only(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    from fairdesk.plans.models import LedgerEntry

    sub = subscribe(catalog["cloud-7"])
    event = PlanEvent.objects.filter(subscription=sub).first()
    entry = LedgerEntry.objects.filter(subscription=sub).first()
    for row in (event, entry):
        assert row is not None
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
