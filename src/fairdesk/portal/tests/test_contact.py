"""Contact us, the web chat, callbacks and complaints in the portal, with Django's test client:
access (a customer reaches only their own), "talk to a person" in one step from every screen and
under every assistant turn, typing 人工, the queue position, callbacks with their window and a
missed one shown plainly, complaints from filing to 12315, and bad input changing nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    ComplaintStatus,
    ContactStatus,
    Sender,
)
from fairdesk.contact.models import Callback, Complaint, ComplaintEvent, Contact, FaqEntry
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.services.conversations import contact_reply, contact_say, contact_start
from fairdesk.contact.services.due import contact_process_due
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.portal.tests.fixtures import World, file_repair

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def as_user(user: Any, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def zh(message: str, **params: Any) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


def faq() -> None:
    FaqEntry.objects.create(
        keywords="保修,warranty",
        answer="整机保修一年，压缩机保修六年。",
        answer_en="One year on the unit, six on the compressor.",
    )


def chat_of(world: World, text: str = "", **kw: Any) -> Contact:
    return contact_start(
        contact_type=kw.pop("contact_type", "consultation"),
        channel="web_chat",
        customer=kw.pop("customer", world.customer),
        text=text,
        **kw,
    )


def human_buttons(page: str) -> list[str]:
    """The "talk to a person" forms on a page (their data-form names)."""
    return re.findall(r'data-form="(human[^"]*)"', page)


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("portal:contact", []),
        ("portal:chat", [1]),
        ("portal:callbacks", []),
        ("portal:complaints", []),
        ("portal:complaint_new", []),
        ("portal:complaint", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, world: World, name: str, args: list[Any]
) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_get_the_portal_403(world: World) -> None:
    for user in (world.agent, world.brand_admin):
        assert as_user(user).get(reverse("portal:contact")).status_code == 403
        assert as_user(user).get(reverse("portal:complaints")).status_code == 403


def test_nav_offers_contact_us_and_my_complaints(world: World) -> None:
    page = html(as_user(world.customer.user).get(reverse("portal:home")))
    assert 'data-nav="contact"' in page and 'data-nav="complaints"' in page
    assert zh("Contact us") in page and zh("My complaints") in page


def test_a_conversation_of_someone_else_is_not_found_and_not_touched(world: World) -> None:
    theirs = chat_of(world, "你好", customer=world.other_customer)
    before = theirs.messages.count()
    me = as_user(world.customer.user)
    assert me.get(reverse("portal:chat", args=[theirs.pk])).status_code == 404
    assert me.get(reverse("portal:chat_messages", args=[theirs.pk])).status_code == 404
    assert (
        me.post(reverse("portal:chat_say", args=[theirs.pk]), {"text": "人工"}).status_code == 404
    )
    assert me.post(reverse("portal:chat_human", args=[theirs.pk])).status_code == 404
    assert me.post(reverse("portal:chat_close", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ContactStatus.BOT and theirs.messages.count() == before


# --- contact us and the chat -------------------------------------------------------------------


def test_contact_page_offers_every_type_and_a_person_at_once(world: World) -> None:
    page = html(as_user(world.customer.user).get(reverse("portal:contact")))
    for value in (
        "buy_upgrade",
        "downgrade_cancel",
        "refund",
        "complaint",
        "repair",
        "consultation",
    ):
        assert f'value="{value}"' in page
    assert 'data-action="human"' in page  # a person, straight from the start page
    assert reverse("portal:callbacks") in page and reverse("portal:complaint_new") in page


def test_ask_the_assistant_get_an_answer_with_a_person_under_it(world: World) -> None:
    faq()
    me = as_user(world.customer.user)
    response = me.post(
        reverse("portal:contact"), {"contact_type": "consultation", "text": "空调保修多久？"}
    )
    contact = Contact.objects.get(customer=world.customer)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:chat", args=[contact.pk])
    page = html(me.get(response["Location"]))
    assert "整机保修一年" in page
    assert contact.status == ContactStatus.BOT and contact.channel == "web_chat"
    # one button at the top of the chat, one under the assistant's answer
    assert human_buttons(page) == ["human", "human-after-bot"]
    assert 'hx-trigger="every 3s"' in page


def test_every_assistant_turn_has_the_button(world: World) -> None:
    contact = chat_of(world, "你好")  # not understood: an assistant turn
    contact_say(contact=contact, text="还是不明白")
    bot_turns = contact.messages.filter(sender=Sender.BOT).count()
    assert bot_turns == 2
    page = html(as_user(world.customer.user).get(reverse("portal:chat", args=[contact.pk])))
    assert human_buttons(page).count("human-after-bot") == bot_turns
    assert human_buttons(page)[0] == "human"


def test_typing_rengong_transfers_at_once_and_shows_the_place_in_the_queue(world: World) -> None:
    faq()
    contact = chat_of(world, "保修多久")
    me = as_user(world.customer.user)
    response = me.post(reverse("portal:chat_say", args=[contact.pk]), {"text": "人工"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.QUEUED and contact.queued_at is not None
    page = html(me.get(reverse("portal:chat", args=[contact.pk])))
    assert "data-queue-position>1<" in page
    assert "data-estimated-wait" in page
    assert "data-no-agent" in page  # nobody available: said plainly, the place is kept
    fragment = me.get(reverse("portal:chat_messages", args=[contact.pk]))
    assert fragment.status_code == 200 and "data-queue-position>1<" in html(fragment)
    assert "<html" not in html(fragment)  # a fragment, for polling


def test_the_button_puts_the_chat_in_the_queue_in_one_step(world: World) -> None:
    contact = chat_of(world, "你好")
    me = as_user(world.customer.user)
    response = me.post(reverse("portal:chat_human", args=[contact.pk]))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.QUEUED
    # pressing it again changes nothing and says so
    me.post(reverse("portal:chat_human", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.status == ContactStatus.QUEUED
    assert contact.messages.filter(sender=Sender.SYSTEM).count() == 1


def test_the_start_page_button_goes_straight_to_the_queue(world: World) -> None:
    me = as_user(world.customer.user)
    response = me.post(
        reverse("portal:contact"), {"contact_type": "downgrade_cancel", "text": "", "human": "1"}
    )
    contact = Contact.objects.get(customer=world.customer)
    assert response["Location"] == reverse("portal:chat", args=[contact.pk])
    assert contact.status == ContactStatus.QUEUED and contact.contact_type == "downgrade_cancel"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_available_agent_answers_and_the_customer_sees_the_reply(world: World) -> None:
    agent_profile_ensure(user=world.agent)
    agent_set_status(agent_user=world.agent, status=AgentStatus.AVAILABLE)
    contact = chat_of(world, "你好")
    me = as_user(world.customer.user)
    me.post(reverse("portal:chat_say", args=[contact.pk]), {"text": "agent"})
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED
    assert contact.agent is not None and contact.agent.user == world.agent
    contact_reply(contact=contact, agent_user=world.agent, text="您好，我是客服小王。")
    fragment = html(me.get(reverse("portal:chat_messages", args=[contact.pk])))
    assert "您好，我是客服小王。" in fragment and 'data-sender="agent"' in fragment
    assert 'data-contact-status="assigned"' in fragment


def test_empty_message_and_unknown_type_change_nothing(world: World) -> None:
    me = as_user(world.customer.user)
    response = me.post(reverse("portal:contact"), {"contact_type": "vip", "text": "hi"})
    assert response.status_code == 422 and not Contact.objects.exists()
    contact = chat_of(world, "你好")
    count = contact.messages.count()
    response = me.post(reverse("portal:chat_say", args=[contact.pk]), {"text": "   "})
    assert response.status_code == 422
    assert zh("Write a message first.") in html(response)
    assert contact.messages.count() == count


def test_closed_chat_stops_polling_refuses_messages_and_the_button_opens_a_new_one(
    world: World,
) -> None:
    contact = chat_of(world, "你好", contact_type="refund")
    me = as_user(world.customer.user)
    assert me.post(reverse("portal:chat_close", args=[contact.pk])).status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.CLOSED
    assert me.get(reverse("portal:chat_messages", args=[contact.pk])).status_code == 286
    page = html(me.get(reverse("portal:chat", args=[contact.pk])))
    assert "hx-trigger" not in page and "data-closed" in page
    assert human_buttons(page)[0] == "human"  # still one click away
    response = me.post(reverse("portal:chat_say", args=[contact.pk]), {"text": "在吗"})
    assert response.status_code == 409
    assert zh("This conversation is closed; start a new one.") in html(response)
    response = me.post(reverse("portal:chat_human", args=[contact.pk]))
    new = Contact.objects.exclude(pk=contact.pk).get()
    assert response["Location"] == reverse("portal:chat", args=[new.pk])
    assert new.status == ContactStatus.QUEUED and new.contact_type == "refund"


def test_english_chat(world: World) -> None:
    faq()
    me = as_user(world.customer.user, "en")
    me.post(reverse("portal:contact"), {"contact_type": "consultation", "text": "warranty?"})
    contact = Contact.objects.get()
    page = html(me.get(reverse("portal:chat", args=[contact.pk])))
    assert contact.language == "en" and "six on the compressor" in page
    assert "Talk to a person" in page


# --- callbacks ---------------------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def window(start: str, end: str, day: str = "2026-11-23") -> str:
    """An offered window's value: "14:00", "15:00" → its start and end with their offset."""
    return f"{day}T{start}:00+08:00/{day}T{end}:00+08:00"


