"""Changes in the API (``plans.api.changes``): every kind through the same two calls, the
preview honoured, a change with an unpaid invoice, the offer, the timing, undo, and bad or stale
calls that change nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from time_machine import Traveller

from fairdesk.core.testing import at_once
from fairdesk.customers.models import Customer
from fairdesk.plans import selectors
from fairdesk.plans.choices import ChangeStatus, SubscriptionStatus, TimingRule
from fairdesk.plans.models import (
    ChangeAttempt,
    ChangePolicy,
    Plan,
    PlanChange,
    Subscription,
)
from fairdesk.plans.tests.api.calls import (
    API,
    as_user,
    change,
    error_code,
    get,
    post,
    snapshot,
)
from fairdesk.plans.tests.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_upgrade_downgrade_and_cancel_take_exactly_the_same_calls(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    clock.move_to(T0 + timedelta(days=10))
    calls: dict[str, list[str]] = {}
    results = {}
    for kind, to_plan in (("upgrade", "cloud-90"), ("downgrade", "cloud-30"), ("cancel", None)):
        before = [PlanChange.objects.count()]
        started, confirmed = change(me, sub.pk, to_plan)
        assert started.json()["kind"] == kind
        assert confirmed.status_code == 200, confirmed.json()
        calls[kind] = [
            started.request["PATH_INFO"].replace(str(sub.pk), "{id}"),
            confirmed.request["PATH_INFO"].replace(str(started.json()["id"]), "{a}"),
        ]
        results[kind] = (started.json(), confirmed.json())
        assert PlanChange.objects.count() == before[0] + 1
    assert (
        calls["upgrade"]
        == calls["downgrade"]
        == calls["cancel"]
        == [
            "/api/v1/subscriptions/{id}/changes",
            "/api/v1/changes/{a}/confirm",
        ]
    )
    up_start, up = results["upgrade"]
    down_start, down = results["downgrade"]
    cancel_start, cancel = results["cancel"]
    assert up_start["offer"] is None and up_start["quote"]["charge_fen"] == up["charge_fen"] > 0
    assert down_start["offer"]["code"] == "stay-20"  # shown once, beside the confirm call
    assert down["credit_fen"] == up["charge_fen"]  # the same clock both ways
    assert down_start["quote"]["credit_fen"] == down["credit_fen"]
    assert cancel_start["offer"] is None  # one offer per 30 days on a subscription
    assert cancel["kind"] == "cancel" and cancel["status"] == "applied"
    assert cancel["credit_fen"] > 0 and cancel["refunds"][0]["amount_fen"] == cancel["credit_fen"]
    assert cancel["credit_refunded_fen"] == cancel["credit_fen"]
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    attempts = ChangeAttempt.objects.filter(subscription=sub)
    assert {a.steps for a in attempts} == {2} and {a.channel for a in attempts} == {"api"}
    assert selectors.ledger_problems(sub) == []


def test_the_preview_is_honoured_and_described(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-basic"])
    clock.move_to(T0 + timedelta(days=100))
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "ac-care-premium"})
    data = started.json()
    quote = data["quote"]
    assert data["outcome"] == "open" and data["timings"] == ["immediate"]
    assert quote["effective_at"] == "2027-03-03T10:00:00+08:00"
    assert quote["valid_until"] == "2027-03-03T10:30:00+08:00"
    assert (
        quote["new_price_fen"] == 49900 and quote["new_period_end"] == "2027-11-23T10:00:00+08:00"
    )
    assert quote["charge_yuan"] == f"{quote['charge_fen'] // 100}.{quote['charge_fen'] % 100:02d}"
    again = get(me, f"/changes/{data['id']}").json()
    assert again["quote"] == quote
    clock.move_to(T0 + timedelta(days=100, minutes=20))
    confirmed = post(me, f"/changes/{data['id']}/confirm").json()
    assert confirmed["charge_fen"] == quote["charge_fen"]
    finished = get(me, f"/changes/{data['id']}").json()
    assert finished["outcome"] == "confirmed" and finished["quote"] is None
    assert finished["change_id"] == confirmed["id"]


def test_a_change_with_an_unpaid_invoice_needs_nothing_more(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-premium"], method="demo-declined-card")
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["open_due_fen"] == 49900
    assert {o["kind"] for o in detail["options"]} == {"downgrade", "switch", "cancel"}
    clock.move_to(T0 + timedelta(days=2))
    started, confirmed = change(me, sub.pk, "ac-care-basic")
    assert confirmed.status_code == 200, confirmed.json()
    assert started.json()["quote"]["settles_open_fen"] == confirmed.json()["credit_fen"]
    assert confirmed.json()["refunds"] == []  # no money goes back that never came in
    assert confirmed.json()["credit_settled_fen"] == confirmed.json()["credit_fen"]
    assert confirmed.json()["credit_refunded_fen"] == 0
    _started, cancelled = change(me, sub.pk, None)
    assert cancelled.status_code == 200 and cancelled.json()["kind"] == "cancel"
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    assert selectors.ledger_problems(sub) == []


def test_an_upgrade_with_an_unpaid_invoice_works_the_same(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-7"], method="demo-declined-card")
    _started, confirmed = change(me, sub.pk, "cloud-30")
    assert confirmed.status_code == 200 and confirmed.json()["kind"] == "upgrade"
    assert selectors.ledger_problems(sub) == []


def test_the_offer_can_be_taken_instead(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": None}).json()
    assert started["offer"]["text"] == "继续保留当前方案，下个周期立减20%。"
    assert started["offer"]["response"] == "shown"
    taken = post(me, f"/changes/{started['id']}/accept-offer")
    assert taken.status_code == 200
    assert taken.json()["outcome"] == "offer_accepted"
    assert taken.json()["offer"]["response"] == "accepted"
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["status"] == "active" and detail["discount_percent"] == 20
    assert detail["next_charge"]["amount_fen"] == 2400
    twice = post(me, f"/changes/{started['id']}/accept-offer")
    assert twice.status_code == 409 and error_code(twice) == "attempt_finished"
    up = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-90"}).json()
    no_offer = post(me, f"/changes/{up['id']}/accept-offer")
    assert no_offer.status_code == 409 and error_code(no_offer) == "no_offer"


def test_english_callers_get_english_texts(
    catalog: dict[str, Plan],
    customer: Customer,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
) -> None:
    sub = subscribe(catalog["cloud-30"])
    client = as_user(customer.user, language="en")
    started = post(client, f"/subscriptions/{sub.pk}/changes", {"to_plan": None}).json()
    assert started["offer"]["text"].startswith("Keep your current plan")
    assert started["kind_label"] == "Cancel"


def test_period_end_changes_are_scheduled_and_undone_in_one_call(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.CUSTOMER_CHOICE)
    sub = subscribe(catalog["cloud-90"])
    started = post(
        me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-7", "timing": "period_end"}
    ).json()
    assert started["timing"] == "period_end" and started["timings"] == ["immediate", "period_end"]
    retimed = post(me, f"/changes/{started['id']}/timing", {"timing": "immediate"}).json()
    assert retimed["timing"] == "immediate" and retimed["quote"]["credit_fen"] > 0
    retimed = post(me, f"/changes/{started['id']}/timing", {"timing": "period_end"}).json()
    assert retimed["quote"]["credit_fen"] == 0
    confirmed = post(me, f"/changes/{started['id']}/confirm").json()
    assert confirmed["status"] == "scheduled"
    assert confirmed["effective_at"] == "2026-12-23T10:00:00+08:00"
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["scheduled_change"]["id"] == confirmed["id"]
    assert detail["next_charge"]["plan"]["code"] == "cloud-7"
    assert detail["next_charge"]["amount_fen"] == 1500
    undone = post(me, f"/scheduled-changes/{confirmed['id']}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    again = post(me, f"/scheduled-changes/{confirmed['id']}/undo")
    assert again.status_code == 409 and error_code(again) == "change_not_undoable"
    assert get(me, f"/subscriptions/{sub.pk}").json()["scheduled_change"] is None
    assert PlanChange.objects.get().status == ChangeStatus.UNDONE


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"to_plan": "cloud-30"}, 422, "same_plan"),
        ({"to_plan": "nope"}, 422, "plan_not_found"),
        ({"to_plan": "cloud-90", "timing": "period_end"}, 422, "timing_not_available"),
        ({"to_plan": "cloud-90", "timing": "tomorrow"}, 422, "invalid_input"),
        ({}, 422, "invalid_input"),  # to_plan must be said: null cancels, nothing is implied
        ({"to_plan": 5}, 422, "invalid_input"),
        # the camera's cloud storage is not "switched" to air-conditioner care
        ({"to_plan": "ac-care-basic"}, 422, "change_not_related"),
        ({"to_plan": "warranty-max"}, 422, "change_not_related"),
    ],
)
def test_bad_change_input_is_rejected_and_changes_nothing(
    catalog: dict[str, Plan],
    me: Client,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    sub = subscribe(catalog["cloud-30"])
    before = snapshot(sub)
    response = post(me, f"/subscriptions/{sub.pk}/changes", body)
    assert response.status_code == status, response.json()
    assert error_code(response) == code
    assert snapshot(sub) == before
    assert not ChangeAttempt.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"refund_to": "cash"}, "invalid_input"),
        ({"reason": "x" * 301}, "invalid_input"),
    ],
)
def test_bad_confirm_input_is_422_and_changes_nothing(
    catalog: dict[str, Plan],
    me: Client,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
    body: dict[str, Any],
    code: str,
) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-7"}).json()
    before = snapshot(sub)
    response = post(me, f"/changes/{started['id']}/confirm", body)
    assert response.status_code == 422 and error_code(response) == code
    assert snapshot(sub) == before


def test_a_stale_preview_or_a_finished_attempt_is_409(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-90"}).json()
    clock.move_to(T0 + timedelta(minutes=31))
    before = snapshot(sub)
    stale = post(me, f"/changes/{started['id']}/confirm")
    assert stale.status_code == 409 and error_code(stale) == "quote_expired"
    assert snapshot(sub) == before
    fresh = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-90"}).json()
    assert post(me, f"/changes/{fresh['id']}/confirm").status_code == 200
    twice = post(me, f"/changes/{fresh['id']}/confirm")
    assert twice.status_code == 409 and error_code(twice) == "attempt_finished"


def test_confirm_needs_no_body_at_all(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": None}).json()
    response = me.post(
        f"{API}/changes/{started['id']}/confirm", "", content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["refund_to"] == "original"
    assert response.json()["kind"] == "cancel"


def test_account_credit_when_the_customer_chooses_it(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["ac-care-premium"])
    clock.move_to(T0 + timedelta(days=30))
    _started, confirmed = change(me, sub.pk, "ac-care-basic", refund_to="account_credit")
    assert confirmed.json()["refund_to"] == "account_credit" and confirmed.json()["refunds"] == []
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["account_credit_fen"] == confirmed.json()["credit_fen"]


def test_ended_subscription_offers_nothing_and_refuses_changes(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-7"])
    change(me, sub.pk, None)
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["status"] == "ended" and detail["options"] == [] and detail["next_charge"] is None
    response = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-30"})
    assert response.status_code == 409 and error_code(response) == "subscription_ended"


def _three_attempts(client: Client, sub: Subscription) -> list[int]:
    """An upgrade, a downgrade and a cancellation of ``sub``, each previewed, none confirmed."""
    ids = []
    for to_plan in ("cloud-90", "cloud-7", None):
        started = post(client, f"/subscriptions/{sub.pk}/changes", {"to_plan": to_plan})
        assert started.status_code == 201, started.json()
        ids.append(started.json()["id"])
    return ids


def _one_won(outcomes: list[Any], sub: Subscription) -> None:
    """Exactly one confirmation applied; the others were refused with a 409 in the error shape
    and changed nothing."""
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    statuses = sorted(o.status_code for o in outcomes)
    assert statuses == [200, 409, 409], [o.content for o in outcomes]
    for lost in (o for o in outcomes if o.status_code == 409):
        error = lost.json()["error"]
        assert error["code"] in {"quote_expired", "subscription_ended"}
        assert error["message"] and error["details"] == {}
    assert PlanChange.objects.filter(subscription=sub).count() == 1
    assert ChangeAttempt.objects.filter(subscription=sub, outcome="open").count() == 2
    sub.refresh_from_db()
    assert selectors.ledger_problems(sub) == []


def test_confirmations_of_three_changes_one_after_another(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    clock.move_to(T0 + timedelta(days=3))
    ids = _three_attempts(me, sub)
    outcomes = [post(me, f"/changes/{attempt}/confirm") for attempt in ids]
    assert outcomes[0].status_code == 200  # the upgrade, applied at once
    assert [error_code(o) for o in outcomes[1:]] == ["quote_expired", "quote_expired"]
    assert "其他变更" in outcomes[1].json()["error"]["message"]  # says why, in the customer's words
    _one_won(outcomes, sub)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SQLite has one writer at a time)"
)
def test_racing_confirmations_of_three_changes_leave_one_and_two_409s(
    catalog: dict[str, Plan], customer: Customer, subscribe: Callable[..., Subscription]
) -> None:
    """An upgrade, a downgrade and a cancellation confirmed at the same moment: the first to
    lock the subscription wins; the others wait, see that it moved on, and answer 409 (they
    answered 500 when the locking read, joined to the plan, found no row)."""
    sub = subscribe(catalog["cloud-30"])
    ids = _three_attempts(as_user(customer.user), sub)
    pending = list(ids)
    lock = threading.Lock()

    def confirm() -> Any:
        with lock:
            attempt = pending.pop()
        return post(as_user(customer.user), f"/changes/{attempt}/confirm")

    _one_won(at_once(confirm, 3), sub)
