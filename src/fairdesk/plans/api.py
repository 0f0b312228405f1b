"""Service plans in the API (mounted at /api/v1/, tag "plans").

Authentication: the same as the service-request API — ``Authorization: Bearer <token>`` (an
integration acting as its user) or the session of a signed-in user (unsafe methods need the CSRF
token). ``GET /plans`` is public: the catalog and its change policy are published rules.

Access (``plans.selectors``): a customer sees and changes only their own subscriptions (another's
answers 404, the same as one that does not exist); agents and brand administrators see all and
act for customers; other staff (outlet staff, technicians, auditors) see none.

Every change — upgrade, downgrade, switch, cancel — takes the same two calls, whoever makes it:
``POST /subscriptions/{id}/changes`` (choose: the attempt, its preview and at most one retention
offer), then ``POST /changes/{attempt_id}/confirm``. Nothing else is ever needed: no agent, no
call, no payment of an open balance, no waiting period. ``accept-offer`` is the optional
alternative to confirming when an offer is shown; an unconfirmed attempt simply lapses.

Money is integer fen (``…_fen``) with the same amount as a yuan string (``…_yuan``, "299.00").
Times are ISO 8601 in Asia/Shanghai.

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated``, ``invalid_token``;
* 403 ``forbidden`` (starting a subscription for someone else), ``csrf_failed``;
* 404 ``subscription_not_found`` (also for one you may not see), ``attempt_not_found``,
  ``change_not_found``, ``plan_not_found`` (in the path), ``customer_not_found``;
* 409 ``subscription_ended``, ``attempt_finished``, ``quote_expired`` (the preview is older than
  30 minutes or the subscription moved on: start again), ``no_offer``, ``change_not_undoable``,
  ``already_subscribed``;
* 422 ``invalid_input`` (the body or query, with ``details``), ``plan_not_found`` (in the body),
  ``plan_not_on_sale``, ``same_plan``, ``timing_not_available``, ``consent_required`` (with
  ``details.consent_text``), ``auto_renew_unavailable``, ``payment_method_required``,
  ``customer_required``, ``device_not_owned``, ``reason_too_long``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Respond

from fairdesk.api.auth import api_auth
from fairdesk.api.errors import ErrorOut
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.localtime import local_or_none as _local
from fairdesk.customers.selectors import customer_for_user
from fairdesk.plans import selectors, services
from fairdesk.plans.choices import (
    AttemptOutcome,
    ChangeKind,
    ChangeStatus,
    Channel,
    OfferResponse,
)
from fairdesk.plans.models import (
    ChangeAttempt,
    Invoice,
    LedgerEntry,
    Plan,
    PlanChange,
    PlanEvent,
    Refund,
    Subscription,
)
from fairdesk.plans.proration import fen_text

router = Router(tags=["plans"])

AUTH = api_auth

# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------

TimingValue = Literal["immediate", "period_end"]
RefundToValue = Literal["original", "account_credit"]


class MoneyOut(Schema):
    fen: int = Field(description="Integer fen (1 yuan = 100 fen)")
    yuan: str = Field(description="The same amount in yuan, e.g. 299.00")


class FamilyOut(Schema):
    code: str
    kind: str = Field(description="extended_warranty | maintenance | cloud_storage")
    kind_label: str
    name: str
    name_en: str


class EntitlementsOut(Schema):
    free_visits_per_year: int
    storage_days: int
    warranty_months: int


class PriceChangeOut(Schema):
    price_fen: int
    price_yuan: str
    effective_at: datetime = Field(description="Periods starting on or after this pay the price")


class PlanOut(Schema):
    code: str
    name: str
    name_en: str
    family: FamilyOut
    tier_rank: int = Field(description="Order within the family: up = upgrade, down = downgrade")
    period: str = Field(description="monthly | yearly")
    period_label: str
    price_fen: int = Field(description="The price per period in force now")
    price_yuan: str
    next_price: PriceChangeOut | None = Field(description="An announced price change, if any")
    entitlements: EntitlementsOut
    auto_renew_offered: bool
    minimum_term_months: int | None = Field(description="Disclosed minimum term, if any")


class PolicyOut(Schema):
    timing_rule: str = Field(
        description="immediate | period_end | customer_choice — the one rule for every change "
        "(upgrade, downgrade, switch, cancel alike)"
    )
    timing_rule_label: str
    timings: list[str] = Field(description="The timings a change may be given")
    price_notice_days: int = Field(description="Notice before a price change applies")
    renewal_reminder_days: int = Field(description="Reminder this many days before a renewal")
    grace_days: int
    refund_within_days: int


class CatalogOut(Schema):
    policy: PolicyOut
    plans: list[PlanOut]


class ConsentTextOut(Schema):
    plan: str
    language: str
    text: str = Field(description="Send it back verbatim as consent_text to turn auto-renewal on")


class PlanRefOut(Schema):
    code: str
    name: str
    name_en: str
    family: str
    tier_rank: int
    period: str


class CustomerRefOut(Schema):
    id: int
    name: str


class ScheduledChangeOut(Schema):
    id: int = Field(description="Undo with POST /scheduled-changes/{id}/undo")
    kind: str
    kind_label: str
    to_plan: PlanRefOut | None = Field(description="null: the plan ends")
    effective_at: datetime
    received_at: datetime


class SubscriptionOut(Schema):
    id: int
    customer: CustomerRefOut
    plan: PlanRefOut
    device_id: int | None
    status: str = Field(description="active | past_due | ended")
    status_label: str
    period_start: datetime
    period_end: datetime
    period_price_fen: int = Field(description="What this period cost (the basis of credits)")
    period_price_yuan: str
    auto_renew: bool
    payment_method: str
    discount_percent: int = Field(description="A retention discount on the next renewals")
    discount_periods: int
    grace_until: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    created_at: datetime
    scheduled_change: ScheduledChangeOut | None


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    total: int
    limit: int
    offset: int


class OptionOut(Schema):
    kind: str = Field(description="upgrade | downgrade | switch | cancel")
    kind_label: str
    to_plan: PlanRefOut | None = Field(description="null: cancel")
    price_fen: int | None = Field(description="The new plan's price per period now")
    price_yuan: str | None


class NextChargeOut(Schema):
    at: datetime
    plan: PlanRefOut
    amount_fen: int = Field(description="After the renewal discount and account credit held")
    amount_yuan: str


class SubscriptionDetailOut(SubscriptionOut):
    options: list[OptionOut] = Field(
        description="Every change open to this subscription, all alike: start any of them with "
        "POST /subscriptions/{id}/changes"
    )
    timings: list[str] = Field(description="The timings a change may be given")
    next_charge: NextChargeOut | None = Field(description="null: nothing will renew")
    open_due_fen: int = Field(description="Unpaid now (never blocks a change)")
    open_due_yuan: str
    account_credit_fen: int
    account_credit_yuan: str
    balances: dict[str, int] = Field(description="Ledger balance per account, fen (debit +)")


class SubscriptionIn(Schema):
    plan: str = Field(description="The plan's code")
    payment_method: str = Field(max_length=64)
    auto_renew: bool = False
    consent_text: str = Field(
        "",
        max_length=2000,
        description="With auto_renew: the exact text of GET /plans/{code}/consent-text",
    )
    device_id: int | None = None
    customer_id: int | None = Field(None, description="Agents and integrations: the customer")


class SubscriptionFilters(Schema):
    customer_id: int | None = Field(None, description="Staff: one customer's subscriptions")
    status: Literal["active", "past_due", "ended"] | None = None
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ConsentQuery(Schema):
    language: Literal["zh-hans", "en"] | None = Field(
        None,
        description="Default: the customer's language (a customer's own, or customer_id's for "
        "staff), else the request's",
    )
    customer_id: int | None = Field(None, description="Staff: in this customer's language")


class ChangeIn(Schema):
    to_plan: str | None = Field(
        description="The new plan's code, or null to cancel (required, so nothing is implied)"
    )
    timing: TimingValue | None = Field(
        None, description="Only when the policy is customer_choice; default: the policy's first"
    )


class RetimeIn(Schema):
    timing: TimingValue


class ConfirmIn(Schema):
    refund_to: RefundToValue = Field(
        "original",
        description="Where a credit for unused time goes: original payment method (default) or "
        "account credit. A credit first settles what this subscription still owes.",
    )
    reason: str = Field("", max_length=300, description="Optional; never required")


class AutoRenewIn(Schema):
    on: bool
    consent_text: str = Field(
        "", max_length=2000, description="To turn it on: the exact consent text"
    )


class QuoteOut(Schema):
    kind: str
    timing: str
    quoted_at: datetime
    valid_until: datetime = Field(description="Confirm before this, or start again")
    effective_at: datetime
    charge_fen: int = Field(description="Charged now")
    charge_yuan: str
    credit_fen: int = Field(description="Credited now for unused prepaid time")
    credit_yuan: str
    exact: str = Field(description="The unrounded amount (fraction of a fen), signed")
    settles_open_fen: int = Field(description="Of the credit: set against an unpaid invoice")
    settles_open_yuan: str
    new_price_fen: int | None
    new_price_yuan: str | None
    new_period_end: datetime | None
    next_charge_at: datetime | None
    next_charge_fen: int | None
    next_charge_yuan: str | None
    notes: list[str]


class OfferOut(Schema):
    code: str
    text: str = Field(description="In the request's language")
    discount_percent: int
    periods: int
    response: str = Field(description="shown | accepted | declined")


class AttemptOut(Schema):
    id: int
    subscription_id: int
    kind: str
    kind_label: str
    from_plan: PlanRefOut
    to_plan: PlanRefOut | None
    timing: str
    timings: list[str] = Field(description="Timings it may be switched to (POST …/timing)")
    channel: str
    outcome: str = Field(description="open | confirmed | offer_accepted | abandoned")
    started_at: datetime
    finished_at: datetime | None
    quoted_charge_fen: int
    quoted_credit_fen: int
    quoted_effective_at: datetime
    quote: QuoteOut | None = Field(description="The preview, while the attempt is open")
    offer: OfferOut | None = Field(
        description="At most one retention offer; declining is simply confirming"
    )
    change_id: int | None = Field(description="The change, once confirmed")


class RefundOut(Schema):
    id: int
    amount_fen: int
    amount_yuan: str
    status: str = Field(description="pending | done | failed (retried)")
    status_label: str
    created_at: datetime
    due_at: datetime = Field(description="Promised by")
    done_at: datetime | None
    change_id: int | None


class ChangeOut(Schema):
    id: int
    subscription_id: int
    attempt_id: int
    kind: str
    kind_label: str
    from_plan: PlanRefOut
    to_plan: PlanRefOut | None
    timing: str
    status: str = Field(description="applied | scheduled | undone")
    received_at: datetime
    effective_at: datetime
    undone_at: datetime | None
    charge_fen: int
    charge_yuan: str
    credit_fen: int
    credit_yuan: str
    credit_settled_fen: int = Field(description="Of the credit: set against what was unpaid")
    credit_refunded_fen: int = Field(description="Of the credit: back to the payment method")
    credit_kept_fen: int = Field(description="Of the credit: kept as account credit")
    refund_to: str
    refunds: list[RefundOut]


class InvoiceOut(Schema):
    id: int
    kind: str
    kind_label: str
    plan: str
    amount_fen: int
    amount_yuan: str
    settled_fen: int
    paid_fen: int
    due_fen: int
    status: str = Field(description="open | paid | void")
    status_label: str
    covers_from: datetime
    covers_until: datetime
    created_at: datetime
    paid_at: datetime | None


class LedgerEntryOut(Schema):
    id: int
    txn: str = Field(description="Entries of one transaction sum to zero")
    at: datetime
    account: str
    account_label: str
    amount_fen: int = Field(description="Debit +, credit −")
    amount_yuan: str
    kind: str
    kind_label: str
    memo: str
    invoice_id: int | None
    change_id: int | None
    refund_id: int | None


class LedgerOut(Schema):
    balances: dict[str, int] = Field(description="Per account, fen (debit +)")
    problems: list[str] = Field(description="Empty when the ledger agrees with itself")
    entries: list[LedgerEntryOut]
    invoices: list[InvoiceOut]
    refunds: list[RefundOut]


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    channel: str
    channel_label: str
    by: str = Field(description="customer | staff | system")
    actor: str | None = Field(description="The staff user's name (shown to staff only)")
    attempt_id: int | None
    details: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _yuan(fen: int | None) -> str | None:
    return fen_text(fen) if fen is not None else None


def _plan_ref(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "code": plan.code,
        "name": plan.name,
        "name_en": plan.name_en,
        "family": plan.family.code,
        "tier_rank": plan.tier_rank,
        "period": plan.period,
    }


def _price_now(plan: Plan, now: datetime) -> tuple[int, Any]:
    """The price in force (``selectors.plan_price_at``, from prefetched price changes) and the
    next announced one."""
    changes = sorted(plan.price_changes.all(), key=lambda c: (c.effective_at, c.id))
    in_force = [c for c in changes if c.effective_at <= now]
    later = [c for c in changes if c.effective_at > now]
    price = in_force[-1].new_price_fen if in_force else plan.price_fen
    return price, (later[-1] if later else None)


def _policy_out() -> dict[str, Any]:
    policy = selectors.policy_get()
    return {
        "timing_rule": policy.timing_rule,
        "timing_rule_label": str(policy.get_timing_rule_display()),
        "timings": [str(t) for t in selectors.timing_choices(policy)],
        "price_notice_days": policy.price_notice_days,
        "renewal_reminder_days": policy.renewal_reminder_days,
        "grace_days": policy.grace_days,
        "refund_within_days": policy.refund_within_days,
    }


def _plan_out(plan: Plan, now: datetime) -> dict[str, Any]:
    price, upcoming = _price_now(plan, now)
    return {
        "code": plan.code,
        "name": plan.name,
        "name_en": plan.name_en,
        "family": {
            "code": plan.family.code,
            "kind": plan.family.kind,
            "kind_label": str(plan.family.get_kind_display()),
            "name": plan.family.name,
            "name_en": plan.family.name_en,
        },
        "tier_rank": plan.tier_rank,
        "period": plan.period,
        "period_label": str(plan.get_period_display()),
        "price_fen": price,
        "price_yuan": fen_text(price),
        "next_price": (
            {
                "price_fen": upcoming.new_price_fen,
                "price_yuan": fen_text(upcoming.new_price_fen),
                "effective_at": _local(upcoming.effective_at),
            }
            if upcoming
            else None
        ),
        "entitlements": {
            "free_visits_per_year": plan.free_visits_per_year,
            "storage_days": plan.storage_days,
            "warranty_months": plan.warranty_months,
        },
        "auto_renew_offered": plan.auto_renew,
        "minimum_term_months": plan.minimum_term_months,
    }


def _scheduled_out(change: PlanChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "id": change.pk,
        "kind": change.kind,
        "kind_label": str(change.get_kind_display()),
        "to_plan": _plan_ref(change.to_plan),
        "effective_at": _local(change.effective_at),
        "received_at": _local(change.received_at),
    }


def _subscription_out(sub: Subscription, scheduled: PlanChange | None) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "customer": {"id": sub.customer_id, "name": sub.customer.name},
        "plan": _plan_ref(sub.plan),
        "device_id": sub.device_id,
        "status": sub.status,
        "status_label": str(sub.get_status_display()),
        "period_start": _local(sub.period_start),
        "period_end": _local(sub.period_end),
        "period_price_fen": sub.period_price_fen,
        "period_price_yuan": fen_text(sub.period_price_fen),
        "auto_renew": sub.auto_renew,
        "payment_method": sub.payment_method,
        "discount_percent": sub.discount_percent,
        "discount_periods": sub.discount_periods,
        "grace_until": _local(sub.grace_until),
        "ended_at": _local(sub.ended_at),
        "end_reason": sub.end_reason or None,
        "created_at": _local(sub.created_at),
        "scheduled_change": _scheduled_out(scheduled),
    }


def render_subscription_detail(sub: Subscription, *, now: datetime) -> dict[str, Any]:
    scheduled = selectors.scheduled_change(sub)
    out = _subscription_out(sub, scheduled)
    options = selectors.change_options(sub, at=now)
    out["options"] = [
        {
            "kind": o.kind,
            "kind_label": str(ChangeKind(o.kind).label),
            "to_plan": _plan_ref(o.to_plan),
            "price_fen": o.price_fen,
            "price_yuan": _yuan(o.price_fen),
        }
        for o in options
    ]
    out["timings"] = (
        [str(t) for t in selectors.timing_choices(selectors.policy_get())] if options else []
    )
    plan, amount = selectors.renewal_amount(sub)
    out["next_charge"] = (
        {
            "at": _local(sub.period_end),
            "plan": _plan_ref(plan),
            "amount_fen": amount,
            "amount_yuan": fen_text(amount),
        }
        if plan is not None
        else None
    )
    due = selectors.open_due_fen(sub)
    credit = selectors.account_credit_fen(sub)
    out.update(
        open_due_fen=due,
        open_due_yuan=fen_text(due),
        account_credit_fen=credit,
        account_credit_yuan=fen_text(credit),
        balances=selectors.ledger_balances(sub),
    )
    return out


def _quote_out(quote: selectors.Quote) -> dict[str, Any]:
    return {
        "kind": quote.kind,
        "timing": quote.timing,
        "quoted_at": _local(quote.quoted_at),
        "valid_until": _local(quote.quoted_at + selectors.QUOTE_VALID),
        "effective_at": _local(quote.effective_at),
        "charge_fen": quote.charge_fen,
        "charge_yuan": fen_text(quote.charge_fen),
        "credit_fen": quote.credit_fen,
        "credit_yuan": fen_text(quote.credit_fen),
        "exact": str(quote.exact_fen),
        "settles_open_fen": quote.settles_open_fen,
        "settles_open_yuan": fen_text(quote.settles_open_fen),
        "new_price_fen": quote.new_price_fen,
        "new_price_yuan": _yuan(quote.new_price_fen),
        "new_period_end": _local(quote.new_period_end),
        "next_charge_at": _local(quote.next_charge_at),
        "next_charge_fen": quote.next_charge_fen,
        "next_charge_yuan": _yuan(quote.next_charge_fen),
        "notes": [str(n) for n in quote.notes],
    }


def offer_text(offer: Any) -> str:
    return offer.text if translation.get_language() == "zh-hans" else offer.text_en


def render_attempt(attempt: ChangeAttempt) -> dict[str, Any]:
    is_open = attempt.outcome == AttemptOutcome.OPEN
    offer = None
    if attempt.offer_id:
        offer = {
            "code": attempt.offer.code,
            "text": offer_text(attempt.offer),
            "discount_percent": attempt.offer.discount_percent,
            "periods": attempt.offer.periods,
            "response": attempt.offer_response or OfferResponse.SHOWN,
        }
    change = PlanChange.objects.filter(attempt=attempt).only("pk").first() if not is_open else None
    return {
        "id": attempt.pk,
        "subscription_id": attempt.subscription_id,
        "kind": attempt.kind,
        "kind_label": str(attempt.get_kind_display()),
        "from_plan": _plan_ref(attempt.from_plan),
        "to_plan": _plan_ref(attempt.to_plan),
        "timing": attempt.timing,
        "timings": (
            [str(t) for t in selectors.timing_choices(selectors.policy_get())] if is_open else []
        ),
        "channel": attempt.channel,
        "outcome": attempt.outcome,
        "started_at": _local(attempt.started_at),
        "finished_at": _local(attempt.finished_at),
        "quoted_charge_fen": attempt.quoted_charge_fen,
        "quoted_credit_fen": attempt.quoted_credit_fen,
        "quoted_effective_at": _local(attempt.quoted_effective_at),
        "quote": _quote_out(services.attempt_quote(attempt)) if is_open else None,
        "offer": offer,
        "change_id": change.pk if change else None,
    }


def _refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk,
        "amount_fen": refund.amount_fen,
        "amount_yuan": fen_text(refund.amount_fen),
        "status": refund.status,
        "status_label": str(refund.get_status_display()),
        "created_at": _local(refund.created_at),
        "due_at": _local(refund.due_at),
        "done_at": _local(refund.done_at),
        "change_id": refund.change_id,
    }


def render_change(change: PlanChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "subscription_id": change.subscription_id,
        "attempt_id": change.attempt_id,
        "kind": change.kind,
        "kind_label": str(change.get_kind_display()),
        "from_plan": _plan_ref(change.from_plan),
        "to_plan": _plan_ref(change.to_plan),
        "timing": change.timing,
        "status": change.status,
        "received_at": _local(change.received_at),
        "effective_at": _local(change.effective_at),
        "undone_at": _local(change.undone_at),
        "charge_fen": change.charge_fen,
        "charge_yuan": fen_text(change.charge_fen),
        "credit_fen": change.credit_fen,
        "credit_yuan": fen_text(change.credit_fen),
        "credit_settled_fen": change.credit_settled_fen,
        "credit_refunded_fen": change.credit_refunded_fen,
        "credit_kept_fen": change.credit_kept_fen,
        "refund_to": change.refund_to,
        "refunds": [_refund_out(r) for r in change.refunds.order_by("id")],
    }


def _invoice_out(inv: Invoice) -> dict[str, Any]:
    return {
        "id": inv.pk,
        "kind": inv.kind,
        "kind_label": str(inv.get_kind_display()),
        "plan": inv.plan.code,
        "amount_fen": inv.amount_fen,
        "amount_yuan": fen_text(inv.amount_fen),
        "settled_fen": inv.settled_fen,
        "paid_fen": inv.paid_fen,
        "due_fen": inv.due_fen,
        "status": inv.status,
        "status_label": str(inv.get_status_display()),
        "covers_from": _local(inv.covers_from),
        "covers_until": _local(inv.covers_until),
        "created_at": _local(inv.created_at),
        "paid_at": _local(inv.paid_at),
    }


def _entry_out(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "txn": str(entry.txn),
        "at": _local(entry.at),
        "account": entry.account,
        "account_label": str(entry.get_account_display()),
        "amount_fen": entry.amount_fen,
        "amount_yuan": fen_text(entry.amount_fen),
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "memo": entry.memo,
        "invoice_id": entry.invoice_id,
        "change_id": entry.change_id,
        "refund_id": entry.refund_id,
    }


def event_by(event: PlanEvent, sub: Subscription) -> str:
    if event.actor_id is None:
        return "system" if event.channel == Channel.SYSTEM else "customer"
    return "customer" if event.actor_id == sub.customer.user_id else "staff"


def _event_out(event: PlanEvent, sub: Subscription, *, staff: bool) -> dict[str, Any]:
    by = event_by(event, sub)
    return {
        "id": event.pk,
        "at": _local(event.at),
        "kind": event.kind,
        "channel": event.channel,
        "channel_label": str(event.get_channel_display()),
        "by": by,
        "actor": event.actor.get_username() if staff and by == "staff" else None,
        "attempt_id": event.attempt_id,
        "details": event.data or {},
    }


def ledger_view(sub: Subscription) -> dict[str, Any]:
    """The ledger of a subscription with its invoices and refunds (also used by the console)."""
    return {
        "balances": selectors.ledger_balances(sub),
        "problems": selectors.ledger_problems(sub),
        "entries": list(LedgerEntry.objects.filter(subscription=sub).order_by("at", "id")),
        "invoices": list(
            Invoice.objects.filter(subscription=sub)
            .select_related("plan")
            .order_by("created_at", "id")
        ),
        "refunds": list(Refund.objects.filter(subscription=sub).order_by("created_at", "id")),
    }


# --------------------------------------------------------------------------------------------
# Lookups with access checks
# --------------------------------------------------------------------------------------------


def _plan_in_body(code: str) -> Plan:
    """A plan named in a request body: unknown is the caller's mistake (422), not a 404."""
    try:
        return selectors.plan_get(code)
    except NotFound as exc:
        raise DomainError(exc.message, code="plan_not_found", status=422) from exc


