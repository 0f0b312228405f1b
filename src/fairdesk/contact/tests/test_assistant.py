"""What the assistant reads (issue 24, item 25; ``assistant.py``): plan-change, refund and
complaint intents move a conversation to its green-channel type, recorded in it; prices and
fault codes find their answers (a fault code as a token, the most specific answer first)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact import assistant
from fairdesk.contact.choices import AgentStatus, Channel, ContactStatus, ContactType, Sender
from fairdesk.contact.models import Contact, FaqEntry
from fairdesk.contact.selectors import faq_answer, queue_snapshot
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.conversations import (
    contact_request_human,
    contact_say,
    contact_start,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status, queue_dispatch
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我要取消服务计划", ContactType.DOWNGRADE_CANCEL),
        ("怎么关闭自动续费", ContactType.DOWNGRADE_CANCEL),
        ("套餐想降级", ContactType.DOWNGRADE_CANCEL),
        ("退订会员", ContactType.DOWNGRADE_CANCEL),
        ("I want to cancel my subscription", ContactType.DOWNGRADE_CANCEL),
        ("please downgrade me", ContactType.DOWNGRADE_CANCEL),
        ("延保能退款吗", ContactType.REFUND),
        ("钱什么时候退回", ContactType.REFUND),
        ("还没收到退款", ContactType.REFUND),  # 没 is the problem, not a denial
        ("I want my money back", ContactType.REFUND),
        ("我要投诉师傅", ContactType.COMPLAINT),
        ("我要投诉，一直不给退款", ContactType.COMPLAINT),  # a complaint about a refund
        ("打12315", ContactType.COMPLAINT),
        ("I want to complain", ContactType.COMPLAINT),
        # not intents
        ("不想取消套餐，只是问问", None),
        ("我不是要投诉", None),
        ("不用退款", None),
        ("I don't want to cancel my plan", None),
        ("取消预约的上门时间", None),  # a visit, not a plan
        ("升级套餐", None),
        ("空调不制冷", None),
    ],
)
def test_intents(text: str, intent: str | None) -> None:
    assert assistant.intent_in(text) == intent


def test_typing_cancel_my_plan_in_a_consultation_chat_makes_it_green(
    customer: Customer, clock: Clock
) -> None:
    contact = contact_start(
        customer=customer, contact_type=ContactType.CONSULTATION, channel=Channel.WEB_CHAT
    )
    contact_say(contact=contact, text="我要取消服务计划")
    contact.refresh_from_db()
    assert contact.contact_type == ContactType.DOWNGRADE_CANCEL
    assert contact.status == ContactStatus.BOT  # the assistant still answers; a person is a click
    note = contact.messages.filter(sender=Sender.SYSTEM).get()
    assert "取消或降级套餐" in note.text or "cancelling or downgrading a plan" in note.text
    contact_request_human(contact=contact)
    (entry,) = queue_snapshot().entries
    assert entry.queue_class == "green"
    # a second intent changes nothing: it is green already
    contact_say(contact=contact, text="我还要投诉")
    contact.refresh_from_db()
    assert contact.contact_type == ContactType.DOWNGRADE_CANCEL
    assert contact.messages.filter(sender=Sender.SYSTEM).count() == 2  # + the queue's note


def test_an_intent_while_waiting_moves_the_contact_up_by_the_published_rule(
    customer: Customer, other: Customer, clock: Clock
) -> None:
    first = contact_start(
        customer=other, contact_type=ContactType.BUY_UPGRADE, channel=Channel.WEB_CHAT, text="人工"
    )
    clock.move_to(T0 + timedelta(minutes=5))
    mine = contact_start(
        customer=customer,
        contact_type=ContactType.CONSULTATION,
        channel=Channel.WEB_CHAT,
        text="人工",
    )
    assert [e.contact_id for e in queue_snapshot().entries] == [first.pk, mine.pk]
    contact_say(contact=mine, text="其实是想退款")
    assert [e.contact_id for e in queue_snapshot().entries] == [mine.pk, first.pk]
    assert Contact.objects.get(pk=mine.pk).contact_type == ContactType.REFUND


def test_with_an_agent_the_agent_decides_the_type(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    contact = contact_start(
        customer=customer, contact_type=ContactType.REPAIR, channel=Channel.WEB_CHAT, text="人工"
    )
    queue_dispatch()
    assert Contact.objects.get(pk=contact.pk).status == ContactStatus.ASSIGNED
    contact_say(contact=contact, text="我要投诉")
    assert Contact.objects.get(pk=contact.pk).contact_type == ContactType.REPAIR


def test_first_words_and_a_callback_note_count_too(customer: Customer, clock: Clock) -> None:
    chat = contact_start(
        customer=customer,
        contact_type=ContactType.CONSULTATION,
        channel=Channel.WEB_CHAT,
        text="I want to cancel my plan",
    )
    assert Contact.objects.get(pk=chat.pk).contact_type == ContactType.DOWNGRADE_CANCEL
    callback = callback_request(
        customer=customer,
        phone=customer.phone,
        window_start=T0 + timedelta(hours=1),
        window_end=T0 + timedelta(hours=2),
        contact_type=ContactType.REPAIR,
        text="修了三次还坏，我要投诉",
    )
    assert Contact.objects.get(pk=callback.contact_id).contact_type == ContactType.COMPLAINT


# --- automatic answers ----------------------------------------------------------------------


def test_fault_codes_are_tokens() -> None:
    assert assistant.fault_codes("空调显示E1，热水器 f-0，还有E10、AE1") == {"e1", "f0", "e10"}


def test_the_most_specific_answer_wins() -> None:
    entries = [
        ("报修,故障,坏了", "repair"),
        ("E1", "code E1"),
        ("上门费,上门+多少钱", "visit fee"),
        ("配件,配件价格", "parts"),
        ("多少钱", "prices"),
    ]
    cases = {
        "空调显示E1故障": "code E1",  # a fault code beats a longer plain word
        "显示E10": None,
        "上门费多少钱": "visit fee",
        "请问上门多少钱": "visit fee",  # both words: 上门 + 多少钱
        "配件价格": "parts",
        "配件多少钱": "prices",  # the longer keyword
        "上门配件": "parts",  # 上门 alone is no keyword; 配件 is
        "空调坏了": "repair",
        "天气": None,
    }
    for text, expected in cases.items():
        assert assistant.best_answer(text, entries) == expected, text


def test_faq_answer_reads_the_active_entries(db: None) -> None:
    FaqEntry.objects.create(keywords="E4", answer="排气高温", answer_en="discharge")
    FaqEntry.objects.create(keywords="E4", answer="旧的", answer_en="old", active=False)
    assert faq_answer("空调E4了", "zh-hans") == "排气高温"
    assert faq_answer("e4", "en") == "discharge"
    assert faq_answer("E40", "zh-hans") is None
