"""The staff outbox page (masked recipients, codes only when the outbox delivers them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.customers.services import login_code_request
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import message_send, messages_deliver_due

pytestmark = pytest.mark.django_db


def staff_client(role: str | None = None, is_staff: bool = False) -> Client:
    user = get_user_model().objects.create_user(
        f"u-{role}-{is_staff}", password="pw-for-tests-123", is_staff=is_staff
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_outbox_access() -> None:
    response = Client().get("/outbox/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    customer_user = get_user_model().objects.create_user("c1", password="x")
    customer_user.groups.add(Group.objects.get(name="customer"))
    client = Client()
    client.force_login(customer_user)
    assert client.get("/outbox/").status_code == 403
    assert staff_client("agent").get("/outbox/").status_code == 200  # a staff role
    assert staff_client(is_staff=True).get("/outbox/").status_code == 200


def test_outbox_shows_masked_recipients_and_sign_in_codes() -> None:
    login_code_request(phone="13800138000", ip=None)
    message_send(channel="email", kind="receipt", recipient="zhang@example.com", body="收据")
    html = staff_client(is_staff=True).get("/outbox/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "z***@example.com" in html and "zhang@example.com" not in html
    body = Message.objects.get(kind="login_code").body
    assert body in html  # no gateway: this is where the demo's codes are read
    assert "收据" in html


def test_outbox_hides_codes_sent_by_a_real_gateway(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {
        "sms": "fairdesk.notifications.tests.senders_for_tests.RecordingSender"
    }
    login_code_request(phone="13800138000", ip=None)
    message_send(channel="sms", kind="reminder", recipient="13800138000", body="明天上门")
    html = staff_client(is_staff=True).get("/outbox/").content.decode()
    assert Message.objects.get(kind="login_code").body not in html
    assert "not shown" in html and "明天上门" in html


def test_outbox_status_filter_and_failures(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {
        "sms": "fairdesk.notifications.tests.senders_for_tests.FailingSender"
    }
    message_send(channel="sms", kind="reminder", recipient="13800138000", body="甲")
    messages_deliver_due()
    message_send(channel="portal", kind="note", body="乙")
    client = staff_client(is_staff=True)
    html = client.get("/outbox/", {"channel": "sms"}).content.decode()
    assert "甲" in html and "乙" not in html
    assert "503 Service Unavailable" in html and "1 attempt" in html
    html = client.get("/outbox/", {"channel": "portal"}).content.decode()
    assert "乙" in html and "甲" not in html


def test_message_admin_is_read_only() -> None:
    message = message_send(channel="sms", kind="note", recipient="13800138000", body="x")
    admin = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/notifications/message/").status_code == 200
    html = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    assert client.get("/admin/notifications/message/add/").status_code == 403