def _attempt(user: Any, pk: int) -> ChangeAttempt:
    attempt = selectors.attempt_get(user=user, pk=pk)
    # the families of the plans, for rendering, in the same state as the subscription's
    return (
        ChangeAttempt.objects.select_related(
            "subscription",
            "subscription__plan",
            "subscription__customer",
            "from_plan__family",
            "to_plan__family",
            "offer",
        )
        .filter(pk=attempt.pk)
        .get()
    )


def _customer_for(user: Any, customer_id: int | None) -> Any:
    """Whose subscription: a customer's own; agents and brand admins name the customer."""
    from fairdesk.customers.models import Customer

    own = customer_for_user(user)
    if own is not None:
        if customer_id not in (None, own.pk):
            raise DomainError(
                _("You can start plans for yourself only."), code="forbidden", status=403
            )
        return own
    if not selectors.is_plan_staff(user):
        raise DomainError(
            _("Your role does not manage service plans."), code="forbidden", status=403
        )
    if customer_id is None:
        raise DomainError(
            _("Say whose plan this is: customer_id."), code="customer_required", status=422
        )
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("There is no such customer."), code="customer_not_found")
    return customer


def _sub_detail(user: Any, pk: int) -> dict[str, Any]:
    sub = selectors.subscription_get(user=user, pk=pk)
    return render_subscription_detail(sub, now=timezone.now())


