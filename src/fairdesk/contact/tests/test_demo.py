"""The contact centre's demo (``demo.py``): seeded twice, the same data; the automatic answers in
both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintStatus,
    ContactStatus,
    ContactType,
)
from fairdesk.contact.models import (
    AgentProfile,
    Assignment,
    Callback,
    Complaint,
    ComplaintEvent,
    Contact,
    ContactMessage,
    FaqEntry,
)
from fairdesk.contact.tests.conftest import SHANGHAI, T0

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _seed_everything() -> str:
    from fairdesk.contact.demo import seed_contact_demo
    from fairdesk.customers.demo import seed_customers_demo
    from fairdesk.plans.demo import seed_plans_demo
    from fairdesk.service_requests.demo import seed_service_requests_demo
    from fairdesk.site.management.commands.seed_demo import Command

    command = Command()
    command.seed_users()
    seed_customers_demo()
    seed_service_requests_demo()
    seed_plans_demo()
    return seed_contact_demo()


def _state() -> tuple[Any, ...]:
    from fairdesk.notifications.models import Message

    return (
        sorted(FaqEntry.objects.values_list("keywords", "answer", "answer_en", "active")),
        sorted(
            AgentProfile.objects.values_list(
                "user__username", "status", "product_lines", "languages", "max_concurrent"
            )
        ),
        sorted(
            Contact.objects.values_list(
                "subject", "contact_type", "channel", "status", "agent__user__username"
            )
        ),
        sorted(Callback.objects.values_list("contact__subject", "status", "escalation_level")),
        sorted(Complaint.objects.values_list("number", "category", "green", "status", "due_at")),
        ContactMessage.objects.count(),
        Assignment.objects.count(),
        ComplaintEvent.objects.count(),
        Message.objects.count(),
    )


def test_the_demo_seeds_varied_states_twice_the_same(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(T0, tick=False):
        first = _seed_everything()
        assert "10 new" in first
        state = _state()

        # agents: the demo login is available in both languages, the second one is away
        agents = {p.user.username: p for p in AgentProfile.objects.select_related("user")}
        assert set(agents) == {"agent", "agent2"}
        assert agents["agent"].status == AgentStatus.AVAILABLE
        assert set(agents["agent"].languages) == {"zh-hans", "en"}
        assert agents["agent2"].status == AgentStatus.AWAY
        assert agents["agent2"].product_lines == ["air_conditioner", "water_heater"]

        # contacts in every state, through the services
        contacts = Contact.objects.all()
        by_status = {s: contacts.filter(status=s).count() for s in ContactStatus.values}
        assert by_status[ContactStatus.ASSIGNED] == 2
        assert by_status[ContactStatus.CLOSED] == 2
        waiting = contacts.get(status=ContactStatus.QUEUED, channel=Channel.WEB_CHAT)
        assert waiting.language == "en"
        assert waiting.queued_at is not None and waiting.queued_at <= T0
        green = contacts.get(contact_type=ContactType.DOWNGRADE_CANCEL)
        assert green.status == ContactStatus.ASSIGNED and green.agent == agents["agent"]
        reason = green.assignments.get().reason
        assert reason["class"] == "green" and reason["head_start_minutes"] == 30
        # the assistant answered the downgrade question with the same-steps answer first
        bot = green.messages.filter(sender="bot").first()
        assert bot is not None and "/portal/plans/" in bot.text
        assert contacts.get(agent=agents["agent2"]).status == ContactStatus.CLOSED

        # callbacks: one booked for later (not yet in the queue), one missed and escalated
        missed = Callback.objects.get(status=CallbackStatus.MISSED)
        assert missed.escalation_level == 2 and missed.window_end < T0
        assert missed.contact.status == ContactStatus.QUEUED  # still owed: first in the queue
        later = Callback.objects.get(status=CallbackStatus.SCHEDULED)
        assert later.window_start > T0
        assert later.window_start.astimezone(SHANGHAI).date() == T0.date()  # T0 is 10:00
        from fairdesk.notifications.models import Message

        assert Message.objects.filter(kind="contact.callback_missed", channel="sms").count() == 1

        # complaints in three states, two green and linked to the demo's records
        complaints = {c.status: c for c in Complaint.objects.all()}
        assert set(complaints) == {
            ComplaintStatus.RECEIVED,
            ComplaintStatus.INVESTIGATING,
            ComplaintStatus.RESOLVED,
        }
        received = complaints[ComplaintStatus.RECEIVED]
        assert received.green and received.subscription is not None
        assert received.subscription.plan.code == "cloud-90"
        assert received.due_at is not None and received.due_at > T0
        investigating = complaints[ComplaintStatus.INVESTIGATING].service_request
        assert investigating is not None and investigating.kind == "repair"
        resolved = complaints[ComplaintStatus.RESOLVED]
        assert resolved.green and resolved.subscription is not None
        assert resolved.subscription.plan.code == "ac-care-standard"
        assert resolved.outcome and resolved.due_at is not None
        assert resolved.due_at > T0 + timedelta(days=10)
        assert [e.to_status for e in resolved.events.all()] == [
            "received",
            "acknowledged",
            "investigating",
            "resolved",
        ]
        # nothing is overdue: the worker's minute has nothing to assign or escalate
        from fairdesk.contact.services.due import contact_process_due

        assert contact_process_due() == {"assigned": 0, "callbacks": 0, "complaints": 0}

        second = _seed_everything()
        assert "0 new" in second
        assert _state() == state


def test_the_faq_answers_exist_in_both_languages() -> None:
    from fairdesk.contact.demo import FAQ, seed_contact_demo
    from fairdesk.contact.selectors import faq_answer

    seed_contact_demo()
    entries = list(FaqEntry.objects.filter(active=True))
    assert len(entries) == len(FAQ) == 13
    for entry in entries:
        assert entry.answer.strip() and entry.answer_en.strip(), entry.keywords
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.answer), entry.keywords
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in entry.answer_en), entry.keywords
    # the common questions, asked either way, get an answer in the language asked
    for text, language, expected in [
        ("空调保修多久", "zh-hans", "6年"),
        ("how long is the warranty", "en", "6 years"),
        ("怎么报修", "zh-hans", "/portal/book/"),
        ("I want to downgrade my plan", "en", "same steps as upgrading"),
        ("怎么取消套餐", "zh-hans", "步骤完全相同"),
        ("退款多久到账", "zh-hans", "7天"),
        ("what are your opening hours", "en", "Agents answer every day 08:30–18:00"),
        ("空调清洗", "zh-hans", "保养或清洗"),
        # issue 24, item 25: prices and fault codes found, the most specific answer first
        ("上门费多少钱", "zh-hans", "上门检测费50元"),
        ("师傅上门要收费吗", "zh-hans", "上门检测费50元"),
        ("how much is a repair visit", "en", "CNY 50"),
        ("配件价格", "zh-hans", "原厂配件"),
        ("换个配件多少钱", "zh-hans", "原厂配件"),
        ("空调显示E1故障", "zh-hans", "E1：系统高压保护"),
        ("e4", "en", "E4 on an air conditioner"),
        ("屏幕上是F0", "zh-hans", "F0：冷媒不足"),
        ("H6 error", "en", "H6 on an air conditioner"),
        ("显示故障代码E10", "zh-hans", "常见故障代码"),  # E10 is not E1
        ("怎么取消回电", "zh-hans", "预约后可随时改约或取消"),  # a callback, not a plan
    ]:
        answer = faq_answer(text, language)
        assert answer is not None and expected in answer, (text, answer)
    # cancel and downgrade: the same steps as an upgrade, with the link, in both languages
    cancel = FaqEntry.objects.get(keywords__contains="降级")
    assert "/portal/plans/" in cancel.answer and "/portal/plans/" in cancel.answer_en
    assert "与升级" in cancel.answer and "same steps as upgrading" in cancel.answer_en
    # the agents' hours are the staffed hours: no "24 hours a day" for people
    hours = faq_answer("几点上班", "zh-hans")
    assert hours is not None and "人工客服每天08:30–18:00" in hours and "值守" not in hours
    # seeding again adds nothing
    seed_contact_demo()
    assert FaqEntry.objects.count() == len(FAQ)
