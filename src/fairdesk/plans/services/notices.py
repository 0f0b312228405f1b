"""What a payment provider's verified notification changes: a charge or a refund whose outcome
came after the call (a WeChat Pay deduction is carried out later; a refund is paid later; an
answer was lost).

The notification names fairdesk's own idempotency key (``billing.charge_key``,
``billing.refund_key``), and is recorded through the same functions as a gateway's answer
(``billing.charge_record_paid`` …), under the same locks: a notification that repeats one
already recorded, or arrives after the worker recorded the outcome, changes nothing. Only a
notification whose signature verified reaches this module (``plans.views``).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from fairdesk.plans.choices import InvoiceStatus, RefundStatus
from fairdesk.plans.gateway import GatewayNotice
from fairdesk.plans.models import Invoice, Refund
from fairdesk.plans.selectors import lock_subscription
from fairdesk.plans.services.billing import (
    charge_record_failed,
    charge_record_paid,
    refund_execute,
    refund_record_failed,
    refund_record_paid,
)

log = logging.getLogger("fairdesk.plans")

CHARGE_KEY = re.compile(r"^fairdesk-invoice-(\d{1,18})-(\d{1,5})$")
REFUND_KEY = re.compile(r"^fairdesk-refund-(\d{1,18})$")

#: What applying a notice did: recorded it, found it recorded already, or had nothing to do.
RECORDED, ALREADY, IGNORED = "recorded", "already", "ignored"


def gateway_notice_apply(
    *, gateway_name: str, notice: GatewayNotice, now: datetime | None = None
) -> str:
    """Record what ``notice`` (verified, from the gateway ``gateway_name``) says, once."""
    now = now or timezone.now()
    if notice.kind == "charge":
        return charge_notice_apply(gateway_name=gateway_name, notice=notice, now=now)
    if notice.kind == "refund":
        return refund_notice_apply(gateway_name=gateway_name, notice=notice, now=now)
    return IGNORED


def charge_notice_apply(*, gateway_name: str, notice: GatewayNotice, now: datetime) -> str:
    match = CHARGE_KEY.match(notice.idempotency_key)
    if match is None or notice.amount_fen is None or notice.amount_fen <= 0:
        log.warning("%s: a payment notice about %r: not ours", gateway_name, notice.idempotency_key)
        return IGNORED
    invoice_id, attempt_no = int(match[1]), int(match[2])
    found = Invoice.objects.filter(pk=invoice_id).values_list("subscription_id", flat=True).first()
    if found is None:
        log.warning("%s: a payment notice about invoice %s: none such", gateway_name, invoice_id)
        return IGNORED
    with transaction.atomic():
        sub = lock_subscription(found)
        inv = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
        if notice.ok:
            payment = charge_record_paid(
                sub,
                inv,
                attempt_no=attempt_no,
                gateway_name=gateway_name,
                reference=notice.reference or notice.idempotency_key,
                received_fen=notice.amount_fen,
                at=now,
            )
            return RECORDED if payment is not None else ALREADY
        # a refusal counts only for the attempt still waiting for its outcome
        if inv.status != InvoiceStatus.OPEN or inv.payment_attempts != attempt_no - 1:
            return ALREADY
        charge_record_failed(sub, inv, attempt_no=attempt_no, error=notice.error, at=now)
        return RECORDED


def refund_notice_apply(*, gateway_name: str, notice: GatewayNotice, now: datetime) -> str:
    match = REFUND_KEY.match(notice.idempotency_key)
    refund = (
        Refund.objects.select_related("payment").filter(pk=int(match[1])).first() if match else None
    )
    if refund is None or refund.payment.gateway != gateway_name:
        log.warning("%s: a refund notice about %r: not ours", gateway_name, notice.idempotency_key)
        return IGNORED
    if refund.status == RefundStatus.DONE:
        return ALREADY
    if notice.amount_fen is None:
        # the notification does not say how much this refund was: ask the gateway (verified)
        refund_execute(refund_id=refund.pk, now=now)
        return RECORDED
    with transaction.atomic():
        sub = lock_subscription(refund.subscription_id)
        refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
        if refund.status == RefundStatus.DONE:
            return ALREADY
        if notice.ok:
            if notice.amount_fen != refund.amount_fen:
                log.error(
                    "%s: refund %s reported paid with %s fen, not %s: not recorded",
                    gateway_name,
                    refund.pk,
                    notice.amount_fen,
                    refund.amount_fen,
                )
                return IGNORED
            refund.attempts += 1
            refund.last_attempt_at = now
            refund_record_paid(sub, refund, reference=notice.reference, at=now)
            return RECORDED
        refund.last_attempt_at = now
        refund_record_failed(sub, refund, error=notice.error, at=now)
        return RECORDED