def _answers(ok: dict[int, Any], errors: dict[int, str]) -> dict[str, Any]:
    """An authenticated endpoint's ``response`` and ``openapi_extra``, from its success schema
    and the error codes it answers per status (every one also answers 401
    ``not_authenticated`` / ``invalid_token``): the error statuses are listed once."""
    codes = {401: "not_authenticated, invalid_token", **errors}
    return {
        "response": {**ok, **{status: ErrorOut for status in sorted(codes)}},
        "openapi_extra": {
            "responses": {
                status: {"description": f"error.code: {text}"}
                for status, text in sorted(codes.items())
            }
        },
    }


# --------------------------------------------------------------------------------------------
# Endpoints: the catalog
# --------------------------------------------------------------------------------------------


@router.get(
    "/plans",
    auth=None,
    response={200: CatalogOut},
    summary="Plans on sale and the change policy / 在售服务套餐与变更规则",
)
def list_plans(request: HttpRequest) -> dict[str, Any]:
    """The catalog on sale (public, no sign-in): prices in force, announced price changes,
    entitlements, and the one change policy that applies to every change alike."""
    now = timezone.now()
    plans = selectors.plans_on_sale().prefetch_related("price_changes")
    return {"policy": _policy_out(), "plans": [_plan_out(p, now) for p in plans]}


