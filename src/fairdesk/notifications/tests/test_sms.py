"""The SMS gateways (Alibaba Cloud, Tencent Cloud) against local servers that check each request
and its signature as the providers document them; the system checks of the SMS configuration;
``fairdesk serve``'s refusal to start without a gateway; no code in the logs."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client

from fairdesk.customers.services import login_code_request
from fairdesk.notifications.checks import TAG
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import RETRY_AFTER, message_send, messages_deliver_due
from fairdesk.notifications.sms import aliyun_signature
from fairdesk.notifications.tests import fake_gateways
from fairdesk.notifications.tests.fake_gateways import FakeGateway

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture(params=["aliyun", "tencent"])
def gateway(request: Any, settings: Any) -> Iterator[FakeGateway]:
    with fake_gateways.running(request.param) as gateway:
        for name, value in fake_gateways.gateway_settings(gateway).items():
            setattr(settings, name, value)
        yield gateway


def callback_sms(**fields: Any) -> Message:
    return message_send(
        channel="sms",
        kind="contact.callback",
        recipient=PHONE,
        body="我们将在 10:00 至 11:00 回电。",
        params={"start": "2026-03-01 10:00", "end": "2026-03-01 11:00"},
        **fields,
    )


def test_aliyun_signature_matches_the_documented_example() -> None:
    """The SendSms example of Alibaba Cloud's signature document (secret testSecret)."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_a_sign_in_code_goes_out_as_its_template(gateway: FakeGateway) -> None:
    """The template of the kind, its parameters by name, the sign name, the message's id as the
    idempotency key; the message is marked sent by this gateway."""
    response = Client().post("/api/v1/auth/code", {"phone": PHONE}, content_type="application/json")
    assert response.status_code < 300
    message = Message.objects.get(kind="login_code")
    code = message.params["code"]
    assert messages_deliver_due() == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.sender == f"{gateway.provider}-sms"
    assert gateway.bad_signatures == 0 and gateway.repeats == 0
    sent = gateway.sent[str(message.pk)]
    template = fake_gateways.gateway_settings(gateway)["SMS_TEMPLATES"]["login_code"]
    assert sent["template"] == template and sent["code"] == code and sent["minutes"] == "5"
    assert sent["phone"] in (PHONE, f"+86{PHONE}")
    assert code not in message.body  # gone from the outbox once it has left


def test_every_kind_of_text_message_has_its_parameters(gateway: FakeGateway) -> None:
    """A request filed, a callback booked and cancelled: the gateway takes each as its template
    (it refuses a template's wrong set of parameters)."""
    from fairdesk.contact.selectors import callback_windows
    from fairdesk.contact.services.callbacks import callback_cancel, callback_request
    from fairdesk.customers.services import customer_get_or_create

    customer = customer_get_or_create(phone=PHONE, name="李四")
    start, end = callback_windows()[0]  # the first window offered, within the staffed hours
    callback = callback_request(
        customer=customer,
        phone=PHONE,
        window_start=start,
        window_end=end,
        contact_type="consultation",
    )
    callback_cancel(callback=callback)
    login_code_request(phone=PHONE, ip=None)
    assert messages_deliver_due() >= 3
    assert set(Message.objects.filter(channel="sms").values_list("status", flat=True)) == {"sent"}
    assert len(gateway.sent) == Message.objects.filter(channel="sms").count()


def test_a_refusal_is_kept_and_tried_again(gateway: FakeGateway, time_machine: Any) -> None:
    time_machine.move_to("2026-03-01T02:00:00Z", tick=False)
    gateway.refuse = True
    message = callback_sms()
    messages_deliver_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert re.search(r"BUSINESS_LIMIT_CONTROL|PhoneNumberThirtySecondLimit", message.last_error)
    assert not gateway.sent
    gateway.refuse = False
    time_machine.shift(RETRY_AFTER[0])
    assert messages_deliver_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert list(gateway.sent) == [str(message.pk)]


def test_a_wrong_signature_is_refused_by_the_gateway(gateway: FakeGateway, settings: Any) -> None:
    """The local gateway really checks the signature: a wrong secret is refused, kept."""
    if gateway.provider == "aliyun":
        settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    else:
        settings.TENCENT_SMS_SECRET_KEY = "not-the-secret"
    message = callback_sms()
    messages_deliver_due()
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert "Signature" in message.last_error and gateway.bad_signatures == 1
    assert not gateway.sent


def test_an_unreachable_gateway_keeps_the_message(settings: Any) -> None:
    with fake_gateways.running("tencent") as gateway:
        for name, value in fake_gateways.gateway_settings(gateway).items():
            setattr(settings, name, value)
    settings.SMS_TIMEOUT_SECONDS = 2  # the server is gone: the port refuses connections
    message = callback_sms()
    messages_deliver_due()
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1 and message.last_error