def booking(**overrides: Any) -> dict[str, Any]:
    data = {
        "contact_type": "downgrade_cancel",
        "phone": "13800138000",
        "window": window("14:00", "15:00"),
        "text": "想取消云存储",
    }
    data.update(overrides)
    return data


def test_book_a_callback_see_the_window_then_missed_plainly(world: World) -> None:
    me = as_user(world.customer.user)
    with time_machine.travel(T0, tick=False) as clock:
        response = me.post(reverse("portal:callbacks"), booking())
        callback = Callback.objects.get()
        assert response["Location"] == reverse("portal:callback", args=[callback.pk])
        assert timezone.localtime(callback.window_start).strftime("%H:%M") == "14:00"
        assert callback.window_end - callback.window_start == timedelta(hours=1)
        page = html(me.get(response["Location"]))
        assert "2026-11-23 14:00" in page and "15:00" in page
        assert 'data-callback-status="scheduled"' in page
        listing = html(me.get(reverse("portal:callbacks")))
        assert f'data-callback="{callback.pk}" data-status="scheduled"' in listing

        # the window ends without a call: missed at once (the clock, not the worker, decides)
        clock.move_to(datetime(2026, 11, 23, 15, 1, tzinfo=SHANGHAI))
        listing = html(me.get(reverse("portal:callbacks")))
        assert f'data-callback="{callback.pk}" data-status="missed"' in listing
        assert "data-missed" in listing
        contact_process_due()
        callback.refresh_from_db()
        assert callback.status == CallbackStatus.MISSED
        page = html(me.get(reverse("portal:callback", args=[callback.pk])))
        assert 'data-callback-status="missed"' in page and "data-missed" in page
        assert "data-change-callback" not in page  # too late to move or cancel


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"window": "14:00-15:00"}, "Choose one of the windows offered."),
        ({"window": ""}, "Choose a window."),
        ({"window": window("14:00", "14:10")}, None),  # shorter than 15 minutes: the service
        ({"window": window("14:00", "15:00", "2026-11-22")}, None),  # in the past
        (
            {"window": window("14:00", "15:00", "2026-12-23")},
            "Callbacks can be booked up to 7 days ahead.",
        ),
        ({"phone": "12345"}, "Enter a valid mobile number."),
        ({"contact_type": "vip"}, None),
    ],
)
def test_bad_callback_is_explained_and_books_nothing(
    world: World, overrides: dict[str, str], message: str | None
) -> None:
    me = as_user(world.customer.user)
    with time_machine.travel(T0, tick=False):
        response = me.post(reverse("portal:callbacks"), booking(**overrides))
    assert response.status_code == 422
    assert not Callback.objects.exists() and not Contact.objects.exists()
    if message:
        assert zh(message) in html(response)


