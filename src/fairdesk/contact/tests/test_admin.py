"""The admin (``admin.py``): editable settings, read-only records, append-only logs, an agent's
status through the service, complaints redacted for auditors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from fairdesk.contact.choices import AgentStatus, Channel, ContactType
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
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.services.conversations import contact_start
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tests.conftest import T0, Clock, Staff, as_user
from fairdesk.core import roles
from fairdesk.customers.models import Customer


@pytest.fixture
def superuser(db: None, django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.mark.django_db
def test_admin_lists_every_contact_model(superuser: Any, customer: Customer, clock: Clock) -> None:
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
def test_logs_are_append_only_in_the_admin(
    superuser: Any, customer: Customer, clock: Clock
) -> None:
    contact = contact_start(
        customer=customer, contact_type=ContactType.REFUND, channel=Channel.WEB_CHAT, text="你好"
    )
    message = ContactMessage.objects.filter(contact=contact).first()
    assert message is not None
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
def test_faq_and_policy_are_editable(superuser: Any) -> None:
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
def test_agent_status_changes_through_the_service(
    superuser: Any, staff: Staff, clock: Clock
) -> None:
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
def test_auditors_read_complaints_redacted_in_the_admin(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
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
