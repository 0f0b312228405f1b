"""Writes of service plans: the catalog, subscriptions, changes, renewals, payments, refunds.

Every function is keyword-only, validates first and writes in one transaction, with its audit
event (``PlanEvent``) and its confirmation message (the outbox) in that same transaction. Calls to
the payment gateway happen after commit (``invoice_collect``, ``refund_execute``), each with an
idempotency key, and are retried by the worker, so a crash never loses or doubles money.

Lock order: the customer row (starting a subscription), then the subscription row, then its
invoices and refunds.

The rules in one place:

* one timing rule for every change (``ChangePolicy.timing_rule``; ``customer_choice`` offers the
  same two timings for every kind of change);
* every change — upgrade, downgrade, switch, cancel — is ``change_start`` (choose: shows the
  preview) then ``change_confirm``; nothing else is needed, whoever carries it out;
* amounts come from ``selectors.change_quote`` (one proration clock, ``proration.py``) and are
  honoured for 30 minutes after the preview;
* a credit first settles what this subscription still owes, the rest goes back to the original
  payment method (account credit only if the customer chooses it);
* a scheduled change is applied before the renewal it precedes, in the same transaction, so
  nothing is charged at the old price after its effective date.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as _local
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import message_send, message_send_to_customer
from fairdesk.plans import catalog, proration
from fairdesk.plans.choices import (
    PERIOD_MONTHS,
    Account,
    AttemptOutcome,
    ChangeKind,
    ChangeStatus,
    Channel,
    EndReason,
    EntryKind,
    InvoiceKind,
    InvoiceStatus,
    OfferResponse,
    RefundStatus,
    RefundTo,
    SubscriptionStatus,
    Timing,
    TimingRule,
)
from fairdesk.plans.gateway import get_gateway
from fairdesk.plans.models import (
    AutoRenewConsent,
    ChangeAttempt,
    Invoice,
    LedgerEntry,
    Payment,
    Plan,
    PlanChange,
    PlanEvent,
    PlanFamily,
    PriceChange,
    Refund,
    RetentionOffer,
    Subscription,
)
from fairdesk.plans.proration import fen_text
from fairdesk.plans.selectors import (
    LIVE,
    QUOTE_VALID,
    Quote,
    account_credit_fen,
    change_quote,
    offer_for,
    plan_price_at,
    policy_get,
    refundable_payments,
    renewal_amount,
    renewal_price,
    scheduled_change,
    timing_choices,
)

log = logging.getLogger("fairdesk.plans")

MAX_PAYMENT_METHOD = 64
MAX_REASON = 300
#: An open attempt untouched for this long is counted as abandoned.
ABANDON_AFTER = timedelta(hours=24)
#: Failed payments and refunds are retried this often.
RETRY_EVERY = timedelta(hours=6)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(
    sub: Subscription,
    kind: str,
    *,
    at: datetime,
    channel: str,
    actor: Any = None,
    attempt: ChangeAttempt | None = None,
    **data: Any,
) -> PlanEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return PlanEvent.objects.create(
        subscription=sub, attempt=attempt, at=at, kind=kind, channel=channel, actor=user, data=data
    )


def _post(
    sub: Subscription,
    kind: str,
    lines: list[tuple[str, int]],
    *,
    at: datetime,
    memo: str = "",
    invoice: Invoice | None = None,
    change: PlanChange | None = None,
    refund: Refund | None = None,
) -> None:
    """One balanced ledger transaction (zero lines are skipped; the rest must sum to zero)."""
    lines = [(account, amount) for account, amount in lines if amount]
    if sum(amount for _account, amount in lines) != 0:
        raise AssertionError(f"unbalanced ledger transaction: {lines}")
    txn = uuid.uuid4()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            subscription=sub,
            txn=txn,
            account=account,
            amount_fen=amount,
            kind=kind,
            memo=memo[:200],
            invoice=invoice,
            change=change,
            refund=refund,
            at=at,
        )
        for account, amount in lines
    )


def _tell(
    customer: Customer, *, kind: str, subject: str, body: str, reference: str, sms: bool
) -> None:
    """A durable confirmation: always in the portal inbox, and by SMS when it concerns money or a
    deadline. Texts are rendered in the customer's language by the caller."""
    message_send_to_customer(
        customer=customer,
        channels=("portal", "sms") if sms else ("portal",),
        kind=kind,
        subject=subject,
        body=body,
        reference=reference,
    )


def _language(customer: Customer) -> str:
    return customer.language or settings.LANGUAGE_CODE


def plan_link(sub: Subscription) -> str:
    return settings.PUBLIC_URL + reverse("portal:plan", args=[sub.pk])


def plan_name(plan: Plan | None) -> str:
    if plan is None:
        return ""
    return plan.name if translation.get_language() == "zh-hans" else plan.name_en


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------


