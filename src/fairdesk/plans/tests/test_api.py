"""The plans API: the catalog, subscribing, reading a subscription, and every change through the
same two calls; authentication, access (own only / agents all / other staff none), bad input
that changes nothing, a change with an unpaid invoice, query counts and the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fairdesk.api.services import api_token_create
from fairdesk.core import roles
from fairdesk.customers.models import Customer
from fairdesk.plans import selectors
from fairdesk.plans.choices import ChangeStatus, SubscriptionStatus, TimingRule
from fairdesk.plans.models import (
    ChangeAttempt,
    ChangePolicy,
    Invoice,
    LedgerEntry,
    PlanChange,
    PlanEvent,
    Refund,
    Subscription,
)
from fairdesk.plans.tests.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

API = "/api/v1"


# --- helpers and fixtures ---------------------------------------------------------------------


class SignedIn(Client):
    """A client signed in as ``user`` for every request (tests move the clock past a session's
    two weeks)."""

    def __init__(self, user: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    def request(self, **request: Any) -> Any:
        self.force_login(self.user)
        return super().request(**request)


def as_user(user: Any, language: str = "zh-hans") -> Client:
    return SignedIn(user, headers={"accept-language": language})


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(f"{API}{url}", body or {}, content_type="application/json", **headers)


def get(client: Client, url: str, **kw: Any) -> Any:
    return client.get(f"{API}{url}", **kw)


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def make_user(db: None, django_user_model: Any) -> Any:
    def make(username: str, *groups: str) -> Any:
        user = django_user_model.objects.create_user(username, password="x")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user("agent", roles.AGENT)


@pytest.fixture
def other_customer(make_user: Any) -> Customer:
    user = make_user("c13900000002", roles.CUSTOMER)
    return Customer.objects.create(user=user, phone="13900000002", name="李雷")


@pytest.fixture
def me(customer: Customer) -> Client:
    return as_user(customer.user)


def change(client: Client, sub_id: int, to_plan: str | None, **confirm: Any) -> tuple[Any, Any]:
    """A change through the API: the same two calls for every kind of change."""
    started = post(client, f"/subscriptions/{sub_id}/changes", {"to_plan": to_plan})
    assert started.status_code == 201, started.json()
    confirmed = post(client, f"/changes/{started.json()['id']}/confirm", confirm)
    return started, confirmed


def snapshot(sub: Subscription) -> tuple[Any, ...]:
    """What a failed call must leave untouched."""
    sub.refresh_from_db()
    return (
        sub.plan_id,
        sub.status,
        sub.period_end,
        sub.auto_renew,
        PlanChange.objects.filter(subscription=sub).count(),
        LedgerEntry.objects.filter(subscription=sub).count(),
        Invoice.objects.filter(subscription=sub).count(),
        Refund.objects.filter(subscription=sub).count(),
        ChangeAttempt.objects.filter(subscription=sub, outcome="open").count(),
    )


# --- the catalog ------------------------------------------------------------------------------


def test_catalog_is_public_with_prices_entitlements_and_the_one_policy(catalog, clock) -> None:
    response = Client().get(f"{API}/plans")
    assert response.status_code == 200
    data = response.json()
    assert data["policy"] == {
        "timing_rule": "immediate",
        "timing_rule_label": data["policy"]["timing_rule_label"],
        "timings": ["immediate"],
        "price_notice_days": 30,
        "renewal_reminder_days": 5,
        "grace_days": 7,
        "refund_within_days": 7,
    }
    plans = {p["code"]: p for p in data["plans"]}
    assert len(plans) == 8
    standard = plans["ac-care-standard"]
    assert (standard["price_fen"], standard["price_yuan"]) == (29900, "299.00")
    assert standard["family"]["code"] == "ac-care" and standard["family"]["kind"] == "maintenance"
    assert standard["tier_rank"] == 2 and standard["period"] == "yearly"
    assert standard["entitlements"] == {
        "free_visits_per_year": 2,
        "storage_days": 0,
        "warranty_months": 0,
    }
    assert plans["warranty-max"]["minimum_term_months"] == 12
    assert plans["cloud-7"]["price_yuan"] == "15.00" and plans["cloud-7"]["next_price"] is None


def test_catalog_shows_an_announced_price_and_costs_constant_queries(catalog, clock) -> None:
    from fairdesk.plans.services.catalog import plan_price_change

    plan_price_change(plan=catalog["cloud-30"], new_price_fen=3500)
    with CaptureQueriesContext(connection) as few:
        Client().get(f"{API}/plans")
    plan_price_change(plan=catalog["cloud-7"], new_price_fen=1800)
    with CaptureQueriesContext(connection) as more:
        data = Client().get(f"{API}/plans").json()
    assert len(few) == len(more)
    cloud30 = next(p for p in data["plans"] if p["code"] == "cloud-30")
    assert cloud30["price_fen"] == 3000
    assert cloud30["next_price"]["price_yuan"] == "35.00"
    assert cloud30["next_price"]["effective_at"].startswith("2026-12-23T10:00:00+08:00")


def test_consent_text_is_the_one_subscribing_checks(catalog, me, customer, clock) -> None:
    response = get(me, "/plans/cloud-30/consent-text")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "zh-hans" and "30.00" in body["text"]
    assert get(me, "/plans/nope/consent-text").status_code == 404
    assert error_code(get(me, "/plans/nope/consent-text")) == "plan_not_found"
    english = get(me, "/plans/cloud-30/consent-text", data={"language": "en"}).json()
    assert english["language"] == "en" and "renews automatically" in english["text"]
    bad = get(me, "/plans/cloud-30/consent-text", data={"language": "fr"})
    assert bad.status_code == 422 and error_code(bad) == "invalid_input"


# --- authentication and access ----------------------------------------------------------------


ENDPOINTS = [
    ("get", "/subscriptions"),
    ("post", "/subscriptions"),
    ("get", "/plans/cloud-30/consent-text"),
    ("get", "/subscriptions/{sub}"),
    ("get", "/subscriptions/{sub}/ledger"),
    ("get", "/subscriptions/{sub}/events"),
    ("post", "/subscriptions/{sub}/changes"),
    ("post", "/subscriptions/{sub}/auto-renew"),
    ("get", "/changes/{attempt}"),
    ("post", "/changes/{attempt}/timing"),
    ("post", "/changes/{attempt}/confirm"),
    ("post", "/changes/{attempt}/accept-offer"),
    ("post", "/scheduled-changes/{change}/undo"),
]


@pytest.fixture
def world(catalog, subscribe, clock) -> dict[str, Any]:
    """A subscription with an open attempt (offer shown) and a scheduled change elsewhere."""
    from fairdesk.plans.services.changes import change_confirm, change_start

    sub = subscribe(catalog["cloud-30"])
    attempt = change_start(subscription=sub, to_plan=None, channel="portal")
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    other = subscribe(catalog["ac-care-standard"])
    scheduled = change_confirm(
        attempt_id=change_start(
            subscription=other, to_plan=catalog["ac-care-basic"], channel="portal"
        ).pk,
        channel="portal",
    )
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.IMMEDIATE)
    return {"sub": sub, "attempt": attempt, "change": scheduled}


def _url(template: str, world: dict[str, Any]) -> str:
    return template.format(
        sub=world["sub"].pk, attempt=world["attempt"].pk, change=world["change"].pk
    )


@pytest.mark.parametrize(("method", "template"), ENDPOINTS)
def test_anonymous_callers_get_401(world, method: str, template: str) -> None:
    before = snapshot(world["sub"])
    response = getattr(Client(), method)(
        f"{API}{_url(template, world)}", content_type="application/json"
    )
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert snapshot(world["sub"]) == before


def test_a_bad_token_is_401_and_a_good_one_acts_as_its_user(world, agent) -> None:
    bad = Client().get(f"{API}/subscriptions", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401 and error_code(bad) == "invalid_token"
    _token, key = api_token_create(client_name="brand-app", user=agent)
    response = Client().get(
        f"{API}/subscriptions/{world['sub'].pk}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 200
    started = Client().post(
        f"{API}/subscriptions/{world['sub'].pk}/changes",
        {"to_plan": "cloud-90"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert started.status_code == 201 and started.json()["channel"] == "api"


@pytest.mark.parametrize(("method", "template"), [e for e in ENDPOINTS if "{" in e[1]])
def test_another_customers_subscription_is_not_found(
    world, other_customer, method: str, template: str
) -> None:
    before = snapshot(world["sub"])
    client = as_user(other_customer.user)
    url = f"{API}{_url(template, world)}"
    if method == "get":
        response = client.get(url)
    else:
        body = {"to_plan": None, "on": False, "timing": "immediate"}
        response = client.post(url, body, content_type="application/json")
    assert response.status_code == 404, response.json()
    assert error_code(response) in {
        "subscription_not_found",
        "attempt_not_found",
        "change_not_found",
    }
    assert snapshot(world["sub"]) == before
    assert get(client, "/subscriptions").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }


@pytest.mark.parametrize("role", [roles.TECHNICIAN, roles.OUTLET_MANAGER, roles.DISPATCHER])
def test_outlet_staff_and_technicians_see_nothing(world, make_user, role: str) -> None:
    client = as_user(make_user(f"staff-{role}", role))
    assert get(client, "/subscriptions").json()["total"] == 0
    for template in [t for m, t in ENDPOINTS if m == "get" and "{" in t]:
        assert get(client, _url(template, world)).status_code == 404, template
    response = post(
        client,
        "/subscriptions",
        {"plan": "cloud-7", "payment_method": "demo-card", "customer_id": world["sub"].customer_id},
    )
    assert response.status_code == 403 and error_code(response) == "forbidden"
    started = post(client, f"/subscriptions/{world['sub'].pk}/changes", {"to_plan": None})
    assert started.status_code == 404


def test_unsafe_methods_need_the_csrf_token_with_a_session(world, customer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    before = snapshot(world["sub"])
    response = post(client, f"/subscriptions/{world['sub'].pk}/changes", {"to_plan": None})
    assert response.status_code == 403 and error_code(response) == "csrf_failed"
    assert snapshot(world["sub"]) == before
    assert get(client, f"/subscriptions/{world['sub'].pk}").status_code == 200


# --- subscriptions ----------------------------------------------------------------------------


def test_customer_subscribes_with_auto_renewal_consent(catalog, me, customer, clock) -> None:
    text = get(me, "/plans/cloud-30/consent-text").json()["text"]
    body = {"plan": "cloud-30", "payment_method": "demo-card-1", "auto_renew": True}
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
    assert {o["kind"] for o in data["options"]} == {"upgrade", "downgrade", "switch", "cancel"}
    assert data["timings"] == ["immediate"]
    sub = Subscription.objects.get()
    assert sub.consents.get().channel == "api"
    assert PlanEvent.objects.get(subscription=sub, kind="subscribed").channel == "api"
    again = post(me, "/subscriptions", {**body, "consent_text": text})
    assert again.status_code == 409 and error_code(again) == "already_subscribed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"plan": "nope", "payment_method": "demo-card"}, "plan_not_found"),
        ({"plan": "cloud-30", "payment_method": "  "}, "payment_method_required"),
        ({"plan": "cloud-30"}, "invalid_input"),
        ({"plan": "cloud-30", "payment_method": "x" * 65}, "invalid_input"),
        ({"plan": "cloud-30", "payment_method": "card", "device_id": 999999}, "device_not_owned"),
    ],
)
def test_bad_subscription_input_is_422_and_creates_nothing(
    catalog, me, clock, body: dict[str, Any], code: str
) -> None:
    response = post(me, "/subscriptions", body)
    assert response.status_code == 422, response.json()
    assert error_code(response) == code
    assert not Subscription.objects.exists() and not Invoice.objects.exists()


def test_customers_start_plans_for_themselves_only(catalog, me, other_customer, clock) -> None:
    response = post(
        me,
        "/subscriptions",
        {"plan": "cloud-7", "payment_method": "card", "customer_id": other_customer.pk},
    )
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert not Subscription.objects.exists()


def test_agents_start_and_list_for_a_named_customer(catalog, agent, customer, subscribe, clock):
    client = as_user(agent)
    missing = post(client, "/subscriptions", {"plan": "cloud-7", "payment_method": "card"})
    assert missing.status_code == 422 and error_code(missing) == "customer_required"
    unknown = post(
        client, "/subscriptions", {"plan": "cloud-7", "payment_method": "card", "customer_id": 999}
    )
    assert unknown.status_code == 404 and error_code(unknown) == "customer_not_found"
    response = post(
        client,
        "/subscriptions",
        {"plan": "cloud-7", "payment_method": "card", "customer_id": customer.pk},
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


def test_list_costs_a_constant_number_of_queries(catalog, customer, subscribe, clock) -> None:
    from fairdesk.plans.services.changes import change_confirm, change_start

    me = Client()
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


def test_ledger_and_events_of_a_subscription(catalog, me, customer, agent, subscribe, clock):
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


def test_auto_renewal_off_in_one_call_and_on_with_consent(catalog, me, subscribe, clock) -> None:
    sub = subscribe(catalog["cloud-30"])
    off = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": False})
    assert off.status_code == 200 and off.json()["auto_renew"] is False
    assert off.json()["next_charge"] is None
    refused = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": True})
    assert refused.status_code == 422 and error_code(refused) == "consent_required"
    text = refused.json()["error"]["details"]["consent_text"]
    on = post(me, f"/subscriptions/{sub.pk}/auto-renew", {"on": True, "consent_text": text})
    assert on.status_code == 200 and on.json()["auto_renew"] is True


# --- changes: the same two calls for every kind -----------------------------------------------


def test_upgrade_downgrade_and_cancel_take_exactly_the_same_calls(
    catalog, me, subscribe, clock
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


def test_the_preview_is_honoured_and_described(catalog, me, subscribe, clock) -> None:
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


def test_a_change_with_an_unpaid_invoice_needs_nothing_more(catalog, me, subscribe, clock):
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


def test_an_upgrade_with_an_unpaid_invoice_works_the_same(catalog, me, subscribe, clock):
    sub = subscribe(catalog["cloud-7"], method="demo-declined-card")
    _started, confirmed = change(me, sub.pk, "cloud-30")
    assert confirmed.status_code == 200 and confirmed.json()["kind"] == "upgrade"
    assert selectors.ledger_problems(sub) == []


def test_the_offer_can_be_taken_instead(catalog, me, subscribe, clock) -> None:
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


def test_english_callers_get_english_texts(catalog, customer, subscribe, clock) -> None:
    sub = subscribe(catalog["cloud-30"])
    client = as_user(customer.user, language="en")
    started = post(client, f"/subscriptions/{sub.pk}/changes", {"to_plan": None}).json()
    assert started["offer"]["text"].startswith("Keep your current plan")
    assert started["kind_label"] == "Cancel"


def test_period_end_changes_are_scheduled_and_undone_in_one_call(catalog, me, subscribe, clock):
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
    ],
)
def test_bad_change_input_is_rejected_and_changes_nothing(
    catalog, me, subscribe, clock, body: dict[str, Any], status: int, code: str
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
    catalog, me, subscribe, clock, body: dict[str, Any], code: str
) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-7"}).json()
    before = snapshot(sub)
    response = post(me, f"/changes/{started['id']}/confirm", body)
    assert response.status_code == 422 and error_code(response) == code
    assert snapshot(sub) == before


def test_a_stale_preview_or_a_finished_attempt_is_409(catalog, me, subscribe, clock) -> None:
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


def test_confirm_needs_no_body_at_all(catalog, me, subscribe, clock) -> None:
    sub = subscribe(catalog["cloud-30"])
    started = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": None}).json()
    response = me.post(
        f"{API}/changes/{started['id']}/confirm", "", content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["refund_to"] == "original"
    assert response.json()["kind"] == "cancel"


def test_account_credit_when_the_customer_chooses_it(catalog, me, subscribe, clock) -> None:
    sub = subscribe(catalog["ac-care-premium"])
    clock.move_to(T0 + timedelta(days=30))
    _started, confirmed = change(me, sub.pk, "ac-care-basic", refund_to="account_credit")
    assert confirmed.json()["refund_to"] == "account_credit" and confirmed.json()["refunds"] == []
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["account_credit_fen"] == confirmed.json()["credit_fen"]


def test_ended_subscription_offers_nothing_and_refuses_changes(catalog, me, subscribe, clock):
    sub = subscribe(catalog["cloud-7"])
    change(me, sub.pk, None)
    detail = get(me, f"/subscriptions/{sub.pk}").json()
    assert detail["status"] == "ended" and detail["options"] == [] and detail["next_charge"] is None
    response = post(me, f"/subscriptions/{sub.pk}/changes", {"to_plan": "cloud-30"})
    assert response.status_code == 409 and error_code(response) == "subscription_ended"


# --- the schema -------------------------------------------------------------------------------


def test_openapi_documents_the_plan_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/plans": {"get"},
        "/api/v1/plans/{code}/consent-text": {"get"},
        "/api/v1/subscriptions": {"get", "post"},
        "/api/v1/subscriptions/{subscription_id}": {"get"},
        "/api/v1/subscriptions/{subscription_id}/ledger": {"get"},
        "/api/v1/subscriptions/{subscription_id}/events": {"get"},
        "/api/v1/subscriptions/{subscription_id}/changes": {"post"},
        "/api/v1/subscriptions/{subscription_id}/auto-renew": {"post"},
        "/api/v1/changes/{attempt_id}": {"get"},
        "/api/v1/changes/{attempt_id}/timing": {"post"},
        "/api/v1/changes/{attempt_id}/confirm": {"post"},
        "/api/v1/changes/{attempt_id}/accept-offer": {"post"},
        "/api/v1/scheduled-changes/{change_id}/undo": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"] == ["plans"], path
            assert "200" in operation["responses"] or "201" in operation["responses"]
            if path != "/api/v1/plans":
                assert "401" in operation["responses"], path
    confirm = paths["/api/v1/changes/{attempt_id}/confirm"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(confirm)
    assert "quote_expired" in confirm["409"]["description"]
    assert confirm["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert "not_authenticated" in confirm["401"]["description"]
    start = paths["/api/v1/subscriptions/{subscription_id}/changes"]["post"]
    assert "201" in start["responses"] and "422" in start["responses"]