@router.get(
    "/plans/{code}/consent-text",
    auth=AUTH,
    **_answers(
        {200: ConsentTextOut},
        {404: "plan_not_found", 422: "invalid_input"},
    ),
    summary="Auto-renewal consent text / 自动续费同意书",
)
def plan_consent_text(
    request: HttpRequest, code: str, query: Query[ConsentQuery]
) -> dict[str, Any]:
    """The text to show before subscribing with auto-renewal (or turning it back on). It is
    stored verbatim with the consent, with its language; send it back unchanged as
    ``consent_text``."""
    from fairdesk.customers.models import Customer

    user = request.auth.user  # type: ignore[attr-defined]
    plan = selectors.plan_get(code)
    language = query.language
    if language is None:
        customer = customer_for_user(user)
        if customer is None and query.customer_id and selectors.is_plan_staff(user):
            customer = Customer.objects.filter(pk=query.customer_id).first()
        if customer is not None:
            language = customer.language or settings.LANGUAGE_CODE
        else:
            language = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "plan": plan.code,
        "language": language,
        "text": services.consent_text(plan, language=language),
    }


# --------------------------------------------------------------------------------------------
# Endpoints: subscriptions
# --------------------------------------------------------------------------------------------


@router.get(
    "/subscriptions",
    auth=AUTH,
    **_answers(
        {200: SubscriptionPage},
        {422: "invalid_input"},
    ),
    summary="My subscriptions / 我的服务套餐",
)
def list_subscriptions(request: HttpRequest, filters: Query[SubscriptionFilters]) -> dict[str, Any]:
    """A customer's own subscriptions; agents and brand administrators see all (filter by
    ``customer_id``); other staff see none. Newest first."""
    user = request.auth.user  # type: ignore[attr-defined]
    qs = selectors.subscriptions_for(user=user)
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    total = qs.count()
    page = (
        list(
            qs.prefetch_related(
                Prefetch(
                    "changes",
                    queryset=PlanChange.objects.filter(
                        status=ChangeStatus.SCHEDULED
                    ).select_related("to_plan", "to_plan__family"),
                    to_attr="scheduled_list",
                )
            )[filters.offset : filters.offset + filters.limit]
        )
        if total
        else []
    )
    items = [_subscription_out(s, s.scheduled_list[0] if s.scheduled_list else None) for s in page]
    return {"items": items, "total": total, "limit": filters.limit, "offset": filters.offset}


