"""The WeChat Pay gateway against a local WeChat Pay (``providers.FakeWeChatPay``) with keys made
here: the deduction (API v2, HMAC-SHA256) accepted then notified, API v3 refunds signed
WECHATPAY2-SHA256-RSA2048 with verified answers, notifications verified and decrypted
(AEAD_AES_256_GCM), amounts in fen, and nothing paid or refunded twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fairdesk.plans.choices import Channel, InvoiceStatus, RefundStatus
from fairdesk.plans.gateway import gateways_reset, get_gateway
from fairdesk.plans.gateway.wechatpay import WeChatPayGateway
from fairdesk.plans.models import Payment, Plan, Refund, Subscription
from fairdesk.plans.services.billing import refund_execute
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.plans.tests.conftest import assert_balanced
from fairdesk.plans.tests.providers import (
    FakeWeChatPay,
    ProviderServer,
    new_key,
    pem_private,
    pem_public,
    write,
)

CONTRACT = "Wx15463511252015071056489715"
METHOD = f"wechatpay:{CONTRACT}"
PAPAY_NOTIFY = "/payments/notify/wechatpay/papay/"
V3_NOTIFY = "/payments/notify/wechatpay/"


@pytest.fixture(scope="module")
def keys() -> list[Any]:
    return [new_key(), new_key()]


@pytest.fixture
def wechatpay(
    settings: Any, tmp_path: Path, monkeypatch: Any, keys: list[Any]
) -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(merchant_key=keys[0], platform_key=keys[1], contracts={CONTRACT})
    server = ProviderServer(fake)
    monkeypatch.setenv("no_proxy", "*")
    settings.PAYMENT_GATEWAY = "wechatpay"
    settings.WECHATPAY_MCH_ID = fake.mch_id
    settings.WECHATPAY_APP_ID = fake.app_id
    settings.WECHATPAY_MCH_CERT_SERIAL = fake.serial
    settings.WECHATPAY_MCH_PRIVATE_KEY_PATH = write(
        tmp_path, "apiclient_key.pem", pem_private(keys[0])
    )
    settings.WECHATPAY_PUBLIC_KEY_PATH = write(tmp_path, "pub_key.pem", pem_public(keys[1]))
    settings.WECHATPAY_PUBLIC_KEY_ID = fake.public_key_id
    settings.WECHATPAY_APIV3_KEY = fake.v3_key
    settings.WECHATPAY_APIV2_KEY = fake.v2_key
    settings.WECHATPAY_API_URL = server.url
    settings.WECHATPAY_NOTIFY_URL = "https://service.example.com/payments/notify/wechatpay/"
    settings.WECHATPAY_PAPAY_NOTIFY_URL = (
        "https://service.example.com/payments/notify/wechatpay/papay/"
    )
    settings.WECHATPAY_SERVER_IP = "203.0.113.7"
    gateways_reset()
    yield fake
    server.close()
    gateways_reset()


def gateway() -> WeChatPayGateway:
    found = get_gateway()
    assert isinstance(found, WeChatPayGateway)
    return found


def test_a_deduction_is_accepted_then_found_paid_and_never_applied_twice(
    wechatpay: FakeWeChatPay,
) -> None:
    key = "fairdesk-invoice-7-1"
    first = gateway().charge(method=METHOD, amount_fen=12345, idempotency_key=key)
    assert not first.ok and first.pending  # accepted: WeChat Pay deducts later
    assert wechatpay.orders[key]["total_fee"] == 12345  # sent as fen
    again = gateway().charge(method=METHOD, amount_fen=12345, idempotency_key=key)
    assert again.pending  # still waiting: looked up, not applied again
    wechatpay.settle(key)
    paid = gateway().charge(method=METHOD, amount_fen=12345, idempotency_key=key)
    assert paid.ok and paid.reference == wechatpay.orders[key]["transaction_id"]
    assert wechatpay.calls.count("POST /pay/pappayapply") == 1
    assert wechatpay.refused == []


def test_a_refused_deduction_is_a_failure(wechatpay: FakeWeChatPay) -> None:
    unknown = gateway().charge(
        method="wechatpay:WxNoSuchContract", amount_fen=100, idempotency_key="fairdesk-invoice-8-1"
    )
    assert not unknown.ok and not unknown.pending and "CONTRACT_NOT_EXIST" in unknown.error
    wechatpay.contracts.add("WxFails")
    wechatpay.orders["fairdesk-invoice-9-1"] = {
        "transaction_id": "4200009",
        "total_fee": 100,
        "state": "PAY_FAIL",
    }
    failed = gateway().charge(
        method="wechatpay:WxFails", amount_fen=100, idempotency_key="fairdesk-invoice-9-1"
    )
    assert not failed.ok and not failed.pending and failed.error.startswith("PAY_FAIL")
    assert wechatpay.refused == []


def test_a_tampered_v2_answer_is_not_believed(wechatpay: FakeWeChatPay) -> None:
    wechatpay.tamper = True
    result = gateway().charge(method=METHOD, amount_fen=100, idempotency_key="fairdesk-invoice-1-1")
    assert not result.ok and result.pending


def test_refunds_are_signed_in_fen_verified_and_made_once(wechatpay: FakeWeChatPay) -> None:
    key = "fairdesk-invoice-3-1"
    gateway().charge(method=METHOD, amount_fen=3000, idempotency_key=key)
    wechatpay.settle(key)
    reference = wechatpay.orders[key]["transaction_id"]
    first = gateway().refund(payment_reference=reference, amount_fen=1234, idempotency_key="fr-1")
    again = gateway().refund(payment_reference=reference, amount_fen=1234, idempotency_key="fr-1")
    assert first.pending and again.pending  # PROCESSING: WeChat Pay tells the outcome later
    assert list(wechatpay.refunds) == ["fr-1"] and wechatpay.refunds["fr-1"]["fen"] == 1234
    assert wechatpay.calls.count("POST /v3/refund/domestic/refunds") == 1
    wechatpay.refunds["fr-1"]["status"] = "SUCCESS"
    done = gateway().refund(payment_reference=reference, amount_fen=1234, idempotency_key="fr-1")
    assert done.ok and done.reference == wechatpay.refunds["fr-1"]["refund_id"]
    assert wechatpay.refused == []


def test_a_v3_answer_tampered_or_stale_is_not_believed(wechatpay: FakeWeChatPay) -> None:
    key = "fairdesk-invoice-4-1"
    gateway().charge(method=METHOD, amount_fen=3000, idempotency_key=key)
    wechatpay.settle(key)
    reference = wechatpay.orders[key]["transaction_id"]
    wechatpay.tamper = True  # PROCESSING turned into SUCCESS after signing
    tampered = gateway().refund(payment_reference=reference, amount_fen=10, idempotency_key="fr-2")
    assert not tampered.ok and tampered.pending
    wechatpay.tamper, wechatpay.answer_age = False, 600
    stale = gateway().refund(payment_reference=reference, amount_fen=10, idempotency_key="fr-2")
    assert not stale.ok and stale.pending


# --- through the plans, end to end ---------------------------------------------------------------

db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def paid_subscription(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> Subscription:
    sub = subscribe(catalog["cloud-30"], method=METHOD)
    inv = sub.invoices.get()
    key = f"fairdesk-invoice-{inv.pk}-1"
    wechatpay.settle(key)
    answer = Client().post(PAPAY_NOTIFY, wechatpay.papay_notification(key), content_type="text/xml")
    assert answer.status_code == 200 and b"SUCCESS" in answer.content
    return sub


@db
def test_a_deduction_is_settled_by_its_notification_once(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=METHOD)
    inv = sub.invoices.get()
    assert inv.status == InvoiceStatus.OPEN and inv.payment_attempts == 0 and inv.last_failure == ""
    key = f"fairdesk-invoice-{inv.pk}-1"
    assert wechatpay.orders[key]["total_fee"] == inv.amount_fen
    wechatpay.settle(key)
    for _ in range(2):
        answer = Client().post(
            PAPAY_NOTIFY, wechatpay.papay_notification(key), content_type="text/xml"
        )
        assert answer.status_code == 200 and b"<return_code>SUCCESS</return_code>" in answer.content
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.PAID
    payment = Payment.objects.get(invoice=inv)
    assert (payment.gateway, payment.gateway_ref) == (
        "wechatpay",
        wechatpay.orders[key]["transaction_id"],
    )
    assert_balanced(sub)


@db
def test_a_failed_deduction_notification_starts_the_grace_period(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=METHOD)
    key = f"fairdesk-invoice-{sub.invoices.get().pk}-1"
    wechatpay.settle(key, paid=False)
    Client().post(PAPAY_NOTIFY, wechatpay.papay_notification(key), content_type="text/xml")
    sub.refresh_from_db()
    inv = sub.invoices.get()
    assert (
        sub.status == "past_due" and inv.payment_attempts == 1 and "NOTENOUGH" in inv.last_failure
    )
    assert not Payment.objects.exists()
    assert_balanced(sub)


@db
def test_a_deduction_notification_that_does_not_verify_changes_nothing(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=METHOD)
    key = f"fairdesk-invoice-{sub.invoices.get().pk}-1"
    wechatpay.settle(key)
    for body in [
        wechatpay.papay_notification(key, total_fee="1"),  # changed after signing
        wechatpay.papay_notification(key, sign="0" * 64),
        wechatpay.papay_notification(key, mch_id="1900000000"),
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>',
        b"not xml",
    ]:
        answer = Client().post(PAPAY_NOTIFY, body, content_type="text/xml")
        assert answer.status_code == 400 and b"FAIL" in answer.content
    assert sub.invoices.get().status == InvoiceStatus.OPEN and not Payment.objects.exists()


@db
def test_a_cancel_is_refunded_in_fen_and_settled_by_the_refund_notification(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = paid_subscription(wechatpay, catalog, subscribe)
    payment = Payment.objects.get(subscription=sub)
    later = timezone.now() + timedelta(days=10)
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL, now=later)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, now=later)
    refund = Refund.objects.get(subscription=sub)
    key = f"fairdesk-refund-{refund.pk}"
    assert refund.status == RefundStatus.PENDING  # PROCESSING at WeChat Pay
    assert wechatpay.refunds[key]["fen"] == refund.amount_fen
    assert wechatpay.refunds[key]["transaction_id"] == payment.gateway_ref
    headers, body = wechatpay.refund_notification(key)
    for _ in range(2):
        answer = Client().post(V3_NOTIFY, body, content_type="application/json", headers=headers)
        assert answer.status_code == 204
    refund.refresh_from_db()
    assert refund.status == RefundStatus.DONE
    assert refund.gateway_ref == wechatpay.refunds[key]["refund_id"]
    refund_execute(refund_id=refund.pk)
    assert wechatpay.calls.count("POST /v3/refund/domestic/refunds") == 1
    assert wechatpay.refused == []
    sub.refresh_from_db()
    assert_balanced(sub)


@db
def test_a_refund_notification_that_does_not_verify_changes_nothing(
    wechatpay: FakeWeChatPay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = paid_subscription(wechatpay, catalog, subscribe)
    later = timezone.now() + timedelta(days=10)
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL, now=later)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, now=later)
    refund = Refund.objects.get(subscription=sub)
    key = f"fairdesk-refund-{refund.pk}"

    def post(headers: dict[str, str], body: bytes) -> int:
        answer = Client().post(V3_NOTIFY, body, content_type="application/json", headers=headers)
        return answer.status_code

    headers, body = wechatpay.refund_notification(key)
    assert post(headers, body.replace(b'"REFUND.SUCCESS"', b'"REFUND.CLOSED"')) == 401
    assert post({**headers, "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, body) == 401
    assert post({k: v for k, v in headers.items() if k != "Wechatpay-Signature"}, body) == 401
    assert post(*wechatpay.refund_notification(key, key="another32bytekey0123456789abcdef")) == 401
    wechatpay.answer_age = 600
    assert post(*wechatpay.refund_notification(key)) == 401  # replayed: 10 minutes old
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.done_at is None
