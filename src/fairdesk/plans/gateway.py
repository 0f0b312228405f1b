"""Payment gateways behind one interface.

fairdesk calls a gateway to charge a payment method and to refund a payment; every call carries an
idempotency key, so a retry after a crash never charges or refunds twice. ``LocalGateway`` is the
demo's gateway: it keeps its own book (``LocalGatewayRecord``), moves no real money and says so.
A real gateway (Alipay, WeChat Pay, UnionPay…) implements the same two methods and is chosen with
the ``PAYMENT_GATEWAY`` setting (a dotted path).

The local gateway declines methods whose token starts with ``demo-declined`` (to show and test
failed payments) and accepts every other token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class GatewayResult:
    ok: bool
    reference: str = ""
    error: str = ""


class PaymentGateway(Protocol):
    name: str
    label: str

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult: ...


DECLINED_PREFIX = "demo-declined"


class LocalGateway:
    """The demo gateway: records what a real gateway would do. No real money moves."""

    name = "local"
    label = "演示支付网关（不产生真实扣款） / Demo payment gateway (no real money)"

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


@cache
def _gateway_for(path: str) -> PaymentGateway:
    gateway: PaymentGateway = import_string(path)()
    return gateway


def get_gateway() -> PaymentGateway:
    return _gateway_for(getattr(settings, "PAYMENT_GATEWAY", "fairdesk.plans.gateway.LocalGateway"))
