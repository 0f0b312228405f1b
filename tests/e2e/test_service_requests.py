"""Service requests end to end, in a real browser (issue 3):

* a customer signs in with a code (read from the outbox), registers a device, books a repair
  and sees every deadline;
* an agent files a request for a caller in three screens; an outlet manager accepts and
  schedules it;
* with a frozen clock past the on-site deadline, the breach shows (to the outlet and to the
  customer) and escalation happens exactly once, however often the worker runs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from fairdesk.network.choices import ProductLine
from fairdesk.network.services import coverage_import_apply, outlet_create
from fairdesk.notifications.models import Message
from fairdesk.portal.tests.fixtures import (
    COVERED_ADDRESS,
    PASSWORD,
    PHONE,
    code_from_outbox,
    file_repair,
    make_world,
)
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.services.escalation import sla_escalate_due
from fairdesk.service_requests.services.transitions import service_request_transition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RED = "rgb(161, 42, 42)"  # --bad in site.css


def local(dt: Any) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def customer_sign_in(page: Any, phone: str, start: str = "/portal/") -> None:
    page.goto(start)
    page.wait_for_selector("form[data-step=phone]")
    page.fill("form[data-step=phone] input[name=phone]", phone)
    page.click("form[data-step=phone] button[type=submit]")
    page.wait_for_selector("form[data-step=code]")
    page.fill("form[data-step=code] input[name=code]", code_from_outbox(phone))
    page.click("form[data-step=code] button[type=submit]")
    page.wait_for_url(f"**{start}")


def staff_sign_in(page: Any, username: str, start: str = "/console/") -> None:
    page.goto(start)
    page.wait_for_url("**/staff/login/**")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{start}")


def open_menu(page: Any) -> None:
    """On a phone the navigation is behind the menu button (base.html): open it."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def test_customer_signs_in_registers_a_device_books_a_repair_and_sees_deadlines(
    new_page: Any,
) -> None:
    from fairdesk.customers.services import product_model_save

    outlet = outlet_create(code="NN01", name="南宁良庆服务中心", phones=["0771-5551234"])
    coverage_import_apply(outlet=outlet, text="南宁市良庆区", actor_name="test")
    model = product_model_save(
        brand="测试品牌",
        model_code="FD-KFR-35GW",
        name="壁挂式空调",
        product_line=ProductLine.AIR_CONDITIONER,
        warranty_months=72,
    )
    phone = "13600136000"
    page = new_page()

    # sign in with a code from the outbox; the portal was asked for, the portal it is
    customer_sign_in(page, phone)
    page.wait_for_selector("[data-requests]")

    # register a device
    open_menu(page)  # a phone: the navigation is folded behind the menu button
    page.click("nav.sub a[data-nav=me]")
    page.wait_for_url("**/me/")
    page.click("#devices summary")
    page.select_option("#devices select[name=product_model]", str(model.pk))
    page.fill("#devices input[name=serial]", "kfr35-0001")
    page.fill("#devices input[name=purchase_date]", "2025-06-01")
    page.click("#devices form button[type=submit]")
    page.wait_for_selector("#devices [data-device]")
    assert "KFR35-0001" in page.inner_text("#devices [data-device]")

    # book a repair: the device is offered; a first address is typed in; a visit window
    open_menu(page)
    page.click("header a[data-nav=portal]")
    page.click("a[data-action=book]")
    page.wait_for_selector("form[data-form=book]")
    device_radio = page.locator("form[data-form=book] input[name=device]").first
    assert device_radio.is_checked()
    assert page.locator("input[name=address][value=new]").is_checked()  # no address yet
    assert not page.locator("input[name=product_description]").is_visible()  # a device chosen
    page.fill("textarea[name=description]", "空调不制冷，显示 E1")
    page.fill("input[name=new_address]", COVERED_ADDRESS)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page.fill("input[name=preferred_day]", tomorrow)
    page.select_option("select[name=preferred_slot]", "morning")
    page.click("button[data-action=submit-booking]")

    # the confirmation: the number and every deadline, in Beijing time
    page.wait_for_selector("[data-confirmation]")
    number = page.inner_text("p.card [data-number]").strip()
    sr = ServiceRequest.objects.get(number=number)
    assert sr.customer.phone == phone and sr.channel == "portal" and sr.outlet == outlet
    clocks = list(sr.clocks.all())
    assert {c.clock_type for c in clocks} == {"first_response", "on_site", "resolution"}
    for clock in clocks:
        shown = page.inner_text(f"[data-deadlines] [data-clock={clock.clock_type}] time")
        assert shown == local(clock.deadline)
    assert page.locator("[data-out-of-coverage]").count() == 0
    assert "北京时间" in page.inner_text("main")

    # … and on the list of my requests
    open_menu(page)
    page.click("header a[data-nav=portal]")
    page.wait_for_selector(f"[data-requests] [data-request='{number}']")