def test_a_kind_without_a_template_is_kept_with_the_reason(
    gateway: FakeGateway, settings: Any
) -> None:
    settings.SMS_TEMPLATES = {
        k: v for k, v in settings.SMS_TEMPLATES.items() if k != "contact.callback"
    }
    message = callback_sms()
    messages_deliver_due()
    message.refresh_from_db()
    assert message.status == "queued"
    assert message.last_error == "no SMS template for contact.callback (SMS_TEMPLATES)"


# --- the system checks ------------------------------------------------------------------------


def ids(deploy: bool = True) -> set[str]:
    return {m.id for m in run_checks(tags=[TAG], include_deployment_checks=deploy) if m.id}


def test_checks_want_a_real_gateway_outside_the_demo(settings: Any) -> None:
    settings.SMS_PROVIDER = ""
    settings.NOTIFICATION_SENDERS = {}
    settings.DEMO = settings.WITHOUT_SMS = False
    assert ids() == {"notifications.E010"}
    assert ids(deploy=False) == set()  # not a deployment: nothing to say
    settings.DEMO = True
    assert ids() == set()
    settings.DEMO, settings.WITHOUT_SMS = False, True
    assert ids() == set()


def test_checks_report_a_misconfigured_gateway(settings: Any) -> None:
    with fake_gateways.running("aliyun") as gateway:
        for name, value in fake_gateways.gateway_settings(gateway).items():
            setattr(settings, name, value)
    assert ids() == set()
    settings.SMS_TEMPLATES = {
        **{k: v for k, v in settings.SMS_TEMPLATES.items() if k != "login_code"},
        "login_cod": "SMS_1",
    }
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ""
    messages = run_checks(tags=[TAG])  # every check run, not only --deploy
    assert {m.id for m in messages} == {
        "notifications.E002",
        "notifications.E003",
        "notifications.E004",
    }
    text = " ".join(str(m.msg) for m in messages)
    assert "ALIYUN_SMS_ACCESS_KEY_SECRET is not set" in text
    assert "no template for login_code" in text and "login_cod" in text
    settings.SMS_PROVIDER = "carrier-pigeon"
    assert ids() == {"notifications.E001"}


def test_manage_check_deploy_reports_it(tmp_path: Any) -> None:
    """``fairdesk manage check --deploy`` (what a production check collects) names it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMS_", "ALIYUN_", "TENCENT_", "FAIRDESK_WITHOUT", "FAIRDESK_DEMO"))
    }
    env["FAIRDESK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "fairdesk.cli", "manage", "check", "--deploy", "--tag", TAG],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "notifications.E010" in result.stderr and "No SMS gateway" in result.stderr


def test_serve_refuses_to_start_without_a_gateway(tmp_path: Any) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMS_", "ALIYUN_", "TENCENT_", "FAIRDESK_WITHOUT", "FAIRDESK_DEMO"))
    }
    env["FAIRDESK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "fairdesk.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fairdesk serve: not starting, because no SMS")
    assert "--without-sms" in lines[0]
    assert not (tmp_path / "fairdesk.sqlite3").exists()  # stopped before migrating


def test_serve_without_sms_is_an_explicit_choice(settings: Any) -> None:
    from fairdesk.cli import build_parser, sms_refusal

    settings.SMS_PROVIDER, settings.NOTIFICATION_SENDERS = "", {}
    settings.DEMO = settings.WITHOUT_SMS = False
    assert sms_refusal() is not None
    assert sms_refusal(allow_without_gateway=True) is None
    assert build_parser().parse_args(["serve", "--without-sms"]).without_sms
    settings.SMS_PROVIDER = "carrier-pigeon"  # a wrong gateway is never allowed
    refusal = sms_refusal(allow_without_gateway=True)
    assert refusal is not None and "carrier-pigeon" in refusal


# --- logs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["", "tencent"])
def test_no_sign_in_code_or_number_in_the_logs(
    provider: str, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A code requested and delivered (to the outbox, or by a gateway): the logs carry the
    message's id and kind, never its text, its code or the whole number."""
    caplog.set_level(logging.DEBUG)
    with fake_gateways.running("tencent") as gateway:
        if provider:
            for name, value in fake_gateways.gateway_settings(gateway).items():
                setattr(settings, name, value)
        Client().post("/api/v1/auth/code", {"phone": PHONE}, content_type="application/json")
        message = Message.objects.get(kind="login_code")
        code = message.params["code"]
        assert messages_deliver_due() == 1
    assert f"message {message.pk}" in caplog.text or provider  # the outbox logs its metadata
    assert code not in caplog.text and PHONE not in caplog.text
    assert message.body not in caplog.text
    assert json.dumps(code) not in caplog.text
