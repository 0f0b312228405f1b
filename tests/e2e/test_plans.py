"""Service plans end to end, in a real browser (guarantees F1, F4, F5, F9):

* upgrade, downgrade, switch and cancel, each started from the same "My plan" page, are driven
  by one generic driver that clicks the option, then on every screen fills whatever is required
  and presses the one forward button until the done page. It counts clicks, screens and required
  fields per flow, prints them, and fails unless downgrade, switch and cancel need no more of
  any than upgrade. The change options are checked to look exactly alike (size, colours, font),
  and a retention offer's button to be the confirm button's twin;
* with an unpaid invoice (subscribed with the demo gateway's declined card, in the browser, for
  the customer's air conditioner — subscribing names the device, the plan is then shown as
  held), downgrade and upgrade both go through, in the same steps;
* with the catalog's timing "at the end of the period", a downgrade scheduled in the browser is
  applied before the renewal: the renewal is charged at the new, lower price, and the page says
  so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fairdesk.customers.models import Customer, Device
from fairdesk.plans.choices import ChangeStatus, InvoiceKind, SubscriptionStatus, TimingRule
from fairdesk.plans.models import ChangePolicy, Invoice, Plan, PlanChange, Subscription
from fairdesk.plans.selectors import change_options
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.renewals import plans_process_due
from fairdesk.plans.services.subscriptions import consent_text, subscription_start
from fairdesk.plans.tests.devices import device_for, register_device
from fairdesk.portal.tests.fixtures import PHONE, code_from_outbox

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "src" / "fairdesk" / "plans" / "data" / "demo_catalog.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The one button that moves a change forward on any screen between the option and done.
FORWARD = "main button[data-action=confirm]"
#: A flow that has not reached its done page after this many screens has failed.
MAX_SCREENS = 8
#: What must be the same on every change option, and on an offer's button and the confirm button.
STYLE_KEYS = (
    "className",
    "fontSize",
    "fontWeight",
    "color",
    "backgroundColor",
    "borderTopWidth",
    "borderTopColor",
    "paddingTop",
    "paddingLeft",
    "width",
    "height",
)
LOOK = """e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {className: e.className, fontSize: s.fontSize, fontWeight: s.fontWeight, color: s.color,
          backgroundColor: s.backgroundColor, borderTopWidth: s.borderTopWidth,
          borderTopColor: s.borderTopColor, paddingTop: s.paddingTop, paddingLeft: s.paddingLeft,
          width: Math.round(r.width), height: Math.round(r.height)}; }"""


def load_catalog() -> dict[str, Plan]:
    catalog_import(document=json.loads(CATALOG.read_text(encoding="utf-8")))
    return {plan.code: plan for plan in Plan.objects.all()}


def subscribe(
    customer: Any, plan: Plan, method: str = "demo-card-6222", device: Device | None = None
) -> Subscription:
    return subscription_start(
        customer=customer,
        plan=plan,
        payment_method=method,
        auto_renew=True,
        consent_text_shown=consent_text(plan, language=customer.language),
        channel="portal",
        actor=customer.user,
        device=device or device_for(customer, plan),
    )


def sign_in(page: Any, phone: str, start: str) -> Customer:
    """Sign in with a code from the outbox (the first time creates the customer)."""
    page.goto(start)
    page.wait_for_selector("form[data-step=phone]")
    page.fill("form[data-step=phone] input[name=phone]", phone)
    page.click("form[data-step=phone] button[type=submit]")
    page.wait_for_selector("form[data-step=code]")
    page.fill("form[data-step=code] input[name=code]", code_from_outbox(phone))
    page.click("form[data-step=code] button[type=submit]")
    page.wait_for_url(f"**{start}")
    return Customer.objects.get(phone=phone)


def local(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def assert_look_alike(locator: Any, what: str) -> None:
    looks = [locator.nth(i).evaluate(LOOK) for i in range(locator.count())]
    assert len(looks) >= 2, f"{what}: expected at least two buttons"
    for key in STYLE_KEYS:
        values = {look[key] for look in looks}
        assert len(values) == 1, f"{what} differ in {key}: {values}"


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


@dataclass
class Journey:
    """One change from the "My plan" page to its done page, as the customer goes through it."""

    flow: str
    clicks: int = 0
    screens: int = 1  # "My plan", where every change starts
    required_fields: int = 0
    offers_shown: int = 0

    def counts(self) -> tuple[int, int, int]:
        return (self.clicks, self.screens, self.required_fields)


def _required(page: Any) -> Any:
    return page.locator("main form [required], main form [aria-required=true]")


def _fill_required(page: Any, journey: Journey) -> None:
    """Whatever a screen requires is filled in, and counted (a click for a choice to make)."""
    fields = _required(page)
    for i in range(fields.count()):
        field = fields.nth(i)
        journey.required_fields += 1
        tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            values = field.evaluate("e => [...e.options].map(o => o.value).filter(Boolean)")
            field.select_option(values[0])
            journey.clicks += 1
        elif tag in ("input:checkbox", "input:radio"):
            field.check()
            journey.clicks += 1
        else:
            field.fill("x")


def drive(page: Any, sub: Subscription, to: str, flow: str) -> Journey:
    """From "My plan", choose the option ``to`` (a plan code or ``cancel``), then press the
    forward button on every screen until the done page; count everything on the way."""
    page.goto(f"/portal/plans/{sub.pk}/")
    page.wait_for_selector("[data-options]")
    journey = Journey(flow)
    navigations: list[str] = []

    def on_navigation(frame: Any) -> None:
        if frame.parent_frame is None:
            navigations.append(frame.url)

    page.on("framenavigated", on_navigation)
    _fill_required(page, journey)
    with page.expect_navigation():
        page.click(f"[data-options] button[data-to='{to}']")
    journey.clicks += 1
    for _screen in range(MAX_SCREENS):
        page.wait_for_selector("main h1")
        if page.locator("[data-done]").count():
            break
        if page.locator("[data-error]").count():
            pytest.fail(f"{flow}: {page.inner_text('[data-error]')}")
        _fill_required(page, journey)
        if page.locator("[data-offer]").count():
            journey.offers_shown += 1
            # F5: the offer's button is the confirm button's twin (confirm = decline)
            assert_look_alike(
                page.locator(f"{FORWARD}, main button[data-action=accept-offer]"),
                f"{flow}: confirm and accept-offer buttons",
            )
        with page.expect_navigation():
            page.click(FORWARD)
        journey.clicks += 1
    else:
        pytest.fail(f"{flow}: no done page after {MAX_SCREENS} screens")
    page.remove_listener("framenavigated", on_navigation)
    journey.screens += len(navigations)
    return journey


def report(capsys: Any, title: str, journeys: list[Journey]) -> None:
    """Print the counts (the lead records them in docs/benchmarks.md)."""
    with capsys.disabled():
        print(f"\n{title}")
        print(f"{'flow':<28}{'clicks':>8}{'screens':>9}{'required':>10}{'offers':>8}")
        for j in journeys:
            print(
                f"{j.flow:<28}{j.clicks:>8}{j.screens:>9}{j.required_fields:>10}{j.offers_shown:>8}"
            )
        print("JSON " + json.dumps([asdict(j) for j in journeys], ensure_ascii=False))


def assert_parity(journeys: dict[str, Journey], reference: str = "upgrade") -> None:
    ref = journeys[reference]
    for name, journey in journeys.items():
        for metric, mine, theirs in zip(
            ("clicks", "screens", "required fields"), journey.counts(), ref.counts(), strict=True
        ):
            assert mine <= theirs, f"{name} needs {mine} {metric}, {reference} {theirs} (F1)"


# --------------------------------------------------------------------------------------------
# The journeys
# --------------------------------------------------------------------------------------------


def test_upgrade_downgrade_switch_and_cancel_take_the_same_steps(
    new_page: Any, capsys: Any
) -> None:
    plans = load_catalog()
    page = new_page()
    customer = sign_in(page, PHONE, "/portal/plans/")
    # every plan covers a device: two air conditioners and a camera
    care = subscribe(customer, plans["ac-care-standard"], device=register_device(customer))
    warranty = subscribe(customer, plans["warranty-max"], device=register_device(customer))
    cloud = subscribe(customer, plans["cloud-30"], device=register_device(customer, "smart_home"))
    page.goto(f"/portal/plans/{care.pk}/")

    # F1: every option on "My plan" is the same button, nothing hidden or greyed out: the other
    # plans of its family, those of the related family (the warranty, for its air
    # conditioner), and cancel — never the camera's cloud storage
    options = page.locator("[data-options] button[data-action=choose]")
    kinds = {options.nth(i).get_attribute("data-kind") for i in range(options.count())}
    assert kinds == {"upgrade", "downgrade", "switch", "cancel"}
    assert options.count() == len(change_options(care, at=timezone.now())) == 5
    assert page.locator("[data-options] button[data-to^=cloud]").count() == 0
    assert page.locator("[data-options] button[disabled]").count() == 0
    assert_look_alike(options, "change options")

    journeys = {
        "upgrade": drive(page, care, "ac-care-premium", "upgrade"),
        "downgrade": drive(page, warranty, "warranty-plus", "downgrade"),
        "cancel": drive(page, cloud, "cancel", "cancel"),
        "switch": drive(page, care, "warranty-plus", "switch"),
    }
    report(capsys, "Plan changes from “My plan” (timing: immediate)", list(journeys.values()))

    # each flow did what it says, at once (the demo catalog's timing), on the same devices
    for sub in (care, warranty, cloud):
        sub.refresh_from_db()
    assert care.plan.code == "warranty-plus" and warranty.plan.code == "warranty-plus"
    assert care.device_id != warranty.device_id
    assert cloud.status == SubscriptionStatus.ENDED
    kinds_done = list(PlanChange.objects.order_by("id").values_list("kind", "status"))
    assert kinds_done == [(k, ChangeStatus.APPLIED) for k in journeys]
    # the offer was shown on every way out, and added no step
    assert [journeys[k].offers_shown for k in ("downgrade", "cancel", "switch")] == [1, 1, 1]
    assert journeys["upgrade"].offers_shown == 0
    assert_parity(journeys)
    # the done page leads to one place, called as the menu calls it
    page.wait_for_selector("[data-done]")
    links = page.locator("main .actions a")
    assert links.count() == 1 and links.get_attribute("href") == "/portal/plans/"
    assert links.inner_text() == page.inner_text("nav [data-nav=plans]") == "我的套餐"
    assert "服务计划" not in page.inner_text("body")
    # the done page of the cancellation promises the refund by a date
    change = PlanChange.objects.get(kind="cancel")
    refund = change.refunds.get()
    page.goto(f"/portal/plans/changes/{change.pk}/")
    assert local(refund.due_at) in page.inner_text("[data-refunds]")


def test_an_unpaid_invoice_blocks_no_change(new_page: Any, capsys: Any) -> None:
    load_catalog()
    page = new_page()
    customer = sign_in(page, PHONE, "/portal/plans/")
    air_conditioner = register_device(customer)
    page.reload()

    # subscribe with the demo gateway's declined card: the first payment fails
    page.click("[data-plan-on-sale=ac-care-standard] a[data-action=subscribe]")
    page.wait_for_selector("form[data-form=subscribe]")
    assert "演示支付网关" in page.inner_text("[data-gateway]")
    assert not page.locator("input[name=auto_renew]").is_checked()
    # one required field: the device it covers, chosen already (the only air conditioner)
    assert page.locator("form[data-form=subscribe] [required]").count() == 1
    assert page.input_value("select[name=device]") == str(air_conditioner.pk)
    page.select_option("select[name=payment_method]", "demo-declined-0004")
    page.click("button[data-action=subscribe]")
    page.wait_for_selector("[data-plan] [data-status=past_due]")
    sub = Subscription.objects.get(customer=customer)
    assert sub.status == SubscriptionStatus.PAST_DUE and not sub.auto_renew
    assert sub.device == air_conditioner
    assert air_conditioner.serial in page.inner_text("[data-device]")
    assert page.locator("[data-unpaid]").count() == 1
    assert page.locator("[data-timeline] [data-event=payment_failed]").count() == 1
    # the plans on sale now say it is held, with a link, instead of offering it again
    page.goto("/portal/plans/")
    card = page.locator("[data-plan-on-sale=ac-care-standard]")
    assert card.locator("a[data-action=subscribe]").count() == 0
    assert card.locator(f"[data-held='{sub.pk}'] a").get_attribute("href") == (
        f"/portal/plans/{sub.pk}/"
    )

    # F4: a downgrade and an upgrade both go through without paying first, in the same steps
    journeys = {
        "downgrade (unpaid invoice)": drive(page, sub, "ac-care-basic", "downgrade (unpaid)"),
        "upgrade (unpaid invoice)": drive(page, sub, "ac-care-premium", "upgrade (unpaid)"),
    }
    report(capsys, "Plan changes with an unpaid invoice", list(journeys.values()))
    down, up = journeys.values()
    assert down.counts() == up.counts()
    sub.refresh_from_db()
    assert sub.plan.code == "ac-care-premium"
    changes = list(PlanChange.objects.order_by("id"))
    assert [c.kind for c in changes] == ["downgrade", "upgrade"]
    first = Invoice.objects.get(subscription=sub, kind=InvoiceKind.INITIAL)
    assert first.settled_fen == changes[0].credit_fen > 0  # the credit settled the unpaid invoice


def test_scheduled_downgrade_is_applied_before_the_renewal(new_page: Any, capsys: Any) -> None:
    start = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        plans = load_catalog()
        ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
        page = new_page()
        customer = sign_in(page, PHONE, "/portal/plans/")
        sub = subscribe(customer, plans["cloud-90"])
        page.goto(f"/portal/plans/{sub.pk}/")
        assert "¥60.00" in page.inner_text("[data-next-charge]")

        journey = drive(page, sub, "cloud-7", "downgrade (period end)")
        report(capsys, "Downgrade scheduled for the period end", [journey])
        assert journey.counts() == (2, 3, 0)  # as every change with the immediate timing
        # done: scheduled for the period end, undoable, the next charge at the new price
        assert page.get_attribute("[data-done]", "data-status") == ChangeStatus.SCHEDULED
        assert local(sub.period_end) in page.inner_text("[data-effective]")
        assert page.locator("button[data-action=undo]").count() == 1
        assert "¥15.00" in page.inner_text("[data-next-charge]")

        # the period ends; the worker runs
        clock.move_to(sub.period_end + timedelta(minutes=1))
        plans_process_due()
        sub.refresh_from_db()
        assert sub.plan.code == "cloud-7" and sub.status == SubscriptionStatus.ACTIVE
        renewal = Invoice.objects.get(subscription=sub, kind=InvoiceKind.RENEWAL)
        assert renewal.amount_fen == 1500  # never the old price after the effective date
        assert PlanChange.objects.get().status == ChangeStatus.APPLIED

        # the customer sees it (a month later: signed in again)
        later = new_page()
        sign_in(later, PHONE, f"/portal/plans/{sub.pk}/")
        assert later.get_attribute("[data-plan]", "data-plan-code") == "cloud-7"
        row = later.locator(f"[data-invoices] tr[data-invoice='{renewal.pk}']")
        assert "¥15.00" in row.inner_text()
        assert later.locator("[data-timeline] [data-event=change_applied]").count() == 1
        assert later.locator("[data-timeline] [data-event=renewed]").count() == 1
        assert later.locator("[data-scheduled]").count() == 0
