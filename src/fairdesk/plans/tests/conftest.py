"""Fixtures of the plan tests: the demo catalog loaded through ``catalog_import``, a customer,
a clock (time-machine) that tests move to cross renewals. ``subscribe`` covers the customer's
device of a line the plan covers (``devices.device_for``) unless the test names one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from fairdesk.core import roles
from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.customers.models import Customer
from fairdesk.plans import selectors
from fairdesk.plans.models import Plan, Subscription
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.subscriptions import consent_text, subscription_start
from fairdesk.plans.tests.devices import device_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
CATALOG = Path(__file__).resolve().parents[1] / "data" / "demo_catalog.json"


def demo_catalog() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return document


def assert_balanced(sub: Subscription) -> None:
    """The ledger of ``sub`` agrees with itself and the records (``selectors.ledger_problems``)."""
    assert selectors.ledger_problems(sub) == []


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def catalog(db: None) -> dict[str, Plan]:
    catalog_import(document=demo_catalog())
    return {plan.code: plan for plan in Plan.objects.all()}


@pytest.fixture
def customer(db: None, django_user_model: Any) -> Customer:
    user = django_user_model.objects.create_user("c13800000001", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(user=user, phone="13800000001", name="王芳")


@pytest.fixture
def subscribe(customer: Customer) -> Callable[..., Subscription]:
    def make(
        plan: Plan, *, method: str = "demo-card-1234", auto_renew: bool = True, **kw: Any
    ) -> Subscription:
        text = consent_text(plan, language=customer.language) if auto_renew else ""
        who = kw.pop("who", customer)
        if "device" not in kw:
            kw["device"] = device_for(who, plan)
        return subscription_start(
            customer=who,
            plan=plan,
            payment_method=method,
            auto_renew=auto_renew,
            consent_text_shown=text,
            **kw,
        )

    return make
