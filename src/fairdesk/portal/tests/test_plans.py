"""The customer's plan pages with Django's test client: access, subscribing, "My plan", the
change flow (choose → preview → confirm → done), offers, undo, auto-renewal, bad input."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fairdesk.notifications.models import Message
from fairdesk.plans import selectors
from fairdesk.plans.choices import (
    AttemptOutcome,
    ChangeStatus,
    InvoiceStatus,
    OfferResponse,
    SubscriptionStatus,
    TimingRule,
)
from fairdesk.plans.models import ChangeAttempt, ChangePolicy, Plan, PlanChange, Subscription
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.plans.services.subscriptions import consent_text, subscription_start
from fairdesk.plans.tests.devices import device_for, register_device
from fairdesk.portal.tests.fixtures import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CATALOG = Path(__file__).resolve().parents[2] / "plans" / "data" / "demo_catalog.json"


def zh(message: str, **params: Any) -> str:
    """A message as the domain or the portal shows it in Chinese."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


CONSENT_REQUIRED = "Auto-renewal needs your consent to the current text; please review it."


def as_user(user: Any, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def plans(world: World) -> dict[str, Plan]:
    catalog_import(document=json.loads(CATALOG.read_text(encoding="utf-8")))
    return {plan.code: plan for plan in Plan.objects.all()}


def subscribe(customer: Any, plan: Plan, method: str = "demo-card-6222", **kw: Any) -> Any:
    auto_renew = kw.pop("auto_renew", True)
    kw.setdefault("device", device_for(customer, plan))
    return subscription_start(
        customer=customer,
        plan=plan,
        payment_method=method,
        auto_renew=auto_renew,
        consent_text_shown=consent_text(plan, language=customer.language) if auto_renew else "",
        channel="portal",
        actor=customer.user,
        **kw,
    )


def html_of(response: Any) -> str:
    return response.content.decode()


def choose(client: Client, sub: Any, to: str) -> Any:
    """Click an option on "My plan": the redirect to the preview."""
    return client.post(reverse("portal:plan_change", args=[sub.pk]), {"to": to})


def found(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match


def attempt_of(response: Any) -> ChangeAttempt:
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(found(r"/plans/previews/(\d+)/", response["Location"]).group(1))
    return ChangeAttempt.objects.get(pk=pk)


# --- access ---------------------------------------------------------------------------------


def test_pages_need_a_signed_in_customer(client: Client, world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    for url in (reverse("portal:plans"), reverse("portal:plan", args=[sub.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    for staff in (world.agent, world.brand_admin, world.manager):
        assert as_user(staff).get(reverse("portal:plans")).status_code == 403
        assert as_user(staff).get(reverse("portal:plan", args=[sub.pk])).status_code == 403
        response = as_user(staff).post(
            reverse("portal:plan_change", args=[sub.pk]), {"to": "cancel"}
        )
        assert response.status_code == 403
    assert not ChangeAttempt.objects.exists()


def test_someone_elses_subscription_attempt_and_change_are_not_found(
    world: World, plans: dict
) -> None:
    theirs = subscribe(world.other_customer, plans["cloud-30"])
    attempt = change_start(subscription=theirs, to_plan=plans["cloud-90"], channel="portal")
    other_attempt = change_start(subscription=theirs, to_plan=None, channel="portal")
    change = change_confirm(attempt_id=attempt.pk, channel="portal")
    me = as_user(world.customer.user)
    assert me.get(reverse("portal:plan", args=[theirs.pk])).status_code == 404
    change_url = reverse("portal:plan_change", args=[theirs.pk])
    assert me.post(change_url, {"to": "cancel"}).status_code == 404
    renew_url = reverse("portal:plan_auto_renew", args=[theirs.pk])
    assert me.post(renew_url, {"on": "0"}).status_code == 404
    assert me.get(reverse("portal:plan_preview", args=[other_attempt.pk])).status_code == 404
    assert me.post(reverse("portal:plan_confirm", args=[other_attempt.pk])).status_code == 404
    assert me.post(reverse("portal:plan_offer", args=[other_attempt.pk])).status_code == 404
    assert me.get(reverse("portal:plan_done", args=[change.pk])).status_code == 404
    assert me.post(reverse("portal:plan_undo", args=[change.pk])).status_code == 404
    assert me.get(reverse("portal:plan", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    other_attempt.refresh_from_db()
    assert theirs.auto_renew and theirs.status == SubscriptionStatus.ACTIVE
    assert other_attempt.outcome == AttemptOutcome.OPEN
    assert ChangeAttempt.objects.filter(subscription=theirs).count() == 2
    html = html_of(me.get(reverse("portal:plans")))
    assert f'data-subscription="{theirs.pk}"' not in html


def test_posting_to_a_page_that_only_shows_is_refused(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    me = as_user(world.customer.user)
    assert me.post(reverse("portal:plan", args=[sub.pk])).status_code == 405
    assert me.get(reverse("portal:plan_change", args=[sub.pk])).status_code == 405


# --- my plans, subscribing -----------------------------------------------------------------


def test_my_plans_lists_subscriptions_and_plans_on_sale(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-standard"])
    html = html_of(as_user(world.customer.user).get(reverse("portal:plans")))
    assert f'data-subscription="{sub.pk}"' in html and "清洗保养·标准版" in html
    assert timezone.localtime(sub.period_end).strftime("%Y-%m-%d %H:%M") in html
    assert "¥299.00" in html  # the next charge
    assert 'data-auto-renew="on"' in html
    for code in ("ac-care-basic", "warranty-max", "cloud-7"):
        assert f'data-plan-on-sale="{code}"' in html
    assert 'data-nav="plans"' in html and "我的套餐" in html
    assert "服务计划" not in html  # one name for one thing
    assert "壁挂式空调，序列号 SN12345678" in html  # the device it covers


def plan_card(html: str, code: str) -> str:
    """The card of a plan on sale (up to the next one)."""
    return html.split(f'data-plan-on-sale="{code}"')[1].split("data-plan-on-sale=")[0]


def test_a_plan_held_says_so_instead_of_subscribe(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-standard"])
    html = html_of(as_user(world.customer.user).get(reverse("portal:plans")))
    held = plan_card(html, "ac-care-standard")
    assert 'data-action="subscribe"' not in held
    assert f'data-held="{sub.pk}"' in held and reverse("portal:plan", args=[sub.pk]) in held
    assert "您已为壁挂式空调，序列号 SN12345678订购此套餐" in held.replace("\n", "")
    # another plan of its family: the customer has one of that kind, change it there
    kin = plan_card(html, "ac-care-premium")
    assert 'data-action="subscribe"' not in kin and f'data-kin="{sub.pk}"' in kin
    # the warranty covers the same air conditioner: it can be subscribed
    assert 'data-action="subscribe"' in plan_card(html, "warranty-plus")
    # no camera: cloud storage asks for one first
    cloud = plan_card(html, "cloud-7")
    assert 'data-action="subscribe"' not in cloud and "data-no-device" in cloud
    # a second air conditioner: the plan can be subscribed for it
    register_device(world.customer)
    html = html_of(as_user(world.customer.user).get(reverse("portal:plans")))
    assert 'data-action="subscribe"' in plan_card(html, "ac-care-standard")


def test_subscribe_page_shows_the_demo_gateway_and_an_unticked_consent(
    world: World, plans: dict
) -> None:
    response = as_user(world.customer.user).get(
        reverse("portal:plan_subscribe", args=["ac-care-basic"])
    )
    html = html_of(response)
    assert "演示支付网关" in html and "demo-declined-0004" in html
    checkbox = found(r'<input type="checkbox" name="auto_renew"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    text = consent_text(plans["ac-care-basic"], language="zh-hans")
    assert f'data-consent lang="zh-hans">{text}<' in html.replace("&ldquo;", "“").replace(
        "&rdquo;", "”"
    )
    # the one air conditioner it may cover, chosen already; the select is required
    select = found(r'<select name="device"[^>]*>.*?</select>', html.replace("\n", " ")).group(0)
    assert "required" in select
    assert f'<option value="{world.device.pk}" selected>壁挂式空调，序列号 SN12345678' in select


def test_subscribe_with_consent_then_my_plan(world: World, plans: dict) -> None:
    me = as_user(world.customer.user)
    camera = register_device(world.customer, "smart_home")
    text = consent_text(plans["cloud-30"], language="zh-hans")
    response = me.post(
        reverse("portal:plan_subscribe", args=["cloud-30"]),
        {
            "payment_method": "demo-card-6222",
            "auto_renew": "on",
            "consent_text": text,
            "device": str(camera.pk),
        },
    )
    sub = Subscription.objects.get(customer=world.customer)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:plan", args=[sub.pk])
    assert sub.auto_renew and sub.consents.get().text_shown == text and sub.device == camera
    html = html_of(me.get(response["Location"]))
    assert "云存储·30天循环" in html and 'data-event="subscribed"' in html
    assert f'data-device="{camera.pk}">智能摄像机，序列号 {camera.serial}<' in html
    message = Message.objects.get(kind="plans.subscribed", channel="portal")
    assert f"智能摄像机（尾号{camera.serial[-4:]}）的云存储·30天循环" in message.body
    assert 'data-event="payment_succeeded"' in html and 'data-invoice-status="paid"' in html


def test_subscribe_without_auto_renew_needs_no_consent(world: World, plans: dict) -> None:
    response = as_user(world.customer.user).post(
        reverse("portal:plan_subscribe", args=["ac-care-basic"]),
        {"payment_method": "demo-card-6222", "device": str(world.device.pk)},
    )
    assert response.status_code == 302
    sub = Subscription.objects.get(customer=world.customer)
    assert not sub.auto_renew and sub.device == world.device and not sub.consents.exists()


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"payment_method": "", "auto_renew": ""}, 422, "这个字段是必填项"),
        ({"payment_method": "stolen-card"}, 422, "不在可用的选项"),
        ({"auto_renew": "on", "consent_text": "我同意"}, 422, CONSENT_REQUIRED),
        ({"device": "999999"}, 422, "This device is not registered to this customer."),
        ({"device": ""}, 422, "Choose the device this plan covers."),
        ({"device": "99999999999999999999"}, 422, "Choose the device this plan covers."),
    ],
)
def test_bad_subscribe_is_explained_and_changes_nothing(
    world: World, plans: dict, data: dict, status: int, text: str
) -> None:
    form = {"payment_method": "demo-card-6222", "device": str(world.device.pk), **data}
    response = as_user(world.customer.user).post(
        reverse("portal:plan_subscribe", args=["ac-care-basic"]), form
    )
    assert response.status_code == status
    assert zh(text) in html_of(response)
    assert not Subscription.objects.exists()


def test_subscribing_twice_to_a_kind_is_explained(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-basic"])
    me = as_user(world.customer.user)
    for code, text in (
        ("ac-care-basic", "You already have this plan for this device; see it under “My plans”."),
        (
            "ac-care-premium",
            "This device already has %(plan)s, a plan of the same kind: change that one instead "
            "(under “My plans”).",
        ),
    ):
        # a page left open before: the device is posted anyway
        response = me.post(
            reverse("portal:plan_subscribe", args=[code]),
            {"payment_method": "demo-card-6222", "device": str(world.device.pk)},
        )
        assert response.status_code == 409
        html = html_of(response)
        assert zh(text, plan="清洗保养·基础版") in html.replace("&ldquo;", "“").replace(
            "&rdquo;", "”"
        )
        assert reverse("portal:plan", args=[sub.pk]) in html  # the one held, linked
        assert 'data-form="subscribe"' not in html  # no device left to subscribe it for
    assert Subscription.objects.count() == 1


def test_unknown_plan_cannot_be_subscribed(world: World, plans: dict) -> None:
    me = as_user(world.customer.user)
    assert me.get(reverse("portal:plan_subscribe", args=["no-such-plan"])).status_code == 404


# --- my plan: every option alike ------------------------------------------------------------


def test_my_plan_offers_every_change_as_the_same_button(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-standard"])
    html = html_of(as_user(world.customer.user).get(reverse("portal:plan", args=[sub.pk])))
    buttons = re.findall(r"<button [^>]*data-action=\"choose\"[^>]*>", html)
    kinds = [found(r'data-kind="(\w+)"', b).group(1) for b in buttons]
    assert sorted(set(kinds)) == ["cancel", "downgrade", "switch", "upgrade"]
    # every other plan of its family and of the related one (the warranty), and cancel
    targets = [found(r'data-to="([\w-]+)"', b).group(1) for b in buttons]
    assert targets == [
        "ac-care-basic",
        "ac-care-premium",
        "warranty-plus",
        "warranty-max",
        "cancel",
    ]
    classes = {found(r'class="([^"]*)"', b).group(1) for b in buttons}
    assert classes == {"plan-option"}  # one style for all, none primary, none danger
    assert "disabled" not in "".join(buttons)
    assert "每年 2 次免费上门服务" in html  # entitlements
    assert "data-next-charge" in html and "¥299.00" in html


def test_unknown_option_is_explained_and_changes_nothing(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    me = as_user(world.customer.user)
    for to, text in (
        ("no-such-plan", zh("There is no plan %(code)s.", code="no-such-plan")),
        ("cloud-30", zh("This is already your plan.")),
        ("", "请从列出的变更中选择一项"),
        # a camera's cloud storage is not "switched" to air-conditioner care
        ("ac-care-basic", "无法更换为清洗保养·基础版"),
    ):
        response = choose(me, sub, to)
        assert response.status_code == 422, to
        assert text in html_of(response)
    assert not ChangeAttempt.objects.exists()


# --- the change flow ------------------------------------------------------------------------


def test_upgrade_preview_confirm_done(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-basic"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "ac-care-premium"))
    assert attempt.kind == "upgrade" and attempt.offer is None
    html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
    assert "升级到清洗保养·尊享版" in html
    assert f"¥{attempt.quoted_charge_fen // 100}." in html
    assert "required" not in html.split('data-form="confirm"', 1)[1].split("</form>", 1)[0]
    assert 'name="timing"' not in html  # the catalog's rule is fixed: no choice to make
    assert "data-offer" not in html
    response = me.post(reverse("portal:plan_confirm", args=[attempt.pk]))
    change = PlanChange.objects.get(attempt=attempt)
    assert response["Location"] == reverse("portal:plan_done", args=[change.pk])
    html = html_of(me.get(response["Location"]))
    assert 'data-status="applied"' in html
    assert timezone.localtime(change.received_at).strftime("%Y-%m-%d %H:%M:%S") in html
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-premium"
    assert Message.objects.filter(kind="plans.change_confirmed", customer=world.customer).exists()


def test_downgrade_shows_the_offer_once_with_an_equal_button(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-premium"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "ac-care-basic"))
    assert attempt.offer_response == OfferResponse.SHOWN
    html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
    assert html.count("data-offer=") == 1 and "下个周期立减20%" in html
    confirm = found(r'<button [^>]*data-action="confirm"[^>]*>', html).group(0)
    accept = found(r'<button [^>]*data-action="accept-offer"[^>]*>', html).group(0)
    assert found(r'class="[^"]*"', confirm).group(0) == found(r'class="[^"]*"', accept).group(0)
    # where the credit goes: back to the card by default, account credit if chosen
    assert found(r'name="refund_to" value="original" checked', html)
    response = me.post(
        reverse("portal:plan_confirm", args=[attempt.pk]),
        {"refund_to": "account_credit", "reason": ""},
    )
    change = PlanChange.objects.get(attempt=attempt)
    assert response.status_code == 302 and change.refund_to == "account_credit"
    assert selectors.account_credit_fen(sub) == change.credit_fen > 0
    attempt.refresh_from_db()
    assert attempt.offer_response == OfferResponse.DECLINED
    # a later attempt on this subscription shows no offer
    again = attempt_of(choose(me, sub, "cancel"))
    assert "data-offer" not in html_of(me.get(reverse("portal:plan_preview", args=[again.pk])))


def test_accepting_the_offer_keeps_the_plan(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "cancel"))
    response = me.post(reverse("portal:plan_offer", args=[attempt.pk]))
    assert response["Location"] == reverse("portal:plan", args=[sub.pk])
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE and sub.discount_percent == 20
    html = html_of(me.get(response["Location"]))
    assert 'data-event="offer_accepted"' in html
    # the attempt is finished: its preview leads back to the plan, confirming does nothing
    assert me.get(reverse("portal:plan_preview", args=[attempt.pk])).status_code == 302
    me.post(reverse("portal:plan_confirm", args=[attempt.pk]))
    assert not PlanChange.objects.exists()


def test_cancel_refunds_with_a_date_and_an_optional_reason(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    me = as_user(world.customer.user)
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        attempt = attempt_of(choose(me, sub, "cancel"))
        html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
        assert "退订云存储·30天循环" in html and "原支付方式" in html
        assert "（选填）" in html or "(选填)" in html
        response = me.post(
            reverse("portal:plan_confirm", args=[attempt.pk]), {"reason": "用不上了"}
        )
        change = PlanChange.objects.get(attempt=attempt)
        html = html_of(me.get(response["Location"]))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED and change.credit_fen > 0
    refund = change.refunds.get()
    assert timezone.localtime(refund.due_at).strftime("%Y-%m-%d %H:%M") in html
    attempt.refresh_from_db()
    assert attempt.survey_reason == "用不上了"


def test_bad_confirm_input_is_explained_and_changes_nothing(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-premium"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "ac-care-basic"))
    for data, text in (
        ({"refund_to": "my-friend"}, "不在可用的选项"),
        ({"timing": "yesterday"}, "不在可用的选项"),
        ({"reason": "x" * 301}, "300"),
    ):
        response = me.post(reverse("portal:plan_confirm", args=[attempt.pk]), data)
        assert response.status_code == 422, data
        assert text in html_of(response)
    attempt.refresh_from_db()
    sub.refresh_from_db()
    assert attempt.outcome == AttemptOutcome.OPEN and sub.plan.code == "ac-care-premium"
    assert not PlanChange.objects.exists()


def test_an_expired_preview_is_computed_again_with_a_note(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-basic"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "ac-care-standard"))
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        response = me.post(reverse("portal:plan_confirm", args=[attempt.pk]))
        fresh = attempt_of(response)
        assert fresh.pk != attempt.pk and fresh.to_plan == attempt.to_plan
        html = html_of(me.get(response["Location"]))
    assert "重新计算" in html
    assert not PlanChange.objects.exists()
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-basic"


def test_timing_choice_only_when_the_customer_chooses(world: World, plans: dict) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.CUSTOMER_CHOICE)
    sub = subscribe(world.customer, plans["cloud-90"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "cloud-7"))
    html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
    assert found(r'name="timing" value="immediate" checked', html)
    assert 'name="timing" value="period_end">' in html
    response = me.post(reverse("portal:plan_confirm", args=[attempt.pk]), {"timing": "period_end"})
    change = PlanChange.objects.get(attempt=attempt)
    assert change.status == ChangeStatus.SCHEDULED and change.effective_at == sub.period_end
    html = html_of(me.get(response["Location"]))
    assert 'data-action="undo"' in html


def test_scheduled_change_shows_everywhere_and_undo_is_one_click(world: World, plans: dict) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    sub = subscribe(world.customer, plans["cloud-90"])
    me = as_user(world.customer.user)
    attempt = attempt_of(choose(me, sub, "cloud-7"))
    html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
    assert timezone.localtime(sub.period_end).strftime("%Y-%m-%d %H:%M") in html
    me.post(reverse("portal:plan_confirm", args=[attempt.pk]))
    change = PlanChange.objects.get(attempt=attempt)
    for url in (reverse("portal:plans"), reverse("portal:plan", args=[sub.pk])):
        html = html_of(me.get(url))
        assert f'data-scheduled="{change.pk}"' in html and "¥15.00" in html  # the next charge
    response = me.post(reverse("portal:plan_undo", args=[change.pk]))
    assert response["Location"] == reverse("portal:plan", args=[sub.pk])
    change.refresh_from_db()
    assert change.status == ChangeStatus.UNDONE
    again = me.post(reverse("portal:plan_undo", args=[change.pk]))
    assert again.status_code == 409
    assert zh("Only a change that has not taken effect yet can be undone.") in html_of(again)


def test_unpaid_invoice_blocks_neither_downgrade_nor_upgrade(world: World, plans: dict) -> None:
    me = as_user(world.customer.user)
    me.post(
        reverse("portal:plan_subscribe", args=["ac-care-standard"]),
        {"payment_method": "demo-declined-0004", "device": str(world.device.pk)},
    )
    sub = Subscription.objects.get(customer=world.customer)
    assert sub.status == SubscriptionStatus.PAST_DUE
    html = html_of(me.get(reverse("portal:plan", args=[sub.pk])))
    assert "data-unpaid" in html and 'data-event="payment_failed"' in html
    for to in ("ac-care-basic", "ac-care-premium"):
        attempt = attempt_of(choose(me, sub, to))
        html = html_of(me.get(reverse("portal:plan_preview", args=[attempt.pk])))
        if to == "ac-care-basic":
            assert "data-settles" in html  # the credit settles the unpaid invoice
        response = me.post(reverse("portal:plan_confirm", args=[attempt.pk]))
        assert response.status_code == 302
        sub.refresh_from_db()
        assert sub.plan.code == to
    assert sub.invoices.filter(status=InvoiceStatus.OPEN).exists()


def test_auto_renew_off_in_one_click_and_on_with_consent(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["cloud-30"])
    me = as_user(world.customer.user)
    me.post(reverse("portal:plan_auto_renew", args=[sub.pk]), {"on": "0"})
    sub.refresh_from_db()
    assert not sub.auto_renew
    html = html_of(me.get(reverse("portal:plan", args=[sub.pk])))
    assert 'data-auto-renew="off"' in html and "data-consent" in html
    bad = me.post(reverse("portal:plan_auto_renew", args=[sub.pk]), {"on": "1"})
    assert bad.status_code == 422 and zh(CONSENT_REQUIRED) in html_of(bad)
    sub.refresh_from_db()
    assert not sub.auto_renew
    text = consent_text(plans["cloud-30"], language="zh-hans")
    me.post(reverse("portal:plan_auto_renew", args=[sub.pk]), {"on": "1", "consent_text": text})
    sub.refresh_from_db()
    assert sub.auto_renew
    assert me.post(reverse("portal:plan_auto_renew", args=[sub.pk]), {"on": "x"}).status_code == 422


def test_english_pages(world: World, plans: dict) -> None:
    sub = subscribe(world.customer, plans["ac-care-standard"])
    me = as_user(world.customer.user, language="en")
    html = html_of(me.get(reverse("portal:plan", args=[sub.pk])))
    assert "Upgrade to Care Premium" in html and "Cancel Care Standard" in html
    assert "My plans" in html
