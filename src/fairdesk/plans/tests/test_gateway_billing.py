"""How the plans use a gateway's answers: a pending answer is asked again with the same key and
is no failure; money taken for an invoice that no longer asks for it is recorded and promised
back; a refund goes through the gateway that took the payment; the deployment checks; the demo
gateway is the default in the demo only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.utils import timezone

from fairdesk.plans.checks import check_payment_gateway
from fairdesk.plans.choices import (
    Channel,
    InvoiceStatus,
    PlanEventKind,
    RefundStatus,
    SubscriptionStatus,
)
from fairdesk.plans.gateway import GatewayResult, LocalGateway, gateways_reset
from fairdesk.plans.models import Invoice, LocalGatewayRecord, Payment, Plan, Refund, Subscription
from fairdesk.plans.services.billing import invoice_collect
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.plans.tests.conftest import assert_balanced
from fairdesk.plans.tests.providers import bare_base64_public, new_key, pem_private, write

db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HERE = "fairdesk.plans.tests.test_gateway_billing"


class CancellingGateway(LocalGateway):
    """Takes the money, but while it does the customer cancels (the invoice is settled by the
    credit for unused time): the race that used to leave the money out of the books."""

    name = "cancelling"
    cancelled: ClassVar[list[int]] = []

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        invoice = Invoice.objects.get(pk=int(idempotency_key.split("-")[2]))
        if invoice.subscription_id not in self.cancelled:
            self.cancelled.append(invoice.subscription_id)
            sub = invoice.subscription
            attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL)
            change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL)
        return super().charge(method=method, amount_fen=amount_fen, idempotency_key=idempotency_key)


class SlowGateway(LocalGateway):
    """Pending first (accepted), paid when asked again."""

    name = "slow"
    keys: ClassVar[list[str]] = []

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        self.keys.append(idempotency_key)
        if len(self.keys) == 1:
            return GatewayResult(ok=False, pending=True, error="accepted")
        return super().charge(method=method, amount_fen=amount_fen, idempotency_key=idempotency_key)


@db
def test_money_taken_for_an_invoice_settled_meanwhile_is_recorded_and_refunded(
    settings: Any, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    settings.PAYMENT_GATEWAY = f"{HERE}.CancellingGateway"
    sub = subscribe(catalog["cloud-30"], method="demo-card-6222")
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ENDED
    charged = LocalGatewayRecord.objects.get(kind="charge")
    payment = Payment.objects.get(subscription=sub)  # the money is in the books…
    assert (payment.gateway_ref, payment.amount_fen) == (charged.reference, charged.amount_fen)
    refund = Refund.objects.get(payment=payment)  # …and goes back, in full
    assert refund.amount_fen == charged.amount_fen and refund.status == RefundStatus.DONE
    assert LocalGatewayRecord.objects.get(kind="refund").amount_fen == charged.amount_fen
    assert_balanced(sub)


@db
def test_a_pending_answer_is_no_failure_and_is_asked_again_with_the_same_key(
    settings: Any, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    settings.PAYMENT_GATEWAY = f"{HERE}.SlowGateway"
    SlowGateway.keys.clear()
    sub = subscribe(catalog["cloud-30"], method="demo-card-6222")
    inv = sub.invoices.get()
    assert inv.status == InvoiceStatus.OPEN and inv.payment_attempts == 0
    assert inv.last_attempt_at is not None and inv.last_failure == ""
    assert not sub.events.filter(kind=PlanEventKind.PAYMENT_FAILED).exists()
    invoice_collect(invoice_id=inv.pk)
    inv.refresh_from_db()
    assert SlowGateway.keys == [f"fairdesk-invoice-{inv.pk}-1"] * 2
    assert inv.status == InvoiceStatus.PAID and inv.payment_attempts == 1
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert_balanced(sub)


@db
def test_a_refund_goes_back_through_the_gateway_that_took_the_payment(
    settings: Any, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    sub = subscribe(catalog["cloud-30"], method="demo-card-6222")
    assert Payment.objects.get(subscription=sub).gateway == "local"
    settings.PAYMENT_GATEWAY = ""  # switched away from the demo gateway since
    gateways_reset()
    later = timezone.now() + timedelta(days=3)
    attempt = change_start(subscription=sub, to_plan=None, channel=Channel.PORTAL, now=later)
    change_confirm(attempt_id=attempt.pk, channel=Channel.PORTAL, now=later)
    refund = Refund.objects.get(subscription=sub)
    assert refund.status == RefundStatus.DONE
    assert LocalGatewayRecord.objects.get(kind="refund").amount_fen == refund.amount_fen
    assert_balanced(sub)


@db
def test_nothing_is_charged_without_a_gateway(
    settings: Any, catalog: dict[str, Plan], subscribe: Callable[..., Subscription]
) -> None:
    settings.PAYMENT_GATEWAY = ""
    sub = subscribe(catalog["cloud-30"], method="demo-card-6222")
    inv = sub.invoices.get()
    assert inv.status == InvoiceStatus.OPEN and inv.payment_attempts == 0 and inv.last_failure == ""
    assert sub.status == SubscriptionStatus.ACTIVE and not LocalGatewayRecord.objects.exists()


@pytest.mark.django_db
def test_notification_endpoints_of_a_gateway_not_configured_are_not_found() -> None:
    for path in [
        "/payments/notify/alipay/",
        "/payments/notify/wechatpay/",
        "/payments/notify/wechatpay/papay/",
    ]:
        assert Client().post(path, {"sign": "x"}).status_code == 404


def test_the_deployment_check_reports_a_missing_demo_or_unusable_gateway(
    settings: Any, tmp_path: Path
) -> None:
    def ids() -> list[str]:
        gateways_reset()
        return [message.id or "" for message in check_payment_gateway()]

    settings.DEMO = False
    settings.PAYMENT_GATEWAY = ""
    assert ids() == ["plans.E001"]
    settings.PAYMENT_GATEWAY = "local"
    assert ids() == ["plans.E002"]
    settings.PAYMENT_GATEWAY = "fairdesk.plans.gateway.NoSuchGateway"
    assert ids() == ["plans.E003"]
    settings.PAYMENT_GATEWAY = "alipay"
    settings.ALIPAY_APP_ID = "2021000000000001"
    settings.ALIPAY_APP_PRIVATE_KEY_PATH = str(tmp_path / "missing.pem")
    assert ids() == ["plans.E003"]
    settings.ALIPAY_APP_PRIVATE_KEY_PATH = write(tmp_path, "app.pem", pem_private(new_key()))
    settings.ALIPAY_PUBLIC_KEY_PATH = write(tmp_path, "ali.txt", bare_base64_public(new_key()))
    settings.ALIPAY_GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
    settings.ALIPAY_NOTIFY_URL = "http://service.example.com/payments/notify/alipay/"
    assert ids() == ["plans.W004"]
    settings.ALIPAY_NOTIFY_URL = "https://service.example.com/payments/notify/alipay/"
    assert ids() == []
    settings.PAYMENT_GATEWAY, settings.DEMO = "local", True
    assert ids() == []


@pytest.mark.parametrize(("demo", "expected"), [("true", "local"), ("", "")])
def test_the_demo_gateway_is_the_default_in_the_demo_only(
    demo: str, expected: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"PAYMENT_GATEWAY", "FAIRDESK_DEMO"}}
    env.update(FAIRDESK_DATA_DIR=str(tmp_path), FAIRDESK_DEMO=demo)
    code = "from fairdesk import settings; print(repr(settings.PAYMENT_GATEWAY))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == repr(expected)
