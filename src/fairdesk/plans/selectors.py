"""Reads of service plans: who may act on which subscription (the ``access_*`` functions), the
options and the quote of a change, prices in force, ledger balances and the ledger's invariants.

Access: a customer sees only their own subscriptions (another's answers "not found", the same as
one that does not exist); agents and brand administrators see all (and act for customers in the
console and the API); other staff see none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from fairdesk.core import roles
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.models import Customer, Device
from fairdesk.customers.selectors import customer_for_user
from fairdesk.plans import proration
from fairdesk.plans.choices import LIVE as LIVE  # re-exported: the pages and services use it
from fairdesk.plans.choices import (
    PERIOD_MONTHS,
    Account,
    ChangeKind,
    ChangeStatus,
    InvoiceStatus,
    OfferResponse,
    PlanEventKind,
    RefundStatus,
    Timing,
    TimingRule,
)
from fairdesk.plans.covers import (
    device_not_owned,
    family_covers,
    held_family_ids,
    related_family_ids,
)
from fairdesk.plans.models import (
    ChangeAttempt,
    ChangePolicy,
    Invoice,
    LedgerEntry,
    Payment,
    Plan,
    PlanChange,
    PlanEvent,
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


def policy_get() -> ChangePolicy:
    policy, _created = ChangePolicy.objects.get_or_create(pk=1)
    return policy


def is_plan_staff(user: Any) -> bool:
    """Staff who may see subscriptions and carry out changes for customers (console, API)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.groups.filter(name__in=PLAN_STAFF_ROLES).exists())


def plans_on_sale() -> QuerySet[Plan]:
    return (
        Plan.objects.filter(active=True)
        .select_related("family")
        .order_by("family__code", "tier_rank")
    )


def plan_get(code: str) -> Plan:
    """The plan with this code (404 ``plan_not_found``)."""
    plan = Plan.objects.select_related("family").filter(code=code).first()
    if plan is None:
        raise NotFound(_("There is no plan %(code)s.") % {"code": code}, code="plan_not_found")
    return plan


def plan_named(code: str) -> Plan:
    """A plan named in a request body or a form: an unknown one is the caller's mistake (422
    ``plan_not_found``), not a missing page."""
    try:
        return plan_get(code)
    except NotFound as exc:
        raise DomainError(exc.message, code="plan_not_found", status=422) from exc


def check_on_sale(plan: Plan) -> None:
    """Only a plan on sale can be subscribed to or changed to (422 ``plan_not_on_sale``)."""
    if not plan.active:
        raise DomainError(_("This plan is not on sale."), code="plan_not_on_sale", status=422)


def plan_latest_price(plan: Plan) -> int:
    """The price in force or announced last (a pending change counts: no duplicate notices)."""
    change = PriceChange.objects.filter(plan=plan).order_by("-effective_at", "-id").first()
    return change.new_price_fen if change else plan.price_fen


