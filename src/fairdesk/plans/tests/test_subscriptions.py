"""Subscribing through the services (``services.subscriptions``), with the real (local) gateway
and outbox: the first period charged and confirmed, consent as shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from time_machine import Traveller

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message
from fairdesk.plans.choices import (
    InvoiceStatus,
)
from fairdesk.plans.models import Invoice, Plan, Subscription
from fairdesk.plans.proration import add_months
from fairdesk.plans.tests.conftest import T0, assert_balanced

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_subscribe_charges_first_period_and_confirms(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-standard"])
    sub.refresh_from_db()
    assert sub.period_end == add_months(T0, 12)
    inv = Invoice.objects.get(subscription=sub)
    assert (inv.amount_fen, inv.status) == (29900, InvoiceStatus.PAID)
    assert "299.00" in sub.consents.get().text_shown
    assert Message.objects.filter(customer=sub.customer, kind="plans.subscribed").count() == 2
    assert_balanced(sub)


def test_consent_must_be_the_text_shown(
    catalog: dict[str, Plan], customer: Customer, clock: Traveller
) -> None:
    from fairdesk.plans.services.subscriptions import subscription_start

    with pytest.raises(DomainError) as err:
        subscription_start(
            customer=customer,
            plan=catalog["cloud-30"],
            payment_method="demo-card",
            auto_renew=True,
            consent_text_shown="yes",
        )
    assert err.value.code == "consent_required"
    assert not customer.subscriptions.exists()