def test_callback_form_offers_windows_within_staffed_hours_only(world: World) -> None:
    """Issue 24, item 19: a callback at 03:00 was accepted while the centre works 08:30–18:00."""
    me = as_user(world.customer.user)
    with time_machine.travel(T0, tick=False):
        page = html(me.get(reverse("portal:callbacks")))
        offered = re.findall(r'<option value="([^"]+/[^"]+)"', page)
        assert offered[0] == window("10:00", "11:00")  # T0 is 10:00: the next window
        assert window("14:00", "15:00") in offered
        assert window("17:00", "18:00") in offered
        assert window("17:30", "18:30") not in offered and window("08:00", "09:00") not in offered
        assert window("08:30", "09:30", "2026-11-30") in offered  # 7 days ahead
        assert not any("T03:" in value or "T19:" in value for value in offered)
        hours = re.search(r"<p class=\"muted\" data-hours>(.*?)</p>", page)
        assert hours is not None and "我们的回电时间为 08:30–18:00（北京时间）" in hours[1]
        # a window outside the hours, posted anyway: refused, saying the hours
        response = me.post(reverse("portal:callbacks"), booking(window=window("03:00", "04:00")))
    assert response.status_code == 422
    assert "08:30–18:00" in html(response)
    assert not Callback.objects.exists() and not Contact.objects.exists()


