"""The catalog in the API (``plans.api.catalog``): public plans with prices in force and
announced, the one change policy, and the auto-renewal consent text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from time_machine import Traveller

from fairdesk.customers.models import Customer
from fairdesk.plans.models import Plan
from fairdesk.plans.tests.api.calls import (
    API,
    error_code,
    get,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_catalog_is_public_with_prices_entitlements_and_the_one_policy(
    catalog: dict[str, Plan], clock: Traveller
) -> None:
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
    # what its plans cover, and where they may be switched to
    assert standard["family"]["product_lines"] == ["air_conditioner"]
    assert standard["family"]["related"] == ["ext-warranty"]
    assert plans["warranty-plus"]["family"]["related"] == ["ac-care"]
    assert plans["cloud-7"]["family"]["related"] == []
    assert standard["tier_rank"] == 2 and standard["period"] == "yearly"
    assert standard["entitlements"] == {
        "free_visits_per_year": 2,
        "storage_days": 0,
        "warranty_months": 0,
    }
    assert plans["warranty-max"]["minimum_term_months"] == 12
    assert plans["cloud-7"]["price_yuan"] == "15.00" and plans["cloud-7"]["next_price"] is None


def test_catalog_shows_an_announced_price_and_costs_constant_queries(
    catalog: dict[str, Plan], clock: Traveller
) -> None:
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


def test_consent_text_is_the_one_subscribing_checks(
    catalog: dict[str, Plan], me: Client, customer: Customer, clock: Traveller
) -> None:
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
