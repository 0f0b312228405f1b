"""The public queue-rule page (no login, both languages, live figures), the auditors' export page,
the queue snapshot and public figures behind them, the worker's minute, and the admin (editable
settings, read-only records, append-only logs)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairdesk.contact import ordering, selectors
from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ContactStatus,
    ContactType,
)
from fairdesk.contact.models import (
    AgentProfile,
    Assignment,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintPolicy,
    Contact,
    ContactMessage,
    FaqEntry,
)
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.services.conversations import contact_start
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tasks import process_contacts_due
from fairdesk.contact.tests.conftest import T0
from fairdesk.contact.views import format_duration
from fairdesk.core import roles

URL = "/queue-rule/"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def waiting(contact_type: str, *, at: Any, hazard: bool = False) -> Contact:
    return Contact.objects.create(
        contact_type=contact_type,
        channel=Channel.WEB_CHAT,
        status=ContactStatus.QUEUED,
        safety_hazard=hazard,
        created_at=at,
        queued_at=at,
    )


def answered(contact_type: str, waited: int, *, at: Any, agent: AgentProfile) -> Assignment:
    contact = Contact.objects.create(
        contact_type=contact_type,
        channel=Channel.WEB_CHAT,
        status=ContactStatus.CLOSED,
        created_at=at - timedelta(seconds=waited),
        queued_at=at - timedelta(seconds=waited),
        assigned_at=at,
        closed_at=at + timedelta(minutes=10),
        agent=agent,
    )
    return Assignment.objects.create(
        contact=contact, agent=agent, at=at, waited_seconds=waited, reason={"class": "x"}
    )


# --- the public page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_page_in_chinese_without_login(clock):
    response = Client().get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "人工客服排队规则" in page
    assert "<strong>2 小时</strong>" in page and "<strong>30 分钟</strong>" in page
    assert "降级或退订 · 退款 · 投诉" in page  # the green types, from choices.GREEN_TYPES
    for word in ordering.HAZARD_WORDS:
        assert word in page
    assert "转人工" in page and "没有到期的回电。" in page
    assert "contact_type" in page and "revenue" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL, "/en/queue-rule/"])
def test_public_page_in_english_without_login(clock, url):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if url == URL else {}
    response = Client().get(url, **headers)
    assert response.status_code == 200
    page = response.content.decode()
    assert "How the queue is ordered" in page
    assert "<strong>2 hours</strong>" in page and "<strong>30 minutes</strong>" in page
    assert "Downgrade or cancel · Refund · Complaint" in page
    assert "less than 2 hours after it" in page


@pytest.mark.django_db
def test_public_figures_on_the_page(customer, staff, clock):
    agent = agent_profile_ensure(user=staff("agent1"))
    for waited in (10, 20, 30, 40, 600):
        answered(ContactType.REFUND, waited, at=T0 - timedelta(days=1), agent=agent)
    answered(ContactType.REFUND, 9999, at=T0 - timedelta(days=8), agent=agent)  # too old
    answered(ContactType.BUY_UPGRADE, 90, at=T0 - timedelta(hours=1), agent=agent)
    waiting(ContactType.REPAIR, at=T0 - timedelta(minutes=3), hazard=True)
    waiting(ContactType.COMPLAINT, at=T0 - timedelta(minutes=2))
    waiting(ContactType.COMPLAINT, at=T0 - timedelta(minutes=1))
    waiting(ContactType.REPAIR, at=T0 + timedelta(hours=1))  # a callback window not open yet
    for hours in (1, 2):
        callback_request(
            customer=customer,
            phone="",
            window_start=T0 + timedelta(hours=hours),
            window_end=T0 + timedelta(hours=hours + 1),
            contact_type=ContactType.REFUND,
            now=T0,
        )
    clock.move_to(T0 + timedelta(hours=2, minutes=30))  # the first window has passed
    figures = selectors.public_figures()
    # both callback windows are open now (the missed one still waits to be called)
    assert figures.waiting == {"safety": 1, "green": 4, "standard": 1}
    refund = next(w for w in figures.waits if w.contact_type == ContactType.REFUND)
    assert (refund.count, refund.p50_seconds, refund.p95_seconds) == (5, 30, 600)
    assert (figures.callbacks.due, figures.callbacks.missed) == (1, 1)
    page = Client().get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<tr data-waiting="green"><td>Green channel</td><td>4</td></tr>' in page
    assert "1 of 1 promised callbacks were missed or late (100.0%)." in page
    assert "10 minutes" in page and "1 min 30 s" in page


def test_format_duration():
    with translation.override("en"):
        assert_durations()
    with translation.override("zh-hans"):
        assert format_duration(timedelta(hours=2)) == "2 小时"


def assert_durations() -> None:
    assert format_duration(timedelta(0)) == "none"
    assert format_duration(timedelta(seconds=45)) == "45 s"
    assert format_duration(timedelta(hours=1, minutes=20)) == "1 h 20 min"
    assert format_duration(timedelta(minutes=1)) == "1 minute"


def test_percentile_is_nearest_rank():
    assert selectors.percentile([], 0.5) is None
    assert selectors.percentile([5], 0.95) == 5
    assert selectors.percentile(list(range(1, 101)), 0.95) == 95
    assert selectors.percentile([1, 2, 3, 4], 0.5) == 2


# --- the queue snapshot ----------------------------------------------------------------------


@pytest.mark.django_db
def test_snapshot_follows_the_published_order_and_estimates_the_wait(staff, clock):
    sale = waiting(ContactType.BUY_UPGRADE, at=T0 - timedelta(minutes=20))
    refund = waiting(ContactType.REFUND, at=T0 - timedelta(minutes=5))
    gas = waiting(ContactType.REPAIR, at=T0, hazard=True)
    agents = [agent_profile_ensure(user=staff(f"a{n}")) for n in range(2)]
    AgentProfile.objects.update(status=AgentStatus.AVAILABLE)
    for minutes in (4, 8):  # closed contacts: the mean handle time is 6 minutes
        Contact.objects.create(
            contact_type=ContactType.REPAIR,
            channel=Channel.WEB_CHAT,
            status=ContactStatus.CLOSED,
            created_at=T0 - timedelta(hours=1),
            assigned_at=T0 - timedelta(hours=1),
            closed_at=T0 - timedelta(hours=1) + timedelta(minutes=minutes),
            agent=agents[0],
        )
    snapshot = selectors.queue_snapshot()
    assert [e.contact_id for e in snapshot.entries] == [gas.pk, refund.pk, sale.pk]
    assert snapshot.mean_handle_seconds == 360 and snapshot.agents_available == 2
    assert [e.estimated_wait_seconds for e in snapshot.entries] == [180, 360, 540]
    assert snapshot.entries[2].waited_seconds == 1200
    mine = selectors.contact_queue_position(sale)
    assert (mine.position, mine.queue_class) == (3, "standard")
    assert selectors.contact_queue_position(Contact(status=ContactStatus.BOT)) is None


# --- the export page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_page_needs_an_auditor_or_brand_admin(customer, staff):
    url = reverse("contact:complaint_export")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"]
    assert as_user(staff("agent1")).get(url).status_code == 403
    assert as_user(customer.user).get(url).status_code == 403
    assert as_user(staff("boss", roles.BRAND_ADMIN)).get(url).status_code == 200


@pytest.mark.django_db
def test_export_page_filters_links_and_rates(customer, staff, clock):
    from fairdesk.network.services import outlet_create

    outlet_create(code="NN", name="南宁服务中心")
    complaint_file(customer=customer, category="refund", description="电话13800000002")
    auditor = as_user(staff("aud", roles.AUDITOR))
    url = reverse("contact:complaint_export")
    response = auditor.get(url, {"period_from": "2026-11-01", "period_to": "2026-11-30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "投诉数据导出" in page and "1 件投诉" in page
    assert (
        'href="/api/v1/complaints/export?format=csv&amp;from=2026-11-01&amp;to=2026-11-30"' in page
    )
    assert "format=json" in page and "13800000002" not in page
    csv = auditor.get("/api/v1/complaints/export?format=csv&from=2026-11-01&to=2026-11-30")
    assert csv.status_code == 200 and "13800000002" not in csv.content.decode()
    bad = auditor.get(url, {"period_from": "2026-11-30", "period_to": "2026-11-01"})
    assert bad.status_code == 200 and "起始日期晚于结束日期。" in bad.content.decode()
    assert 'data-download="csv"' not in bad.content.decode()


# --- the worker ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_periodic_task_assigns_and_escalates(customer, staff, clock):
    staff("boss", roles.BRAND_ADMIN)
    callback = callback_request(
        customer=customer,
        phone="13800000002",
        window_start=T0 + timedelta(minutes=30),
        window_end=T0 + timedelta(hours=1),
        contact_type=ContactType.REFUND,
    )
    contact = contact_start(
        customer=customer, contact_type=ContactType.REPAIR, channel=Channel.WEB_CHAT, text="人工"
    )
    agent = agent_profile_ensure(user=staff("agent1"), max_concurrent=2)
    AgentProfile.objects.filter(pk=agent.pk).update(status=AgentStatus.AVAILABLE)
    clock.move_to(T0 + timedelta(hours=1, minutes=1))
    result = process_contacts_due.call_local()
    assert result == {"assigned": 2, "callbacks": 1, "complaints": 0}
    assert Contact.objects.get(pk=contact.pk).status == ContactStatus.ASSIGNED
    assert Callback.objects.get(pk=callback.pk).status == CallbackStatus.MISSED


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def superuser(db: None, django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.mark.django_db
def test_admin_lists_every_contact_model(superuser, customer, clock):
    contact_start(
        customer=customer, contact_type=ContactType.REFUND, channel=Channel.WEB_CHAT, text="你好"
    )
    complaint = complaint_file(customer=customer, category="refund", description="没到账")
    admin = as_user(superuser)
    for model in (
        FaqEntry,
        ComplaintPolicy,
        AgentProfile,
        Contact,
        Callback,
        Complaint,
        ContactMessage,
        Assignment,
        ComplaintEvent,
    ):
        opts = model._meta
        response = admin.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.model_name
    page = admin.get(reverse("admin:contact_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "138****0002" in text and "13800000002" not in text
    assert 'name="_save"' not in text  # read-only


@pytest.mark.django_db
def test_logs_are_append_only_in_the_admin(superuser, customer, clock):
    contact = contact_start(
        customer=customer, contact_type=ContactType.REFUND, channel=Channel.WEB_CHAT, text="你好"
    )
    message = ContactMessage.objects.filter(contact=contact).first()
    admin = as_user(superuser)
    for model, pk in ((ContactMessage, message.pk), (Contact, contact.pk)):
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        assert admin.get(reverse(f"{prefix}_add")).status_code == 403
        assert admin.get(reverse(f"{prefix}_delete", args=[pk])).status_code == 403
        changed = admin.post(reverse(f"{prefix}_change", args=[pk]), {"text": "改过"})
        assert changed.status_code == 403
    assert ContactMessage.objects.get(pk=message.pk).text == message.text


@pytest.mark.django_db
def test_faq_and_policy_are_editable(superuser):
    admin = as_user(superuser)
    response = admin.post(
        reverse("admin:contact_faqentry_add"),
        {"keywords": "保修,warranty", "answer": "一年", "answer_en": "One year", "active": "on"},
    )
    assert response.status_code == 302 and FaqEntry.objects.get().keywords == "保修,warranty"
    response = admin.post(
        reverse("admin:contact_complaintpolicy_add"),
        {
            "acknowledge_hours": 12,
            "resolve_days": 5,
            "green_resolve_days": 2,
            "customer_answer_days": 15,
        },
    )
    assert response.status_code == 302
    assert ComplaintPolicy.objects.get(pk=1).acknowledge_hours == 12
    assert admin.get(reverse("admin:contact_complaintpolicy_add")).status_code == 403  # one row


@pytest.mark.django_db
def test_agent_status_changes_through_the_service(superuser, staff, clock):
    user = staff("agent1")
    Group.objects.get(name=roles.AGENT).user_set.add(user)
    agent = agent_profile_ensure(user=user, now=T0 - timedelta(hours=1))
    admin = as_user(superuser)
    url = reverse("admin:contact_agentprofile_change", args=[agent.pk])
    bad = admin.post(
        url,
        {"status": "available", "product_lines": "", "languages": "fr", "max_concurrent": 2},
    )
    assert bad.status_code == 200 and "zh-hans" in bad.content.decode()
    response = admin.post(
        url,
        {
            "status": "available",
            "product_lines": "air_conditioner， water_heater",
            "languages": "zh-hans, en",
            "max_concurrent": 3,
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.status == AgentStatus.AVAILABLE and agent.status_since == T0
    assert agent.product_lines == ["air_conditioner", "water_heater"]
    assert agent.languages == ["zh-hans", "en"] and agent.max_concurrent == 3


@pytest.mark.django_db
def test_auditors_read_complaints_redacted_in_the_admin(customer, staff, clock):
    from fairdesk.contact.export import customer_pseudonym

    complaint = complaint_file(
        customer=customer, category="refund", description="李雷，电话 13800000002，退款没到"
    )
    agent = staff("agent1")
    complaint_transition(
        complaint=complaint, to_status="acknowledged", actor=agent, note="已联系 13800000002"
    )
    auditor = staff("aud", roles.AUDITOR)
    auditor.is_staff = True
    auditor.save()
    url = reverse("admin:contact_complaint_change", args=[complaint.pk])
    page = as_user(auditor).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "13800000002" not in text and "李雷" not in text
    assert customer_pseudonym(customer.pk) in text and "138****0002" in text
    event = complaint.events.get(to_status="acknowledged")
    event_page = as_user(auditor).get(
        reverse("admin:contact_complaintevent_change", args=[event.pk])
    )
    assert event_page.status_code == 200 and "13800000002" not in event_page.content.decode()
    agent.is_staff = True
    agent.save()
    staff_view = as_user(agent).get(url).content.decode()
    assert "李雷" in staff_view and "13800000002" in staff_view  # the description, as written
