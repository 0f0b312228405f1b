"""Money of a subscription: invoices, collecting them, credits for unused time, refunds, and
writing off what an ended plan still asked for. Every amount is posted to the ledger in the
same transaction (``ledger.ledger_post``).

The payment gateway is called after commit and outside any transaction (``invoice_collect``,
``refund_execute``), with an idempotency key (the invoice and its attempt number, the refund),
and its answer is recorded only if nobody recorded it first: a retry after a crash, or two
workers at once, never charge or refund twice. The worker retries what failed or is pending
(``renewals.plans_process_due``); a provider's verified notification records an outcome that
came later through the same functions (``charge_record_paid`` …, ``notices``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.plans.choices import (
    Account,
    Channel,
    EntryKind,
    InvoiceStatus,
    PlanEventKind,
    RefundStatus,
    RefundTo,
    SubscriptionStatus,
)
from fairdesk.plans.gateway import gateway_named, get_gateway
from fairdesk.plans.models import Invoice, Payment, Plan, PlanChange, Refund, Subscription
from fairdesk.plans.selectors import (
    CreditSplit,
    account_credit_fen,
    lock_subscription,
    policy_get,
    refundable_payments,
)
from fairdesk.plans.services.audit import event_record
from fairdesk.plans.services.ledger import ledger_post
from fairdesk.plans.services.messages import tell_payment_failed

log = logging.getLogger("fairdesk.plans")


def invoice_issue(
    sub: Subscription,
    *,
    kind: str,
    plan: Plan,
    amount_fen: int,
    covers_from: datetime,
    covers_until: datetime,
    at: datetime,
    change: PlanChange | None = None,
) -> Invoice | None:
    """Issue an invoice, post its charge, and apply account credit held. Collection by the gateway
    follows after commit (nothing is issued for a zero amount)."""
    if amount_fen <= 0:
        return None
    inv = Invoice.objects.create(
        subscription=sub,
        kind=kind,
        plan=plan,
        amount_fen=amount_fen,
        covers_from=covers_from,
        covers_until=covers_until,
        created_at=at,
    )
    ledger_post(
        sub,
        EntryKind.CHARGE,
        [(Account.RECEIVABLE, amount_fen), (Account.REVENUE, -amount_fen)],
        at=at,
        memo=f"{kind} {plan.code}",
        invoice=inv,
        change=change,
    )
    held = account_credit_fen(sub)
    use = min(held, amount_fen)
    if use:
        ledger_post(
            sub,
            EntryKind.CREDIT_APPLIED,
            [(Account.CUSTOMER_CREDIT, use), (Account.RECEIVABLE, -use)],
            at=at,
            invoice=inv,
        )
        inv.settled_fen = use
        if inv.due_fen == 0:
            inv.status, inv.paid_at = InvoiceStatus.PAID, at
        inv.save(update_fields=["settled_fen", "status", "paid_at"])
    if inv.status == InvoiceStatus.OPEN:
        transaction.on_commit(partial(_collect_quietly, inv.pk))
    return inv


def _collect_quietly(invoice_id: int) -> None:
    try:
        invoice_collect(invoice_id=invoice_id)
    except Exception:  # the worker retries; the customer's change is already stored
        log.exception("collecting invoice %s failed; will retry", invoice_id)


def charge_key(invoice_id: int, attempt_no: int) -> str:
    """The idempotency key of a charge: the invoice and its attempt number (the provider's
    ``out_trade_no``). A retry of one attempt reuses it; a new attempt follows a recorded
    failure only."""
    return f"fairdesk-invoice-{invoice_id}-{attempt_no}"


def refund_key(refund_id: int) -> str:
    """The idempotency key of a refund (the provider's ``out_request_no`` / ``out_refund_no``)."""
    return f"fairdesk-refund-{refund_id}"


def invoice_collect(*, invoice_id: int, now: datetime | None = None) -> Invoice | None:
    """Ask the gateway for what an open invoice still asks, then record the answer.

    Safe to call twice at once or after a crash: the gateway call's idempotency key is the
    invoice and its attempt number, and an answer is recorded only if nobody recorded it first.
    A pending answer (the provider took the request, or its outcome is unknown) records nothing
    but the time: the same attempt is asked again later, with the same key, and a verified
    notification settles it sooner (``notices.gateway_notice_apply``).
    Must not run inside a transaction (the gateway is outside the database).
    """
    now = now or timezone.now()
    inv = Invoice.objects.select_related("subscription").filter(pk=invoice_id).first()
    if inv is None or inv.status != InvoiceStatus.OPEN or inv.due_fen <= 0:
        return inv
    sub = inv.subscription
    if sub.status == SubscriptionStatus.ENDED:
        return inv
    attempt_no = inv.payment_attempts + 1
    asked = inv.due_fen
    key = charge_key(inv.pk, attempt_no)
    gateway = get_gateway()
    result = gateway.charge(method=sub.payment_method, amount_fen=asked, idempotency_key=key)
    with transaction.atomic():
        sub = lock_subscription(sub.pk)
        inv = Invoice.objects.select_for_update(of=("self",)).get(pk=inv.pk)
        if result.ok:  # recorded once, even if the invoice changed meanwhile
            charge_record_paid(
                sub,
                inv,
                attempt_no=attempt_no,
                gateway_name=gateway.name,
                reference=result.reference or key,
                received_fen=asked,
                at=now,
            )
            return inv
        if inv.payment_attempts != attempt_no - 1 or inv.status != InvoiceStatus.OPEN:
            return inv  # someone else recorded this attempt
        if result.pending:
            inv.last_attempt_at = now
            inv.save(update_fields=["last_attempt_at"])
            return inv
        charge_record_failed(sub, inv, attempt_no=attempt_no, error=result.error, at=now)
    return inv


def charge_record_paid(
    sub: Subscription,
    inv: Invoice,
    *,
    attempt_no: int,
    gateway_name: str,
    reference: str,
    received_fen: int,
    at: datetime,
) -> Payment | None:
    """Record money the gateway received for ``inv`` (the subscription and the invoice are
    locked), unless that payment (the gateway and its reference) is recorded already: None.

    What the invoice no longer asks — a credit settled it meanwhile, the plan ended, another
    attempt paid it — is promised back to the payment method at once (a ``Refund``, paid after
    commit): money received is never kept for nothing, nor left out of the books.
    """
    if Payment.objects.filter(gateway=gateway_name, gateway_ref=reference).exists():
        return None
    applied = min(received_fen, inv.due_fen) if inv.status == InvoiceStatus.OPEN else 0
    excess = received_fen - applied
    payment = Payment.objects.create(
        subscription=sub,
        invoice=inv,
        gateway=gateway_name,
        gateway_ref=reference,
        method=sub.payment_method,
        amount_fen=received_fen,
        at=at,
    )
    ledger_post(
        sub,
        EntryKind.PAYMENT,
        [
            (Account.GATEWAY, received_fen),
            (Account.RECEIVABLE, -applied),
            (Account.REFUND_PAYABLE, -excess),
        ],
        at=at,
        memo=reference,
        invoice=inv,
    )
    inv.payment_attempts = max(inv.payment_attempts, attempt_no)
    inv.last_attempt_at = at
    if applied:
        inv.paid_fen += applied
        inv.last_failure = ""
        if inv.due_fen == 0:
            inv.status, inv.paid_at = InvoiceStatus.PAID, at
    inv.save()
    event_record(
        sub,
        PlanEventKind.PAYMENT_SUCCEEDED,
        at=at,
        channel=Channel.SYSTEM,
        invoice=inv.pk,
        fen=received_fen,
    )
    if excess:
        log.warning(
            "payment %s for invoice %s: %s fen no longer owed, refunded", reference, inv.pk, excess
        )
        refund = Refund.objects.create(
            subscription=sub,
            payment=payment,
            amount_fen=excess,
            created_at=at,
            due_at=at + timedelta(days=policy_get().refund_within_days),
        )
        transaction.on_commit(partial(_refund_quietly, refund.pk))
    if (
        sub.status == SubscriptionStatus.PAST_DUE
        and not sub.invoices.filter(status=InvoiceStatus.OPEN).exists()
    ):
        sub.status, sub.grace_until = SubscriptionStatus.ACTIVE, None
        sub.save(update_fields=["status", "grace_until"])
    return payment


def charge_record_failed(
    sub: Subscription, inv: Invoice, *, attempt_no: int, error: str, at: datetime
) -> None:
    """Record that the gateway refused attempt ``attempt_no`` of ``inv`` (locks held): the next
    attempt has a new key; an active plan enters its grace period and the customer is told."""
    inv.payment_attempts = attempt_no
    inv.last_attempt_at = at
    inv.last_failure = error[:200]
    inv.save()
    event_record(
        sub,
        PlanEventKind.PAYMENT_FAILED,
        at=at,
        channel=Channel.SYSTEM,
        invoice=inv.pk,
        fen=inv.due_fen,
        error=error,
    )
    if sub.status == SubscriptionStatus.ACTIVE:
        sub.status = SubscriptionStatus.PAST_DUE
        sub.grace_until = at + timedelta(days=policy_get().grace_days)
        sub.save(update_fields=["status", "grace_until"])
        tell_payment_failed(sub, inv)


def credit_unused_time(
    sub: Subscription,
    amount_fen: int,
    *,
    refund_to: str,
    at: datetime,
    change: PlanChange | None,
) -> CreditSplit:
    """Credit unused prepaid time: first against what this subscription still owes, then back to
    the original payment method (or, if the customer chose it, as account credit). Money that
    was never received cannot go back to a card: that rest becomes account credit. Takes the
    locks of the open invoices (the subscription's is held)."""
    remaining = amount_fen
    settled = 0
    for inv in (
        sub.invoices.select_for_update(of=("self",))
        .filter(status=InvoiceStatus.OPEN)
        .order_by("created_at", "id")
    ):
        use = min(remaining, inv.due_fen)
        if use <= 0:
            continue
        inv.settled_fen += use
        settled += use
        remaining -= use
        if inv.due_fen == 0:
            inv.status = InvoiceStatus.VOID if inv.paid_fen == 0 else InvoiceStatus.PAID
            inv.paid_at = inv.paid_at or at
        inv.save(update_fields=["settled_fen", "status", "paid_at"])
    refunds: list[Refund] = []
    if refund_to == RefundTo.ORIGINAL:
        due_at = at + timedelta(days=policy_get().refund_within_days)
        for payment, left in refundable_payments(sub):
            if remaining <= 0:
                break
            take = min(left, remaining)
            refunds.append(
                Refund.objects.create(
                    subscription=sub,
                    payment=payment,
                    change=change,
                    amount_fen=take,
                    created_at=at,
                    due_at=due_at,
                )
            )
            remaining -= take
    refunded = sum(r.amount_fen for r in refunds)
    to_account = remaining
    ledger_post(
        sub,
        EntryKind.CREDIT,
        [
            (Account.REVENUE, amount_fen),
            (Account.RECEIVABLE, -settled),
            (Account.REFUND_PAYABLE, -refunded),
            (Account.CUSTOMER_CREDIT, -to_account),
        ],
        at=at,
        memo=_("credit for unused time"),
        change=change,
    )
    # if the subscription was past due only because of what the credit settled, it is not any more
    if (
        sub.status == SubscriptionStatus.PAST_DUE
        and not sub.invoices.filter(status=InvoiceStatus.OPEN).exists()
    ):
        sub.status, sub.grace_until = SubscriptionStatus.ACTIVE, None
    for refund in refunds:
        transaction.on_commit(partial(_refund_quietly, refund.pk))
    return {"settled": settled, "refunded": refunded, "account_credit": to_account}


def _refund_quietly(refund_id: int) -> None:
    try:
        refund_execute(refund_id=refund_id)
    except Exception:
        log.exception("refund %s failed; will retry", refund_id)


def refund_execute(*, refund_id: int, now: datetime | None = None) -> Refund | None:
    """Pay a promised refund through the gateway that took the payment (idempotent, like
    ``invoice_collect``; the key is the refund's). A pending answer leaves it pending: asked
    again later with the same key, or settled by a verified notification."""
    now = now or timezone.now()
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status == RefundStatus.DONE:
        return refund
    gateway = gateway_named(refund.payment.gateway)
    result = gateway.refund(
        payment_reference=refund.payment.gateway_ref,
        amount_fen=refund.amount_fen,
        idempotency_key=refund_key(refund.pk),
    )
    with transaction.atomic():
        sub = lock_subscription(refund.subscription_id)
        refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
        if refund.status == RefundStatus.DONE:
            return refund
        refund.attempts += 1
        refund.last_attempt_at = now
        if result.ok:
            refund_record_paid(sub, refund, reference=result.reference, at=now)
        elif result.pending:
            refund.status = RefundStatus.PENDING
            refund.save()
        else:
            refund_record_failed(sub, refund, error=result.error, at=now)
    return refund


def refund_record_paid(sub: Subscription, refund: Refund, *, reference: str, at: datetime) -> None:
    """Record that the gateway paid ``refund`` back (the subscription and the refund are
    locked; the caller checked it is not done yet)."""
    refund.status, refund.done_at = RefundStatus.DONE, at
    refund.gateway_ref, refund.last_error = reference[:100], ""
    refund.save()
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=refund.payment_id)
    payment.refunded_fen += refund.amount_fen
    payment.save(update_fields=["refunded_fen"])
    ledger_post(
        sub,
        EntryKind.REFUND,
        [(Account.REFUND_PAYABLE, refund.amount_fen), (Account.GATEWAY, -refund.amount_fen)],
        at=at,
        memo=reference,
        refund=refund,
    )
    event_record(
        sub,
        PlanEventKind.REFUND_PAID,
        at=at,
        channel=Channel.SYSTEM,
        refund=refund.pk,
        fen=refund.amount_fen,
    )


def refund_record_failed(sub: Subscription, refund: Refund, *, error: str, at: datetime) -> None:
    """Record that the gateway did not pay ``refund`` (locks held): retried by the worker."""
    refund.status, refund.last_error = RefundStatus.FAILED, error[:200]
    refund.save()
    event_record(
        sub,
        PlanEventKind.REFUND_FAILED,
        at=at,
        channel=Channel.SYSTEM,
        refund=refund.pk,
        error=error,
    )


def write_off_open_invoices(sub: Subscription, *, at: datetime) -> None:
    """What an ending plan still asks for (time used but not paid) is written off: fairdesk does
    not chase an ended plan."""
    for inv in sub.invoices.select_for_update(of=("self",)).filter(status=InvoiceStatus.OPEN):
        due = inv.due_fen
        ledger_post(
            sub,
            EntryKind.SETTLEMENT,
            [(Account.REVENUE, due), (Account.RECEIVABLE, -due)],
            at=at,
            memo="written off: plan ended unpaid",
            invoice=inv,
        )
        inv.settled_fen += due
        inv.status = InvoiceStatus.VOID if inv.paid_fen == 0 else InvoiceStatus.PAID
        inv.save(update_fields=["settled_fen", "status"])
