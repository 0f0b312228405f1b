"""Contact us, callbacks and complaints end to end, in a real browser (two contexts: the customer
on the portal, the agent on the console):

* the assistant answers a question; typing 人工 puts the chat in the queue at once (the position
  is shown); an agent who sets themselves available gets it, sees it and replies; the customer
  sees the reply without reloading (polling). The "Talk to a person" button does the same in one
  click (guarantee F6);
* a callback is booked for a window; with a frozen clock moved past the window and the worker's
  minute run, the customer sees it missed and the brand administrator has the escalation in the
  outbox (guarantee F8);
* a complaint goes through its whole lifecycle in the browser — filed, acknowledged, investigated,
  resolved with an outcome, rejected, taken to 12315 — and the timeline shows every step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fairdesk.contact.choices import CallbackStatus, ComplaintStatus, ContactStatus
from fairdesk.contact.models import Callback, Complaint, Contact, FaqEntry
from fairdesk.contact.services.due import contact_process_due
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message
from fairdesk.portal.tests.fixtures import make_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A customer who signs in for the first time in the browser (the world's own customers were just
#: sent a code: another one within the minute would be refused).
PHONE = "13700137000"


def test_bot_then_rengong_then_an_agent_replies_and_the_button_does_the_same(
    new_page: Any, sign_in_customer: Any, sign_in_staff: Any
) -> None:
    world = make_world()
    FaqEntry.objects.create(
        keywords="保修,warranty",
        answer="整机保修一年，压缩机保修六年。",
        answer_en="One year on the unit, six on the compressor.",
    )
    customer = new_page()
    sign_in_customer(customer, PHONE, "/portal/contact/")

    # the assistant answers, with a person one click away at the top and under its answer
    customer.check("input[name=contact_type][value=consultation]")
    customer.fill("form[data-form=contact] textarea[name=text]", "空调保修多久？")
    customer.click("button[data-action=start-chat]")
    customer.wait_for_selector("[data-chat]")
    assert "整机保修一年" in customer.inner_text("li[data-sender=bot]")
    assert customer.locator("form[data-form=human] button[data-action=human]").is_visible()
    assert customer.locator("li[data-sender=bot] button[data-action=human-after-bot]").count() == 1

    # typing 人工: in the queue at once, with the position and the estimated wait
    customer.fill("form[data-form=say] textarea[name=text]", "人工")
    customer.click("button[data-action=send]")
    customer.wait_for_selector("[data-waiting] [data-queue-position]")
    assert customer.inner_text("[data-queue-position]") == "1"
    assert customer.inner_text("[data-estimated-wait]").strip()
    first = Contact.objects.get(customer=Customer.objects.get(phone=PHONE))
    assert first.status == ContactStatus.QUEUED

    # the agent signs in to the console and sets themselves available: the chat is theirs
    agent = new_page(phone=False)
    sign_in_staff(agent, "agent", "/console/queue/")
    assert agent.get_attribute("[data-agent-status]", "data-agent-status") == "away"
    waiting = agent.locator(f"[data-queue-entries] tr[data-contact='{first.pk}']")
    assert waiting.get_attribute("data-position") == "1"
    agent.click("button[data-action=status-available]")
    agent.wait_for_selector("[data-agent-status=available]")
    agent.click(f"[data-mine] li[data-contact='{first.pk}'] a[data-action=open-contact]")
    agent.wait_for_selector(f"h1[data-contact='{first.pk}']")
    assert "人工" in agent.inner_text("[data-messages]")
    assert "空调保修多久" in agent.inner_text("[data-messages]")
    agent.fill("form[data-form=reply] textarea[name=text]", "您好，我是客服，请问有什么可以帮您？")
    agent.click("button[data-action=reply]")
    agent.wait_for_selector("li[data-sender=agent]")

    # the customer sees the agent join and the reply without reloading
    customer.wait_for_selector("[data-contact-status=assigned]")
    customer.wait_for_selector("li[data-sender=agent]")
    assert "请问有什么可以帮您" in customer.inner_text("li[data-sender=agent]")

    # the button path: a new chat, one click on "Talk to a person", the agent gets it too
    customer.goto("/portal/contact/")
    customer.check("input[name=contact_type][value=refund]")
    customer.click("button[data-action=start-chat]")
    customer.wait_for_selector("[data-chat]")
    second_pk = int(customer.get_attribute("[data-chat]", "data-chat"))
    customer.click("form[data-form=human] button[data-action=human]")
    customer.wait_for_selector("[data-contact-status=assigned]")
    second = Contact.objects.get(pk=second_pk)
    assert second.status == ContactStatus.ASSIGNED
    assert second.agent is not None and second.agent.user == world.agent
    agent.goto("/console/queue/")
    agent.wait_for_selector(f"[data-mine] li[data-contact='{second_pk}']")  # polled list
    agent.goto(f"/console/contacts/{second_pk}/")
    agent.fill("form[data-form=reply] textarea[name=text]", "退款的问题我来处理。")
    agent.click("button[data-action=reply]")
    customer.wait_for_selector("li[data-sender=agent]")
    assert "退款的问题我来处理" in customer.inner_text("li[data-sender=agent]")

    # the agent closes the first conversation with an outcome
    agent.goto(f"/console/contacts/{first.pk}/")
    agent.fill("form[data-form=close] input[name=outcome]", "已说明保修期")
    agent.click("button[data-action=close]")
    agent.wait_for_url("**/console/queue/")
    first.refresh_from_db()
    assert first.status == ContactStatus.CLOSED and first.outcome == "已说明保修期"


def test_callback_booked_then_missed_is_shown_and_escalated(
    new_page: Any, sign_in_customer: Any, sign_in_staff: Any
) -> None:
    start = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        world = make_world()
        page = new_page()
        sign_in_customer(page, PHONE, "/portal/contact/")
        page.click("a[data-action=callbacks]")
        page.wait_for_selector("form[data-form=callback]")
        page.check("form[data-form=callback] input[name=contact_type][value=downgrade_cancel]")
        assert page.input_value("input[name=phone]") == PHONE
        # only windows within the staffed hours (08:30–18:00) are offered
        offered = page.eval_on_selector_all(
            "select[name=window] option", "options => options.map(o => o.value)"
        )
        assert "2026-11-23T14:00:00+08:00/2026-11-23T15:00:00+08:00" in offered
        assert not any("T03:" in value or "T20:" in value for value in offered)
        page.select_option(
            "select[name=window]", "2026-11-23T14:00:00+08:00/2026-11-23T15:00:00+08:00"
        )
        page.click("button[data-action=book-callback]")
        page.wait_for_selector("[data-confirmation]")
        assert page.inner_text("[data-window-start]") == "2026-11-23 14:00"
        assert page.inner_text("[data-window-end]") == "15:00"
        assert page.get_attribute("[data-callback-status]", "data-callback-status") == "scheduled"
        callback = Callback.objects.get()

        # the window passes without a call; the worker's minute runs
        clock.move_to(datetime(2026, 11, 23, 15, 1, tzinfo=SHANGHAI))
        contact_process_due()
        callback.refresh_from_db()
        assert callback.status == CallbackStatus.MISSED

        page.goto("/portal/contact/callbacks/")
        item = page.locator(f"[data-callbacks] li[data-callback='{callback.pk}']")
        assert item.get_attribute("data-status") == "missed"
        assert item.locator("[data-missed]").is_visible()
        assert "bad" in (item.locator("[data-callback-status]").get_attribute("class") or "")

        # the brand administrator has the escalation in the outbox
        escalation = Message.objects.get(kind="contact.callback_missed", user=world.brand_admin)
        assert f"C{callback.contact_id}" in escalation.body
        admin = new_page(phone=False)
        sign_in_staff(admin, "brand", "/outbox/")
        admin.goto("/outbox/?kind=contact.callback_missed")
        assert f"C{callback.contact_id}" in admin.inner_text("main")

        # the agent's callbacks page lists it as missed, not yet called
        agent = new_page(phone=False)
        sign_in_staff(agent, "agent", "/console/callbacks/")
        missed = agent.locator(f"[data-callbacks=missed] li[data-callback='{callback.pk}']")
        assert missed.count() == 1


def test_complaint_lifecycle_in_the_browser(
    new_page: Any, sign_in_customer: Any, sign_in_staff: Any
) -> None:
    make_world()
    customer = new_page()
    sign_in_customer(customer, PHONE, "/portal/complaints/")
    customer.click("a[data-action=complain]")
    customer.wait_for_selector("form[data-form=complaint]")
    customer.select_option("select[name=category]", "plan_change")
    customer.fill("textarea[name=description]", "申请降级三天没有处理，客服一直劝我不要降级。")
    customer.click("button[data-action=file-complaint]")
    customer.wait_for_selector("[data-complaint] [data-number]")
    complaint = Complaint.objects.get()
    assert customer.inner_text("[data-number]") == complaint.number
    assert customer.locator("[data-current-step] [data-due]").is_visible()

    # the agent acknowledges, investigates and resolves it with an outcome
    agent = new_page(phone=False)
    sign_in_staff(agent, "agent", "/console/complaints/")
    agent.click(f"tr[data-complaint='{complaint.pk}'] a")
    agent.wait_for_selector("[data-steps]")
    agent.fill("[data-step=acknowledged] textarea[name=note]", "已收到，今天处理")
    agent.click("button[data-action=step-acknowledged]")
    agent.wait_for_selector("[data-step=investigating]")
    agent.click("button[data-action=step-investigating]")
    agent.wait_for_selector("[data-status=investigating]")
    agent.click("button[data-action=step-resolved]")  # without an outcome: refused
    agent.wait_for_selector("[data-error]")
    assert Complaint.objects.get().status == ComplaintStatus.INVESTIGATING
    agent.fill(
        "[data-step=resolved] textarea[name=outcome]", "已按申请日降级，并退还多收的 30 元。"
    )
    agent.click("button[data-action=step-resolved]")
    agent.wait_for_selector("[data-status=resolved]")

    # the customer sees the outcome, two answers of equal weight, and rejects
    customer.reload()
    assert "退还多收的 30 元" in customer.inner_text("[data-outcome]")
    accept = customer.locator("button[data-action=accept]")
    reject = customer.locator("button[data-action=reject]")
    look = "e => [e.className, getComputedStyle(e).fontSize, getComputedStyle(e).fontWeight]"
    assert accept.evaluate(look) == reject.evaluate(look)
    reject.click()
    customer.wait_for_selector("[data-status=rejected]")

    # ... and takes it to 12315 (preset), with the record
    assert customer.input_value("form[data-form=escalate] input[name=external_body]") == "12315"
    customer.fill("form[data-form=escalate] input[name=external_reference]", "12315-2026-0001")
    customer.click("form[data-form=escalate] button[data-action=escalate]")
    customer.wait_for_selector("[data-status=escalated]")
    steps = customer.locator("[data-timeline] li").evaluate_all(
        "items => items.map(i => i.dataset.to)"
    )
    assert steps == [
        "received",
        "acknowledged",
        "investigating",
        "resolved",
        "rejected",
        "escalated",
    ]
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ESCALATED
    assert complaint.external_body == "12315" and complaint.external_reference == "12315-2026-0001"
    customer.click("a[data-action=record]")
    customer.wait_for_selector("[data-record]")
    assert complaint.number in customer.inner_text("main")

    # the agent's timeline shows every step too
    agent.reload()
    agent_steps = agent.locator("[data-timeline] li").evaluate_all(
        "items => items.map(i => i.dataset.to)"
    )
    assert agent_steps == steps
