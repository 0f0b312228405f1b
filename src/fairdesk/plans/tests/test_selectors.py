"""Who may act on what (``selectors.access_*``), decided once: a customer reaches their own
subscriptions, attempts and changes, plan staff reach all, other staff none, fairdesk itself
(``None``) every row; one error per case, and the services apply the same rule to their actor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from time_machine import Traveller

from fairdesk.core import roles
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.models import Customer, Device, ProductModel
from fairdesk.plans import covers, selectors
from fairdesk.plans.choices import Channel, SubscriptionStatus
from fairdesk.plans.models import ChangeAttempt, Plan, PlanChange, Subscription
from fairdesk.plans.services.changes import change_confirm, change_start, change_undo
from fairdesk.plans.services.subscriptions import auto_renew_set, subscription_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str, *groups: str) -> Any:
        user = django_user_model.objects.create_user(username, password="x")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def other(make_user: Callable[..., Any]) -> Customer:
    user = make_user("c13900000002", roles.CUSTOMER)
    return Customer.objects.create(user=user, phone="13900000002", name="李雷")


@pytest.fixture
def mine(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> Subscription:
    return subscribe(catalog["cloud-30"])


def test_a_customer_reaches_only_their_own(
    mine: Subscription, customer: Customer, other: Customer
) -> None:
    assert selectors.access_subscription(customer.user, mine.pk) == mine
    with translation.override("en"):
        with pytest.raises(NotFound) as missing:
            selectors.access_subscription(other.user, mine.pk)
        with pytest.raises(NotFound) as unknown:
            selectors.access_subscription(customer.user, mine.pk + 1000)
    # another's subscription is answered exactly like one that does not exist
    assert (missing.value.code, missing.value.status) == ("subscription_not_found", 404)
    assert missing.value.message == f"There is no subscription {mine.pk}."
    assert unknown.value.message == f"There is no subscription {mine.pk + 1000}."


@pytest.mark.parametrize(
    ("role", "reaches"),
    [
        (roles.AGENT, True),
        (roles.BRAND_ADMIN, True),
        (roles.TECHNICIAN, False),
        (roles.OUTLET_MANAGER, False),
        (roles.AUDITOR, False),
    ],
)
def test_plan_staff_reach_every_subscription_other_staff_none(
    mine: Subscription, make_user: Callable[..., Any], role: str, reaches: bool
) -> None:
    user = make_user(f"staff-{role}", role)
    attempt = change_start(subscription=mine, to_plan=None, channel=Channel.PORTAL)
    if reaches:
        assert selectors.access_subscription(user, mine.pk) == mine
        assert selectors.access_attempt(user, attempt.pk) == attempt
        selectors.check_manages_plans(user)
    else:
        with pytest.raises(NotFound):
            selectors.access_subscription(user, mine.pk)
        with pytest.raises(NotFound):
            selectors.access_attempt(user, attempt.pk)
        with pytest.raises(DomainError) as denied:
            selectors.check_manages_plans(user)
        assert (denied.value.code, denied.value.status) == ("forbidden", 403)


def test_attempts_and_changes_of_another_are_not_found(mine: Subscription, other: Customer) -> None:
    attempt = change_start(subscription=mine, to_plan=None, channel=Channel.PORTAL)
    change = change_confirm(
        attempt_id=change_start(
            subscription=mine, to_plan=Plan.objects.get(code="cloud-90"), channel=Channel.PORTAL
        ).pk,
        channel=Channel.PORTAL,
    )
    with pytest.raises(NotFound) as no_attempt:
        selectors.access_attempt(other.user, attempt.pk)
    with pytest.raises(NotFound) as no_change:
        selectors.access_change(other.user, change.pk)
    assert (no_attempt.value.code, no_change.value.code) == (
        "attempt_not_found",
        "change_not_found",
    )


def test_fairdesk_itself_reaches_every_row_and_locks_it(mine: Subscription) -> None:
    with transaction.atomic():
        locked = selectors.access_subscription(None, mine.pk, lock=True)
        assert locked == mine and locked.customer_id == mine.customer_id


def test_the_services_apply_the_same_rule_to_their_actor(
    catalog: dict[str, Plan], mine: Subscription, customer: Customer, other: Customer
) -> None:
    attempt = change_start(subscription=mine, to_plan=catalog["cloud-90"], channel=Channel.PORTAL)
    with pytest.raises(NotFound):
        change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, actor=other.user)
    with pytest.raises(NotFound):
        change_start(subscription=mine, to_plan=None, channel=Channel.PORTAL, actor=other.user)
    with pytest.raises(NotFound):
        auto_renew_set(subscription=mine, on=False, channel=Channel.PORTAL, actor=other.user)
    with pytest.raises(DomainError) as forbidden:
        subscription_start(
            customer=customer,
            plan=catalog["cloud-7"],
            payment_method="demo-card",
            auto_renew=False,
            actor=other.user,
        )
    assert forbidden.value.code == "forbidden"
    mine.refresh_from_db()
    assert mine.status == SubscriptionStatus.ACTIVE and mine.auto_renew
    assert not PlanChange.objects.exists()
    assert ChangeAttempt.objects.get().outcome == "open"
    change = change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, actor=customer.user)
    assert change.subscription_id == mine.pk
    with pytest.raises(NotFound):
        change_undo(change_id=change.pk, channel=Channel.PORTAL, actor=other.user)


def test_whose_plan_is_started(
    customer: Customer, other: Customer, make_user: Callable[..., Any]
) -> None:
    assert selectors.access_plan_customer(customer.user, None) == customer
    assert selectors.access_plan_customer(customer.user, customer.pk) == customer
    agent = make_user("agent", roles.AGENT)
    assert selectors.access_plan_customer(agent, other.pk) == other
    cases = [
        (customer.user, other.pk, "forbidden", 403),
        (make_user("tech", roles.TECHNICIAN), other.pk, "forbidden", 403),
        (agent, None, "customer_required", 422),
        (agent, other.pk + 1000, "customer_not_found", 404),
    ]
    for user, customer_id, code, status in cases:
        with pytest.raises(DomainError) as refused:
            selectors.access_plan_customer(user, customer_id)
        assert (refused.value.code, refused.value.status) == (code, status)


def test_a_device_is_the_customers_own_with_one_message(
    customer: Customer, other: Customer
) -> None:
    model = ProductModel.objects.create(
        brand="fairdesk",
        product_line="smart_home",
        model_code="C1",
        name="摄像机",
        warranty_months=12,
    )
    theirs = Device.objects.create(
        customer=other,
        product_model=model,
        serial="SN1",
        purchase_date=date(2026, 1, 1),
        warranty_until=date(2027, 1, 1),
    )
    assert selectors.access_device(customer, None) is None
    assert selectors.access_device(other, theirs.pk) == theirs
    with pytest.raises(DomainError) as by_id:
        selectors.access_device(customer, theirs.pk)
    with pytest.raises(DomainError) as given:
        covers.check_device_owned(customer, theirs)
    assert by_id.value.code == given.value.code == "device_not_owned"
    assert by_id.value.message == given.value.message


def test_a_plan_named_in_a_request_is_a_422_when_unknown_or_off_sale(
    catalog: dict[str, Plan],
) -> None:
    with pytest.raises(DomainError) as unknown:
        selectors.plan_named("nope")
    assert (unknown.value.code, unknown.value.status) == ("plan_not_found", 422)
    with pytest.raises(NotFound):
        selectors.plan_get("nope")
    Plan.objects.filter(code="cloud-7").update(active=False)
    with pytest.raises(DomainError) as off_sale:
        selectors.check_on_sale(selectors.plan_named("cloud-7"))
    assert (off_sale.value.code, off_sale.value.status) == ("plan_not_on_sale", 422)
