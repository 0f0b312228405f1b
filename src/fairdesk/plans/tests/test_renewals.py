"""The clock (``services.renewals``): a failed renewal, its grace period and the lapse; one
reminder per period with the amount and the link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from time_machine import Traveller

from fairdesk.notifications.models import Message
from fairdesk.plans.choices import (
    SubscriptionStatus,
)
from fairdesk.plans.models import Plan, Subscription
from fairdesk.plans.services.renewals import plans_process_due
from fairdesk.plans.tests.conftest import assert_balanced

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_failed_renewal_grace_then_lapse(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-7"])
    sub.payment_method = "demo-declined-x"
    sub.save()
    clock.move_to(sub.period_end + timedelta(seconds=1))
    plans_process_due()
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE and sub.grace_until is not None
    clock.move_to(sub.grace_until + timedelta(seconds=1))
    plans_process_due()
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED and sub.end_reason == "payment_failed"
    assert_balanced(sub)


def test_reminder_once_per_period_with_amount_and_link(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    clock.move_to(sub.period_end - timedelta(days=4))
    plans_process_due()
    plans_process_due()
    reminders = Message.objects.filter(kind="plans.renewal_reminder", channel="sms")
    assert reminders.count() == 1
    assert "30.00" in reminders.get().body and f"/portal/plans/{sub.pk}/" in reminders.get().body
