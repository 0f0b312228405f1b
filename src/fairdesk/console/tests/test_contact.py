"""The contact centre in the console, with Django's test client: who may open it (agents and brand
administrators; not outlet staff, technicians, auditors or customers), the live queue in served
order, the agent's status switch, conversations with the customer's records beside them, replies
and closing with an outcome, callbacks due and missed, complaints through the workflow's brand
steps, and the Erlang C calculator. Bad input is explained and changes nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairdesk.contact import erlang
from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    ComplaintStatus,
    ContactStatus,
    Sender,
)
from fairdesk.contact.models import AgentProfile, Callback, Complaint, Contact
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.services.conversations import (
    contact_close,
    contact_request_human,
    contact_start,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status, queue_dispatch
from fairdesk.portal.tests.fixtures import World, file_repair

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
CATALOG = Path(__file__).resolve().parents[2] / "plans" / "data" / "demo_catalog.json"


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


def chat(world: World, text: str = "你好", **kw: Any) -> Contact:
    return contact_start(
        contact_type=kw.pop("contact_type", "consultation"),
        channel="web_chat",
        customer=kw.pop("customer", world.customer),
        text=text,
        **kw,
    )


def assigned_to(world: World, agent: Any = None, **kw: Any) -> Contact:
    """A chat the customer handed to a person, dispatched to ``agent`` (made available)."""
    agent = agent or world.agent
    agent_profile_ensure(user=agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    contact = chat(world, **kw)
    contact_request_human(contact=contact)
    queue_dispatch()
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED
    return contact


CONTACT_PAGES: list[tuple[str, list[Any]]] = [
    ("console:contact_queue", []),
    ("console:contact_queue_live", []),
    ("console:contact_callbacks", []),
    ("console:complaints", []),
]


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", [*CONTACT_PAGES, ("console:staffing", [])])
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(
    client: Client, world: World, name: str, args: list[Any]
) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["manager", "technician", "other_manager", "auditor"])
def test_outlet_staff_technicians_and_auditors_cannot_reach_the_contact_centre(
    world: World, who: str
) -> None:
    contact = chat(world)
    complaint = complaint_file(customer=world.customer, category="other", description="x")
    user = getattr(world, who)
    client = as_user(user)
    pages = [
        *CONTACT_PAGES,
        ("console:contact", [contact.pk]),
        ("console:complaint", [complaint.pk]),
    ]
    for name, args in pages:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 403, (who, name)
    response = client.post(reverse("console:agent_status"), {"status": "available"})
    assert response.status_code == 403
    response = client.post(
        reverse("console:complaint_step", args=[complaint.pk]), {"to_status": "acknowledged"}
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED
    assert not AgentProfile.objects.filter(user=user).exists()
    # ... and their console has no link to it
    assert 'data-nav="contact-queue"' not in html(client.get(reverse("console:home")))


def test_customers_get_the_console_403(world: World) -> None:
    client = as_user(world.customer.user)
    for name, args in [*CONTACT_PAGES, ("console:staffing", [])]:
        assert client.get(reverse(name, args=args)).status_code == 403


def test_agents_and_brand_admins_get_in_and_get_a_profile_on_the_first_visit(
    world: World,
) -> None:
    for user in (world.agent, world.brand_admin):
        client = as_user(user)
        page = html(client.get(reverse("console:contact_queue")))
        assert 'data-agent-status="away"' in page
        assert AgentProfile.objects.get(user=user).status == AgentStatus.AWAY
        assert 'data-nav="contact-queue"' in page and 'data-nav="complaints"' in page
        for name, args in CONTACT_PAGES:
            assert client.get(reverse(name, args=args)).status_code == 200, name


# --- the queue and the status switch -----------------------------------------------------------


def test_status_switch(world: World) -> None:
    client = as_user(world.agent)
    client.get(reverse("console:contact_queue"))
    response = client.post(reverse("console:agent_status"), {"status": "available"})
    assert response.status_code == 302
    assert AgentProfile.objects.get(user=world.agent).status == AgentStatus.AVAILABLE
    client.post(reverse("console:agent_status"), {"status": "busy"})
    assert AgentProfile.objects.get(user=world.agent).status == AgentStatus.BUSY
    # nonsense: explained, unchanged
    response = client.post(reverse("console:agent_status"), {"status": "asleep"}, follow=True)
    assert AgentProfile.objects.get(user=world.agent).status == AgentStatus.BUSY
    assert "flash-error" in html(response)


def test_queue_in_served_order_with_class_waited_time_and_position(world: World) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        sale = chat(world, contact_type="buy_upgrade")
        contact_request_human(contact=sale)
        clock.shift(timedelta(minutes=10))
        cancel = chat(world, contact_type="downgrade_cancel", customer=world.other_customer)
        contact_request_human(contact=cancel)
        clock.shift(timedelta(minutes=5))
        # queued at once: safety (a third person: a customer waits in one chat at a time)
        hazard = chat(world, "家里有燃气味", contact_type="repair", customer=None)
        clock.shift(timedelta(minutes=1))
        client = as_user(world.agent)
        for name in ("console:contact_queue", "console:contact_queue_live"):
            page = html(client.get(reverse(name)))
            rows = re.findall(
                r'<tr data-contact="(\d+)" data-position="(\d+)" data-class="(\w+)"', page
            )
            assert rows == [
                (str(hazard.pk), "1", "safety"),
                (str(cancel.pk), "2", "green"),
                (str(sale.pk), "3", "standard"),
            ]
            # waited time, in seconds and in words
            assert f'data-waited="{16 * 60}"' in page and 'data-waited="60"' in page
        assert "李四" not in page and "13800138000" not in page  # the queue knows no customer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_available_agent_gets_the_conversation_on_the_queue_page(world: World) -> None:
    client = as_user(world.agent)
    client.get(reverse("console:contact_queue"))
    client.post(reverse("console:agent_status"), {"status": "available"})
    contact = chat(world)
    as_user(world.customer.user).post(
        reverse("portal:chat_say", args=[contact.pk]), {"text": "人工"}
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED
    page = html(client.get(reverse("console:contact_queue_live")))
    assert f'<li data-contact="{contact.pk}"' in page and "data-waiting-count>0<" in page


# --- one conversation ---------------------------------------------------------------------------


def _subscribe(world: World) -> Any:
    from fairdesk.plans.models import Plan
    from fairdesk.plans.services.catalog import catalog_import
    from fairdesk.plans.services.subscriptions import subscription_start

    catalog_import(document=json.loads(CATALOG.read_text(encoding="utf-8")))
    plan = Plan.objects.order_by("id").first()
    assert plan is not None
    return subscription_start(
        customer=world.customer,
        plan=plan,
        payment_method="demo-card-6222",
        auto_renew=False,
        consent_text_shown="",
        channel="portal",
        actor=world.customer.user,
        device=world.device,
    )


def test_conversation_shows_requests_plans_past_contacts_reply_and_close(world: World) -> None:
    sr = file_repair(world)
    sub = _subscribe(world)
    earlier = chat(world, "上次的问题")
    contact_close(contact=earlier, outcome="已解答")
    contact = assigned_to(world)
    client = as_user(world.agent)
    page = html(client.get(reverse("console:contact", args=[contact.pk])))
    assert sr.number in page
    assert re.search(r"data-customer-plans>\s*<li>", page) and str(sub.pk) in page
    assert f">C{earlier.pk}</a>" in page and "已解答" in page
    assert "13800138000" in page  # their agent sees the number in full
    assert 'data-form="reply"' in page and 'data-form="close"' in page

    response = client.post(reverse("console:contact_reply", args=[contact.pk]), {"text": "您好"})
    assert response.status_code == 302
    assert contact.messages.filter(sender=Sender.AGENT, text="您好").exists()
    fragment = client.get(reverse("console:contact_messages", args=[contact.pk]))
    assert fragment.status_code == 200 and "您好" in html(fragment)

    # closing needs an outcome
    response = client.post(reverse("console:contact_close", args=[contact.pk]), {"outcome": ""})
    assert response.status_code == 422
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED
    client.post(reverse("console:contact_close", args=[contact.pk]), {"outcome": "已说明保修"})
    contact.refresh_from_db()
    assert contact.status == ContactStatus.CLOSED and contact.outcome == "已说明保修"
    response = client.get(reverse("console:contact_messages", args=[contact.pk]))
    assert response.status_code == 286  # polling stops


def test_a_refused_change_to_a_conversation_creates_no_agent_profile(world: World) -> None:
    """Replying to, closing or typing another's conversation is refused before anything is
    written: reading or changing a conversation never makes the user an agent."""
    contact = assigned_to(world)
    client = as_user(world.brand_admin)
    assert client.get(reverse("console:contact", args=[contact.pk])).status_code == 200
    for name, data in (
        ("console:contact_reply", {"text": "插话"}),
        ("console:contact_close", {"outcome": "x"}),
        ("console:contact_type", {"contact_type": "repair"}),
    ):
        assert client.post(reverse(name, args=[contact.pk]), data).status_code == 403, name
    assert not AgentProfile.objects.filter(user=world.brand_admin).exists()
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED and contact.contact_type == "consultation"


def test_only_its_agent_answers_or_closes_a_conversation(world: World) -> None:
    contact = assigned_to(world)
    client = as_user(world.brand_admin)
    client.get(reverse("console:contact_queue"))  # the first visit: an agent profile
    page = html(client.get(reverse("console:contact", args=[contact.pk])))
    assert "data-not-mine" in page and 'data-form="reply"' not in page
    assert "138****8000" in page and "13800138000" not in page
    count = contact.messages.count()
    response = client.post(reverse("console:contact_reply", args=[contact.pk]), {"text": "插话"})
    assert response.status_code == 403
    assert zh("This conversation is not yours to answer.") in html(response)
    response = client.post(reverse("console:contact_close", args=[contact.pk]), {"outcome": "x"})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ASSIGNED and contact.messages.count() == count
    # an empty reply from its own agent: explained, nothing written
    response = as_user(world.agent).post(
        reverse("console:contact_reply", args=[contact.pk]), {"text": ""}
    )
    assert response.status_code == 422 and contact.messages.count() == count


def test_unknown_conversation_is_not_found(world: World) -> None:
    assert as_user(world.agent).get(reverse("console:contact", args=[999])).status_code == 404


# --- callbacks ---------------------------------------------------------------------------------


def test_callbacks_due_missed_and_called_back(world: World) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        soon = callback_request(
            customer=world.customer,
            phone=world.customer.phone,
            window_start=T0 + timedelta(minutes=30),
            window_end=T0 + timedelta(hours=1),
            contact_type="refund",
        )
        later = callback_request(
            customer=world.other_customer,
            phone=world.other_customer.phone,
            window_start=T0 + timedelta(hours=3),
            window_end=T0 + timedelta(hours=4),
            contact_type="repair",
        )
        client = as_user(world.agent)
        page = html(client.get(reverse("console:contact_callbacks")))
        upcoming = page.split('data-callbacks="upcoming"')[1].split("</ul>")[0]
        assert f'data-callback="{soon.pk}"' in upcoming

        clock.move_to(T0 + timedelta(minutes=40))
        page = html(client.get(reverse("console:contact_callbacks")))
        due = page.split('data-callbacks="due"')[1].split("</ul>")[0]
        assert f'data-callback="{soon.pk}"' in due and f'data-callback="{later.pk}"' not in due
        client.post(reverse("console:callback_done", args=[soon.pk]), {"outcome": "已退款"})
        soon.refresh_from_db()
        assert soon.status == CallbackStatus.DONE
        assert soon.done_by is not None and soon.done_by.user == world.agent

        clock.move_to(T0 + timedelta(hours=4, minutes=5))
        page = html(client.get(reverse("console:contact_callbacks")))
        missed = page.split('data-callbacks="missed"')[1].split("</ul>")[0]
        assert f'data-callback="{later.pk}"' in missed and "data-missed" in missed
        # a late call is recorded, and still counts as missed
        response = client.post(reverse("console:callback_done", args=[later.pk]), follow=True)
        later.refresh_from_db()
        assert later.done_at is not None and later.status == CallbackStatus.MISSED
        assert "flash-warning" in html(response)
    assert Callback.objects.count() == 2


def test_a_cancelled_callback_is_not_owed(world: World) -> None:
    from fairdesk.contact.services.callbacks import callback_cancel

    with time_machine.travel(T0, tick=False) as clock:
        kept = callback_request(
            customer=world.customer,
            phone=world.customer.phone,
            window_start=T0 + timedelta(minutes=30),
            window_end=T0 + timedelta(hours=1),
            contact_type="refund",
        )
        cancelled = callback_request(
            customer=world.other_customer,
            phone=world.other_customer.phone,
            window_start=T0 + timedelta(minutes=30),
            window_end=T0 + timedelta(hours=1),
            contact_type="repair",
        )
        callback_cancel(callback=cancelled)
        client = as_user(world.agent)
        for moment in (T0, T0 + timedelta(minutes=40), T0 + timedelta(hours=2)):
            clock.move_to(moment)
            page = html(client.get(reverse("console:contact_callbacks")))
            assert f'data-callback="{kept.pk}"' in page
            assert f'data-callback="{cancelled.pk}"' not in page
        response = client.post(reverse("console:callback_done", args=[cancelled.pk]), follow=True)
        assert "flash-error" in html(response)
        cancelled.refresh_from_db()
        assert cancelled.done_at is None


def test_called_back_on_an_unknown_callback_is_not_found(world: World) -> None:
    client = as_user(world.agent)
    assert client.post(reverse("console:callback_done", args=[999])).status_code == 404


# --- complaints --------------------------------------------------------------------------------


def test_complaint_steps_are_the_workflows_and_resolving_needs_an_outcome(world: World) -> None:
    complaint = complaint_file(
        customer=world.customer, category="plan_change", description="降级被拖延"
    )
    client = as_user(world.agent)
    listing = html(client.get(reverse("console:complaints")))
    assert complaint.number in listing
    url = reverse("console:complaint", args=[complaint.pk])
    step = reverse("console:complaint_step", args=[complaint.pk])

    def steps() -> list[str]:
        return re.findall(r'data-step="(\w+)"', html(client.get(url)))

    assert steps() == ["acknowledged"]
    # a step the workflow does not allow from here: refused, nothing changed
    response = client.post(step, {"to_status": "resolved", "outcome": "x"})
    assert response.status_code == 409
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED and complaint.events.count() == 1

    client.post(step, {"to_status": "acknowledged", "note": "已联系客户"})
    assert steps() == ["investigating", "resolved"]
    client.post(step, {"to_status": "investigating"})
    assert steps() == ["resolved"]
    response = client.post(step, {"to_status": "resolved", "outcome": "  "})
    assert response.status_code == 422 and zh("Describe the outcome.") in html(response)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    client.post(step, {"to_status": "resolved", "outcome": "已立即降级并退还差价"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED and complaint.owner == world.agent
    page = html(client.get(url))
    assert re.findall(r'data-step="(\w+)"', page) == ["escalated"]
    assert re.findall(r'<li data-to="(\w+)">', page) == [
        "received",
        "acknowledged",
        "investigating",
        "resolved",
    ]
    # nonsense status: explained
    response = client.post(step, {"to_status": "deleted"})
    assert response.status_code == 422


def test_complaint_filters_and_overdue(world: World) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        late = complaint_file(customer=world.customer, category="other", description="a")
        clock.shift(timedelta(hours=30))
        fresh = complaint_file(customer=world.other_customer, category="other", description="b")
        client = as_user(world.brand_admin)
        page = html(client.get(reverse("console:complaints") + "?show=overdue"))
        assert late.number in page and fresh.number not in page and "data-late" in page
        page = html(client.get(reverse("console:complaints") + "?show=closed"))
        assert late.number not in page
        page = html(client.get(reverse("console:complaints") + "?show=bogus"))
        assert late.number in page and fresh.number in page
    assert Complaint.objects.count() == 2


# --- staffing ----------------------------------------------------------------------------------


def test_erlang_c_calculator(world: World) -> None:
    client = as_user(world.manager)  # any staff member may plan staffing
    page = html(client.get(reverse("console:staffing")))
    assert 'data-form="staffing"' in page and "data-result" not in page
    response = client.get(
        reverse("console:staffing"),
        {
            "arrivals_per_hour": "120",
            "handle_seconds": "300",
            "target_percent": "80",
            "target_seconds": "20",
        },
    )
    expected = erlang.agents_needed(
        arrivals_per_hour=120, handle_seconds=300, target_share=0.8, target_seconds=20
    )
    page = html(response)
    assert response.status_code == 200
    assert f'data-agents="{expected.agents}"' in page
    assert f"{expected.service_level * 100:.1f}%" in page
    assert f"{expected.wait_probability * 100:.1f}%" in page
    assert f"{expected.occupancy * 100:.1f}%" in page
    assert "10.00" in page  # offered traffic in erlangs


@pytest.mark.parametrize(
    "params",
    [
        {"arrivals_per_hour": "-1", "handle_seconds": "300", "target_percent": "80"},
        {"arrivals_per_hour": "10", "handle_seconds": "0", "target_percent": "80"},
        {"arrivals_per_hour": "10", "handle_seconds": "300", "target_percent": "100"},
        {"arrivals_per_hour": "abc", "handle_seconds": "300", "target_percent": "80"},
    ],
)
def test_erlang_c_bad_input_is_explained(world: World, params: dict[str, str]) -> None:
    params = {"target_seconds": "20", **params}
    response = as_user(world.agent).get(reverse("console:staffing"), params)
    assert response.status_code == 422
    assert "errorlist" in html(response) and "data-result" not in html(response)


# --- query counts ------------------------------------------------------------------------------


def test_list_pages_cost_a_constant_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n: int) -> None:
        for i in range(n):
            complaint = complaint_file(
                customer=world.customer, category="other", description=f"第{i}件"
            )
            complaint_transition(complaint=complaint, to_status="acknowledged", actor=world.agent)
            callback_request(
                customer=world.customer,
                phone=world.customer.phone,
                window_start=T0 + timedelta(hours=1),
                window_end=T0 + timedelta(hours=2),
                contact_type="repair",
            )
            contact_request_human(contact=chat(world, contact_type="refund"))

    client = as_user(world.agent)
    urls = [
        reverse("console:complaints"),
        reverse("console:contact_callbacks"),
        reverse("console:contact_queue_live"),
    ]
    with time_machine.travel(T0, tick=False):
        make(1)
        for url in urls:
            client.get(url)  # warm up (the agent's profile, sessions)
        counts_one = []
        for url in urls:
            with CaptureQueriesContext(connection) as one:
                assert client.get(url).status_code == 200
            counts_one.append(len(one))
        make(3)
        for url, before in zip(urls, counts_one, strict=True):
            with CaptureQueriesContext(connection) as four:
                assert client.get(url).status_code == 200
            assert len(four) == before, url


# --- phone calls and the type -------------------------------------------------------------------


def test_an_agent_logs_the_phone_call_of_the_caller_being_served(world: World) -> None:
    client = as_user(world.agent)
    response = client.post(reverse("console:contact_phone"), {"contact_type": "refund"})
    assert response.status_code == 409 and not Contact.objects.exists()  # no caller yet
    assert client.get(reverse("console:caller", args=[world.customer.pk])).status_code == 200
    assert b"log-phone" in client.get(reverse("console:caller", args=[world.customer.pk])).content
    response = client.post(
        reverse("console:contact_phone"), {"contact_type": "refund", "text": "退款什么时候到"}
    )
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:contact", args=[contact.pk]
    )
    assert (contact.channel, contact.status, contact.customer) == (
        "phone",
        "assigned",
        world.customer,
    )
    assert contact.agent is not None and contact.agent.user == world.agent
    response = client.post(reverse("console:contact_phone"), {"contact_type": "nonsense"})
    assert response.status_code == 422 and Contact.objects.count() == 1


def test_the_agent_sets_what_a_conversation_is_about(world: World) -> None:
    contact = assigned_to(world)
    client = as_user(world.agent)
    response = client.post(
        reverse("console:contact_type", args=[contact.pk]), {"contact_type": "complaint"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.contact_type == "complaint"
    note = contact.messages.filter(sender="system").last()
    assert note is not None and note.text.startswith("类型")
    other = world.brand_admin if hasattr(world, "brand_admin") else None
    if other is not None:
        agent_profile_ensure(user=other)
        response = as_user(other).post(
            reverse("console:contact_type", args=[contact.pk]), {"contact_type": "refund"}
        )
        assert response.status_code == 403
