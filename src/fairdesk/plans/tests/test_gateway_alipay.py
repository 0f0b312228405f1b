"""The Alipay gateway against a local Alipay (``providers.FakeAlipay``) with keys made here:
signed requests, verified answers and notifications, yuan with two decimals, one payment per
``out_trade_no`` and one refund per ``out_request_no``, and a subscription paid and refunded
through it end to end."""

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
from fairdesk.plans.gateway.alipay import AlipayGateway, signed_part
from fairdesk.plans.models import Payment, Plan, Refund, Subscription
from fairdesk.plans.services.billing import refund_execute
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.plans.tests.conftest import assert_balanced
from fairdesk.plans.tests.providers import (
    FakeAlipay,
    ProviderServer,
    bare_base64_public,
    new_key,
    pem_private,
    write,
)

PAYS, POOR, SLOW = "20265500000001", "20265500000002", "20265500000003"
NOTIFY = "/payments/notify/alipay/"


@pytest.fixture(scope="module")
def keys() -> list[Any]:
    return [new_key(), new_key()]


@pytest.fixture
def alipay(
    settings: Any, tmp_path: Path, monkeypatch: Any, keys: list[Any]
) -> Iterator[FakeAlipay]:
    fake = FakeAlipay(
        app_key=keys[0], alipay_key=keys[1], agreements={PAYS: "ok", POOR: "poor", SLOW: "slow"}
    )
    server = ProviderServer(fake)
    monkeypatch.setenv("no_proxy", "*")
    settings.PAYMENT_GATEWAY = "alipay"
    settings.ALIPAY_APP_ID = fake.app_id
    settings.ALIPAY_APP_PRIVATE_KEY_PATH = write(tmp_path, "app_private.pem", pem_private(keys[0]))
    settings.ALIPAY_PUBLIC_KEY_PATH = write(
        tmp_path, "alipay_public.txt", bare_base64_public(keys[1])
    )
    settings.ALIPAY_GATEWAY_URL = server.url + "/gateway.do"
    settings.ALIPAY_NOTIFY_URL = "https://service.example.com/payments/notify/alipay/"
    gateways_reset()
    yield fake
    server.close()
    gateways_reset()


def gateway() -> AlipayGateway:
    found = get_gateway()
    assert isinstance(found, AlipayGateway)
    return found


def test_withholding_is_signed_in_yuan_and_a_retry_never_pays_twice(alipay: FakeAlipay) -> None:
    first = gateway().charge(method=f"alipay:{PAYS}", amount_fen=12345, idempotency_key="k-1-1")
    again = gateway().charge(method=f"alipay:{PAYS}", amount_fen=12345, idempotency_key="k-1-1")
    assert first.ok and first.reference == alipay.trades["k-1-1"]["trade_no"]
    assert again == first  # the same outcome, found by alipay.trade.query
    assert alipay.trades["k-1-1"]["fen"] == 12345  # sent as "123.45"
    assert alipay.calls.count("alipay.trade.pay") == 1
    assert alipay.refused == []


def test_a_refusal_is_a_failure_and_moves_no_money(alipay: FakeAlipay) -> None:
    result = gateway().charge(method=f"alipay:{POOR}", amount_fen=5, idempotency_key="k-2-1")
    assert not result.ok and not result.pending
    assert "ACQ.BUYER_BALANCE_NOT_ENOUGH" in result.error
    assert alipay.trades == {} and alipay.refused == []
    wrong = gateway().charge(method="demo-card-6222", amount_fen=5, idempotency_key="k-3-1")
    assert not wrong.ok and not wrong.pending and alipay.calls.count("alipay.trade.pay") == 1


def test_a_tampered_answer_is_not_believed_and_the_retry_pays_once(alipay: FakeAlipay) -> None:
    alipay.tamper = True
    result = gateway().charge(method=f"alipay:{PAYS}", amount_fen=100, idempotency_key="k-4-1")
    assert not result.ok and result.pending  # unknown, never "refused"
    alipay.tamper = False
    retry = gateway().charge(method=f"alipay:{PAYS}", amount_fen=100, idempotency_key="k-4-1")
    assert retry.ok and retry.reference == alipay.trades["k-4-1"]["trade_no"]
    assert alipay.calls.count("alipay.trade.pay") == 1 and alipay.refused == []


