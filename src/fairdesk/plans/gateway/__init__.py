"""Payment gateways behind one interface.

fairdesk calls a gateway to charge a payment method and to refund a payment; every call carries an
idempotency key, so a retry after a crash never charges or refunds twice: a gateway answers a
second call with the same key with the outcome of the first (the provider's own idempotency:
Alipay's ``out_trade_no`` / ``out_request_no``, WeChat Pay's ``out_trade_no`` / ``out_refund_no``).

An answer is one of three (``GatewayResult``):

* ``ok``: the money moved; ``reference`` is the provider's id for it (a refund names it);
* ``pending``: the provider accepted the request or its outcome is not known yet (a WeChat Pay
  deduction is carried out later; a refund is being paid; the provider did not answer, or its
  answer could not be verified). Nothing is recorded as failed: the same call with the same key
  is made again later (the worker), and a verified notification from the provider settles it
  sooner (``plans.views``, ``services.billing.gateway_notice_apply``);
* neither: the provider refused, definitively (``error`` says why). No money moved.

The gateways (``PAYMENT_GATEWAY``: a name below or a dotted path to a class):

* ``local`` (``LocalGateway``): the demo's gateway. It keeps its own book
  (``LocalGatewayRecord``), moves no real money and says so. It declines methods whose token
  starts with ``demo-declined`` (to show and test failed payments) and accepts every other token;
* ``alipay`` (``gateway.alipay.AlipayGateway``): Alipay's open API, agreement withholding
  (``alipay.trade.pay``) and refunds, RSA2;
* ``wechatpay`` (``gateway.wechatpay.WeChatPayGateway``): WeChat Pay, contract withholding
  (委托代扣) and API v3 refunds;
* unset outside the demo: ``NoGateway``, which decides nothing (every call is pending) and
  which the deployment check reports (``plans.checks``).

A refund goes to the gateway that took the payment (``Payment.gateway``, ``gateway_named``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

log = logging.getLogger("fairdesk.plans.gateway")


@dataclass(frozen=True)
class GatewayResult:
    ok: bool
    reference: str = ""
    error: str = ""
    pending: bool = False


@dataclass(frozen=True)
class GatewayNotice:
    """What a verified notification of a provider says about one of fairdesk's calls.

    ``kind`` is ``charge`` or ``refund``; ``idempotency_key`` the key of the call it is about;
    ``ok`` True when the money moved, False when the provider gave up on it; ``amount_fen`` what
    moved (the provider's figure, in fen; None when the notification does not say: the gateway is
    then asked again).
    """

    kind: str
    idempotency_key: str
    ok: bool
    reference: str
    amount_fen: int | None
    error: str = ""


class NotificationRejected(Exception):
    """A notification whose signature, decryption or content did not verify: nothing changes."""


class GatewayNotConfigured(Exception):
    """A gateway's settings are missing or unreadable (the message names them)."""


class PaymentGateway(Protocol):
    name: str
    #: What the customer is told pays, in English (marked for translation: shown translated)
    label: str

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult: ...


DECLINED_PREFIX = "demo-declined"


class LocalGateway:
    """The demo gateway: records what a real gateway would do. No real money moves."""

    name = "local"
    label = gettext_noop("Demo payment gateway (no real money)")

    def _record(self, **fields: Any) -> GatewayResult:
        from fairdesk.plans.models import LocalGatewayRecord

        key = fields["idempotency_key"]
        existing = LocalGatewayRecord.objects.filter(idempotency_key=key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = LocalGatewayRecord.objects.create(at=timezone.now(), **fields)
            except IntegrityError:  # a concurrent retry with the same key won
                existing = LocalGatewayRecord.objects.get(idempotency_key=key)
        return GatewayResult(ok=existing.ok, reference=existing.reference, error=existing.error)

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        declined = method.startswith(DECLINED_PREFIX)
        return self._record(
            kind="charge",
            method=method,
            amount_fen=amount_fen,
            idempotency_key=idempotency_key,
            ok=not declined,
            reference="" if declined else f"LOCAL-CH-{secrets.token_hex(6).upper()}",
            error="card declined (demo)" if declined else "",
        )

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult:
        from fairdesk.plans.models import LocalGatewayRecord

        original = LocalGatewayRecord.objects.filter(
            kind="charge", reference=payment_reference, ok=True
        ).first()
        refunded = sum(
            LocalGatewayRecord.objects.filter(
                kind="refund", original_reference=payment_reference, ok=True
            )
            .exclude(idempotency_key=idempotency_key)
            .values_list("amount_fen", flat=True)
        )
        error = ""
        if original is None:
            error = "unknown payment"
        elif refunded + amount_fen > original.amount_fen:
            error = "refund exceeds the payment"
        return self._record(
            kind="refund",
            method=original.method if original else "",
            amount_fen=amount_fen,
            idempotency_key=idempotency_key,
            ok=not error,
            reference="" if error else f"LOCAL-RF-{secrets.token_hex(6).upper()}",
            error=error,
            original_reference=payment_reference,
        )


class NoGateway:
    """No payment gateway is configured (outside the demo, ``PAYMENT_GATEWAY`` unset). Nothing is
    charged or refunded and nothing is recorded as failed: every call is pending and retried by
    the worker, and ``fairdesk manage check --deploy`` reports it (``plans.E001``)."""

    name = "none"
    label = gettext_noop("No payment gateway configured")
    error = "no payment gateway is configured (PAYMENT_GATEWAY)"

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        log.error("payment %s not collected: %s", idempotency_key, self.error)
        return GatewayResult(ok=False, pending=True, error=self.error)

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult:
        log.error("refund %s not paid: %s", idempotency_key, self.error)
        return GatewayResult(ok=False, pending=True, error=self.error)


#: The gateways by name (``PAYMENT_GATEWAY`` accepts these names or a dotted path).
GATEWAYS = {
    "local": "fairdesk.plans.gateway.LocalGateway",
    "alipay": "fairdesk.plans.gateway.alipay.AlipayGateway",
    "wechatpay": "fairdesk.plans.gateway.wechatpay.WeChatPayGateway",
    "none": "fairdesk.plans.gateway.NoGateway",
}


def configured_path() -> str:
    """The dotted path of the configured gateway (``PAYMENT_GATEWAY``: a name or a path)."""
    value = (getattr(settings, "PAYMENT_GATEWAY", "") or "none").strip()
    return GATEWAYS.get(value, value)


@cache
def _gateway_for(path: str) -> PaymentGateway:
    gateway: PaymentGateway = import_string(path)()
    return gateway


def get_gateway() -> PaymentGateway:
    """The configured gateway: charges go to it."""
    return _gateway_for(configured_path())


def gateway_named(name: str) -> PaymentGateway:
    """The gateway called ``name`` (``Payment.gateway``): a refund goes where the money came
    from, even after ``PAYMENT_GATEWAY`` changed. Raises ``GatewayNotConfigured`` when that
    gateway is unknown or its settings are missing."""
    configured = get_gateway()
    if configured.name == name:
        return configured
    if name not in GATEWAYS:
        raise GatewayNotConfigured(f"no payment gateway is called {name!r}")
    return _gateway_for(GATEWAYS[name])


def gateways_reset() -> None:
    """Forget the gateways built so far (their settings are read when one is first built)."""
    _gateway_for.cache_clear()