def test_callback_cancelled_leaves_the_queue_and_is_never_missed(world: World) -> None:
    me = as_user(world.customer.user)
    with time_machine.travel(T0, tick=False) as clock:
        me.post(reverse("portal:callbacks"), booking())
        callback = Callback.objects.get()
        page = html(me.get(reverse("portal:callback", args=[callback.pk])))
        assert "data-change-callback" in page and 'data-action="cancel-callback"' in page
        response = me.post(reverse("portal:callback_cancel", args=[callback.pk]))
        assert response.status_code == 302
        callback.refresh_from_db()
        assert callback.status == CallbackStatus.CANCELLED and callback.cancelled_at == T0
        assert callback.contact.status == ContactStatus.CLOSED
        page = html(me.get(reverse("portal:callback", args=[callback.pk])))
        assert 'data-callback-status="cancelled"' in page and "data-change-callback" not in page
        # a second cancel is explained, changes nothing
        again = me.post(reverse("portal:callback_cancel", args=[callback.pk]))
        assert again.status_code == 409 and zh("This callback was cancelled.") in html(again)
        clock.move_to(datetime(2026, 11, 23, 16, 0, tzinfo=SHANGHAI))
        assert contact_process_due()["callbacks"] == 0  # never missed, never escalated
        listing = html(me.get(reverse("portal:callbacks")))
        assert f'data-callback="{callback.pk}" data-status="cancelled"' in listing


def test_callback_moved_to_another_offered_window(world: World) -> None:
    me = as_user(world.customer.user)
    with time_machine.travel(T0, tick=False):
        me.post(reverse("portal:callbacks"), booking())
        callback = Callback.objects.get()
        moved = window("08:30", "09:30", "2026-11-24")
        response = me.post(reverse("portal:callback_move", args=[callback.pk]), {"window": moved})
        assert response.status_code == 302
        callback.refresh_from_db()
        start = datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)
        assert callback.window_start == start and callback.contact.queued_at == start
        # outside the hours: refused, saying them, unchanged
        late = me.post(
            reverse("portal:callback_move", args=[callback.pk]),
            {"window": window("20:00", "21:00")},
        )
        assert late.status_code == 422 and "08:30–18:00" in html(late)
        callback.refresh_from_db()
        assert callback.window_start == start


