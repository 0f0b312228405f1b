"""Subscriptions in the API (``plans.api.subscriptions``): subscribing with consent, bad input
that creates nothing, starting for oneself or (agents) for a customer, the list and its query
count, the ledger and the audit trail, auto-renewal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from time_machine import Traveller

from fairdesk.customers.models import Customer
from fairdesk.plans import selectors
from fairdesk.plans.choices import TimingRule
from fairdesk.plans.models import (
    ChangePolicy,
    Invoice,
    Plan,
    PlanEvent,
    Subscription,
)
from fairdesk.plans.tests.api.calls import (
    as_user,
    change,
    error_code,
    get,
    post,
)
from fairdesk.plans.tests.conftest import T0
from fairdesk.plans.tests.devices import register_device

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_customer_subscribes_with_auto_renewal_consent(
    catalog: dict[str, Plan], me: Client, customer: Customer, clock: Traveller
) -> None:
    camera = register_device(customer, "smart_home")
    text = get(me, "/plans/cloud-30/consent-text").json()["text"]
    body = {
        "plan": "cloud-30",
        "payment_method": "demo-card-1",
        "auto_renew": True,
        "device_id": camera.pk,
    }
    refused = post(me, "/subscriptions", {**body, "consent_text": "我同意"})
    assert refused.status_code == 422 and error_code(refused) == "consent_required"
    assert refused.json()["error"]["details"]["consent_text"] == text
    assert not Subscription.objects.exists()
    response = post(me, "/subscriptions", {**body, "consent_text": text})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["customer"]["id"] == customer.pk and data["plan"]["code"] == "cloud-30"
    assert data["status"] == "active" and data["auto_renew"] is True
    assert (data["period_price_fen"], data["period_price_yuan"]) == (3000, "30.00")
    assert data["period_start"] == "2026-11-23T10:00:00+08:00"
    assert data["period_end"] == "2026-12-23T10:00:00+08:00"
    assert data["next_charge"]["amount_fen"] == 3000
    assert data["next_charge"]["at"] == "2026-12-23T10:00:00+08:00"
    # cloud storage is related to no other family: no switch is offered
    assert {o["kind"] for o in data["options"]} == {"upgrade", "downgrade", "cancel"}
    assert data["timings"] == ["immediate"]
    assert data["device_id"] == camera.pk
    assert data["device"] == {
        "id": camera.pk,
        "product_line": "smart_home",
        "model_code": camera.product_model.model_code,
        "name": "智能摄像机",
        "name_en": "Smart camera",
        "serial": camera.serial,
    }
    sub = Subscription.objects.get()
    assert sub.consents.get().channel == "api"
    assert PlanEvent.objects.get(subscription=sub, kind="subscribed").channel == "api"
    again = post(me, "/subscriptions", {**body, "consent_text": text})
    assert again.status_code == 409 and error_code(again) == "already_subscribed"
    assert again.json()["error"]["details"] == {"subscription_id": sub.pk}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"plan": "nope", "payment_method": "demo-card"}, "plan_not_found"),
        ({"plan": "cloud-30", "payment_method": "  "}, "payment_method_required"),
        ({"plan": "cloud-30"}, "invalid_input"),
        ({"plan": "cloud-30", "payment_method": "x" * 65}, "invalid_input"),
        ({"plan": "cloud-30", "payment_method": "card", "device_id": 999999}, "device_not_owned"),
        ({"plan": "cloud-30", "payment_method": "card"}, "device_required"),
    ],
)
def test_bad_subscription_input_is_422_and_creates_nothing(
    catalog: dict[str, Plan], me: Client, clock: Traveller, body: dict[str, Any], code: str
) -> None:
    response = post(me, "/subscriptions", body)
    assert response.status_code == 422, response.json()
    assert error_code(response) == code
    assert not Subscription.objects.exists() and not Invoice.objects.exists()


def test_customers_start_plans_for_themselves_only(
    catalog: dict[str, Plan], me: Client, other_customer: Customer, clock: Traveller
) -> None:
    response = post(
        me,
        "/subscriptions",
        {"plan": "cloud-7", "payment_method": "card", "customer_id": other_customer.pk},
    )
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert not Subscription.objects.exists()


def test_agents_start_and_list_for_a_named_customer(
    catalog: dict[str, Plan],
    agent: Any,
    customer: Customer,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
) -> None:
    client = as_user(agent)
    missing = post(client, "/subscriptions", {"plan": "cloud-7", "payment_method": "card"})
    assert missing.status_code == 422 and error_code(missing) == "customer_required"
    unknown = post(
        client, "/subscriptions", {"plan": "cloud-7", "payment_method": "card", "customer_id": 999}
    )
    assert unknown.status_code == 404 and error_code(unknown) == "customer_not_found"
    camera = register_device(customer, "smart_home")
    response = post(
        client,
        "/subscriptions",
        {
            "plan": "cloud-7",
            "payment_method": "card",
            "customer_id": customer.pk,
            "device_id": camera.pk,
        },
    )
    assert response.status_code == 201
    sub = Subscription.objects.get()
    event = PlanEvent.objects.get(subscription=sub, kind="subscribed")
    assert event.channel == "api" and event.actor == agent
    listed = get(client, "/subscriptions", data={"customer_id": customer.pk}).json()
    assert [item["id"] for item in listed["items"]] == [sub.pk]
    assert (
        get(client, "/subscriptions", data={"customer_id": customer.pk + 1000}).json()["total"] == 0
    )


def test_list_costs_a_constant_number_of_queries(
    catalog: dict[str, Plan],
    customer: Customer,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
) -> None:
    from fairdesk.plans.services.changes import change_confirm, change_start

    me = Client()
    assert customer.user is not None
    me.force_login(customer.user)
    subscribe(catalog["cloud-30"])
    with CaptureQueriesContext(connection) as one:
        assert get(me, "/subscriptions").json()["total"] == 1
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    sub = subscribe(catalog["ac-care-basic"])
    subscribe(catalog["warranty-plus"])
    change_confirm(
        attempt_id=change_start(
            subscription=sub, to_plan=catalog["ac-care-premium"], channel="portal"
        ).pk,
        channel="portal",
    )
    with CaptureQueriesContext(connection) as three:
        data = get(me, "/subscriptions").json()
    assert data["total"] == 3
    assert len(one) == len(three)
    scheduled = next(i for i in data["items"] if i["id"] == sub.pk)["scheduled_change"]
    assert scheduled["kind"] == "upgrade" and scheduled["to_plan"]["code"] == "ac-care-premium"


def test_ledger_and_events_of_a_subscription(
    catalog: dict[str, Plan],
    me: Client,
    customer: Customer,
    agent: Any,
    subscribe: Callable[..., Subscription],
    clock: Traveller,
) -> None:
    sub = subscribe(catalog["ac-care-premium"])
    clock.move_to(T0 + timedelta(days=30))
    change(as_user(agent), sub.pk, "ac-care-basic")
    ledger = get(me, f"/subscriptions/{sub.pk}/ledger").json()
    assert ledger["problems"] == []
    assert sum(e["amount_fen"] for e in ledger["entries"]) == 0
    assert ledger["balances"] == selectors.ledger_balances(sub)
    assert [i["kind"] for i in ledger["invoices"]] == ["initial"]
    assert ledger["invoices"][0]["status"] == "paid"
    (refund,) = ledger["refunds"]
    assert refund["status"] == "done" and refund["amount_fen"] > 0
    assert (
        refund["amount_yuan"] == f"{refund['amount_fen'] // 100}.{refund['amount_fen'] % 100:02d}"
    )
    events = get(me, f"/subscriptions/{sub.pk}/events").json()
    kinds = [e["kind"] for e in events]
    assert kinds[:1] == ["subscribed"] and "change_confirmed" in kinds
    confirmed = next(e for e in events if e["kind"] == "change_confirmed")
    assert confirmed["channel"] == "api" and confirmed["by"] == "staff"
    assert confirmed["actor"] is None  # the customer does not see staff names
    staff_view = get(as_user(agent), f"/subscriptions/{sub.pk}/events").json()
    assert next(e for e in staff_view if e["kind"] == "change_confirmed")["actor"] == "agent"
    first = next(e for e in events if e["kind"] == "subscribed")
    assert first["by"] == "customer"


def test_auto_renewal_off_in_one_call_and_on_with_consent(
    catalog: dict[str, Plan], me: Client, subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    off = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": False})
    assert off.status_code == 200 and off.json()["auto_renew"] is False
    assert off.json()["next_charge"] is None
    refused = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": True})
    assert refused.status_code == 422 and error_code(refused) == "consent_required"
    text = refused.json()["error"]["details"]["consent_text"]
    on = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": True, "consent_text": text})
    assert on.status_code == 200 and on.json()["auto_renew"] is True
