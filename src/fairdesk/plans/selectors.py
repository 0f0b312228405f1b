"""Reads of service plans: who sees which subscription, the options and the quote of a change,
prices in force, ledger balances and the ledger's invariants.

Access: a customer sees only their own subscriptions (another's answers "not found", the same as
one that does not exist); agents and brand administrators see all (and act for customers in the
console); other staff see none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from fairdesk.core import roles
from fairdesk.core.errors import NotFound
from fairdesk.customers.selectors import customer_for_user
from fairdesk.plans import proration
from fairdesk.plans.choices import (
    PERIOD_MONTHS,
    Account,
    ChangeKind,
    ChangeStatus,
    InvoiceStatus,
    OfferResponse,
    RefundStatus,
    SubscriptionStatus,
    Timing,
    TimingRule,
)
from fairdesk.plans.models import (
    ChangeAttempt,
    ChangePolicy,
    Invoice,
    LedgerEntry,
    Plan,
    PlanChange,
    PriceChange,
    Refund,
    RetentionOffer,
    Subscription,
)

#: How long the amounts of a preview are honoured when the customer confirms.
QUOTE_VALID = timedelta(minutes=30)
#: An offer declined on a subscription is not shown again on it for this long.
OFFER_QUIET = timedelta(days=30)

PLAN_STAFF_ROLES = frozenset({roles.AGENT, roles.BRAND_ADMIN})
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def policy_get() -> ChangePolicy:
    policy, _created = ChangePolicy.objects.get_or_create(pk=1)
    return policy


def is_plan_staff(user: Any) -> bool:
    """Staff who may see subscriptions and carry out changes for customers (console, API)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=PLAN_STAFF_ROLES).exists()


def plans_on_sale() -> QuerySet[Plan]:
    return (
        Plan.objects.filter(active=True)
        .select_related("family")
        .order_by("family__code", "tier_rank")
    )


def plan_get(code: str) -> Plan:
    plan = Plan.objects.select_related("family").filter(code=code).first()
    if plan is None:
        raise NotFound(_("There is no plan %(code)s.") % {"code": code}, code="plan_not_found")
    return plan


