"""The agent's desk (issue 24 item 26): the next waiting contact is taken by the published rule,
never chosen; the caller's page shows their conversations, complaints and callbacks; recording a
complaint as taken outside the brand needs a confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from fairdesk.console.tests.test_contact import T0, as_user, chat, html, zh
from fairdesk.contact.choices import AgentStatus, ComplaintStatus, ContactStatus
from fairdesk.contact.models import AgentProfile, Assignment, Complaint
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.services.conversations import contact_request_human
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.portal.tests.fixtures import World

pytestmark = pytest.mark.django_db


def test_the_agent_takes_the_next_contact_by_the_rule_not_by_choice(world: World) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        sale = chat(world, contact_type="buy_upgrade")
        contact_request_human(contact=sale)
        clock.shift(timedelta(minutes=10))
        cancel = chat(world, contact_type="downgrade_cancel", customer=world.other_customer)
        contact_request_human(contact=cancel)
        clock.shift(timedelta(minutes=1))
        client = as_user(world.agent)
        page = html(client.get(reverse("console:contact_queue")))
        assert 'data-form="take-next"' in page
        profile = AgentProfile.objects.get(user=world.agent)
        assert profile.status != AgentStatus.AVAILABLE  # not handed anything on its own
        response = client.post(reverse("console:take_next"))
        # the green channel's head start: the cancellation, though it came 10 minutes later
        assert response["Location"] == reverse("console:contact", args=[cancel.pk])
        cancel.refresh_from_db()
        sale.refresh_from_db()
        assert cancel.status == ContactStatus.ASSIGNED and cancel.agent == profile
        assert sale.status == ContactStatus.QUEUED
        assignment = Assignment.objects.get(contact=cancel)
        assert assignment.reason["class"] == "green" and assignment.reason["position"] == 1
        # there is no way to name a contact: a posted id is ignored
        client.post(reverse("console:take_next"), {"contact": sale.pk})
        sale.refresh_from_db()
        assert sale.status == ContactStatus.ASSIGNED  # the next by the rule, which is it now


def test_take_next_says_when_nothing_is_waiting_or_the_agent_is_full(world: World) -> None:
    client = as_user(world.agent)
    client.get(reverse("console:contact_queue"))
    response = client.post(reverse("console:take_next"), follow=True)
    assert zh("No waiting contact is yours to take: the queue is empty for your skills.") in html(
        response
    )
    profile = agent_profile_ensure(user=world.agent)
    profile.max_concurrent = 1
    profile.save()
    for customer in (world.customer, world.other_customer):
        contact_request_human(contact=chat(world, customer=customer))
    client.post(reverse("console:take_next"))
    response = client.post(reverse("console:take_next"), follow=True)
    assert "请先结束一个" in html(response)
    assert Assignment.objects.filter(agent=profile).count() == 1


def test_the_caller_page_shows_conversations_complaints_and_callbacks(world: World) -> None:
    contact = chat(world, "你好")
    complaint = complaint_file(customer=world.customer, category="other", description="师傅迟到")
    client = as_user(world.agent)
    page = html(client.get(reverse("console:caller", args=[world.customer.pk])))
    assert "data-caller-contacts" in page
    assert f'data-contact="{contact.pk}"' in page and f'data-complaint="{complaint.pk}"' in page
    assert complaint.number in page


def test_recording_an_external_complaint_needs_a_confirmation(world: World) -> None:
    complaint = complaint_file(customer=world.customer, category="other", description="a")
    for to in ("acknowledged", "investigating"):
        complaint_transition(complaint=complaint, to_status=to, actor=world.agent)
    complaint_transition(
        complaint=complaint, to_status="resolved", actor=world.agent, outcome="已处理"
    )
    client = as_user(world.agent)
    url = reverse("console:complaint", args=[complaint.pk])
    page = html(client.get(url))
    assert re.search(r'data-confirm="escalated"', page)
    step = reverse("console:complaint_step", args=[complaint.pk])
    response = client.post(step, {"to_status": "escalated", "external_body": "12315"})
    assert response.status_code == 422 and "确认" in html(response)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    client.post(step, {"to_status": "escalated", "external_body": "12315", "confirm_external": "1"})
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.ESCALATED
