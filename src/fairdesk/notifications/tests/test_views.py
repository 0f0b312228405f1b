"""The staff outbox page and the admin: metadata to the roles that need it, the text of
messages only in the demo, a sign-in code never outside it and never in the admin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.customers.services import login_code_request
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import message_send, messages_deliver_due

pytestmark = pytest.mark.django_db

FAILING = "fairdesk.notifications.tests.senders_for_tests.FailingSender"
RECORDING = "fairdesk.notifications.tests.senders_for_tests.RecordingSender"


def staff_client(role: str | None = None, is_staff: bool = False) -> Client:
    n = get_user_model().objects.count()
    user = get_user_model().objects.create_user(
        f"u-{role}-{is_staff}-{n}", password="pw-for-tests-123", is_staff=is_staff
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def superuser_client() -> Client:
    n = get_user_model().objects.count()
    admin = get_user_model().objects.create_superuser(f"boss{n}", password="pw-for-tests-123")
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin)
    return client


def code_of(message: Message) -> str:
    match = re.search(r"\d{6}", message.body)
    assert match is not None
    return match.group(0)


def test_outbox_access() -> None:
    """Agents, brand administrators and auditors (the view_message permission) and superusers;
    not outlet staff, dispatchers, technicians, customers, or a bare is_staff account."""
    response = Client().get("/outbox/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    customer_user = get_user_model().objects.create_user("c1", password="x")
    customer_user.groups.add(Group.objects.get(name="customer"))
    client = Client()
    client.force_login(customer_user)
    assert client.get("/outbox/").status_code == 403
    for role in ("technician", "outlet_manager", "dispatcher"):
        assert staff_client(role).get("/outbox/").status_code == 403, role
    assert staff_client(is_staff=True).get("/outbox/").status_code == 403
    for role in ("agent", "brand_admin", "auditor"):
        assert staff_client(role).get("/outbox/").status_code == 200, role
    assert superuser_client().get("/outbox/").status_code == 200


def test_no_staff_account_reads_a_sign_in_code(settings: Any) -> None:
    """The issue's attack: a technician of another outlet asks for a code for a customer's
    number and opens the outbox: refused. Those who may open it see metadata only, before and
    after delivery; once the code has left, its text is gone from the table too."""
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    response = Client().post(
        "/api/v1/auth/code", {"phone": "13800138000"}, content_type="application/json"
    )
    assert response.status_code < 300, response.content
    message = Message.objects.get(kind="login_code")
    code = code_of(message)
    assert message.params["code"] == code
    assert staff_client("technician").get("/outbox/?kind=login_code").status_code == 403
    for client in (staff_client("agent"), superuser_client()):
        html = client.get("/outbox/?kind=login_code").content.decode()
        assert "login_code" in html and "138****8000" in html
        assert code not in html and "13800138000" not in html
        assert "data-hidden-body" in html and "data-demo" not in html
    messages_deliver_due()
    message.refresh_from_db()
    assert message.status == "sent"
    assert code not in message.body and message.params == {}
    page = superuser_client().get(f"/admin/notifications/message/{message.pk}/change/")
    assert code not in page.content.decode()


def test_outside_the_demo_no_text_is_shown(settings: Any) -> None:
    message_send(channel="email", kind="receipt", recipient="zhang@example.com", body="收据正文")
    message_send(channel="portal", kind="note", body="门户正文", subject="门户标题")
    html = staff_client("brand_admin").get("/outbox/").content.decode()
    assert "z***@example.com" in html and "zhang@example.com" not in html
    assert "收据正文" not in html and "门户正文" not in html
    assert "门户标题" in html  # the subject is metadata
    assert "The text of messages is not shown." in html
    zh = staff_client("brand_admin")
    zh.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "不显示消息正文" in zh.get("/outbox/").content.decode()


def test_the_demo_shows_every_text_and_says_it_is_the_demo(settings: Any) -> None:
    settings.DEMO = True
    login_code_request(phone="13800138000", ip=None)
    message_send(channel="portal", kind="note", body="门户正文")
    html = staff_client("agent").get("/outbox/").content.decode()
    code = code_of(Message.objects.get(kind="login_code"))
    assert code in html and "门户正文" in html  # where the demo's codes are read
    assert "data-demo" in html and "this is the demo" in html
    assert "138****8000" in html and "13800138000" not in html
    zh = staff_client("agent")
    zh.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "演示环境" in zh.get("/outbox/").content.decode()  # labelled in Chinese first
    messages_deliver_due()  # the demo keeps the text after delivery
    assert code in Message.objects.get(kind="login_code").body


def test_auditors_read_the_demos_texts_redacted(settings: Any) -> None:
    """Auditors read personal data masked everywhere, the demo's outbox texts included."""
    settings.DEMO = True
    from fairdesk.customers.services import customer_get_or_create

    customer = customer_get_or_create(phone="13900139000", name="李四")
    body = "李四您好，师傅将上门：广东省深圳市南山区科技园路1号3栋501室，电话 13900139000"
    message_send(channel="portal", kind="note", body=body, customer=customer)
    auditor = staff_client("auditor").get("/outbox/").content.decode()
    for secret in ("李四", "科技园路", "501室", "13900139000"):
        assert secret not in auditor, secret
    assert "广东省深圳市南山区＊＊＊" in auditor and "139****9000" in auditor
    assert "科技园路1号" in staff_client("agent").get("/outbox/").content.decode()


def test_the_admin_never_shows_a_sign_in_code(settings: Any) -> None:
    """Not even in the demo; other texts only in the demo; the recipient masked."""
    login_code_request(phone="13800138000", ip=None)
    note = message_send(channel="portal", kind="note", body="门户正文")
    message = Message.objects.get(kind="login_code")
    code = code_of(message)
    client = superuser_client()
    for demo in (False, True):
        settings.DEMO = demo
        html = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
        assert code not in html and "13800138000" not in html and "138****8000" in html
        assert "never shown" in html
        listing = client.get("/admin/notifications/message/").content.decode()
        assert code not in listing and "13800138000" not in listing
        html = client.get(f"/admin/notifications/message/{note.pk}/change/").content.decode()
        assert ("门户正文" in html) is demo


def test_outbox_status_filter_and_failures(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    message_send(
        channel="sms",
        kind="contact.callback_missed",
        recipient="13800138000",
        body="甲",
        params={"end": "2026-03-01 10:00"},
    )
    messages_deliver_due()
    message_send(channel="portal", kind="note", body="乙")
    client = staff_client("brand_admin")
    html = client.get("/outbox/", {"channel": "sms"}).content.decode()
    assert "contact.callback_missed" in html and "note" not in html
    assert "503 Service Unavailable" in html and "1 attempt" in html
    html = client.get("/outbox/", {"channel": "portal"}).content.decode()
    assert "note" in html and "contact.callback_missed" not in html


def test_message_admin_is_read_only() -> None:
    message = message_send(channel="portal", kind="note", body="x")
    client = superuser_client()
    assert client.get("/admin/notifications/message/").status_code == 200
    html = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    assert client.get("/admin/notifications/message/add/").status_code == 403