def plan_price_at(plan: Plan, at: datetime) -> int:
    """The price of ``plan`` for a period starting at ``at`` (price changes in force by then)."""
    change = (
        PriceChange.objects.filter(plan=plan, effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .first()
    )
    return change.new_price_fen if change else plan.price_fen


def subscriptions_for(*, user: Any) -> QuerySet[Subscription]:
    qs = Subscription.objects.select_related("plan", "plan__family", "customer", "device")
    customer = customer_for_user(user)
    if customer is not None:
        return qs.filter(customer=customer)
    if is_plan_staff(user):
        return qs
    return qs.none()


def subscription_get(*, user: Any, pk: int) -> Subscription:
    sub = subscriptions_for(user=user).filter(pk=pk).first()
    if sub is None:
        raise NotFound(
            _("There is no subscription %(id)s.") % {"id": pk}, code="subscription_not_found"
        )
    return sub


def attempt_get(*, user: Any, pk: int) -> ChangeAttempt:
    attempt = (
        ChangeAttempt.objects.select_related("subscription", "from_plan", "to_plan", "offer")
        .filter(subscription__in=subscriptions_for(user=user), pk=pk)
        .first()
    )
    if attempt is None:
        raise NotFound(_("There is no such change."), code="attempt_not_found")
    return attempt


def change_get(*, user: Any, pk: int) -> PlanChange:
    """A confirmed change of a subscription the user may see ("not found" otherwise)."""
    change = (
        PlanChange.objects.select_related("subscription", "from_plan", "to_plan", "attempt")
        .filter(subscription__in=subscriptions_for(user=user), pk=pk)
        .first()
    )
    if change is None:
        raise NotFound(_("There is no such change."), code="change_not_found")
    return change


def scheduled_change(sub: Subscription) -> PlanChange | None:
    return (
        PlanChange.objects.select_related("to_plan")
        .filter(subscription=sub, status=ChangeStatus.SCHEDULED)
        .first()
    )


def change_kind(from_plan: Plan, to_plan: Plan | None) -> str:
    """Upgrade or downgrade by declared rank within a family; another family is a switch."""
    if to_plan is None:
        return ChangeKind.CANCEL
    if to_plan.family_id != from_plan.family_id:
        return ChangeKind.SWITCH
    return ChangeKind.UPGRADE if to_plan.tier_rank > from_plan.tier_rank else ChangeKind.DOWNGRADE


@dataclass
class Option:
    kind: str
    to_plan: Plan | None
    price_fen: int | None


def change_options(sub: Subscription, *, at: datetime) -> list[Option]:
    """Every change open to this subscription, all offered alike: each other plan on sale
    (upgrade, downgrade or switch by rank and family) and cancel. Nothing is hidden or gated."""
    if sub.status not in LIVE:
        return []
    options = [
        Option(change_kind(sub.plan, plan), plan, plan_price_at(plan, at))
        for plan in plans_on_sale()
        if plan.pk != sub.plan_id
    ]
    options.append(Option(ChangeKind.CANCEL, None, None))
    return options


def timing_choices(policy: ChangePolicy) -> list[str]:
    if policy.timing_rule == TimingRule.CUSTOMER_CHOICE:
        return [Timing.IMMEDIATE, Timing.PERIOD_END]
    return [policy.timing_rule]


def account_credit_fen(sub: Subscription) -> int:
    """Account credit held for the customer on this subscription (fen, ≥ 0)."""
    total = (
        LedgerEntry.objects.filter(subscription=sub, account=Account.CUSTOMER_CREDIT).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    return -total


def open_due_fen(sub: Subscription) -> int:
    return sum(inv.due_fen for inv in sub.invoices.filter(status=InvoiceStatus.OPEN))


def refundable_payments(sub: Subscription) -> list[tuple[Any, int]]:
    """Payments of this subscription with money not yet refunded or promised back, newest first."""
    out = []
    for payment in sub.payments.order_by("-at", "-id"):
        promised = (
            payment.refunds.aggregate(s=Sum("amount_fen"))["s"] or 0
        )  # pending, failed (retried) and done refunds all count
        left = payment.amount_fen - promised
        if left > 0:
            out.append((payment, left))
    return out


@dataclass
class Quote:
    """What a change does, computed once at ``quoted_at`` and honoured at confirmation."""

    kind: str
    from_plan: Plan
    to_plan: Plan | None
    timing: str
    quoted_at: datetime
    effective_at: datetime
    charge_fen: int = 0  # charged now
    credit_fen: int = 0  # credited now for unused prepaid time
    exact_fen: Fraction = Fraction(0)  # the unrounded amount behind charge/credit
    new_price_fen: int | None = None  # the price per period after the change
    new_period_end: datetime | None = None
    next_charge_at: datetime | None = None
    next_charge_fen: int | None = None
    settles_open_fen: int = 0  # of the credit: set against an unpaid invoice
    notes: list[str] = field(default_factory=list)


def _period_months(plan: Plan) -> int:
    return PERIOD_MONTHS[plan.period]


def change_quote(sub: Subscription, to_plan: Plan | None, *, timing: str, at: datetime) -> Quote:
    """The effect of changing ``sub`` to ``to_plan`` (None: cancel) with ``timing`` at ``at``."""
    kind = change_kind(sub.plan, to_plan)
    q = Quote(
        kind=kind,
        from_plan=sub.plan,
        to_plan=to_plan,
        timing=timing,
        quoted_at=at,
        effective_at=at if timing == Timing.IMMEDIATE else sub.period_end,
    )
    start, end, paid = sub.period_start, sub.period_end, sub.period_price_fen
    if timing == Timing.PERIOD_END:
        if to_plan is None:
            q.notes.append(_("Your plan ends at the end of the period; nothing more is charged."))
            return q
        q.new_price_fen = plan_price_at(to_plan, end)
        if sub.auto_renew:
            q.next_charge_at, q.next_charge_fen = end, q.new_price_fen
        q.new_period_end = proration.add_months(end, _period_months(to_plan))
        return q
    # immediate
    if to_plan is not None and to_plan.period == sub.plan.period:
        # same period length: keep the period, settle the price difference for its rest
        new_price = plan_price_at(to_plan, at)
        q.new_price_fen = new_price
        q.exact_fen = proration.exact_difference(paid, new_price, start, end, at)
        amount = proration.difference(paid, new_price, start, end, at)
        if amount >= 0:
            q.charge_fen = amount
        else:
            q.credit_fen = -amount
        q.new_period_end = end
    else:
        # cancel, or a plan billed over another period length: credit the unused time, and a
        # new plan starts its own period now at its full price
        q.exact_fen = -paid * proration.unused_share(start, end, at)
        q.credit_fen = proration.prorated(paid, start, end, at)
        if to_plan is not None:
            q.new_price_fen = plan_price_at(to_plan, at)
            q.charge_fen = q.new_price_fen
            q.new_period_end = proration.add_months(at, _period_months(to_plan))
    if to_plan is not None and sub.auto_renew:
        q.next_charge_at = q.new_period_end
        q.next_charge_fen = plan_price_at(to_plan, q.new_period_end or end)
    if q.credit_fen:
        q.settles_open_fen = min(q.credit_fen, open_due_fen(sub))
    return q


def offer_for(sub: Subscription, kind: str, *, at: datetime) -> RetentionOffer | None:
    """The one retention offer this attempt may show: only when leaving a plan (downgrade,
    switch, cancel), and not if one was declined on this subscription in the last 30 days."""
    if kind == ChangeKind.UPGRADE:
        return None
    recently = ChangeAttempt.objects.filter(
        subscription=sub,
        offer_shown_at__gte=at - OFFER_QUIET,
        offer_response__in=[OfferResponse.DECLINED, OfferResponse.SHOWN],
    ).exists()
    if recently:
        return None
    return RetentionOffer.objects.filter(active=True).order_by("id").first()


def renewal_amount(sub: Subscription) -> tuple[Plan | None, int]:
    """The plan and amount the next auto-renewal will charge (0 if it will not renew)."""
    change = scheduled_change(sub)
    if change is not None and change.to_plan is None:
        return None, 0
    if not sub.auto_renew or sub.status not in LIVE:
        return None, 0
    plan = change.to_plan if change else sub.plan
    price = renewal_price(sub, plan, sub.period_end)
    return plan, max(0, price - account_credit_fen(sub))


def renewal_price(sub: Subscription, plan: Plan, at: datetime) -> int:
    """What a renewal of ``sub`` on ``plan`` at ``at`` costs: the price in force, less a
    retention discount still to apply (rounded once, like every amount)."""
    price = plan_price_at(plan, at)
    if sub.discount_periods:
        price = proration.to_fen(Fraction(price * (100 - sub.discount_percent), 100))
    return price


# --------------------------------------------------------------------------------------------
# The ledger's invariants
# --------------------------------------------------------------------------------------------


def ledger_balances(sub: Subscription) -> dict[str, int]:
    rows = (
        LedgerEntry.objects.filter(subscription=sub)
        .values("account")
        .annotate(total=Sum("amount_fen"))
    )
    balances = {account.value: 0 for account in Account}
    for row in rows:
        balances[row["account"]] = row["total"]
    return balances


def ledger_problems(sub: Subscription) -> list[str]:
    """Every way the ledger of ``sub`` disagrees with itself or the records (empty: balanced).

    * every transaction's lines sum to zero;
    * ``receivable`` equals what open invoices still ask for;
    * ``gateway`` equals payments received less refunds paid;
    * ``refund_payable`` equals refunds promised and not yet paid;
    * ``customer_credit`` is never a debt of the customer;
    * every invoice is fully accounted for: amount = settled + paid + still due (0 if not open).
    """
    problems = []
    by_txn = (
        LedgerEntry.objects.filter(subscription=sub).values("txn").annotate(total=Sum("amount_fen"))
    )
    for row in by_txn:
        if row["total"] != 0:
            problems.append(f"transaction {row['txn']} sums to {row['total']}")
    bal = ledger_balances(sub)
    open_due = open_due_fen(sub)
    if bal[Account.RECEIVABLE] != open_due:
        problems.append(f"receivable {bal[Account.RECEIVABLE]} ≠ open invoices {open_due}")
    paid = sub.payments.aggregate(s=Sum("amount_fen"))["s"] or 0
    refunded = (
        Refund.objects.filter(subscription=sub, status=RefundStatus.DONE).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    if bal[Account.GATEWAY] != paid - refunded:
        problems.append(f"gateway {bal[Account.GATEWAY]} ≠ payments {paid} − refunds {refunded}")
    pending = (
        Refund.objects.filter(subscription=sub)
        .exclude(status=RefundStatus.DONE)
        .aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )
    if -bal[Account.REFUND_PAYABLE] != pending:
        problems.append(
            f"refund payable {-bal[Account.REFUND_PAYABLE]} ≠ pending refunds {pending}"
        )
    if bal[Account.CUSTOMER_CREDIT] > 0:
        problems.append(f"customer credit is negative ({-bal[Account.CUSTOMER_CREDIT]})")
    for inv in Invoice.objects.filter(subscription=sub):
        if inv.due_fen < 0 or (inv.status != InvoiceStatus.OPEN and inv.due_fen != 0):
            problems.append(f"invoice {inv.pk} {inv.status} has {inv.due_fen} due")
    return problems
