"""Changes through the services (``services.changes``), with the real (local) gateway and
outbox: the same clock both ways, refunds and account credit, a change with an unpaid invoice,
scheduled changes and undo, the offer, and confirmations refused when finished or stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from time_machine import Traveller

from fairdesk.core.errors import DomainError
from fairdesk.notifications.models import Message
from fairdesk.plans import selectors
from fairdesk.plans.choices import (
    AttemptOutcome,
    ChangeStatus,
    Channel,
    InvoiceStatus,
    OfferResponse,
    RefundStatus,
    RefundTo,
    SubscriptionStatus,
    TimingRule,
)
from fairdesk.plans.models import Invoice, Plan, PlanEvent, Refund, Subscription
from fairdesk.plans.proration import add_months
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.changes import (
    change_accept_offer,
    change_confirm,
    change_start,
    change_undo,
)
from fairdesk.plans.services.renewals import plans_process_due, subscription_roll
from fairdesk.plans.tests.conftest import T0, assert_balanced, demo_catalog

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_immediate_upgrade_then_downgrade_nets_zero(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-basic"])
    clock.move_to(T0 + timedelta(days=100))
    up = change_start(subscription=sub, to_plan=catalog["ac-care-premium"], channel=Channel.PORTAL)
    change_up = change_confirm(attempt_id=up.pk, channel=Channel.PORTAL)
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-premium" and change_up.charge_fen > 0
    down = change_start(subscription=sub, to_plan=catalog["ac-care-basic"], channel=Channel.PORTAL)
    assert down.offer is not None and down.offer_response == OfferResponse.SHOWN
    change_down = change_confirm(attempt_id=down.pk, channel=Channel.PORTAL)
    assert change_down.credit_fen == change_up.charge_fen
    refund = Refund.objects.get(subscription=sub)
    assert refund.status == RefundStatus.DONE and refund.amount_fen == change_down.credit_fen
    down.refresh_from_db()
    assert (
        down.outcome == AttemptOutcome.CONFIRMED and down.offer_response == OfferResponse.DECLINED
    )
    up.refresh_from_db()
    assert up.steps == down.steps == 2  # choose, confirm: the same for both directions
    assert_balanced(sub)


def test_cancel_immediately_refunds_unused_time(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    clock.move_to(T0 + timedelta(days=10))
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL)
    change = change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    assert 0 < change.credit_fen < 3000
    assert Refund.objects.get(subscription=sub).amount_fen == change.credit_fen
    body = Message.objects.filter(kind="plans.change_confirmed", channel="sms").get().body
    assert "¥" in body and str(change.credit_fen // 100) in body
    assert_balanced(sub)


def test_account_credit_only_when_chosen(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-premium"])
    clock.move_to(T0 + timedelta(days=30))
    attempt = change_start(
        subscription=sub, to_plan=catalog["ac-care-basic"], channel=Channel.PORTAL
    )
    change = change_confirm(
        attempt_id=attempt.pk, channel=Channel.PORTAL, refund_to=RefundTo.ACCOUNT_CREDIT
    )
    assert not Refund.objects.filter(subscription=sub).exists()
    assert selectors.account_credit_fen(sub) == change.credit_fen
    assert_balanced(sub)


def test_downgrade_with_unpaid_invoice_needs_nothing_more(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-premium"], method="demo-declined-card")
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    clock.move_to(T0 + timedelta(days=2))
    attempt = change_start(
        subscription=sub, to_plan=catalog["ac-care-basic"], channel=Channel.PORTAL
    )
    change = change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-basic"
    # the credit settles part of the unpaid first invoice: no money goes back that never came in
    inv = Invoice.objects.get(subscription=sub)
    assert inv.settled_fen == change.credit_fen and inv.status == InvoiceStatus.OPEN
    assert not Refund.objects.filter(subscription=sub).exists()
    assert_balanced(sub)


def test_upgrade_with_unpaid_invoice_is_allowed_too(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-basic"], method="demo-declined-card")
    attempt = change_start(
        subscription=sub, to_plan=catalog["ac-care-standard"], channel=Channel.PORTAL
    )
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    assert Invoice.objects.filter(subscription=sub, status=InvoiceStatus.OPEN).count() == 2
    assert_balanced(sub)


def test_period_end_downgrade_renews_at_new_price_and_can_be_undone(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    from fairdesk.plans.models import ChangePolicy

    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    sub = subscribe(catalog["cloud-90"])
    attempt = change_start(subscription=sub, to_plan=catalog["cloud-7"], channel=Channel.PORTAL)
    change = change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    assert change.status == ChangeStatus.SCHEDULED and change.effective_at == sub.period_end
    change_undo(change_id=change.pk, channel=Channel.PORTAL)
    again = change_start(subscription=sub, to_plan=catalog["cloud-7"], channel=Channel.PORTAL)
    assert again.offer is None  # one offer per 30 days on a subscription
    change = change_confirm(attempt_id=again.pk, channel=Channel.PORTAL)
    clock.move_to(sub.period_end + timedelta(minutes=1))
    plans_process_due()
    sub.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED and sub.plan.code == "cloud-7"
    renewal = Invoice.objects.filter(subscription=sub, kind="renewal").get()
    assert renewal.amount_fen == 1500  # never the old price after the effective date
    with pytest.raises(DomainError):
        change_undo(change_id=change.pk, channel=Channel.PORTAL)
    assert_balanced(sub)


def test_offer_accepted_discounts_next_renewal(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL)
    change_accept_offer(attempt_id=attempt.pk, channel=Channel.PORTAL)
    clock.move_to(sub.period_end + timedelta(seconds=1))
    subscription_roll(subscription_id=sub.pk)
    assert Invoice.objects.get(subscription=sub, kind="renewal").amount_fen == 2400
    assert PlanEvent.objects.filter(subscription=sub, kind="offer_accepted").exists()
    assert_balanced(sub)


def test_switch_to_other_period_length_credits_and_starts_new_period(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    # a monthly extended warranty, in the family related to air-conditioner care
    document = demo_catalog()
    warranty = document["families"][1]["plans"][0]
    warranty.update(period="monthly", price="30.00")
    del warranty["minimum_term_months"]
    catalog_import(document=document)
    sub = subscribe(catalog["ac-care-basic"])  # yearly
    clock.move_to(T0 + timedelta(days=73))
    monthly = Plan.objects.get(code="warranty-plus")
    attempt = change_start(subscription=sub, to_plan=monthly, channel=Channel.PORTAL)
    change = change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    sub.refresh_from_db()
    assert change.kind == "switch" and change.charge_fen == 3000
    assert change.credit_fen == round(19900 * (365 - 73) / 365)
    assert sub.period_start == T0 + timedelta(days=73)
    assert sub.period_end == add_months(T0 + timedelta(days=73), 1)
    assert_balanced(sub)


def test_cancel_while_overdue_writes_off_the_rest(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"], method="demo-declined-card")
    clock.move_to(T0 + timedelta(days=3))
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    assert not Invoice.objects.filter(subscription=sub, status=InvoiceStatus.OPEN).exists()
    assert_balanced(sub)


def test_confirming_twice_is_refused_and_changes_nothing(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-7"])
    attempt = change_start(subscription=sub, to_plan=catalog["cloud-30"], channel=Channel.PORTAL)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    with pytest.raises(DomainError) as err:
        change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    assert err.value.code == "attempt_finished"
    assert Invoice.objects.filter(subscription=sub, kind="change").count() == 1


def test_stale_preview_is_refused(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-7"])
    attempt = change_start(subscription=sub, to_plan=catalog["cloud-30"], channel=Channel.PORTAL)
    clock.move_to(T0 + timedelta(minutes=31))
    with pytest.raises(DomainError) as err:
        change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
    assert err.value.code == "quote_expired"
    sub.refresh_from_db()
    assert sub.plan.code == "cloud-7"