def test_a_callback_of_someone_else_is_not_found(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        theirs = callback_request(
            customer=world.other_customer,
            phone=world.other_customer.phone,
            window_start=T0 + timedelta(hours=1),
            window_end=T0 + timedelta(hours=2),
            contact_type="repair",
        )
    me = as_user(world.customer.user)
    assert me.get(reverse("portal:callback", args=[theirs.pk])).status_code == 404
    assert f'data-callback="{theirs.pk}"' not in html(me.get(reverse("portal:callbacks")))


# --- complaints --------------------------------------------------------------------------------


def file_complaint(world: World, **kw: Any) -> Complaint:
    return complaint_file(
        customer=kw.pop("customer", world.customer),
        category=kw.pop("category", "service_quality"),
        description=kw.pop("description", "师傅迟到三小时，没有通知。"),
        **kw,
    )


def test_file_a_complaint_about_my_request_and_see_deadline_and_owner(world: World) -> None:
    sr = file_repair(world)
    me = as_user(world.customer.user)
    page = html(me.get(reverse("portal:complaint_new")))
    assert sr.number in page
    response = me.post(
        reverse("portal:complaint_new"),
        {
            "category": "on_site",
            "description": "师傅迟到三小时",
            "service_request": str(sr.pk),
            "subscription": "",
        },
    )
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("portal:complaint", args=[complaint.pk])
    assert complaint.service_request == sr and complaint.status == ComplaintStatus.RECEIVED
    page = html(me.get(response["Location"]))
    assert complaint.number in page and "data-current-step" in page
    assert timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M") in page
    assert "data-owner" in page
    assert 'data-to="received"' in page
    assert "data-answers" not in page  # nothing to answer yet
    listing = html(me.get(reverse("portal:complaints")))
    assert complaint.number in listing


def test_bad_complaint_changes_nothing(world: World) -> None:
    theirs = file_repair(world, customer=world.other_customer)
    me = as_user(world.customer.user)
    for data in (
        {"category": "other", "description": "  "},
        {"category": "vip", "description": "x"},
        {"category": "other", "description": "x", "service_request": str(theirs.pk)},
    ):
        response = me.post(reverse("portal:complaint_new"), data)
        assert response.status_code == 422, data
    assert not Complaint.objects.exists()


def test_complaints_of_someone_else_are_not_found(world: World) -> None:
    theirs = file_complaint(world, customer=world.other_customer)
    me = as_user(world.customer.user)
    assert me.get(reverse("portal:complaint", args=[theirs.pk])).status_code == 404
    assert me.get(reverse("portal:complaint_record", args=[theirs.pk])).status_code == 404
    url = reverse("portal:complaint_answer", args=[theirs.pk, "escalate"])
    assert me.post(url, {"external_body": "12315"}).status_code == 404
    assert theirs.number not in html(me.get(reverse("portal:complaints")))
    theirs.refresh_from_db()
    assert theirs.status == ComplaintStatus.RECEIVED


def _resolve(world: World, complaint: Complaint) -> None:
    steps: tuple[tuple[str, str], ...] = (
        (ComplaintStatus.ACKNOWLEDGED, ""),
        (ComplaintStatus.INVESTIGATING, ""),
        (ComplaintStatus.RESOLVED, "上门补偿 100 元"),
    )
    for to, outcome in steps:
        complaint_transition(complaint=complaint, to_status=to, actor=world.agent, outcome=outcome)


def test_resolved_complaint_offers_equal_answers_and_then_12315(world: World) -> None:
    complaint = file_complaint(world, category="refund")
    me = as_user(world.customer.user)
    # too early to answer: refused, nothing changes
    url = reverse("portal:complaint_answer", args=[complaint.pk, "accept"])
    assert me.post(url).status_code == 409
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED

    _resolve(world, complaint)
    page = html(me.get(reverse("portal:complaint", args=[complaint.pk])))
    buttons = re.findall(r'<button type="submit" data-action="(accept|reject)">', page)
    assert buttons == ["accept", "reject"]  # the same tag, the same (absent) class: equal weight
    assert "上门补偿 100 元" in page and 'data-form="escalate"' in page
    assert "data-owner>agent<" in page  # the owner: who took the first step

    me.post(reverse("portal:complaint_answer", args=[complaint.pk, "reject"]), {"note": "不够"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    page = html(me.get(reverse("portal:complaint", args=[complaint.pk])))
    assert "data-answers" not in page and 'data-form="escalate"' in page

    # escalating needs a body; then it is recorded with the reference
    url = reverse("portal:complaint_answer", args=[complaint.pk, "escalate"])
    response = me.post(url, {"external_body": " "})
    assert response.status_code == 422
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    me.post(url, {"external_body": "12315", "external_reference": "GD-2026-1"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ESCALATED
    assert complaint.external_body == "12315" and complaint.external_reference == "GD-2026-1"
    page = html(me.get(reverse("portal:complaint", args=[complaint.pk])))
    steps = re.findall(r'<li data-to="(\w+)">', page)
    assert steps == [
        "received",
        "acknowledged",
        "investigating",
        "resolved",
        "rejected",
        "escalated",
    ]
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == 6
    record = html(me.get(reverse("portal:complaint_record", args=[complaint.pk])))
    assert complaint.number in record and "12315" in record and "上门补偿 100 元" in record


def test_late_brand_step_lets_the_customer_escalate(world: World) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        complaint = file_complaint(world)
        me = as_user(world.customer.user)
        assert 'data-form="escalate"' not in html(
            me.get(reverse("portal:complaint", args=[complaint.pk]))
        )
        assert complaint.due_at is not None
        clock.move_to(complaint.due_at + timedelta(minutes=1))
        page = html(me.get(reverse("portal:complaint", args=[complaint.pk])))
        assert "data-late" in page and 'data-form="escalate"' in page
        url = reverse("portal:complaint_answer", args=[complaint.pk, "escalate"])
        me.post(url, {"external_body": "12315"})
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.ESCALATED


def test_list_pages_cost_a_constant_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n: int) -> None:
        for i in range(n):
            complaint = file_complaint(world, description=f"第{i}件")
            complaint_transition(complaint=complaint, to_status="acknowledged", actor=world.agent)
            callback_request(
                customer=world.customer,
                phone=world.customer.phone,
                window_start=T0 + timedelta(hours=1),
                window_end=T0 + timedelta(hours=2),
                contact_type="repair",
            )
            chat_of(world, "你好")

    me = as_user(world.customer.user)
    urls = [reverse("portal:complaints"), reverse("portal:callbacks"), reverse("portal:contact")]
    with time_machine.travel(T0, tick=False):
        make(1)
        counts = []
        for url in urls:
            me.get(url)
            with CaptureQueriesContext(connection) as one:
                assert me.get(url).status_code == 200
            counts.append(len(one))
        make(3)
        for url, before in zip(urls, counts, strict=True):
            with CaptureQueriesContext(connection) as four:
                assert me.get(url).status_code == 200
            assert len(four) == before, url


def test_talk_to_a_person_is_one_click_from_every_portal_page(
    client: Client, django_user_model: Any
) -> None:
    """F6: the button is in the portal's navigation; one POST puts the customer in the queue."""
    from django.contrib.auth.models import Group

    from fairdesk.contact.models import Contact
    from fairdesk.core import roles
    from fairdesk.customers.models import Customer

    user = django_user_model.objects.create_user("c13900000099", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    Customer.objects.create(user=user, phone="13900000099")
    client.force_login(user)
    for url in ("/portal/", "/portal/plans/", "/portal/complaints/", "/portal/contact/"):
        assert b"data-talk-to-a-person" in client.get(url).content, url
    response = client.post("/portal/contact/person/")
    contact = Contact.objects.get(customer__phone="13900000099")
    assert (
        response.status_code == 302
        and response["Location"] == f"/portal/contact/chats/{contact.pk}/"
    )
    assert contact.status == "queued"


def test_three_clicks_on_talk_to_a_person_keep_one_place(world: World) -> None:
    """Issue 24, item 23: each click of 转人工 queued a new contact (three for one customer)."""
    me = as_user(world.customer.user)
    locations = {me.post(reverse("portal:talk_to_a_person"))["Location"] for _ in range(3)}
    held = Contact.objects.get(customer=world.customer, status=ContactStatus.QUEUED)
    assert locations == {reverse("portal:chat", args=[held.pk])}
    page = html(me.get(reverse("portal:chat", args=[held.pk])))
    assert "data-queue-position" in page
    assert zh("You are already in the queue for a person.") in page
    # "talk to a person" in another chat, also from a closed one: the same place
    other = chat_of(world, "你好")
    response = me.post(reverse("portal:chat_human", args=[other.pk]))
    assert response["Location"] == reverse("portal:chat", args=[held.pk])
    closed = chat_of(world, "你好")
    me.post(reverse("portal:chat_close", args=[closed.pk]))
    response = me.post(reverse("portal:chat_human", args=[closed.pk]))
    assert response["Location"] == reverse("portal:chat", args=[held.pk])
    assert Contact.objects.filter(customer=world.customer, status=ContactStatus.QUEUED).count() == 1
    # the other chat says where the place is, with a link to it
    page = html(me.get(reverse("portal:chat", args=[other.pk])))
    link = reverse("portal:chat", args=[held.pk])
    assert f'<a href="{link}" rel="nofollow noopener">{link}</a>' in page


def test_assistant_links_are_links_and_nothing_else_is(world: World) -> None:
    """Issue 24, item 25: links in the assistant's answers were plain text."""
    FaqEntry.objects.create(
        keywords="保修",
        answer="见 /portal/plans/ 或 https://example.com/a?b=1&c=2。<b>粗</b> javascript:alert(1) "
        "//evil.example/x",
        answer_en="-",
    )
    contact = chat_of(world, "保修 /portal/book/ <i>x</i> https://mine.example/")
    page = html(as_user(world.customer.user).get(reverse("portal:chat", args=[contact.pk])))
    assert '<a href="/portal/plans/" rel="nofollow noopener">/portal/plans/</a>' in page
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">'
        "https://example.com/a?b=1&amp;c=2</a>。" in page
    )
    assert "&lt;b&gt;粗&lt;/b&gt;" in page and "<b>粗</b>" not in page
    assert 'href="javascript' not in page and 'href="//evil' not in page
    # what the customer typed is shown as typed: escaped, never linked
    typed = re.search(r'data-sender="customer">(.*?)</li>', page, re.DOTALL)
    assert typed is not None and "&lt;i&gt;x&lt;/i&gt; https://mine.example/" in typed[1]
    assert "<a " not in typed[1]
    # the agent's console shows the same links
    agent_page = html(as_user(world.agent).get(reverse("console:contact", args=[contact.pk])))
    assert '<a href="/portal/plans/" rel="nofollow noopener">/portal/plans/</a>' in agent_page


def test_cancelling_a_plan_in_a_consultation_chat_is_green(world: World) -> None:
    """Issue 24, item 25: "我要取消服务计划" in a consultation chat stayed out of the green
    channel."""
    me = as_user(world.customer.user)
    contact = chat_of(world, "你好")
    me.post(reverse("portal:chat_say", args=[contact.pk]), {"text": "我要取消服务计划"})
    contact.refresh_from_db()
    assert contact.contact_type == "downgrade_cancel"
    page = html(me.get(reverse("portal:chat", args=[contact.pk])))
    note = zh(
        "Type changed from “%(before)s” to “%(after)s”: the customer wrote about %(reason)s, "
        "which goes through the green channel.",
        before=zh("Consultation"),
        after=zh("Downgrade or cancel"),
        reason=zh("cancelling or downgrading a plan"),
    )
    assert note in page