def plan_price_at(plan: Plan, at: datetime) -> int:
    """The price of ``plan`` for a period starting at ``at`` (price changes in force by then)."""
    change = (
        PriceChange.objects.filter(plan=plan, effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .first()
    )
    return change.new_price_fen if change else plan.price_fen


def subscriptions_for(*, user: Any) -> QuerySet[Subscription]:
    """The subscriptions ``user`` may see: a customer's own; all for plan staff; else none."""
    qs = Subscription.objects.select_related(
        "plan", "plan__family", "customer", "device__product_model"
    )
    customer = customer_for_user(user)
    if customer is not None:
        return qs.filter(customer=customer)
    if is_plan_staff(user):
        return qs
    return qs.none()


# --------------------------------------------------------------------------------------------
# Access: what a caller may act on, fetched, or the one error that says it is not there
#
# Handlers (API, portal, console) and services call these; neither has a rule of its own. A
# subscription, attempt or change the caller may not see answers "not found", exactly as one
# that does not exist. ``user`` None is fairdesk itself (the worker, the demo, a management
# command): it reaches every row. ``lock=True`` (inside a transaction) locks in the lock order
# of ``services``: the subscription row first, then the attempt or change.
# --------------------------------------------------------------------------------------------


def sees_staff_names(user: Any) -> bool:
    """Who of the staff acted is shown to staff, never to customers."""
    return customer_for_user(user) is None


def check_manages_plans(user: Any) -> None:
    """Staff who may act for customers (console, API); 403 ``forbidden`` for anyone else."""
    if not is_plan_staff(user):
        raise DomainError(
            _("Your role does not manage service plans."), code="forbidden", status=403
        )


def _visible(user: Any) -> QuerySet[Subscription]:
    if user is None:
        return Subscription.objects.select_related(
            "plan", "plan__family", "customer", "device__product_model"
        )
    return subscriptions_for(user=user)


def lock_subscription(subscription_id: int) -> Subscription:
    """The subscription row, locked until the end of the transaction (the first lock taken),
    then read with its plan and customer.

    The lock is taken on the row alone, in a statement of its own: on PostgreSQL a locking read
    that waited for another transaction re-checks its joins against the row that transaction
    wrote, and a row whose plan it changed (a confirmed upgrade) would match no plan and not be
    found at all. Read after the lock, the row is the one the other transaction committed."""
    locked = Subscription.objects.select_for_update().filter(pk=subscription_id)
    if not locked.values_list("pk", flat=True):
        raise _subscription_not_found(subscription_id)
    return Subscription.objects.select_related("plan", "plan__family", "customer").get(
        pk=subscription_id
    )


def access_subscription(user: Any, subscription_id: int, *, lock: bool = False) -> Subscription:
    """The subscription ``user`` may act on (404 ``subscription_not_found``)."""
    sub = _visible(user).filter(pk=subscription_id).first()
    if sub is None:
        raise _subscription_not_found(subscription_id)
    return lock_subscription(subscription_id) if lock else sub


def _subscription_not_found(subscription_id: int) -> NotFound:
    return NotFound(
        _("There is no subscription %(id)s.") % {"id": subscription_id},
        code="subscription_not_found",
    )


#: What rendering an attempt reads: its subscription, plans (with their families) and offer.
ATTEMPT_RELATED = (
    "subscription",
    "subscription__plan",
    "subscription__plan__family",
    "subscription__customer",
    "from_plan__family",
    "to_plan__family",
    "offer",
)


def access_attempt(user: Any, attempt_id: int, *, lock: bool = False) -> ChangeAttempt:
    """A change attempt on a subscription ``user`` may act on (404 ``attempt_not_found``)."""
    attempt = (
        ChangeAttempt.objects.select_related(*ATTEMPT_RELATED)
        .filter(subscription__in=_visible(user), pk=attempt_id)
        .first()
    )
    if attempt is None:
        raise NotFound(_("There is no such change."), code="attempt_not_found")
    if lock:
        sub = lock_subscription(attempt.subscription_id)
        attempt = (
            ChangeAttempt.objects.select_for_update(of=("self",))
            .select_related("from_plan__family", "to_plan__family", "offer")
            .get(pk=attempt_id)
        )
        attempt.subscription = sub
    return attempt


def access_change(user: Any, change_id: int, *, lock: bool = False) -> PlanChange:
    """A confirmed change of a subscription ``user`` may act on (404 ``change_not_found``)."""
    change = (
        PlanChange.objects.select_related(
            "subscription",
            "subscription__customer",
            "subscription__plan",
            "from_plan__family",
            "to_plan__family",
            "attempt",
        )
        .filter(subscription__in=_visible(user), pk=change_id)
        .first()
    )
    if change is None:
        raise NotFound(_("There is no such change."), code="change_not_found")
    if lock:
        sub = lock_subscription(change.subscription_id)
        change = (
            PlanChange.objects.select_for_update(of=("self",))
            .select_related("from_plan__family", "to_plan__family", "attempt")
            .get(pk=change_id)
        )
        change.subscription = sub
    return change


def access_plan_customer(user: Any, customer_id: int | None) -> Customer:
    """Whose plan ``user`` starts: a customer's own (403 ``forbidden`` for another's); plan
    staff name the customer (422 ``customer_required``, 404 ``customer_not_found``); anyone
    else 403 ``forbidden``."""
    own = customer_for_user(user)
    if own is not None:
        if customer_id not in (None, own.pk):
            raise DomainError(
                _("You can start plans for yourself only."), code="forbidden", status=403
            )
        return own
    check_manages_plans(user)
    if customer_id is None:
        raise DomainError(
            _("Say whose plan this is: customer_id."), code="customer_required", status=422
        )
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("There is no such customer."), code="customer_not_found")
    return customer


def access_device(customer: Customer, device_id: int | None) -> Device | None:
    """The customer's device a plan is for (None: none given; 422 ``device_not_owned`` for a
    device that is not theirs or does not exist). Which devices a plan may cover:
    ``covers.check_plan_device``."""
    if device_id is None:
        return None
    device = (
        Device.objects.select_related("product_model")
        .filter(pk=device_id, customer=customer)
        .first()
    )
    if device is None:
        raise device_not_owned()
    return device


def customer_language(customer: Customer) -> str:
    """The language a customer is written to in (their own, else the site's)."""
    return customer.language or settings.LANGUAGE_CODE


