"""The plans API's view of the catalog, subscriptions, change attempts, changes and records.

Every amount is given twice: integer fen and the same amount as a yuan string
(``core.money.yuan_amount``); every instant on the Beijing clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fairdesk.core.localtime import local_or_none as _local
from fairdesk.core.money import yuan_amount
from fairdesk.customers.models import Device
from fairdesk.plans import selectors
from fairdesk.plans.choices import AttemptOutcome, ChangeKind, OfferResponse
from fairdesk.plans.display import event_by, offer_text
from fairdesk.plans.models import (
    ChangeAttempt,
    Invoice,
    LedgerEntry,
    Plan,
    PlanChange,
    PlanEvent,
    PriceChange,
    Refund,
    Subscription,
)


def _yuan(fen: int | None) -> str | None:
    return yuan_amount(fen) if fen is not None else None


def _timings() -> list[str]:
    return [str(t) for t in selectors.timing_choices(selectors.policy_get())]


def plan_ref(plan: Plan | None) -> dict[str, Any] | None:
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


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------


def _price_now(plan: Plan, now: datetime) -> tuple[int, PriceChange | None]:
    """The price in force (``selectors.plan_price_at``, from prefetched price changes) and the
    next announced one."""
    changes = sorted(plan.price_changes.all(), key=lambda c: (c.effective_at, c.id))
    in_force = [c for c in changes if c.effective_at <= now]
    later = [c for c in changes if c.effective_at > now]
    price = in_force[-1].new_price_fen if in_force else plan.price_fen
    return price, (later[-1] if later else None)


def policy_out() -> dict[str, Any]:
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


def plan_out(plan: Plan, now: datetime) -> dict[str, Any]:
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
            "product_lines": list(plan.family.product_lines or []),
            "related": sorted(f.code for f in plan.family.related.all()),
        },
        "tier_rank": plan.tier_rank,
        "period": plan.period,
        "period_label": str(plan.get_period_display()),
        "price_fen": price,
        "price_yuan": yuan_amount(price),
        "next_price": (
            {
                "price_fen": upcoming.new_price_fen,
                "price_yuan": yuan_amount(upcoming.new_price_fen),
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


# --------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------


def _scheduled_out(change: PlanChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "id": change.pk,
        "kind": change.kind,
        "kind_label": str(change.get_kind_display()),
        "to_plan": plan_ref(change.to_plan),
        "effective_at": _local(change.effective_at),
        "received_at": _local(change.received_at),
    }


def device_out(device: Device | None) -> dict[str, Any] | None:
    """The device a plan covers."""
    if device is None:
        return None
    model = device.product_model
    return {
        "id": device.pk,
        "product_line": model.product_line,
        "model_code": model.model_code,
        "name": model.name,
        "name_en": model.name_en,
        "serial": device.serial,
    }


def subscription_out(sub: Subscription, scheduled: PlanChange | None) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "customer": {"id": sub.customer_id, "name": sub.customer.name},
        "plan": plan_ref(sub.plan),
        "device_id": sub.device_id,
        "device": device_out(sub.device),
        "status": sub.status,
        "status_label": str(sub.get_status_display()),
        "period_start": _local(sub.period_start),
        "period_end": _local(sub.period_end),
        "period_price_fen": sub.period_price_fen,
        "period_price_yuan": yuan_amount(sub.period_price_fen),
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


def subscription_detail(sub: Subscription, *, now: datetime) -> dict[str, Any]:
    """A subscription with every change open to it, the next charge and its balances."""
    out = subscription_out(sub, selectors.scheduled_change(sub))
    options = selectors.change_options(sub, at=now)
    out["options"] = [
        {
            "kind": o.kind,
            "kind_label": str(ChangeKind(o.kind).label),
            "to_plan": plan_ref(o.to_plan),
            "price_fen": o.price_fen,
            "price_yuan": _yuan(o.price_fen),
        }
        for o in options
    ]
    out["timings"] = _timings() if options else []
    plan, amount = selectors.renewal_amount(sub)
    out["next_charge"] = (
        {
            "at": _local(sub.period_end),
            "plan": plan_ref(plan),
            "amount_fen": amount,
            "amount_yuan": yuan_amount(amount),
        }
        if plan is not None
        else None
    )
    due = selectors.open_due_fen(sub)
    credit = selectors.account_credit_fen(sub)
    out.update(
        open_due_fen=due,
        open_due_yuan=yuan_amount(due),
        account_credit_fen=credit,
        account_credit_yuan=yuan_amount(credit),
        balances=selectors.ledger_balances(sub),
    )
    return out


# --------------------------------------------------------------------------------------------
# Change attempts and changes
# --------------------------------------------------------------------------------------------


def _quote_out(quote: selectors.Quote) -> dict[str, Any]:
    return {
        "kind": quote.kind,
        "timing": quote.timing,
        "quoted_at": _local(quote.quoted_at),
        "valid_until": _local(quote.quoted_at + selectors.QUOTE_VALID),
        "effective_at": _local(quote.effective_at),
        "charge_fen": quote.charge_fen,
        "charge_yuan": yuan_amount(quote.charge_fen),
        "credit_fen": quote.credit_fen,
        "credit_yuan": yuan_amount(quote.credit_fen),
        "exact": str(quote.exact_fen),
        "settles_open_fen": quote.settles_open_fen,
        "settles_open_yuan": yuan_amount(quote.settles_open_fen),
        "new_price_fen": quote.new_price_fen,
        "new_price_yuan": _yuan(quote.new_price_fen),
        "new_period_end": _local(quote.new_period_end),
        "next_charge_at": _local(quote.next_charge_at),
        "next_charge_fen": quote.next_charge_fen,
        "next_charge_yuan": _yuan(quote.next_charge_fen),
        "notes": [str(n) for n in quote.notes],
    }


def attempt_out(attempt: ChangeAttempt) -> dict[str, Any]:
    """An attempt with its preview while it is open, its offer, and its change once confirmed."""
    is_open = attempt.outcome == AttemptOutcome.OPEN
    offer = None
    if attempt.offer is not None:
        offer = {
            "code": attempt.offer.code,
            "text": offer_text(attempt.offer),
            "discount_percent": attempt.offer.discount_percent,
            "periods": attempt.offer.periods,
            "response": attempt.offer_response or OfferResponse.SHOWN,
        }
    change = selectors.change_of(attempt) if not is_open else None
    return {
        "id": attempt.pk,
        "subscription_id": attempt.subscription_id,
        "kind": attempt.kind,
        "kind_label": str(attempt.get_kind_display()),
        "from_plan": plan_ref(attempt.from_plan),
        "to_plan": plan_ref(attempt.to_plan),
        "timing": attempt.timing,
        "timings": _timings() if is_open else [],
        "channel": attempt.channel,
        "outcome": attempt.outcome,
        "started_at": _local(attempt.started_at),
        "finished_at": _local(attempt.finished_at),
        "quoted_charge_fen": attempt.quoted_charge_fen,
        "quoted_credit_fen": attempt.quoted_credit_fen,
        "quoted_effective_at": _local(attempt.quoted_effective_at),
        "quote": _quote_out(selectors.attempt_quote(attempt)) if is_open else None,
        "offer": offer,
        "change_id": change.pk if change else None,
    }


def refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk,
        "amount_fen": refund.amount_fen,
        "amount_yuan": yuan_amount(refund.amount_fen),
        "status": refund.status,
        "status_label": str(refund.get_status_display()),
        "created_at": _local(refund.created_at),
        "due_at": _local(refund.due_at),
        "done_at": _local(refund.done_at),
        "change_id": refund.change_id,
    }


def change_out(change: PlanChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "subscription_id": change.subscription_id,
        "attempt_id": change.attempt_id,
        "kind": change.kind,
        "kind_label": str(change.get_kind_display()),
        "from_plan": plan_ref(change.from_plan),
        "to_plan": plan_ref(change.to_plan),
        "timing": change.timing,
        "status": change.status,
        "received_at": _local(change.received_at),
        "effective_at": _local(change.effective_at),
        "undone_at": _local(change.undone_at),
        "charge_fen": change.charge_fen,
        "charge_yuan": yuan_amount(change.charge_fen),
        "credit_fen": change.credit_fen,
        "credit_yuan": yuan_amount(change.credit_fen),
        "credit_settled_fen": change.credit_settled_fen,
        "credit_refunded_fen": change.credit_refunded_fen,
        "credit_kept_fen": change.credit_kept_fen,
        "refund_to": change.refund_to,
        "refunds": [refund_out(r) for r in change.refunds.order_by("id")],
    }


# --------------------------------------------------------------------------------------------
# Records: the ledger, invoices, the audit trail
# --------------------------------------------------------------------------------------------


def invoice_out(inv: Invoice) -> dict[str, Any]:
    return {
        "id": inv.pk,
        "kind": inv.kind,
        "kind_label": str(inv.get_kind_display()),
        "plan": inv.plan.code,
        "amount_fen": inv.amount_fen,
        "amount_yuan": yuan_amount(inv.amount_fen),
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


def entry_out(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "txn": str(entry.txn),
        "at": _local(entry.at),
        "account": entry.account,
        "account_label": str(entry.get_account_display()),
        "amount_fen": entry.amount_fen,
        "amount_yuan": yuan_amount(entry.amount_fen),
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "memo": entry.memo,
        "invoice_id": entry.invoice_id,
        "change_id": entry.change_id,
        "refund_id": entry.refund_id,
    }


def ledger_out(sub: Subscription) -> dict[str, Any]:
    view = selectors.ledger_view(sub)
    return {
        "balances": view.balances,
        "problems": view.problems,
        "entries": [entry_out(e) for e in view.entries],
        "invoices": [invoice_out(i) for i in view.invoices],
        "refunds": [refund_out(r) for r in view.refunds],
    }


def event_out(event: PlanEvent, sub: Subscription, *, staff: bool) -> dict[str, Any]:
    """An event of the audit trail; staff also see who of them acted."""
    by = event_by(event, sub)
    return {
        "id": event.pk,
        "at": _local(event.at),
        "kind": event.kind,
        "channel": event.channel,
        "channel_label": str(event.get_channel_display()),
        "by": by,
        "actor": event.actor.get_username() if staff and by == "staff" and event.actor else None,
        "attempt_id": event.attempt_id,
        "details": event.data or {},
    }