@router.post(
    "/subscriptions",
    auth=AUTH,
    **_answers(
        {201: SubscriptionDetailOut},
        {
            403: "forbidden, csrf_failed",
            404: "customer_not_found",
            409: "already_subscribed",
            422: "invalid_input, plan_not_found, plan_not_on_sale, consent_required, "
            "auto_renew_unavailable, payment_method_required, customer_required, "
            "device_not_owned",
        },
    ),
    summary="Start a subscription / 订购服务套餐",
)
def start_subscription(request: HttpRequest, payload: SubscriptionIn) -> Respond[dict[str, Any]]:
    """Subscribe to a plan on sale: the first period is charged now. Auto-renewal needs the
    current consent text, verbatim (422 ``consent_required`` carries it in ``details``)."""
    from fairdesk.customers.models import Device

    user = request.auth.user  # type: ignore[attr-defined]
    customer = _customer_for(user, payload.customer_id)
    plan = _plan_in_body(payload.plan)
    device = None
    if payload.device_id is not None:
        device = Device.objects.filter(pk=payload.device_id, customer=customer).first()
        if device is None:
            raise DomainError(
                _("This device is not registered to this customer."),
                code="device_not_owned",
                status=422,
            )
    sub = services.subscription_start(
        customer=customer,
        plan=plan,
        payment_method=payload.payment_method,
        auto_renew=payload.auto_renew,
        consent_text_shown=payload.consent_text,
        device=device,
        channel=Channel.API,
        actor=user,
    )
    return Respond(201, _sub_detail(user, sub.pk))


