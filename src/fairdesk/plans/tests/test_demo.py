"""The demo seed of service plans (``plans.demo``): varied states, the same data twice."""

from __future__ import annotations

from typing import Any

import pytest

from fairdesk.plans.choices import SubscriptionStatus
from fairdesk.plans.models import (
    ChangeAttempt,
    Invoice,
    LedgerEntry,
    Plan,
    PlanEvent,
    PriceChange,
    Subscription,
)

pytestmark = pytest.mark.django_db


def _demo_state() -> tuple[Any, ...]:
    from fairdesk.customers.models import Customer, Device
    from fairdesk.notifications.models import Message

    return (
        sorted(
            Subscription.objects.values_list(
                "customer__phone",
                "plan__code",
                "status",
                "auto_renew",
                "discount_percent",
                "period_end",
            )
        ),
        Customer.objects.count(),
        Device.objects.count(),
        Invoice.objects.count(),
        LedgerEntry.objects.count(),
        PlanEvent.objects.count(),
        ChangeAttempt.objects.count(),
        PriceChange.objects.count(),
        Plan.objects.count(),
        Message.objects.count(),
    )


def test_the_demo_seeds_varied_states_twice_the_same(db: None) -> None:
    from fairdesk.customers.demo import seed_customers_demo
    from fairdesk.plans import selectors
    from fairdesk.plans.demo import seed_plans_demo
    from fairdesk.plans.services.renewals import renewal_reminders_send

    seed_customers_demo()
    first = seed_plans_demo()
    assert "4 new" in first
    state = _demo_state()
    subs = {s.plan.code: s for s in Subscription.objects.select_related("plan", "customer")}
    assert set(subs) == {"cloud-30", "ac-care-standard", "warranty-plus", "cloud-90"}
    assert subs["cloud-30"].auto_renew and subs["cloud-30"].status == SubscriptionStatus.ACTIVE
    assert subs["ac-care-standard"].discount_percent == 20  # the retention offer, accepted
    assert not subs["warranty-plus"].auto_renew  # turned off: ends at the period end
    assert subs["cloud-90"].status == SubscriptionStatus.PAST_DUE
    assert subs["cloud-90"].customer.phone == "13800000002"
    for sub in subs.values():
        assert selectors.ledger_problems(sub) == [], sub.plan.code
        # every plan names the device it covers, of a line its family covers
        assert sub.device is not None and sub.device.customer_id == sub.customer_id
        assert sub.device.product_model.product_line in sub.plan.family.product_lines
    # the reminder is due: the worker's next minute sends it, once
    assert renewal_reminders_send() == 1

    state = _demo_state()
    second = seed_plans_demo()
    assert "0 new" in second
    assert _demo_state() == state