@transaction.atomic
def catalog_import(
    *, document: Any, actor: Any = None, now: datetime | None = None
) -> dict[str, int]:
    """Load a catalog document (see ``catalog.py``): validate everything, then upsert by code.

    A plan whose price differs from the price in force gets a ``PriceChange`` after the notice
    period (``plan_price_change``), never an immediate one. Plans and offers missing from the
    document are taken off sale, not deleted (their subscribers keep them).
    """
    now = _now(now)
    problems = catalog.validate(document)
    if problems:
        raise DomainError(
            _("The catalog has %(n)d problem(s); nothing was changed.") % {"n": len(problems)},
            code="catalog_invalid",
            status=422,
            details=[p.as_dict() for p in problems],
        )
    policy = policy_get()
    notice_before = policy.price_notice_days  # prices announced by this document get at least it
    doc_policy = document["policy"]
    policy.timing_rule = catalog.timing_rule_of(doc_policy)
    for key in ("price_notice_days", "renewal_reminder_days", "grace_days", "refund_within_days"):
        if key in doc_policy:
            setattr(policy, key, doc_policy[key])
    policy.save()
    counts = {"families": 0, "plans": 0, "price_changes": 0, "offers": 0}
    seen_plans: list[str] = []
    for fam in document["families"]:
        family, _created = PlanFamily.objects.update_or_create(
            code=fam["code"],
            defaults={"kind": fam["kind"], "name": fam["name"], "name_en": fam["name_en"]},
        )
        counts["families"] += 1
        # ranks may be reordered: move the plans that take part, and any plan off sale holding a
        # rank the document uses, out of the way first (a plan off sale keeps its rank otherwise)
        codes = [item["code"] for item in fam["plans"]]
        ranks = [item["tier_rank"] for item in fam["plans"]]
        for plan in Plan.objects.filter(Q(code__in=codes) | Q(family=family, tier_rank__in=ranks)):
            Plan.objects.filter(pk=plan.pk).update(tier_rank=1000 + plan.pk)
        for item in fam["plans"]:
            price = catalog.parse_price(item["price"])
            fields = {
                "family": family,
                "name": item["name"],
                "name_en": item["name_en"],
                "tier_rank": item["tier_rank"],
                "period": item["period"],
                "free_visits_per_year": item.get("free_visits_per_year", 0),
                "storage_days": item.get("storage_days", 0),
                "warranty_months": item.get("warranty_months", 0),
                "auto_renew": item.get("auto_renew", True),
                "minimum_term_months": item.get("minimum_term_months"),
                "active": item.get("active", True),
            }
            plan = Plan.objects.filter(code=item["code"]).first()
            if plan is None:
                Plan.objects.create(code=item["code"], price_fen=price, **fields)
            else:
                for key, value in fields.items():
                    setattr(plan, key, value)
                plan.save()
                if price != _latest_price(plan):
                    plan_price_change(
                        plan=plan,
                        new_price_fen=price,
                        actor=actor,
                        notice_days=max(notice_before, policy.price_notice_days),
                        now=now,
                    )
                    counts["price_changes"] += 1
            seen_plans.append(item["code"])
            counts["plans"] += 1
    Plan.objects.exclude(code__in=seen_plans).update(active=False)
    seen_offers = []
    for item in document.get("retention_offers", []):
        RetentionOffer.objects.update_or_create(
            code=item["code"],
            defaults={
                "text": item["text"],
                "text_en": item["text_en"],
                "discount_percent": item["discount_percent"],
                "periods": item.get("periods", 1),
                "active": item.get("active", True),
            },
        )
        seen_offers.append(item["code"])
        counts["offers"] += 1
    RetentionOffer.objects.exclude(code__in=seen_offers).update(active=False)
    return counts


def _latest_price(plan: Plan) -> int:
    """The price in force or announced last (a pending change counts: no duplicate notices)."""
    change = PriceChange.objects.filter(plan=plan).order_by("-effective_at", "-id").first()
    return change.new_price_fen if change else plan.price_fen


def plan_price_change(
    *,
    plan: Plan,
    new_price_fen: int,
    actor: Any = None,
    notice_days: int | None = None,
    now: datetime | None = None,
) -> PriceChange:
    """Announce a new price: it applies to periods starting ``notice_days`` (at least the
    policy's notice) from now, for everyone; every subscriber of the plan is told today."""
    now = _now(now)
    policy = policy_get()
    days = policy.price_notice_days if notice_days is None else notice_days
    if isinstance(new_price_fen, bool) or not isinstance(new_price_fen, int) or new_price_fen < 1:
        raise DomainError(_("A price must be a positive amount."), code="invalid_price", status=422)
    if new_price_fen == _latest_price(plan):
        raise DomainError(
            _("This price is already in force or announced."), code="same_price", status=422
        )
    if days < policy.price_notice_days:
        raise DomainError(
            _("A price change needs at least %(n)d days' notice.")
            % {"n": policy.price_notice_days},
            code="notice_too_short",
            status=422,
        )
    with transaction.atomic():
        old = plan_price_at(plan, now)
        change = PriceChange.objects.create(
            plan=plan,
            old_price_fen=old,
            new_price_fen=new_price_fen,
            announced_at=now,
            effective_at=now + timedelta(days=days),
        )
        affected = (
            Subscription.objects.filter(status__in=LIVE)
            .filter(Q(plan=plan) | Q(changes__status=ChangeStatus.SCHEDULED, changes__to_plan=plan))
            .select_related("customer")
            .distinct()
        )
        for sub in affected:
            _event(
                sub,
                "price_notice",
                at=now,
                channel=Channel.SYSTEM,
                actor=actor,
                plan=plan.code,
                old_fen=old,
                new_fen=new_price_fen,
                effective_at=change.effective_at.isoformat(),
            )
            with translation.override(_language(sub.customer)):
                body = _(
                    "Price notice: %(plan)s will cost ¥%(new)s per period (now ¥%(old)s) for "
                    "periods starting on or after %(date)s. You can change or cancel at any time: "
                    "%(link)s"
                ) % {
                    "plan": plan_name(plan),
                    "new": fen_text(new_price_fen),
                    "old": fen_text(old),
                    "date": _local(change.effective_at),
                    "link": plan_link(sub),
                }
                message_send(
                    channel="sms",
                    recipient=sub.customer.phone,
                    customer=sub.customer,
                    kind="plans.price_notice",
                    body=body,
                    reference=f"SUB-{sub.pk}",
                    dedupe_key=f"plans.price_notice:{change.pk}:{sub.pk}",
                )
                message_send(
                    channel="portal",
                    customer=sub.customer,
                    kind="plans.price_notice",
                    subject=_("Price notice"),
                    body=body,
                    reference=f"SUB-{sub.pk}",
                    dedupe_key=f"plans.price_notice.portal:{change.pk}:{sub.pk}",
                )
    return change


# --------------------------------------------------------------------------------------------
# Invoices, payments, credits, refunds
# --------------------------------------------------------------------------------------------