def test_an_unreachable_alipay_leaves_the_outcome_unknown(
    alipay: FakeAlipay, settings: Any
) -> None:
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:9/gateway.do"
    gateways_reset()
    result = gateway().charge(method=f"alipay:{PAYS}", amount_fen=100, idempotency_key="k-5-1")
    assert not result.ok and result.pending


def test_a_refund_is_paid_once_per_out_request_no(alipay: FakeAlipay) -> None:
    paid = gateway().charge(method=f"alipay:{PAYS}", amount_fen=3000, idempotency_key="k-6-1")
    refunds = [
        gateway().refund(payment_reference=paid.reference, amount_fen=1001, idempotency_key="r-1")
        for _ in range(2)
    ]
    assert refunds[0].ok and refunds[1] == refunds[0]  # the retry: fund_change N, then queried
    assert alipay.refunds == {(paid.reference, "r-1"): 1001}
    too_much = gateway().refund(
        payment_reference=paid.reference, amount_fen=2000, idempotency_key="r-2"
    )
    assert not too_much.ok and alipay.refunds == {(paid.reference, "r-1"): 1001}
    assert alipay.refused == []


def test_the_signed_member_is_found_exactly() -> None:
    text = (
        '{"a":"x\\"alipay_trade_pay_response\\":{}",'
        '"alipay_trade_pay_response":{"b":"}"},"sign":"s"}'
    )
    assert signed_part(text, "alipay_trade_pay_response") == '{"b":"}"}'
    assert signed_part('{"sign":"s"}', "alipay_trade_pay_response") is None


# --- through the plans, end to end ---------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytestmark_db
def test_a_withholding_completed_later_is_settled_by_its_notification(
    alipay: FakeAlipay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=f"alipay:{SLOW}")
    inv = sub.invoices.get()
    assert inv.status == InvoiceStatus.OPEN and inv.payment_attempts == 0  # pending, not failed
    assert inv.last_attempt_at is not None and inv.last_failure == ""
    key = f"fairdesk-invoice-{inv.pk}-1"
    assert alipay.trades[key]["fen"] == inv.amount_fen
    alipay.complete(key)
    client = Client()
    for _ in range(2):  # Alipay repeats a notification until it reads "success"
        answer = client.post(NOTIFY, alipay.notification(key))
        assert answer.status_code == 200 and answer.content == b"success"
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.PAID and inv.payment_attempts == 1
    payment = Payment.objects.get(invoice=inv)
    assert (payment.gateway, payment.gateway_ref) == ("alipay", alipay.trades[key]["trade_no"])
    assert payment.amount_fen == inv.amount_fen
    assert_balanced(sub)


@pytestmark_db
def test_a_notification_that_does_not_verify_changes_nothing(
    alipay: FakeAlipay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=f"alipay:{SLOW}")
    inv = sub.invoices.get()
    key = f"fairdesk-invoice-{inv.pk}-1"
    alipay.complete(key)
    forged = [
        alipay.notification(key, total_amount="0.01"),  # changed after signing
        alipay.notification(key, sign=""),
        alipay.notification(key, sign_type="RSA"),
        {k: v for k, v in alipay.notification(key).items() if k != "sign"},
    ]
    other = FakeAlipay(app_id=alipay.app_id, alipay_key=new_key(), trades=alipay.trades)
    forged.append(other.notification(key))  # signed, but not with Alipay's key
    for params in forged:
        answer = Client().post(NOTIFY, params)
        assert answer.status_code == 400 and answer.content == b"failure"
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.OPEN and not Payment.objects.exists()
    assert Client().get(NOTIFY).status_code == 405


@pytestmark_db
def test_a_cancel_is_refunded_exactly_through_alipay(
    alipay: FakeAlipay, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method=f"alipay:{PAYS}")
    payment = Payment.objects.get(subscription=sub)
    assert payment.gateway == "alipay" and payment.amount_fen == 3000
    later = timezone.now() + timedelta(days=10)
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL, now=later)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, now=later)
    refund = Refund.objects.get(subscription=sub)
    assert refund.status == RefundStatus.DONE
    assert alipay.refunds == {
        (payment.gateway_ref, f"fairdesk-refund-{refund.pk}"): refund.amount_fen
    }
    refund_execute(refund_id=refund.pk)  # a retry changes nothing
    assert len(alipay.refunds) == 1 and alipay.refused == []
    sub.refresh_from_db()
    assert_balanced(sub)
