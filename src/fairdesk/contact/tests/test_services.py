"""Conversations, the queue, callbacks and complaints through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.contact.models import Assignment, Contact, FaqEntry
from fairdesk.contact.services.callbacks import (
    callback_done,
    callback_request,
    callbacks_escalate_due,
)
from fairdesk.contact.services.complaints import (
    complaint_file,
    complaint_transition,
    complaints_escalate_due,
)
from fairdesk.contact.services.conversations import (
    contact_close,
    contact_request_human,
    contact_say,
    contact_start,
    wants_human,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status, queue_dispatch
from fairdesk.contact.tests.conftest import T0
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("text", ["人工", "转人工", " 客服！", "Agent", "human", "我要转人工服务"])
def test_transfer_words(text):
    assert wants_human(text)


@pytest.mark.parametrize("text", ["空调不制冷", "人工智能是什么产品", "agenda"])
def test_not_transfer_words(text):
    assert not wants_human(text)


def test_bot_answers_then_typing_rengong_transfers_at_once(customer, staff, clock):
    FaqEntry.objects.create(
        keywords="保修,warranty", answer="整机保修一年。", answer_en="One year."
    )
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    contact = contact_start(
        customer=customer,
        contact_type=ContactType.CONSULTATION,
        channel=Channel.WEB_CHAT,
        text="保修多久",
    )
    assert contact.status == ContactStatus.BOT
    assert contact.messages.filter(sender=Sender.BOT).last().text == "整机保修一年。"
    contact_say(contact=contact, text="人工")
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED and contact.agent.user == agent
    assignment = Assignment.objects.get(contact=contact)
    assert assignment.reason["class"] == "standard"


def test_talk_to_a_person_button_is_one_step(customer, clock):
    contact = contact_start(
        customer=customer, contact_type=ContactType.REFUND, channel=Channel.WEB_CHAT
    )
    contact_request_human(contact=contact)
    contact.refresh_from_db()
    assert contact.status == ContactStatus.QUEUED and contact.queued_at == T0


def test_hazard_goes_to_the_front(customer, staff, clock):
    sale = contact_start(
        customer=customer,
        contact_type=ContactType.BUY_UPGRADE,
        channel=Channel.WEB_CHAT,
        text="人工",
    )
    clock.move_to(T0 + timedelta(minutes=1))
    gas = contact_start(
        customer=customer,
        contact_type=ContactType.REPAIR,
        channel=Channel.WEB_CHAT,
        text="热水器有燃气味",
    )
    assert gas.safety_hazard and Contact.objects.get(pk=gas.pk).status == ContactStatus.QUEUED
    agent = staff("agent1")
    agent_profile_ensure(user=agent, max_concurrent=1)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    assert Contact.objects.get(pk=gas.pk).status == ContactStatus.ASSIGNED
    assert Contact.objects.get(pk=sale.pk).status == ContactStatus.QUEUED
    contact_close(contact=gas, agent_user=agent, outcome="advised, technician booked")
    assert Contact.objects.get(pk=sale.pk).status == ContactStatus.ASSIGNED


def test_idle_longest_agent_gets_the_contact(customer, staff, clock):
    first, second = staff("a1"), staff("a2")
    for user in (first, second):
        agent_profile_ensure(user=user)
    agent_set_status(agent_user=second, status=AgentStatus.AVAILABLE)
    clock.move_to(T0 + timedelta(minutes=5))
    agent_set_status(agent_user=first, status=AgentStatus.AVAILABLE)
    contact = contact_start(
        customer=customer,
        contact_type=ContactType.COMPLAINT,
        channel=Channel.WEB_CHAT,
        text="转人工",
    )
    contact.refresh_from_db()
    assert contact.agent.user == second


def test_callback_missed_escalates_once_and_is_counted(customer, staff, clock):
    admin = staff("boss", roles.BRAND_ADMIN)
    cb = callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.DOWNGRADE_CANCEL,
    )
    assert Message.objects.filter(kind="contact.callback", channel="sms").count() == 1
    queue_dispatch()
    assert Contact.objects.get(pk=cb.contact_id).status == ContactStatus.QUEUED  # not yet open
    clock.move_to(T0 + timedelta(hours=2, minutes=1))
    assert callbacks_escalate_due() == 1
    assert callbacks_escalate_due() == 0
    cb.refresh_from_db()
    assert cb.status == CallbackStatus.MISSED and cb.escalation_level == 1
    assert Message.objects.filter(user=admin, kind="contact.callback_missed").count() == 1
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    callback_done(callback=cb, agent_user=agent)
    cb.refresh_from_db()
    assert cb.status == CallbackStatus.MISSED and cb.done_at is not None  # late still counts
    clock.move_to(T0 + timedelta(hours=7))
    assert callbacks_escalate_due() == 0


def test_callback_window_must_be_sane(customer, clock):
    with pytest.raises(DomainError) as err:
        callback_request(
            customer=customer,
            phone="13800000002",
            window_start=T0 + timedelta(hours=1),
            window_end=T0 + timedelta(hours=1, minutes=5),
            contact_type=ContactType.REFUND,
        )
    assert err.value.code == "invalid_window"
    assert not Contact.objects.exists()


def test_complaint_lifecycle(customer, staff, clock):
    agent = staff("agent1")
    complaint = complaint_file(customer=customer, category="refund", description="退款迟迟未到账")
    assert complaint.green and complaint.due_at == T0 + timedelta(hours=24)
    with pytest.raises(DomainError):
        complaint_transition(
            complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=customer.user
        )
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.INVESTIGATING, actor=agent)
    complaint.refresh_from_db()
    assert complaint.due_at == T0 + timedelta(days=3) and complaint.owner == agent  # green: 3 days
    with pytest.raises(DomainError) as err:
        complaint_transition(complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent)
    assert err.value.code == "outcome_required"
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent, outcome="已退款"
    )
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.REJECTED, actor=customer.user
    )
    complaint_transition(
        complaint=complaint,
        to_status=ComplaintStatus.ESCALATED,
        actor=customer.user,
        external_body="12315",
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ESCALATED and complaint.closed_at is not None
    assert [e.to_status for e in complaint.events.all()] == [
        "received",
        "acknowledged",
        "investigating",
        "resolved",
        "rejected",
        "escalated",
    ]


def test_late_complaint_escalates_and_customer_may_go_outside(customer, staff, clock):
    staff("boss", roles.BRAND_ADMIN)
    complaint = complaint_file(
        customer=customer, category="service_quality", description="师傅迟到"
    )
    clock.move_to(T0 + timedelta(hours=25))
    assert complaints_escalate_due() == 1 and complaints_escalate_due() == 0
    complaint_transition(
        complaint=complaint,
        to_status=ComplaintStatus.ESCALATED,
        actor=customer.user,
        external_body="12315",
    )


@pytest.mark.parametrize(
    "text", ["我要人工", "找人工", "人工服务", "真人客服", "I want a human", "agent please"]
)
def test_more_ways_to_ask_for_a_person(text):
    assert wants_human(text)


@pytest.mark.parametrize(
    "text,hazard",
    [
        ("燃气热水器不出热水", False),
        ("买个燃气灶", False),
        ("I use Firefox", False),
        ("sparkling water dispenser", False),
        ("闻到燃气味", True),
        ("插座冒烟了", True),
        ("the outlet is sparking", True),
        ("I smell gas", True),
    ],
)
def test_hazard_words_mean_danger_not_the_fuel(text, hazard):
    from fairdesk.contact.ordering import looks_hazardous

    assert looks_hazardous(text) is hazard


def test_only_agents_and_brand_admins_handle_complaints(customer, staff, clock):
    auditor = staff("audit", roles.AUDITOR)
    complaint = complaint_file(customer=customer, category="refund", description="退款未到账")
    with pytest.raises(DomainError) as err:
        complaint_transition(
            complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=auditor
        )
    assert err.value.code == "forbidden"


def test_investigating_keeps_the_resolution_promise(customer, staff, clock):
    agent = staff("agent1")
    complaint = complaint_file(
        customer=customer, category="service_quality", description="师傅迟到"
    )
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint.refresh_from_db()
    promised = complaint.due_at
    clock.move_to(T0 + timedelta(days=5))
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.INVESTIGATING, actor=agent)
    complaint.refresh_from_db()
    assert complaint.due_at == promised


def test_a_worker_that_was_down_still_apologises(customer, staff, clock):
    staff("boss", roles.BRAND_ADMIN)
    callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.REFUND,
    )
    clock.move_to(T0 + timedelta(hours=9))  # straight to level 2
    assert callbacks_escalate_due() == 1
    assert Message.objects.filter(kind="contact.callback_missed", channel="sms").count() == 1


def test_a_rejection_puts_the_brand_on_the_clock_again(customer, staff, clock):
    agent = staff("agent1")
    complaint = complaint_file(customer=customer, category="refund", description="退款未到账")
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent, outcome="已退款"
    )
    clock.move_to(T0 + timedelta(days=1))
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.REJECTED, actor=customer.user
    )
    complaint.refresh_from_db()
    assert complaint.due_at == T0 + timedelta(days=4)  # green: 3 days to answer the rejection
    clock.move_to(T0 + timedelta(days=4, minutes=1))
    assert complaints_escalate_due() == 1