def consent_language(user: Any, customer_id: int | None) -> str | None:
    """The language a consent text is shown in by default: the customer's (a customer's own,
    or, for plan staff, ``customer_id``'s), None when there is no such customer."""
    customer = customer_for_user(user)
    if customer is None and customer_id is not None and is_plan_staff(user):
        customer = Customer.objects.filter(pk=customer_id).first()
    return customer_language(customer) if customer is not None else None


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
    """Every change open to this subscription, all offered alike: each other plan on sale it
    may be changed to (``check_change_target``: upgrade or downgrade within its family, a switch
    to a related family covering its device that the device has no plan of yet) and cancel."""
    if sub.status not in LIVE:
        return []
    related = related_family_ids(sub.plan.family)
    taken = held_family_ids(sub.customer, sub.device, exclude=sub.pk) - {sub.plan.family_id}
    options = [
        Option(change_kind(sub.plan, plan), plan, plan_price_at(plan, at))
        for plan in plans_on_sale()
        if plan.pk != sub.plan_id
        and plan.family_id in related
        and plan.family_id not in taken
        and family_covers(plan.family, sub.device)
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


def refundable_payments(sub: Subscription) -> list[tuple[Payment, int]]:
    """Payments of this subscription with money not yet refunded or promised back, newest first."""
    out: list[tuple[Payment, int]] = []
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


def preview_outdated(attempt: ChangeAttempt) -> bool:
    """The subscription moved on since the preview was shown: it ended, or is on another plan."""
    sub = attempt.subscription
    return sub.status not in LIVE or sub.plan_id != attempt.from_plan_id


def quote_expired(attempt: ChangeAttempt, *, now: datetime) -> bool:
    """The preview's amounts are no longer honoured (``QUOTE_VALID`` after they were quoted)."""
    return now - attempt.quoted_at > QUOTE_VALID


def attempt_quote(attempt: ChangeAttempt) -> Quote:
    """The preview of an attempt, as computed when it was quoted (honoured at confirmation)."""
    return change_quote(
        attempt.subscription, attempt.to_plan, timing=attempt.timing, at=attempt.quoted_at
    )


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
    plan = change.to_plan if change is not None and change.to_plan is not None else sub.plan
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


# --------------------------------------------------------------------------------------------
# A subscription's records: its ledger, invoices, refunds and audit trail
# --------------------------------------------------------------------------------------------


@dataclass
class LedgerView:
    """The ledger of a subscription with its self-check, invoices and refunds (API, console)."""

    balances: dict[str, int]
    problems: list[str]
    entries: list[LedgerEntry]
    invoices: list[Invoice]
    refunds: list[Refund]


def ledger_view(sub: Subscription) -> LedgerView:
    return LedgerView(
        balances=ledger_balances(sub),
        problems=ledger_problems(sub),
        entries=list(LedgerEntry.objects.filter(subscription=sub).order_by("at", "id")),
        invoices=list(
            Invoice.objects.filter(subscription=sub)
            .select_related("plan")
            .order_by("created_at", "id")
        ),
        refunds=list(Refund.objects.filter(subscription=sub).order_by("created_at", "id")),
    )


def events_of(sub: Subscription) -> QuerySet[PlanEvent]:
    """The audit trail of a subscription, oldest first, with who acted."""
    return PlanEvent.objects.filter(subscription=sub).select_related("actor").order_by("at", "id")


def plan_names_by_code(codes: set[str]) -> dict[str, Plan]:
    """The plans named in events (their codes), by code."""
    return {plan.code: plan for plan in Plan.objects.filter(code__in=codes)}


class CreditSplit(TypedDict):
    """Where a credit for unused time went: set against what was unpaid, back to the payment
    method, kept as account credit (fen)."""

    settled: int
    refunded: int
    account_credit: int


def no_split() -> CreditSplit:
    return {"settled": 0, "refunded": 0, "account_credit": 0}


def change_credit_split(change: PlanChange) -> CreditSplit:
    """Where the credit of a confirmed change went, as recorded when it was confirmed."""
    split = no_split()
    for event in change.subscription.events.filter(kind=PlanEventKind.CHANGE_CONFIRMED):
        if event.data.get("change") == change.pk:
            split = {
                "settled": int(event.data.get("settled") or 0),
                "refunded": int(event.data.get("refunded") or 0),
                "account_credit": int(event.data.get("account_credit") or 0),
            }
    return split


def change_of(attempt: ChangeAttempt) -> PlanChange | None:
    """The change a confirmed attempt made (None for an attempt that made none)."""
    return PlanChange.objects.filter(attempt=attempt).first()