def _invoice_issue(
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
    follows after commit."""
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
    _post(
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
        _post(
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
        transaction.on_commit(lambda: _collect_quietly(inv.pk))
    return inv


def _collect_quietly(invoice_id: int) -> None:
    try:
        invoice_collect(invoice_id=invoice_id)
    except Exception:  # the worker retries; the customer's change is already stored
        log.exception("collecting invoice %s failed; will retry", invoice_id)


def invoice_collect(*, invoice_id: int, now: datetime | None = None) -> Invoice | None:
    """Ask the gateway for what an open invoice still asks, then record the answer.

    Safe to call twice at once or after a crash: the gateway call's idempotency key is the
    invoice and its attempt number, and the answer is recorded only if nobody recorded it first.
    Must not run inside a transaction (the gateway is outside the database).
    """
    now = _now(now)
    inv = Invoice.objects.select_related("subscription").filter(pk=invoice_id).first()
    if inv is None or inv.status != InvoiceStatus.OPEN or inv.due_fen <= 0:
        return inv
    sub = inv.subscription
    if sub.status == SubscriptionStatus.ENDED:
        return inv
    attempt_no = inv.payment_attempts + 1
    gateway = get_gateway()
    result = gateway.charge(
        method=sub.payment_method,
        amount_fen=inv.due_fen,
        idempotency_key=f"fairdesk-invoice-{inv.pk}-{attempt_no}",
    )
    with transaction.atomic():
        sub = Subscription.objects.select_for_update(of=("self",)).get(pk=sub.pk)
        inv = Invoice.objects.select_for_update(of=("self",)).get(pk=inv.pk)
        if inv.payment_attempts != attempt_no - 1 or inv.status != InvoiceStatus.OPEN:
            return inv  # someone else recorded this attempt
        inv.payment_attempts = attempt_no
        inv.last_attempt_at = now
        if result.ok:
            amount = inv.due_fen
            Payment.objects.create(
                subscription=sub,
                invoice=inv,
                gateway=gateway.name,
                gateway_ref=result.reference,
                method=sub.payment_method,
                amount_fen=amount,
                at=now,
            )
            _post(
                sub,
                EntryKind.PAYMENT,
                [(Account.GATEWAY, amount), (Account.RECEIVABLE, -amount)],
                at=now,
                memo=result.reference,
                invoice=inv,
            )
            inv.paid_fen += amount
            inv.status, inv.paid_at, inv.last_failure = InvoiceStatus.PAID, now, ""
            inv.save()
            _event(
                sub, "payment_succeeded", at=now, channel=Channel.SYSTEM, invoice=inv.pk, fen=amount
            )
            if (
                sub.status == SubscriptionStatus.PAST_DUE
                and not sub.invoices.filter(status=InvoiceStatus.OPEN).exists()
            ):
                sub.status, sub.grace_until = SubscriptionStatus.ACTIVE, None
                sub.save(update_fields=["status", "grace_until"])
            return inv
        inv.last_failure = result.error[:200]
        inv.save()
        _event(
            sub,
            "payment_failed",
            at=now,
            channel=Channel.SYSTEM,
            invoice=inv.pk,
            fen=inv.due_fen,
            error=result.error,
        )
        if sub.status == SubscriptionStatus.ACTIVE:
            sub.status = SubscriptionStatus.PAST_DUE
            sub.grace_until = now + timedelta(days=policy_get().grace_days)
            sub.save(update_fields=["status", "grace_until"])
            with translation.override(_language(sub.customer)):
                body = _(
                    "We could not collect ¥%(amount)s for %(plan)s. Your plan continues until "
                    "%(grace)s while we retry; you can update the payment method, change or "
                    "cancel at %(link)s"
                ) % {
                    "amount": fen_text(inv.due_fen),
                    "plan": plan_name(sub.plan),
                    "grace": _local(sub.grace_until),
                    "link": plan_link(sub),
                }
                _tell(
                    sub.customer,
                    kind="plans.payment_failed",
                    subject=_("Payment failed"),
                    body=body,
                    reference=f"SUB-{sub.pk}",
                    sms=True,
                )
    return inv


def _credit(
    sub: Subscription,
    amount_fen: int,
    *,
    refund_to: str,
    at: datetime,
    change: PlanChange | None,
) -> dict[str, int]:
    """Credit unused prepaid time: first against what this subscription still owes, then back to
    the original payment method (or, if the customer chose it, as account credit). Money that
    was never received cannot go back to a card: that rest becomes account credit."""
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
    _post(
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
        transaction.on_commit(lambda pk=refund.pk: _refund_quietly(pk))
    return {"settled": settled, "refunded": refunded, "account_credit": to_account}


def _refund_quietly(refund_id: int) -> None:
    try:
        refund_execute(refund_id=refund_id)
    except Exception:
        log.exception("refund %s failed; will retry", refund_id)


def refund_execute(*, refund_id: int, now: datetime | None = None) -> Refund | None:
    """Pay a promised refund through the gateway (idempotent, like ``invoice_collect``)."""
    now = _now(now)
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status == RefundStatus.DONE:
        return refund
    gateway = get_gateway()
    result = gateway.refund(
        payment_reference=refund.payment.gateway_ref,
        amount_fen=refund.amount_fen,
        idempotency_key=f"fairdesk-refund-{refund.pk}",
    )
    with transaction.atomic():
        sub = Subscription.objects.select_for_update(of=("self",)).get(pk=refund.subscription_id)
        refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
        if refund.status == RefundStatus.DONE:
            return refund
        refund.attempts += 1
        refund.last_attempt_at = now
        if result.ok:
            refund.status, refund.done_at, refund.gateway_ref = (
                RefundStatus.DONE,
                now,
                result.reference,
            )
            refund.last_error = ""
            refund.save()
            Payment.objects.filter(pk=refund.payment_id).update(
                refunded_fen=refund.payment.refunded_fen + refund.amount_fen
            )
            _post(
                sub,
                EntryKind.REFUND,
                [
                    (Account.REFUND_PAYABLE, refund.amount_fen),
                    (Account.GATEWAY, -refund.amount_fen),
                ],
                at=now,
                memo=result.reference,
                refund=refund,
            )
            _event(
                sub,
                "refund_paid",
                at=now,
                channel=Channel.SYSTEM,
                refund=refund.pk,
                fen=refund.amount_fen,
            )
        else:
            refund.status, refund.last_error = RefundStatus.FAILED, result.error[:200]
            refund.save()
            _event(
                sub,
                "refund_failed",
                at=now,
                channel=Channel.SYSTEM,
                refund=refund.pk,
                error=result.error,
            )
    return refund


# --------------------------------------------------------------------------------------------
# Subscribing, consent
# --------------------------------------------------------------------------------------------


def consent_text(plan: Plan, *, language: str, at: datetime | None = None) -> str:
    """The auto-renewal consent text shown before subscribing (stored verbatim with the consent)."""
    price = plan_price_at(plan, _now(at))
    days = policy_get().renewal_reminder_days
    with translation.override(language):
        period = {"monthly": _("month"), "yearly": _("year")}[plan.period]
        return _(
            "I agree that %(plan)s renews automatically every %(period)s and that ¥%(price)s "
            "(or a new price announced at least %(notice)d days ahead) is charged to my payment "
            "method at each renewal. I will be reminded %(days)d days before each charge and can "
            "turn auto-renewal off, change or cancel at any time in “My plans”, in as many steps "
            "as an upgrade."
        ) % {
            "plan": plan_name(plan),
            "period": period,
            "price": fen_text(price),
            "notice": policy_get().price_notice_days,
            "days": days,
        }


def _consent_given(plan: Plan, text: str, *, language: str, at: datetime) -> str:
    """Check a consent to auto-renewal: the plan must offer it and ``text`` must be the current
    consent text in one of the site's languages, as shown. Returns that language; otherwise a
    422 with the text to show (in ``language``)."""
    if not plan.auto_renew:
        raise DomainError(
            _("This plan does not renew automatically."),
            code="auto_renew_unavailable",
            status=422,
        )
    text = (text or "").strip()
    for code, _name in settings.LANGUAGES:
        if text == consent_text(plan, language=code, at=at):
            return code
    raise DomainError(
        _("Auto-renewal needs your consent to the current text; please review it."),
        code="consent_required",
        status=422,
        details={"consent_text": consent_text(plan, language=language, at=at)},
    )


def _check_payment_method(method: str) -> str:
    method = (method or "").strip()
    if not method or len(method) > MAX_PAYMENT_METHOD:
        raise DomainError(_("Choose a payment method."), code="payment_method_required", status=422)
    return method


def subscription_start(
    *,
    customer: Customer,
    plan: Plan,
    payment_method: str,
    auto_renew: bool,
    consent_text_shown: str = "",
    device: Any = None,
    channel: str = Channel.PORTAL,
    actor: Any = None,
    now: datetime | None = None,
) -> Subscription:
    """Subscribe ``customer`` to ``plan``: the first period is charged now (collected after
    commit). Auto-renewal needs explicit consent: the exact current consent text, as shown."""
    now = _now(now)
    method = _check_payment_method(payment_method)
    if not plan.active:
        raise DomainError(_("This plan is not on sale."), code="plan_not_on_sale", status=422)
    language = _language(customer)
    if auto_renew:
        language = _consent_given(plan, consent_text_shown, language=language, at=now)
    if device is not None and device.customer_id != customer.pk:
        raise DomainError(_("This device is not yours."), code="device_not_owned", status=422)
    with transaction.atomic():
        Customer.objects.select_for_update(of=("self",)).get(
            pk=customer.pk
        )  # one subscribe at a time
        if Subscription.objects.filter(
            customer=customer, plan__family=plan.family, status__in=LIVE, device=device
        ).exists():
            raise DomainError(
                _("You already have a plan of this kind; change it from “My plans” instead."),
                code="already_subscribed",
                status=409,
            )
        price = plan_price_at(plan, now)
        end = proration.add_months(now, PERIOD_MONTHS[plan.period])
        sub = Subscription.objects.create(
            customer=customer,
            plan=plan,
            device=device,
            period_start=now,
            period_end=end,
            period_price_fen=price,
            auto_renew=auto_renew,
            payment_method=method,
            created_at=now,
        )
        if auto_renew:
            AutoRenewConsent.objects.create(
                subscription=sub,
                given=True,
                at=now,
                channel=channel,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                language=language,
                text_shown=consent_text_shown.strip(),
            )
        _event(
            sub,
            "subscribed",
            at=now,
            channel=channel,
            actor=actor,
            plan=plan.code,
            fen=price,
            auto_renew=auto_renew,
        )
        _invoice_issue(
            sub,
            kind=InvoiceKind.INITIAL,
            plan=plan,
            amount_fen=price,
            covers_from=now,
            covers_until=end,
            at=now,
        )
        with translation.override(language):
            body = _(
                "Subscribed to %(plan)s on %(at)s: ¥%(price)s for the period until %(end)s. "
                "Auto-renewal: %(renew)s. Change or cancel at any time: %(link)s"
            ) % {
                "plan": plan_name(plan),
                "at": _local(now),
                "price": fen_text(price),
                "end": _local(end),
                "renew": _("on") if auto_renew else _("off"),
                "link": plan_link(sub),
            }
            _tell(
                customer,
                kind="plans.subscribed",
                subject=_("Plan confirmed"),
                body=body,
                reference=f"SUB-{sub.pk}",
                sms=True,
            )
    return sub


def auto_renew_set(
    *,
    subscription: Subscription,
    on: bool,
    consent_text_shown: str = "",
    channel: str = Channel.PORTAL,
    actor: Any = None,
    now: datetime | None = None,
) -> Subscription:
    """Turn auto-renewal off (one action, no questions) or back on (with consent)."""
    now = _now(now)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "customer")
            .get(pk=subscription.pk)
        )
        if sub.status not in LIVE:
            raise DomainError(_("This plan has ended."), code="subscription_ended", status=409)
        if sub.auto_renew == on:
            return sub
        language = _language(sub.customer)
        text = (consent_text_shown or "").strip()
        if on:
            language = _consent_given(sub.plan, text, language=language, at=now)
        AutoRenewConsent.objects.create(
            subscription=sub,
            given=on,
            at=now,
            channel=channel,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            language=language,
            text_shown=text,
        )
        sub.auto_renew = on
        sub.save(update_fields=["auto_renew"])
        _event(
            sub, "auto_renew_on" if on else "auto_renew_off", at=now, channel=channel, actor=actor
        )
        with translation.override(language):
            body = (
                _("Auto-renewal of %(plan)s is on from %(at)s.")
                if on
                else _("Auto-renewal of %(plan)s is off from %(at)s; it ends on %(end)s.")
            ) % {"plan": plan_name(sub.plan), "at": _local(now), "end": _local(sub.period_end)}
            _tell(
                sub.customer,
                kind="plans.auto_renew",
                subject=_("Auto-renewal"),
                body=body,
                reference=f"SUB-{sub.pk}",
                sms=False,
            )
    return sub


# --------------------------------------------------------------------------------------------
# Changes: choose (start) → preview → confirm; undo; a retention offer
# --------------------------------------------------------------------------------------------


def _resolve_timing(timing: str | None) -> str:
    policy = policy_get()
    choices = timing_choices(policy)
    if timing in (None, ""):
        return choices[0]
    if timing not in choices:
        raise DomainError(
            _("This catalog applies changes %(rule)s; that timing is not available.")
            % {"rule": policy.get_timing_rule_display().lower()},
            code="timing_not_available",
            status=422,
        )
    return timing


def change_start(
    *,
    subscription: Subscription,
    to_plan: Plan | None,
    channel: str,
    actor: Any = None,
    timing: str | None = None,
    now: datetime | None = None,
) -> ChangeAttempt:
    """Step 1, choose: record the attempt and compute its preview (amounts, effective date)."""
    now = _now(now)
    sub = subscription
    if sub.status not in LIVE:
        raise DomainError(_("This plan has ended."), code="subscription_ended", status=409)
    if to_plan is not None:
        if to_plan.pk == sub.plan_id:
            raise DomainError(_("This is already your plan."), code="same_plan", status=422)
        if not to_plan.active:
            raise DomainError(_("This plan is not on sale."), code="plan_not_on_sale", status=422)
    timing = _resolve_timing(timing)
    quote = change_quote(sub, to_plan, timing=timing, at=now)
    offer = offer_for(sub, quote.kind, at=now)
    with transaction.atomic():
        attempt = ChangeAttempt.objects.create(
            subscription=sub,
            channel=channel,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            kind=quote.kind,
            from_plan=sub.plan,
            to_plan=to_plan,
            timing=timing,
            steps=1,
            started_at=now,
            quoted_at=now,
            quoted_charge_fen=quote.charge_fen,
            quoted_credit_fen=quote.credit_fen,
            quoted_effective_at=quote.effective_at,
            offer=offer,
            offer_response=OfferResponse.SHOWN if offer else OfferResponse.NONE,
            offer_shown_at=now if offer else None,
        )
        _event(
            sub,
            "change_started",
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            change=quote.kind,
            to_plan=to_plan.code if to_plan else None,
            timing=timing,
            charge_fen=quote.charge_fen,
            credit_fen=quote.credit_fen,
        )
        if offer:
            _event(
                sub,
                "offer_shown",
                at=now,
                channel=channel,
                actor=actor,
                attempt=attempt,
                offer=offer.code,
            )
    return attempt


def attempt_quote(attempt: ChangeAttempt) -> Quote:
    """The preview of an attempt, as computed when it was quoted."""
    return change_quote(
        attempt.subscription, attempt.to_plan, timing=attempt.timing, at=attempt.quoted_at
    )


def change_retime(
    *, attempt: ChangeAttempt, timing: str, actor: Any = None, now: datetime | None = None
) -> ChangeAttempt:
    """On the preview, when the customer may choose: switch between the two timings (not a step)."""
    now = _now(now)
    timing = _resolve_timing(timing)
    if attempt.outcome != AttemptOutcome.OPEN:
        raise DomainError(
            _("This change is already finished."), code="attempt_finished", status=409
        )
    # the amounts of both timings are shown side by side, computed at the same instant: keep it
    # while the preview is valid
    at = attempt.quoted_at if now - attempt.quoted_at <= QUOTE_VALID else now
    quote = change_quote(attempt.subscription, attempt.to_plan, timing=timing, at=at)
    attempt.timing = timing
    attempt.quoted_at = at
    attempt.quoted_charge_fen = quote.charge_fen
    attempt.quoted_credit_fen = quote.credit_fen
    attempt.quoted_effective_at = quote.effective_at
    attempt.save()
    return attempt


def _finish_attempt(attempt: ChangeAttempt, outcome: str, *, now: datetime, reason: str) -> None:
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.steps = 2
    attempt.survey_reason = reason
    if attempt.offer_response == OfferResponse.SHOWN:
        attempt.offer_response = (
            OfferResponse.ACCEPTED
            if outcome == AttemptOutcome.OFFER_ACCEPTED
            else OfferResponse.DECLINED
        )
    attempt.save()


def _lock_open_attempt(attempt_id: int, now: datetime) -> tuple[Subscription, ChangeAttempt]:
    attempt = ChangeAttempt.objects.select_related("to_plan", "from_plan", "offer").get(
        pk=attempt_id
    )
    sub = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__family", "customer")
        .get(pk=attempt.subscription_id)
    )
    attempt = (
        ChangeAttempt.objects.select_for_update(of=("self",))
        .select_related("to_plan", "from_plan", "offer")
        .get(pk=attempt_id)
    )
    if attempt.outcome != AttemptOutcome.OPEN:
        raise DomainError(
            _("This change is already finished."), code="attempt_finished", status=409
        )
    if sub.status not in LIVE:
        raise DomainError(_("This plan has ended."), code="subscription_ended", status=409)
    stale = sub.plan_id != attempt.from_plan_id or not (sub.period_start <= attempt.quoted_at)
    if stale or now - attempt.quoted_at > QUOTE_VALID:
        raise DomainError(
            _("The preview is out of date; please review the new amounts and confirm again."),
            code="quote_expired",
            status=409,
        )
    return sub, attempt


def change_confirm(
    *,
    attempt_id: int,
    actor: Any = None,
    channel: str,
    refund_to: str = RefundTo.ORIGINAL,
    reason: str = "",
    now: datetime | None = None,
) -> PlanChange:
    """Step 2, confirm: carry out the previewed change with the amounts shown.

    Never needs more than an upgrade: no agent, no call, no open balance paid first, no window.
    A change confirmed while another is scheduled replaces it (the scheduled one is undone).
    """
    now = _now(now)
    if refund_to not in RefundTo.values:
        raise DomainError(_("Choose where a refund goes."), code="invalid_refund_to", status=422)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("The reason is limited to %(n)d characters.") % {"n": MAX_REASON},
            code="reason_too_long",
            status=422,
        )
    with transaction.atomic():
        sub, attempt = _lock_open_attempt(attempt_id, now)
        quote = change_quote(sub, attempt.to_plan, timing=attempt.timing, at=attempt.quoted_at)
        previous = scheduled_change(sub)
        if previous is not None:
            previous.status, previous.undone_at = ChangeStatus.UNDONE, now
            previous.save(update_fields=["status", "undone_at"])
            _event(
                sub,
                "change_undone",
                at=now,
                channel=channel,
                actor=actor,
                change=previous.pk,
                replaced_by_attempt=attempt.pk,
            )
        immediate = attempt.timing == Timing.IMMEDIATE
        change = PlanChange.objects.create(
            subscription=sub,
            attempt=attempt,
            kind=attempt.kind,
            from_plan=sub.plan,
            to_plan=attempt.to_plan,
            timing=attempt.timing,
            received_at=now,
            effective_at=now if immediate else sub.period_end,
            status=ChangeStatus.APPLIED if immediate else ChangeStatus.SCHEDULED,
            applied_at=now if immediate else None,
            charge_fen=quote.charge_fen,
            credit_fen=quote.credit_fen,
            refund_to=refund_to,
        )
        split = {"settled": 0, "refunded": 0, "account_credit": 0}
        if immediate:
            split = _apply_immediate(sub, change, quote, refund_to=refund_to, now=now)
            change.credit_settled_fen = split["settled"]
            change.credit_refunded_fen = split["refunded"]
            change.credit_kept_fen = split["account_credit"]
            change.save(
                update_fields=["credit_settled_fen", "credit_refunded_fen", "credit_kept_fen"]
            )
        _finish_attempt(attempt, AttemptOutcome.CONFIRMED, now=now, reason=reason)
        if attempt.offer_id:
            _event(
                sub,
                "offer_declined",
                at=now,
                channel=channel,
                actor=actor,
                attempt=attempt,
                offer=attempt.offer.code,
            )
        _event(
            sub,
            "change_confirmed",
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            change=change.pk,
            change_kind=change.kind,
            to_plan=change.to_plan.code if change.to_plan else None,
            timing=change.timing,
            effective_at=change.effective_at.isoformat(),
            charge_fen=change.charge_fen,
            credit_fen=change.credit_fen,
            **split,
        )
        _confirm_message(sub, change, split)
    return change


def _apply_immediate(
    sub: Subscription, change: PlanChange, quote: Quote, *, refund_to: str, now: datetime
) -> dict[str, int]:
    split = {"settled": 0, "refunded": 0, "account_credit": 0}
    if quote.credit_fen:
        split = _credit(sub, quote.credit_fen, refund_to=refund_to, at=now, change=change)
    to_plan = change.to_plan
    if to_plan is None:
        _end(sub, EndReason.CANCELLED, at=now)
        return split
    same_period = quote.new_period_end == sub.period_end
    sub.plan = to_plan
    sub.period_price_fen = quote.new_price_fen
    sub.discount_percent = sub.discount_periods = 0
    if not same_period:  # the new plan's period starts when its price was quoted
        sub.period_start, sub.period_end = quote.quoted_at, quote.new_period_end
    if sub.auto_renew and not to_plan.auto_renew:
        sub.auto_renew = False
    sub.save()
    if quote.charge_fen:
        _invoice_issue(
            sub,
            kind=InvoiceKind.CHANGE,
            plan=to_plan,
            amount_fen=quote.charge_fen,
            covers_from=now,
            covers_until=sub.period_end,
            at=now,
            change=change,
        )
    return split


def _confirm_message(sub: Subscription, change: PlanChange, split: dict[str, int]) -> None:
    with translation.override(_language(sub.customer)):
        what = {
            ChangeKind.UPGRADE: _("upgrade to %(plan)s"),
            ChangeKind.DOWNGRADE: _("downgrade to %(plan)s"),
            ChangeKind.SWITCH: _("switch to %(plan)s"),
            ChangeKind.CANCEL: _("cancellation of %(plan)s"),
        }[change.kind] % {"plan": plan_name(change.to_plan or change.from_plan)}
        parts = [
            _("We received your %(what)s at %(received)s. It takes effect %(effective)s.")
            % {
                "what": what,
                "received": _local(change.received_at),
                "effective": _local(change.effective_at),
            }
        ]
        if change.charge_fen:
            parts.append(_("Charge: ¥%(fen)s.") % {"fen": fen_text(change.charge_fen)})
        if change.credit_fen:
            parts.append(
                _("Credit for unused time: ¥%(fen)s.") % {"fen": fen_text(change.credit_fen)}
            )
        if split["settled"]:
            parts.append(
                _("¥%(fen)s of it settles your unpaid invoice.")
                % {"fen": fen_text(split["settled"])}
            )
        if split["refunded"]:
            due = change.received_at + timedelta(days=policy_get().refund_within_days)
            parts.append(
                _("¥%(fen)s goes back to your original payment method by %(date)s.")
                % {"fen": fen_text(split["refunded"]), "date": _local(due)}
            )
        if split["account_credit"]:
            parts.append(
                _("¥%(fen)s is kept as account credit for your next charges.")
                % {"fen": fen_text(split["account_credit"])}
            )
        if change.status == ChangeStatus.SCHEDULED:
            parts.append(_("You can undo it until then: %(link)s") % {"link": plan_link(sub)})
        _tell(
            sub.customer,
            kind="plans.change_confirmed",
            subject=_("Plan change confirmed"),
            body=" ".join(parts),
            reference=f"SUB-{sub.pk}",
            sms=True,
        )


def change_accept_offer(
    *, attempt_id: int, actor: Any = None, channel: str, now: datetime | None = None
) -> ChangeAttempt:
    """The customer takes the retention offer shown with this attempt: no change is made, the
    discount applies to the next renewals."""
    now = _now(now)
    with transaction.atomic():
        sub, attempt = _lock_open_attempt(attempt_id, now)
        if attempt.offer_id is None or attempt.offer_response != OfferResponse.SHOWN:
            raise DomainError(_("No offer was made with this change."), code="no_offer", status=409)
        offer = attempt.offer
        sub.discount_percent, sub.discount_periods = offer.discount_percent, offer.periods
        sub.save(update_fields=["discount_percent", "discount_periods"])
        _finish_attempt(attempt, AttemptOutcome.OFFER_ACCEPTED, now=now, reason="")
        _event(
            sub,
            "offer_accepted",
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            offer=offer.code,
        )
        with translation.override(_language(sub.customer)):
            text = offer.text if translation.get_language() == "zh-hans" else offer.text_en
            body = _("Offer accepted at %(at)s: %(text)s Nothing else changes.") % {
                "at": _local(now),
                "text": text,
            }
            _tell(
                sub.customer,
                kind="plans.offer_accepted",
                subject=_("Offer accepted"),
                body=body,
                reference=f"SUB-{sub.pk}",
                sms=False,
            )
    return attempt


def change_undo(
    *, change_id: int, actor: Any = None, channel: str, now: datetime | None = None
) -> PlanChange:
    """Undo a scheduled change before it takes effect (one action)."""
    now = _now(now)
    with transaction.atomic():
        change = PlanChange.objects.get(pk=change_id)
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("customer", "plan")
            .get(pk=change.subscription_id)
        )
        change = (
            PlanChange.objects.select_for_update(of=("self",))
            .select_related("to_plan")
            .get(pk=change_id)
        )
        if change.status != ChangeStatus.SCHEDULED or change.effective_at <= now:
            raise DomainError(
                _("Only a change that has not taken effect yet can be undone."),
                code="change_not_undoable",
                status=409,
            )
        change.status, change.undone_at = ChangeStatus.UNDONE, now
        change.save(update_fields=["status", "undone_at"])
        _event(sub, "change_undone", at=now, channel=channel, actor=actor, change=change.pk)
        with translation.override(_language(sub.customer)):
            body = _(
                "Undone at %(at)s: the change planned for %(date)s is off. %(plan)s continues."
            ) % {
                "at": _local(now),
                "date": _local(change.effective_at),
                "plan": plan_name(sub.plan),
            }
            _tell(
                sub.customer,
                kind="plans.change_undone",
                subject=_("Change undone"),
                body=body,
                reference=f"SUB-{sub.pk}",
                sms=True,
            )
    return change


# --------------------------------------------------------------------------------------------
# Time: renewals, grace, reminders, retries (the worker runs ``plans_process_due``)
# --------------------------------------------------------------------------------------------


def subscription_roll(*, subscription_id: int, now: datetime | None = None) -> Subscription:
    """Bring a subscription up to ``now``: at each period end reached, apply the scheduled change,
    then renew (auto-renewal on) or end. A worker that was down catches up period by period."""
    now = _now(now)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "customer")
            .get(pk=subscription_id)
        )
        while sub.status in LIVE and sub.period_end <= now:
            boundary = sub.period_end
            change = scheduled_change(sub)
            if change is not None and change.effective_at <= boundary:
                change.status, change.applied_at = ChangeStatus.APPLIED, now
                change.save(update_fields=["status", "applied_at"])
                _event(
                    sub,
                    "change_applied",
                    at=now,
                    channel=Channel.SYSTEM,
                    change=change.pk,
                    effective_at=boundary.isoformat(),
                )
                if change.to_plan is None:
                    _end(sub, EndReason.CANCELLED, at=boundary)
                    break
                sub.plan = change.to_plan
                sub.discount_percent = sub.discount_periods = 0
                if sub.auto_renew and not sub.plan.auto_renew:
                    sub.auto_renew = False
            if not sub.auto_renew:
                _end(sub, EndReason.NOT_RENEWED, at=boundary)
                break
            price = renewal_price(sub, sub.plan, boundary)
            if sub.discount_periods:
                sub.discount_periods -= 1
                if not sub.discount_periods:
                    sub.discount_percent = 0
            end = proration.add_months(boundary, PERIOD_MONTHS[sub.plan.period])
            sub.period_start, sub.period_end, sub.period_price_fen = boundary, end, price
            sub.save()
            _event(
                sub,
                "renewed",
                at=now,
                channel=Channel.SYSTEM,
                plan=sub.plan.code,
                fen=price,
                period_start=boundary.isoformat(),
                period_end=end.isoformat(),
            )
            _invoice_issue(
                sub,
                kind=InvoiceKind.RENEWAL,
                plan=sub.plan,
                amount_fen=price,
                covers_from=boundary,
                covers_until=end,
                at=now,
            )
        return sub


def _end(sub: Subscription, reason: str, *, at: datetime) -> None:
    """End a subscription. What it still asks for (time used but not paid: a lapse after the
    grace period, or a cancel while a payment was overdue) is written off: fairdesk does not
    chase an ended plan, and never charges after the end."""
    for inv in sub.invoices.select_for_update(of=("self",)).filter(status=InvoiceStatus.OPEN):
        due = inv.due_fen
        _post(
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
    sub.grace_until = None
    sub.status, sub.end_reason, sub.ended_at, sub.auto_renew = (
        SubscriptionStatus.ENDED,
        reason,
        at,
        False,
    )
    sub.save()
    _event(sub, "ended", at=at, channel=Channel.SYSTEM, reason=reason)
    with translation.override(_language(sub.customer)):
        body = _("%(plan)s ended on %(at)s (%(reason)s).") % {
            "plan": plan_name(sub.plan),
            "at": _local(at),
            "reason": EndReason(reason).label,
        }
        _tell(
            sub.customer,
            kind="plans.ended",
            subject=_("Plan ended"),
            body=body,
            reference=f"SUB-{sub.pk}",
            sms=False,
        )


def subscription_lapse(*, subscription_id: int, now: datetime | None = None) -> Subscription:
    """The grace period is over and a payment is still missing: the plan ends and what it still
    asked for is written off (fairdesk does not chase a lapsed plan)."""
    now = _now(now)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "customer")
            .get(pk=subscription_id)
        )
        if (
            sub.status != SubscriptionStatus.PAST_DUE
            or not sub.grace_until
            or sub.grace_until > now
        ):
            return sub
        _end(sub, EndReason.PAYMENT_FAILED, at=now)
        return sub


def renewal_reminders_send(*, now: datetime | None = None) -> int:
    """Before every auto-renewal charge: the date, the amount and a direct link to change or
    cancel, exactly once per period (the dedupe key is the subscription and its period end)."""
    now = _now(now)
    days = policy_get().renewal_reminder_days
    sent = 0
    due = Subscription.objects.filter(
        status__in=LIVE,
        auto_renew=True,
        period_end__gt=now,
        period_end__lte=now + timedelta(days=days),
    ).select_related("plan", "customer")
    for sub in due:
        plan, amount = renewal_amount(sub)
        key = f"plans.reminder:{sub.pk}:{sub.period_end.isoformat()}"
        if plan is None or Message.objects.filter(dedupe_key=key).exists():
            continue  # nothing will be charged, or reminded already (the key makes it once)
        with transaction.atomic(), translation.override(_language(sub.customer)):
            body = _(
                "Reminder: %(plan)s renews on %(date)s and ¥%(amount)s will be charged. To change "
                "or cancel before then (same steps as an upgrade): %(link)s"
            ) % {
                "plan": plan_name(plan),
                "date": _local(sub.period_end),
                "amount": fen_text(amount),
                "link": plan_link(sub),
            }
            message_send(
                channel="sms",
                recipient=sub.customer.phone,
                customer=sub.customer,
                kind="plans.renewal_reminder",
                body=body,
                reference=f"SUB-{sub.pk}",
                dedupe_key=key,
            )
            message_send(
                channel="portal",
                customer=sub.customer,
                kind="plans.renewal_reminder",
                subject=_("Renewal reminder"),
                body=body,
                reference=f"SUB-{sub.pk}",
                dedupe_key=key + ":portal",
            )
            _event(
                sub,
                "renewal_reminder",
                at=now,
                channel=Channel.SYSTEM,
                fen=amount,
                renews_at=sub.period_end.isoformat(),
            )
            sent += 1
    return sent


def plans_process_due(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's minute: renewals and ends, lapses, reminders, retries, abandoned attempts."""
    now = _now(now)
    counts = {
        "rolled": 0,
        "lapsed": 0,
        "reminders": 0,
        "collected": 0,
        "refunds": 0,
        "abandoned": 0,
    }

    def each(key: str, work: Any, pks: Any) -> None:
        # one failing subscription, invoice or refund must not stop the rest of the minute
        for pk in list(pks):
            try:
                work(pk)
                counts[key] += 1
            except Exception:
                log.exception("plans: %s %s failed; will retry", key, pk)

    each(
        "rolled",
        lambda pk: subscription_roll(subscription_id=pk, now=now),
        Subscription.objects.filter(status__in=LIVE, period_end__lte=now).values_list(
            "pk", flat=True
        ),
    )
    each(
        "lapsed",
        lambda pk: subscription_lapse(subscription_id=pk, now=now),
        Subscription.objects.filter(
            status=SubscriptionStatus.PAST_DUE, grace_until__lte=now
        ).values_list("pk", flat=True),
    )
    try:
        counts["reminders"] = renewal_reminders_send(now=now)
    except Exception:
        log.exception("plans: renewal reminders failed; will retry")
    retry_before = now - RETRY_EVERY
    fresh = now - timedelta(minutes=2)  # just created: the after-commit call is on its way
    each(
        "collected",
        lambda pk: invoice_collect(invoice_id=pk, now=now),
        Invoice.objects.filter(
            Q(last_attempt_at__isnull=True, created_at__lte=fresh)
            | Q(last_attempt_at__lte=retry_before),
            status=InvoiceStatus.OPEN,
            subscription__status__in=LIVE,
        ).values_list("pk", flat=True),
    )
    each(
        "refunds",
        lambda pk: refund_execute(refund_id=pk, now=now),
        Refund.objects.exclude(status=RefundStatus.DONE)
        .filter(
            Q(last_attempt_at__isnull=True, created_at__lte=fresh)
            | Q(last_attempt_at__lte=retry_before)
        )
        .values_list("pk", flat=True),
    )
    counts["abandoned"] = ChangeAttempt.objects.filter(
        outcome=AttemptOutcome.OPEN, started_at__lte=now - ABANDON_AFTER
    ).update(outcome=AttemptOutcome.ABANDONED, finished_at=now)
    return counts


def timing_rule_is_choice() -> bool:
    return policy_get().timing_rule == TimingRule.CUSTOMER_CHOICE
