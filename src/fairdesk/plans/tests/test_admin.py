"""The plans admin: the catalog kept there (prices changed only with notice), everything
else read-only, the append-only tables untouchable even for a superuser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from time_machine import Traveller

from fairdesk.core import roles
from fairdesk.plans.choices import InvoiceStatus, SubscriptionStatus
from fairdesk.plans.models import (
    AutoRenewConsent,
    ChangeAttempt,
    ChangePolicy,
    Invoice,
    LedgerEntry,
    LocalGatewayRecord,
    Plan,
    PlanEvent,
    PlanFamily,
    PriceChange,
    RetentionOffer,
    Subscription,
)
from fairdesk.plans.tests.conftest import T0

pytestmark = pytest.mark.django_db

APPEND_ONLY = [LedgerEntry, PlanEvent, AutoRenewConsent, PriceChange]
PLANS_MODELS: list[Any] = [m for m in admin.site._registry if m._meta.app_label == "plans"]


def staff(django_user_model: Any, role: str) -> Any:
    user = django_user_model.objects.create_user(role, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> Subscription:
    """A subscription with an invoice, a payment, ledger entries, events, a consent, a change
    attempt and a price change: a row in every table the admin shows."""
    from fairdesk.plans.choices import Channel
    from fairdesk.plans.services.billing import invoice_collect
    from fairdesk.plans.services.catalog import plan_price_change
    from fairdesk.plans.services.changes import change_confirm, change_start

    def collect() -> None:
        for inv in Invoice.objects.filter(status=InvoiceStatus.OPEN):
            invoice_collect(invoice_id=inv.pk)

    sub = subscribe(catalog["cloud-30"])
    collect()
    clock.move_to(T0 + timedelta(days=3))
    up = change_start(subscription=sub, to_plan=catalog["cloud-90"], channel=Channel.PORTAL)
    change_confirm(attempt_id=up.pk, channel=Channel.PORTAL)
    collect()
    sub.refresh_from_db()
    down = change_start(subscription=sub, to_plan=catalog["cloud-30"], channel=Channel.PORTAL)
    change_confirm(attempt_id=down.pk, channel=Channel.PORTAL)  # a credit: a refund
    plan_price_change(plan=catalog["cloud-7"], new_price_fen=1800)
    sub.refresh_from_db()
    return sub


def test_every_plans_model_is_in_the_admin() -> None:
    concrete = set(apps.get_app_config("plans").get_models())
    assert concrete == set(PLANS_MODELS)


def test_admin_pages_load_for_a_brand_admin(world: Subscription, django_user_model: Any) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    assert client.get(reverse("admin:index")).status_code == 200
    for model in PLANS_MODELS:
        opts = model._meta
        changelist = reverse(f"admin:plans_{opts.model_name}_changelist")
        response = client.get(changelist, follow=True)
        assert response.status_code == 200, opts.model_name
        obj = model.objects.order_by("pk").first()
        assert obj is not None, opts.model_name
        response = client.get(reverse(f"admin:plans_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200, opts.model_name
    for name in ("planfamily", "plan", "retentionoffer"):
        assert client.get(reverse(f"admin:plans_{name}_add")).status_code == 200
    # the demo gateway says what it is, in the page's language
    page = client.get(reverse("admin:plans_localgatewayrecord_changelist")).content.decode()
    assert "演示支付网关（不产生真实扣款）" in page and "no real money" not in page


def test_admin_list_pages_load_for_an_agent_and_an_auditor(
    world: Subscription, django_user_model: Any
) -> None:
    agent = client_for(staff(django_user_model, roles.AGENT))
    auditor = client_for(staff(django_user_model, roles.AUDITOR))
    sub_url = reverse("admin:plans_subscription_change", args=[world.pk])
    ledger = reverse("admin:plans_ledgerentry_changelist")
    assert agent.get(sub_url).status_code == 200
    assert agent.get(ledger).status_code == 403  # the ledger is for admins and auditors
    assert auditor.get(sub_url).status_code == 200
    assert auditor.get(ledger).status_code == 200
    # nobody without the role sees anything
    dispatcher = client_for(staff(django_user_model, roles.DISPATCHER))
    assert dispatcher.get(sub_url).status_code == 403


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_append_only_tables_are_read_only_even_for_a_superuser(
    model: Any, world: Subscription, django_user_model: Any
) -> None:
    superuser = django_user_model.objects.create_superuser("root", password="x")
    client = client_for(superuser)
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": superuser})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    obj = model.objects.order_by("pk").first()
    name = model._meta.model_name
    before = model.objects.count()
    change_url = reverse(f"admin:plans_{name}_change", args=[obj.pk])
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page  # a view, not a form
    assert client.post(change_url, {}).status_code == 403
    assert client.post(reverse(f"admin:plans_{name}_delete", args=[obj.pk])).status_code == 403
    client.post(
        reverse(f"admin:plans_{name}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert model.objects.count() == before
    listing = client.get(reverse(f"admin:plans_{name}_changelist")).content.decode()
    assert 'value="delete_selected"' not in listing


def test_subscriptions_and_money_are_read_only(world: Subscription, django_user_model: Any) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    url = reverse("admin:plans_subscription_change", args=[world.pk])
    assert client.post(url, {"status": "ended", "auto_renew": ""}).status_code == 403
    world.refresh_from_db()
    assert world.status == SubscriptionStatus.ACTIVE
    for model in (Subscription, Invoice, ChangeAttempt, LocalGatewayRecord):
        name = model._meta.model_name
        assert client.get(reverse(f"admin:plans_{name}_add")).status_code == 403
    page = client.get(url).content.decode()
    assert "balanced" in page or "平衡" in page  # the ledger check


def _plan_form(plan: Plan, **changes: Any) -> dict[str, Any]:
    data = {
        "family": plan.family_id,
        "name": plan.name,
        "name_en": plan.name_en,
        "tier_rank": plan.tier_rank,
        "period": plan.period,
        "free_visits_per_year": plan.free_visits_per_year,
        "storage_days": plan.storage_days,
        "warranty_months": plan.warranty_months,
        "auto_renew": "on" if plan.auto_renew else "",
        "minimum_term_months": plan.minimum_term_months or "",
        "active": "on" if plan.active else "",
        "new_price": "",
        "notice_days": "",
        "price_changes-TOTAL_FORMS": "0",
        "price_changes-INITIAL_FORMS": "0",
        "price_changes-MIN_NUM_FORMS": "0",
        "price_changes-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_a_plans_price_is_read_only_once_created(
    catalog: dict[str, Plan], clock: Any, django_user_model: Any
) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    plan = catalog["cloud-30"]
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    response = client.post(url, _plan_form(plan, price_fen="1.00", code="cheap", name="云30"))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert (plan.price_fen, plan.code, plan.name) == (3000, "cloud-30", "云30")
    assert not PriceChange.objects.exists()


def test_a_price_change_is_announced_with_notice(
    catalog: dict[str, Plan], subscribe: Any, clock: Any, django_user_model: Any
) -> None:
    from fairdesk.notifications.models import Message

    sub = subscribe(catalog["cloud-30"])
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    plan = catalog["cloud-30"]
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    # too short a notice, a bad amount, the same price: refused, nothing announced
    for changes in ({"new_price": "35.00", "notice_days": "7"}, {"new_price": "35.001"}):
        response = client.post(url, _plan_form(plan, **changes))
        assert response.status_code == 200 and response.context["errors"], changes
    response = client.post(url, _plan_form(plan, new_price="30.00"))
    assert response.status_code == 200
    assert not PriceChange.objects.exists()

    response = client.post(url, _plan_form(plan, new_price="35.00", notice_days="45"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price_fen == 3000  # the price in force does not change today
    change = PriceChange.objects.get(plan=plan)
    assert (change.old_price_fen, change.new_price_fen) == (3000, 3500)
    assert change.effective_at == T0 + timedelta(days=45)
    assert Message.objects.filter(customer=sub.customer, kind="plans.price_notice").exists()
    # announcing the same new price again is refused (no duplicate notices)
    response = client.post(url, _plan_form(plan, new_price="35.00"))
    assert response.status_code == 200 and PriceChange.objects.count() == 1


def test_a_new_plan_gets_its_price_in_yuan(
    catalog: dict[str, Plan], django_user_model: Any
) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    family = PlanFamily.objects.get(code="cloud")
    data = {
        "family": family.pk,
        "code": "cloud-180",
        "name": "云存储·180天循环",
        "name_en": "Cloud 180-day",
        "tier_rank": 4,
        "period": "monthly",
        "price_fen": "99.90",
        "free_visits_per_year": 0,
        "storage_days": 180,
        "warranty_months": 0,
        "auto_renew": "on",
        "active": "on",
        "price_changes-TOTAL_FORMS": "0",
        "price_changes-INITIAL_FORMS": "0",
    }
    bad = client.post(reverse("admin:plans_plan_add"), {**data, "price_fen": "0"})
    assert bad.status_code == 200 and not Plan.objects.filter(code="cloud-180").exists()
    response = client.post(reverse("admin:plans_plan_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Plan.objects.get(code="cloud-180").price_fen == 9990


def test_the_change_policy_is_one_row_with_one_timing_rule(
    catalog: dict[str, Plan], django_user_model: Any
) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    response = client.get(reverse("admin:plans_changepolicy_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:plans_changepolicy_change", args=[1])
    assert client.get(reverse("admin:plans_changepolicy_add")).status_code == 403
    url = reverse("admin:plans_changepolicy_change", args=[1])
    data = {
        "timing_rule": "period_end",
        "price_notice_days": 30,
        "renewal_reminder_days": 5,
        "grace_days": 7,
        "refund_within_days": 7,
    }
    assert client.post(url, {**data, "refund_within_days": 90}).status_code == 200
    assert client.post(url, data).status_code == 302
    assert ChangePolicy.objects.get().timing_rule == "period_end"
    assert ChangePolicy.objects.count() == 1


def test_catalog_rows_are_not_deleted_in_the_admin(
    catalog: dict[str, Plan], django_user_model: Any
) -> None:
    superuser = django_user_model.objects.create_superuser("root", password="x")
    client = client_for(superuser)
    for model, obj in (
        (Plan, catalog["cloud-7"]),
        (PlanFamily, catalog["cloud-7"].family),
        (RetentionOffer, RetentionOffer.objects.get()),
    ):
        url = reverse(f"admin:plans_{model._meta.model_name}_delete", args=[obj.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()


def test_a_family_page_adds_a_plan_and_keeps_existing_prices(
    catalog: dict[str, Plan], django_user_model: Any
) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    family = PlanFamily.objects.get(code="cloud")
    plans = list(family.plans.order_by("pk"))
    data: dict[str, Any] = {
        "kind": family.kind,
        "name": family.name,
        "name_en": family.name_en,
        "product_lines": family.product_lines,
        "plans-TOTAL_FORMS": str(len(plans) + 1),
        "plans-INITIAL_FORMS": str(len(plans)),
        "plans-MIN_NUM_FORMS": "0",
        "plans-MAX_NUM_FORMS": "1000",
    }
    for i, plan in enumerate([*plans, None]):
        row = {
            "id": plan.pk if plan else "",
            "family": family.pk,
            "code": plan.code if plan else "cloud-1",
            "name": plan.name if plan else "云存储·1天",
            "name_en": plan.name_en if plan else "Cloud 1-day",
            "tier_rank": plan.tier_rank if plan else 9,
            "period": plan.period if plan else "monthly",
            "price_fen": "0.01" if plan else "5.00",  # ignored for existing plans
            "auto_renew": "on",
            "active": "on",
        }
        data.update({f"plans-{i}-{key}": value for key, value in row.items()})
    response = client.post(reverse("admin:plans_planfamily_change", args=[family.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    prices = dict(family.plans.values_list("code", "price_fen"))
    assert prices == {"cloud-7": 1500, "cloud-30": 3000, "cloud-90": 6000, "cloud-1": 500}


def test_a_family_page_keeps_the_catalog_files_rules_on_lines_and_relations(
    catalog: dict[str, Plan], django_user_model: Any
) -> None:
    client = client_for(staff(django_user_model, roles.BRAND_ADMIN))
    care, cloud = PlanFamily.objects.get(code="ac-care"), PlanFamily.objects.get(code="cloud")
    data: dict[str, Any] = {
        "kind": care.kind,
        "name": care.name,
        "name_en": care.name_en,
        "plans-TOTAL_FORMS": "0",
        "plans-INITIAL_FORMS": "0",
        "plans-MIN_NUM_FORMS": "0",
        "plans-MAX_NUM_FORMS": "1000",
    }
    url = reverse("admin:plans_planfamily_change", args=[care.pk])
    # no product line
    response = client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"product_lines"}
    # a camera's cloud storage as a related family: no line in common
    response = client.post(
        url, {**data, "product_lines": ["air_conditioner"], "related": [cloud.pk]}
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"related"}
    care.refresh_from_db()
    assert care.product_lines == ["air_conditioner"]
    assert not care.related.filter(pk=cloud.pk).exists()
    # two lines, the warranty related: saved, and related both ways
    warranty = PlanFamily.objects.get(code="ext-warranty")
    lines = ["air_conditioner", "water_heater"]
    response = client.post(url, {**data, "product_lines": lines, "related": [warranty.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    care.refresh_from_db()
    assert care.product_lines == lines and list(warranty.related.all()) == [care]