@router.get(
    "/subscriptions/{subscription_id}",
    auth=AUTH,
    **_answers(
        {200: SubscriptionDetailOut},
        {404: "subscription_not_found"},
    ),
    summary="One subscription and its options / 套餐详情与可选变更",
)
def get_subscription(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    """The subscription with every change open to it (all alike), the scheduled change (which
    can be undone), the next charge and the ledger balances."""
    return _sub_detail(request.auth.user, subscription_id)  # type: ignore[attr-defined]


@router.get(
    "/subscriptions/{subscription_id}/ledger",
    auth=AUTH,
    **_answers(
        {200: LedgerOut},
        {404: "subscription_not_found"},
    ),
    summary="Ledger, invoices and refunds / 账目、账单与退款",
)
def subscription_ledger(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    """The double-entry ledger of the subscription (every transaction sums to zero), its
    balances, its self-check (``problems``: empty when balanced), invoices and refunds."""
    user = request.auth.user  # type: ignore[attr-defined]
    sub = selectors.subscription_get(user=user, pk=subscription_id)
    view = ledger_view(sub)
    return {
        "balances": view["balances"],
        "problems": view["problems"],
        "entries": [_entry_out(e) for e in view["entries"]],
        "invoices": [_invoice_out(i) for i in view["invoices"]],
        "refunds": [_refund_out(r) for r in view["refunds"]],
    }


@router.get(
    "/subscriptions/{subscription_id}/events",
    auth=AUTH,
    **_answers(
        {200: list[EventOut]},
        {404: "subscription_not_found"},
    ),
    summary="The subscription's audit trail / 套餐变更记录",
)
def subscription_events(request: HttpRequest, subscription_id: int) -> list[dict[str, Any]]:
    """Every event of the subscription, oldest first: changes started and confirmed, offers
    shown and answered, charges, refunds, reminders (staff also see who acted)."""
    user = request.auth.user  # type: ignore[attr-defined]
    sub = selectors.subscription_get(user=user, pk=subscription_id)
    staff = customer_for_user(user) is None
    events = PlanEvent.objects.filter(subscription=sub).select_related("actor").order_by("at", "id")
    return [_event_out(e, sub, staff=staff) for e in events]


@router.post(
    "/subscriptions/{subscription_id}/auto-renew",
    auth=AUTH,
    **_answers(
        {200: SubscriptionDetailOut},
        {
            403: "csrf_failed",
            404: "subscription_not_found",
            409: "subscription_ended",
            422: "invalid_input, consent_required, auto_renew_unavailable",
        },
    ),
    summary="Turn auto-renewal on or off / 开启或关闭自动续费",
)
def set_auto_renew(
    request: HttpRequest, subscription_id: int, payload: AutoRenewIn
) -> dict[str, Any]:
    """Off: one call, no questions. On: with the current consent text, verbatim."""
    user = request.auth.user  # type: ignore[attr-defined]
    sub = selectors.subscription_get(user=user, pk=subscription_id)
    services.auto_renew_set(
        subscription=sub,
        on=payload.on,
        consent_text_shown=payload.consent_text,
        channel=Channel.API,
        actor=user,
    )
    return _sub_detail(user, subscription_id)


# --------------------------------------------------------------------------------------------
# Endpoints: changes (choose → confirm), offers, undo
# --------------------------------------------------------------------------------------------


@router.post(
    "/subscriptions/{subscription_id}/changes",
    auth=AUTH,
    **_answers(
        {201: AttemptOut},
        {
            403: "csrf_failed",
            404: "subscription_not_found",
            409: "subscription_ended",
            422: "invalid_input, plan_not_found, plan_not_on_sale, same_plan, timing_not_available",
        },
    ),
    summary="Step 1: choose a change (preview) / 第一步：选择变更（预览）",
)
def start_change(
    request: HttpRequest, subscription_id: int, payload: ChangeIn
) -> Respond[dict[str, Any]]:
    """Upgrade, downgrade, switch (``to_plan``) or cancel (``to_plan: null``) — the same call
    for all. Answers the attempt with its preview (amounts honoured for 30 minutes) and at most
    one retention offer. Then ``POST /changes/{id}/confirm``: that is all."""
    user = request.auth.user  # type: ignore[attr-defined]
    sub = selectors.subscription_get(user=user, pk=subscription_id)
    to_plan = _plan_in_body(payload.to_plan) if payload.to_plan is not None else None
    attempt = services.change_start(
        subscription=sub, to_plan=to_plan, channel=Channel.API, actor=user, timing=payload.timing
    )
    return Respond(201, render_attempt(_attempt(user, attempt.pk)))


@router.get(
    "/changes/{attempt_id}",
    auth=AUTH,
    **_answers(
        {200: AttemptOut},
        {404: "attempt_not_found"},
    ),
    summary="A change attempt and its preview / 变更预览",
)
def get_change(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    return render_attempt(_attempt(request.auth.user, attempt_id))  # type: ignore[attr-defined]


@router.post(
    "/changes/{attempt_id}/timing",
    auth=AUTH,
    **_answers(
        {200: AttemptOut},
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished",
            422: "invalid_input, timing_not_available",
        },
    ),
    summary="Switch the timing on the preview / 切换生效时间",
)
def retime_change(request: HttpRequest, attempt_id: int, payload: RetimeIn) -> dict[str, Any]:
    """When the policy is ``customer_choice``: switch the preview between the two timings (not
    a step; the same for every kind of change). Otherwise 422 ``timing_not_available``."""
    user = request.auth.user  # type: ignore[attr-defined]
    attempt = _attempt(user, attempt_id)
    services.change_retime(attempt=attempt, timing=payload.timing, actor=user)
    return render_attempt(_attempt(user, attempt_id))


@router.post(
    "/changes/{attempt_id}/confirm",
    auth=AUTH,
    **_answers(
        {200: ChangeOut},
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished, quote_expired, subscription_ended",
            422: "invalid_input, invalid_refund_to, reason_too_long",
        },
    ),
    summary="Step 2: confirm the change / 第二步：确认变更",
)
def confirm_change(
    request: HttpRequest, attempt_id: int, payload: ConfirmIn | None = None
) -> dict[str, Any]:
    """Carry out the previewed change with the amounts shown: applied at once, or scheduled for
    the period end (undoable until then). Confirming declines an offer shown. A credit settles
    what is still owed, the rest goes back to the original payment method (or account credit,
    if chosen), with a promised date."""
    user = request.auth.user  # type: ignore[attr-defined]
    payload = payload or ConfirmIn()  # nothing is required: the body may be left out
    attempt = _attempt(user, attempt_id)
    change = services.change_confirm(
        attempt_id=attempt.pk,
        actor=user,
        channel=Channel.API,
        refund_to=payload.refund_to,
        reason=payload.reason,
    )
    return render_change(selectors.change_get(user=user, pk=change.pk))


@router.post(
    "/changes/{attempt_id}/accept-offer",
    auth=AUTH,
    **_answers(
        {200: AttemptOut},
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished, no_offer, quote_expired, subscription_ended",
        },
    ),
    summary="Take the retention offer instead / 接受挽留优惠",
)
def accept_offer(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    """Keep the plan with the offer shown on this attempt (no change is made)."""
    user = request.auth.user  # type: ignore[attr-defined]
    attempt = _attempt(user, attempt_id)
    services.change_accept_offer(attempt_id=attempt.pk, actor=user, channel=Channel.API)
    return render_attempt(_attempt(user, attempt_id))


@router.post(
    "/scheduled-changes/{change_id}/undo",
    auth=AUTH,
    **_answers(
        {200: ChangeOut},
        {403: "csrf_failed", 404: "change_not_found", 409: "change_not_undoable"},
    ),
    summary="Undo a scheduled change / 撤销待生效的变更",
)
def undo_change(request: HttpRequest, change_id: int) -> dict[str, Any]:
    """One call, before the change takes effect (409 ``change_not_undoable`` after)."""
    user = request.auth.user  # type: ignore[attr-defined]
    change = selectors.change_get(user=user, pk=change_id)
    services.change_undo(change_id=change.pk, actor=user, channel=Channel.API)
    return render_change(selectors.change_get(user=user, pk=change_id))