def test_agent_files_for_a_caller_and_the_outlet_manager_accepts_and_schedules(
    new_page: Any,
) -> None:
    world = make_world()
    agent = new_page(phone=False)
    staff_sign_in(agent, "agent")

    screens: list[str] = []

    def top_frame_navigated(frame: Any) -> None:
        if not frame.parent_frame:
            screens.append(frame.url)

    agent.on("framenavigated", top_frame_navigated)
    # screen 1: the search box (answers in place)
    agent.fill("input[name=q]", "138 0013 8000")
    agent.click("button[data-action=search]")
    # screen 2: the caller, with their devices, addresses and the request form
    agent.wait_for_selector(f"[data-caller='{world.customer.pk}']")
    assert PHONE in agent.inner_text("[data-phone]")
    assert agent.locator("form[data-form=file] input[name=device]").first.is_checked()
    assert agent.locator("form[data-form=file] input[name=address]").first.is_checked()
    agent.fill("form[data-form=file] textarea[name=description]", "来电：空调漏水")
    agent.click("button[data-action=file]")
    # screen 3: done — the filed request, its number and deadlines
    agent.wait_for_selector("[data-deadlines] [data-clock=on_site]")
    assert len(screens) == 2, screens  # caller page, request page: three screens in all
    number = agent.url.rstrip("/").rsplit("/", 1)[-1]
    sr = ServiceRequest.objects.get(number=number)
    assert sr.channel == "console" and sr.created_by == world.agent and sr.outlet == world.outlet

    manager = new_page(phone=False)
    staff_sign_in(manager, "manager", start="/console/requests/")
    manager.click(f"[data-queue] tr[data-request='{number}'] a")
    manager.wait_for_selector("[data-transition=accepted]")
    assert manager.locator("[data-transition=scheduled]").count() == 0
    manager.click("button[data-action=accepted]")
    manager.wait_for_selector("[data-status=accepted]")
    manager.click("button[data-action=scheduled]")
    manager.wait_for_selector("[data-status=scheduled]")
    manager.wait_for_selector("[data-timeline] [data-to=scheduled]")
    sr.refresh_from_db()
    assert sr.status == "scheduled"
    assert list(sr.timeline.values_list("to_status", flat=True)) == [
        "new",
        "",
        "accepted",
        "scheduled",
    ]


def test_missed_on_site_deadline_shows_and_escalates_once(new_page: Any) -> None:
    world = make_world()
    sr = file_repair(world)
    for status in ("accepted", "scheduled"):
        service_request_transition(request=sr, to_status=status, actor=world.manager)
    on_site = sr.clocks.get(clock_type="on_site")

    with time_machine.travel(on_site.deadline + timedelta(hours=2, minutes=30), tick=False):
        manager = new_page(phone=False)
        staff_sign_in(manager, "manager", start="/console/requests/?breached=on")
        row = manager.locator(f"[data-queue] tr[data-request='{sr.number}']")
        assert row.get_attribute("data-breached") == "true"
        row.locator("a").click()
        clock = manager.locator("[data-deadlines] [data-clock=on_site]")
        clock.wait_for()
        assert clock.get_attribute("data-breached") == "true"
        assert "已超时 2 小时 30 分钟" in clock.inner_text()
        assert clock.evaluate("e => getComputedStyle(e).color") == RED

        # the worker's job, run twice (as two ticks, or two racing workers, would)
        assert sla_escalate_due() == 1
        assert sla_escalate_due() == 0
        escalations = Message.objects.filter(kind="sla.escalation", reference=sr.number)
        assert escalations.count() == 1 and escalations.get().user == world.manager
        assert TimelineEvent.objects.filter(request=sr, kind="escalated").count() == 1

        manager.reload()
        manager.wait_for_selector("[data-clock=on_site] [data-escalated='1']")
        assert manager.locator("[data-timeline] [data-event=escalated]").count() == 1

        # the customer sees the missed promise and by how much
        customer = new_page()
        customer_sign_in(customer, PHONE, start=f"/portal/requests/{sr.number}/")
        mine = customer.locator("[data-deadlines] [data-clock=on_site]")
        mine.wait_for()
        assert mine.get_attribute("data-breached") == "true"
        assert "2 小时 30 分钟" in mine.inner_text()
        assert mine.evaluate("e => getComputedStyle(e).color") == RED
        assert customer.locator("[data-timeline] [data-event=escalated]").count() == 1
