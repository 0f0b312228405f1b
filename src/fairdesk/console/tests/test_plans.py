"""Service plans in the console: an agent carries out a customer's change — upgrade, downgrade,
switch or cancel — with the same options, the same two steps and the same amounts as the customer
sees; a retention offer beside the confirm button with the same weight; undo; the subscription's
history, invoices, refunds and ledger. Staff who do not manage plans get nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fairdesk.plans import selectors
from fairdesk.plans.choices import ChangeStatus, SubscriptionStatus, TimingRule
from fairdesk.plans.models import ChangeAttempt, ChangePolicy, PlanChange, PlanEvent, Refund
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.subscriptions import consent_text, subscription_start
from fairdesk.plans.tests.conftest import T0, demo_catalog
from fairdesk.plans.tests.devices import device_for
from fairdesk.portal.tests.fixtures import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class SignedIn(Client):
    """Signed in for every request (the clock moves past a session's two weeks)."""

    def __init__(self, user: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    def request(self, **request: Any) -> Any:
        self.force_login(self.user)
        return super().request(**request)


def as_user(user: Any, language: str = "zh-hans") -> Client:
    return SignedIn(user, headers={"accept-language": language})


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def subscribe(world: World, clock: Any) -> Any:
    catalog_import(document=demo_catalog())
    from fairdesk.plans.models import Plan

    def make(code: str, *, method: str = "demo-card-1234") -> Any:
        plan = Plan.objects.get(code=code)
        return subscription_start(
            customer=world.customer,
            plan=plan,
            payment_method=method,
            auto_renew=True,
            consent_text_shown=consent_text(plan, language=world.customer.language),
            device=device_for(world.customer, plan),
        )

    return make


def choose(client: Client, sub: Any, to_plan: str) -> Any:
    """Step 1 (an option button): answers a redirect to the preview."""
    response = client.post(
        reverse("console:plan_change_start", args=[sub.pk]), {"to_plan": to_plan}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ChangeAttempt.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def confirm(client: Client, attempt: Any, **fields: Any) -> Any:
    """Step 2 (the confirm button on the preview)."""
    data = {"refund_to": "original", "reason": "", **fields}
    return client.post(reverse("console:plan_confirm", args=[attempt.pk]), data)


def buttons(html: str) -> list[str]:
    return re.findall(r"<button[^>]*>", html)


# --- the caller page and the subscription page ------------------------------------------------


def test_the_caller_page_lists_the_customers_plans(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    page = as_user(world.agent).get(reverse("console:caller", args=[world.customer.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "服务套餐" in html and f'data-subscription="{sub.pk}"' in html
    assert reverse("console:plan", args=[sub.pk]) in html
    assert "云存储·30天循环" in html


def test_the_caller_page_costs_the_same_queries_for_more_plans(
    world: World, subscribe: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subscribe("cloud-30")
    agent = Client()
    agent.force_login(world.agent)
    url = reverse("console:caller", args=[world.customer.pk])
    agent.get(url)
    with CaptureQueriesContext(connection) as one:
        agent.get(url)
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    sub = subscribe("ac-care-basic")
    subscribe("warranty-plus")
    confirm(as_user(world.agent), choose(as_user(world.agent), sub, "ac-care-premium"))
    with CaptureQueriesContext(connection) as three:
        html = agent.get(url).content.decode()
    assert html.count("data-subscription=") == 3
    assert len(one) == len(three)


def test_the_subscription_page_offers_every_change_alike(world: World, subscribe: Any) -> None:
    sub = subscribe("ac-care-standard")
    page = as_user(world.agent).get(reverse("console:plan", args=[sub.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    options = [b for b in buttons(html) if 'data-action="choose"' in b]
    kinds = [re.search(r'data-kind="(\w+)"', b).group(1) for b in options]  # type: ignore[union-attr]
    # the 2 other care plans, the 2 warranties of the related family, and cancel
    assert len(options) == 5
    assert f'data-device="{world.device.pk}">壁挂式空调，序列号 SN12345678<' in html
    assert {"upgrade", "downgrade", "switch", "cancel"} == set(kinds)
    # equal prominence: the same markup for every option, cancel not singled out
    assert {re.sub(r'data-kind="\w+"', "", b) for b in options} == {
        '<button type="submit" data-action="choose" >'
    }
    # nothing that blocks, delays or rejects a change: only these controls exist
    actions = set(re.findall(r'data-action="([\w-]+)"', html))
    assert actions <= {"choose", "auto-renew-off", "end-serving"}
    assert "data-ledger-ok" in html and "data-ledger-problems" not in html
    assert "¥299.00" in html


# --- changes carried out for the customer -----------------------------------------------------


def test_an_agent_downgrades_for_the_customer(world: World, subscribe: Any, clock: Any) -> None:
    sub = subscribe("cloud-90")
    clock.move_to(T0 + timedelta(days=10))
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "cloud-7")
    assert attempt.kind == "downgrade" and attempt.channel == "console"
    assert attempt.actor == world.agent
    preview = agent.get(reverse("console:plan_preview", args=[attempt.pk]))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "继续保留当前方案，下个周期立减20%。" in html  # the one offer, read out once
    confirm_button = next(b for b in buttons(html) if 'data-action="confirm"' in b)
    offer_button = next(b for b in buttons(html) if 'data-action="accept-offer"' in b)
    weight = re.compile(r'class="[^"]*"')
    assert weight.search(confirm_button).group(0) == weight.search(offer_button).group(0)  # type: ignore[union-attr]
    assert 'name="reason"' in html and "required" not in html.split('name="reason"')[1][:80]
    done = confirm(agent, attempt)
    assert done.status_code == 302
    change = PlanChange.objects.get()
    assert done["Location"] == reverse("console:plan_change", args=[change.pk])
    assert change.kind == "downgrade" and change.status == ChangeStatus.APPLIED
    assert change.credit_fen > 0
    sub.refresh_from_db()
    assert sub.plan.code == "cloud-7"
    event = PlanEvent.objects.get(subscription=sub, kind="change_confirmed")
    assert event.channel == "console" and event.actor == world.agent
    refund = Refund.objects.get(subscription=sub)
    assert refund.amount_fen == change.credit_fen and refund.status == "done"
    result = agent.get(done["Location"]).content.decode()
    assert f"¥{change.credit_fen // 100}." in result
    assert selectors.ledger_problems(sub) == []


def test_an_agent_cancels_for_the_customer_in_the_same_steps(
    world: World, subscribe: Any, clock: Any
) -> None:
    sub = subscribe("ac-care-standard")
    clock.move_to(T0 + timedelta(days=40))
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "")
    assert attempt.kind == "cancel"
    assert agent.get(reverse("console:plan_preview", args=[attempt.pk])).status_code == 200
    assert confirm(agent, attempt, reason="不再需要").status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    change = PlanChange.objects.get()
    assert change.kind == "cancel" and change.credit_fen > 0
    attempt.refresh_from_db()
    assert attempt.steps == 2 and attempt.survey_reason == "不再需要"
    page = agent.get(reverse("console:plan", args=[sub.pk])).content.decode()
    assert 'data-action="choose"' not in page and "data-ledger-ok" in page


def test_upgrade_takes_the_same_steps_with_no_offer(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-7")
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "cloud-90")
    html = agent.get(reverse("console:plan_preview", args=[attempt.pk])).content.decode()
    assert 'data-action="accept-offer"' not in html
    assert confirm(agent, attempt).status_code == 302
    attempt.refresh_from_db()
    assert attempt.kind == "upgrade" and attempt.steps == 2


def test_a_downgrade_with_an_unpaid_invoice_goes_through(world: World, subscribe: Any) -> None:
    sub = subscribe("ac-care-premium", method="demo-declined-card")
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "ac-care-basic")
    assert confirm(agent, attempt).status_code == 302
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-basic"
    assert selectors.ledger_problems(sub) == []


def test_the_customer_takes_the_offer_through_the_agent(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "")
    response = agent.post(reverse("console:plan_accept_offer", args=[attempt.pk]))
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == "active" and sub.discount_percent == 20
    assert not PlanChange.objects.exists()


def test_a_scheduled_change_is_undone_in_one_action(world: World, subscribe: Any) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    sub = subscribe("cloud-90")
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "cloud-30")
    confirm(agent, attempt)
    change = PlanChange.objects.get()
    assert change.status == ChangeStatus.SCHEDULED
    page = agent.get(reverse("console:plan", args=[sub.pk])).content.decode()
    assert f'data-scheduled="{change.pk}"' in page
    response = agent.post(reverse("console:plan_undo", args=[change.pk]))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.UNDONE
    again = agent.post(reverse("console:plan_undo", args=[change.pk]))
    assert again.status_code == 409


def test_customer_choice_timing_is_switched_on_the_preview(world: World, subscribe: Any) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.CUSTOMER_CHOICE)
    sub = subscribe("cloud-90")
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "cloud-7")
    html = agent.get(reverse("console:plan_preview", args=[attempt.pk])).content.decode()
    assert 'data-timing="immediate"' in html and 'data-timing="period_end"' in html
    agent.post(reverse("console:plan_retime", args=[attempt.pk]), {"timing": "period_end"})
    attempt.refresh_from_db()
    assert attempt.timing == "period_end"
    confirm(agent, attempt)
    assert PlanChange.objects.get().status == ChangeStatus.SCHEDULED


def test_a_stale_preview_is_computed_again_never_a_dead_end(
    world: World, subscribe: Any, clock: Any
) -> None:
    sub = subscribe("cloud-30")
    agent = as_user(world.agent)
    attempt = choose(agent, sub, "cloud-7")
    clock.move_to(T0 + timedelta(minutes=31))
    html = agent.get(reverse("console:plan_preview", args=[attempt.pk])).content.decode()
    assert "data-expired" in html and 'data-action="restart"' in html
    response = confirm(agent, attempt)
    assert response.status_code == 302
    assert not PlanChange.objects.exists()  # nothing changed: a new preview to confirm
    fresh = ChangeAttempt.objects.exclude(pk=attempt.pk).get()
    assert response["Location"] == reverse("console:plan_preview", args=[fresh.pk])
    assert fresh.offer is None  # the offer is not shown a second time
    assert confirm(agent, fresh).status_code == 302
    assert PlanChange.objects.get().kind == "downgrade"
    # a finished attempt leads to its outcome
    again = confirm(agent, fresh)
    assert again.status_code == 302
    assert again["Location"] == reverse("console:plan_change", args=[PlanChange.objects.get().pk])


def test_auto_renewal_off_and_back_on_with_the_text_read_out(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    agent = as_user(world.agent)
    url = reverse("console:plan_auto_renew", args=[sub.pk])
    assert agent.post(url, {"on": "off"}).status_code == 302
    sub.refresh_from_db()
    assert sub.auto_renew is False
    page = agent.get(reverse("console:plan", args=[sub.pk])).content.decode()
    text = consent_text(sub.plan, language="zh-hans")
    assert "data-consent-text" in page
    assert agent.post(url, {"on": "on", "consent_text": text}).status_code == 302
    sub.refresh_from_db()
    assert sub.auto_renew is True
    assert sub.consents.order_by("id").last().channel == "console"


def test_english_pages(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    html = as_user(world.agent, "en").get(reverse("console:plan", args=[sub.pk])).content.decode()
    assert "Downgrade to Cloud 7-day" in html and "Cancel Cloud 30-day" in html


# --- who may ----------------------------------------------------------------------------------


def test_staff_who_do_not_manage_plans_get_nothing(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    for user in (world.technician, world.manager, world.auditor):
        client = as_user(user)
        assert client.get(reverse("console:plan", args=[sub.pk])).status_code == 403
        response = client.post(reverse("console:plan_change_start", args=[sub.pk]), {"to_plan": ""})
        assert response.status_code == 403
        caller = client.get(reverse("console:caller", args=[world.customer.pk]))
        assert "data-plans" not in caller.content.decode()
    assert not ChangeAttempt.objects.exists()
    customer = as_user(world.customer.user)
    assert customer.get(reverse("console:plan", args=[sub.pk])).status_code == 403
    anonymous = Client().get(reverse("console:plan", args=[sub.pk]))
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_brand_admins_may_and_unknown_ids_are_404(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    admin = as_user(world.brand_admin)
    assert admin.get(reverse("console:plan", args=[sub.pk])).status_code == 200
    assert admin.get(reverse("console:plan", args=[sub.pk + 99])).status_code == 404
    assert admin.get(reverse("console:plan_preview", args=[999])).status_code == 404
    assert admin.post(reverse("console:plan_undo", args=[999])).status_code == 404


def test_bad_choices_are_refused_and_change_nothing(world: World, subscribe: Any) -> None:
    sub = subscribe("cloud-30")
    agent = as_user(world.agent)
    url = reverse("console:plan_change_start", args=[sub.pk])
    for to_plan in ("cloud-30", "nope"):
        response = agent.post(url, {"to_plan": to_plan})
        assert response.status_code == 422 and "data-error" in response.content.decode()
    response = agent.post(url, {"to_plan": "cloud-90", "timing": "period_end"})
    assert response.status_code == 422
    assert not ChangeAttempt.objects.exists()
    attempt = choose(agent, sub, "cloud-7")
    response = confirm(agent, attempt, refund_to="cash")
    assert response.status_code == 422 and not PlanChange.objects.exists()
