"""Who may call the plans API: authentication (401 without a session or a token, a token acts
as its user), CSRF for sessions, and access — own subscriptions only, agents all, other staff
none; another's subscription, attempt or change is "not found" and stays untouched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from time_machine import Traveller

from fairdesk.api.services import api_token_create
from fairdesk.core import roles
from fairdesk.customers.models import Customer
from fairdesk.plans.choices import TimingRule
from fairdesk.plans.models import (
    ChangePolicy,
    Plan,
    Subscription,
)
from fairdesk.plans.tests.api.calls import (
    API,
    as_user,
    error_code,
    get,
    post,
    snapshot,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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
def world(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> dict[str, Any]:
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
def test_anonymous_callers_get_401(world: dict[str, Any], method: str, template: str) -> None:
    before = snapshot(world["sub"])
    response = getattr(Client(), method)(
        f"{API}{_url(template, world)}", content_type="application/json"
    )
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert snapshot(world["sub"]) == before


def test_a_bad_token_is_401_and_a_good_one_acts_as_its_user(
    world: dict[str, Any], agent: Any
) -> None:
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
    world: dict[str, Any], other_customer: Customer, method: str, template: str
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
def test_outlet_staff_and_technicians_see_nothing(
    world: dict[str, Any], make_user: Any, role: str
) -> None:
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


def test_unsafe_methods_need_the_csrf_token_with_a_session(
    world: dict[str, Any], customer: Customer
) -> None:
    client = Client(enforce_csrf_checks=True)
    assert customer.user is not None
    client.force_login(customer.user)
    before = snapshot(world["sub"])
    response = post(client, f"/subscriptions/{world['sub'].pk}/changes", {"to_plan": None})
    assert response.status_code == 403 and error_code(response) == "csrf_failed"
    assert snapshot(world["sub"]) == before
    assert get(client, f"/subscriptions/{world['sub'].pk}").status_code == 200
