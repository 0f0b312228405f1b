"""The customer's service plans in words and figures: what the portal's plan pages show.

The words these pages share with the console and the API (plan and offer names, a change as an
option, the audit trail) are ``plans.display``'s; the ones here are the portal's own, written
for the customer. Each page's view of a subscription (``Summary``), of its options
(``OptionRow``) and of a preview (``QuoteView``) is computed here from ``plans.selectors``, so
the views only assemble them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as local
from fairdesk.core.money import yuan
from fairdesk.customers.models import Customer
from fairdesk.plans import covers, selectors
from fairdesk.plans.choices import (
    BillingPeriod,
    ChangeKind,
    InvoiceKind,
    InvoiceStatus,
    RefundStatus,
    SubscriptionStatus,
    Timing,
    TimingRule,
)
from fairdesk.plans.display import (
    device_name,
    end_reason_text,
    event_text,
    option_label,
    plan_name,
    who_text,
)
from fairdesk.plans.models import Plan, PlanChange, Subscription
from fairdesk.plans.services.subscriptions import consent_text
from fairdesk.portal.forms import DEMO_PAYMENT_METHODS

#: The value of the cancel option (the others are plan codes).
CANCEL = "cancel"

# --------------------------------------------------------------------------------------------
# Words only the customer's pages use (the shared ones are in ``plans.display``)
# --------------------------------------------------------------------------------------------

STATUS_TEXT: dict[str, Any] = {
    SubscriptionStatus.ACTIVE: pgettext_lazy("plan status", "Active"),
    SubscriptionStatus.PAST_DUE: pgettext_lazy("plan status", "Payment overdue (grace period)"),
    SubscriptionStatus.ENDED: pgettext_lazy("plan status", "Ended"),
}
STATUS_CLASS: dict[str, Any] = {
    SubscriptionStatus.ACTIVE: "ok",
    SubscriptionStatus.PAST_DUE: "bad",
    SubscriptionStatus.ENDED: "",
}
KIND_TEXT: dict[str, Any] = {
    ChangeKind.UPGRADE: pgettext_lazy("plan change", "Upgrade"),
    ChangeKind.DOWNGRADE: pgettext_lazy("plan change", "Downgrade"),
    ChangeKind.SWITCH: pgettext_lazy("plan change", "Switch plan"),
    ChangeKind.CANCEL: pgettext_lazy("plan change", "Cancel"),
}
TIMING_TEXT: dict[str, Any] = {
    Timing.IMMEDIATE: gettext_lazy("Now, when you confirm"),
    Timing.PERIOD_END: gettext_lazy("At the end of the current period"),
}
RULE_TEXT: dict[str, Any] = {
    TimingRule.IMMEDIATE: gettext_lazy(
        "Every change takes effect at once: upgrades, downgrades, switches and cancellations "
        "alike. Unused prepaid time is credited to the fen."
    ),
    TimingRule.PERIOD_END: gettext_lazy(
        "Every change takes effect at the end of the current period: upgrades, downgrades, "
        "switches and cancellations alike. You can undo it until then."
    ),
    TimingRule.CUSTOMER_CHOICE: gettext_lazy(
        "You choose when a change takes effect, now or at the end of the period: the same "
        "choice for upgrades, downgrades, switches and cancellations."
    ),
}
INVOICE_KIND_TEXT: dict[str, Any] = {
    InvoiceKind.INITIAL: gettext_lazy("First period"),
    InvoiceKind.RENEWAL: gettext_lazy("Renewal"),
    InvoiceKind.CHANGE: gettext_lazy("Plan change"),
}
INVOICE_STATUS_TEXT: dict[str, Any] = {
    InvoiceStatus.OPEN: gettext_lazy("Unpaid"),
    InvoiceStatus.PAID: gettext_lazy("Paid"),
    InvoiceStatus.VOID: gettext_lazy("Settled by a credit"),
}
REFUND_STATUS_TEXT: dict[str, Any] = {
    RefundStatus.PENDING: gettext_lazy("On its way"),
    RefundStatus.DONE: gettext_lazy("Refunded"),
    RefundStatus.FAILED: gettext_lazy("Failed at the payment provider; retried automatically"),
}


def error_text(exc: DomainError) -> str:
    """A domain error as shown: its message, already in the customer's language."""
    return str(exc.message)


def per_period(fen: int, period: str) -> str:
    """``¥199.00 a year``."""
    if period == BillingPeriod.YEARLY:
        return _("%(amount)s a year") % {"amount": yuan(fen)}
    return _("%(amount)s a month") % {"amount": yuan(fen)}


def entitlements(plan: Plan) -> list[str]:
    """What a plan gives, in words."""
    out = []
    if plan.free_visits_per_year:
        n = plan.free_visits_per_year
        out.append(
            ngettext("%(n)d free service visit a year", "%(n)d free service visits a year", n)
            % {"n": n}
        )
    if plan.storage_days:
        n = plan.storage_days
        out.append(
            ngettext("Recordings kept for %(n)d day", "Recordings kept for %(n)d days", n)
            % {"n": n}
        )
    if plan.warranty_months:
        n = plan.warranty_months
        out.append(
            ngettext("%(n)d month of extended warranty", "%(n)d months of extended warranty", n)
            % {"n": n}
        )
    return out


# --------------------------------------------------------------------------------------------
# Read-outs
# --------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """One subscription as the customer sees it."""

    sub: Subscription
    name: str
    status_text: str
    status_class: str
    live: bool
    entitlements: list[str]
    price_text: str
    next_charge_at: datetime | None = None
    next_charge_text: str = ""
    no_charge_text: str = ""
    scheduled: PlanChange | None = None
    scheduled_text: str = ""
    due_text: str = ""
    credit_text: str = ""
    ended_text: str = ""
    payment_text: str = ""
    device_text: str = ""  # the device it covers ("" for none named)


def summary(sub: Subscription) -> Summary:
    live = sub.status in selectors.LIVE
    s = Summary(
        sub=sub,
        name=plan_name(sub.plan),
        status_text=str(STATUS_TEXT.get(sub.status, sub.status)),
        status_class=STATUS_CLASS.get(sub.status, ""),
        live=live,
        entitlements=entitlements(sub.plan),
        price_text=per_period(sub.period_price_fen, sub.plan.period),
        payment_text=str(dict(DEMO_PAYMENT_METHODS).get(sub.payment_method, sub.payment_method)),
        device_text=device_name(sub.device),
    )
    if not live:
        s.ended_text = _("Ended on %(date)s: %(reason)s.") % {
            "date": local(sub.ended_at),
            "reason": end_reason_text(sub.end_reason),
        }
        return s
    s.scheduled = selectors.scheduled_change(sub)
    if s.scheduled is not None:
        change = s.scheduled
        what = option_label(change.kind, change.to_plan or sub.plan)
        s.scheduled_text = _("Scheduled for %(date)s: %(what)s.") % {
            "date": local(change.effective_at),
            "what": what,
        }
    renew_plan, amount = selectors.renewal_amount(sub)
    if renew_plan is not None:
        s.next_charge_at = sub.period_end
        s.next_charge_text = _("%(amount)s for %(plan)s") % {
            "amount": yuan(amount),
            "plan": plan_name(renew_plan),
        }
    elif s.scheduled is not None and s.scheduled.to_plan is None:
        s.no_charge_text = _("Nothing more is charged: the plan ends on %(date)s.") % {
            "date": local(sub.period_end)
        }
    else:
        s.no_charge_text = _(
            "Auto-renewal is off: nothing more is charged and the plan ends on %(date)s."
        ) % {"date": local(sub.period_end)}
    due = selectors.open_due_fen(sub)
    if due:
        s.due_text = _(
            "%(amount)s is unpaid; we retry automatically. Your plan continues until %(date)s."
        ) % {"amount": yuan(due), "date": local(sub.grace_until or sub.period_end)}
    credit = selectors.account_credit_fen(sub)
    if credit:
        s.credit_text = _("Account credit: %(amount)s (used first for your next charges).") % {
            "amount": yuan(credit)
        }
    return s


@dataclass
class StandingRows:
    """A plan on sale as it stands for the customer (``covers.Standing``), in words: the
    subscriptions of it they hold ("You have it", with the device and a link), those of another
    plan of its family, and whether one of their devices may take it."""

    held: list[tuple[Subscription, str]]  # (subscription, what it covers)
    kin: list[tuple[Subscription, str]]  # (subscription, "Care Standard, for …")
    can_subscribe: bool
    has_device: bool


def standing_rows(standing: covers.Standing) -> StandingRows:
    def covered(sub: Subscription) -> str:
        return device_name(sub.device) or _("no particular device")

    return StandingRows(
        held=[(s, covered(s)) for s in standing.held],
        kin=[
            (s, _("%(plan)s, for %(device)s") % {"plan": plan_name(s.plan), "device": covered(s)})
            for s in standing.kin
        ],
        can_subscribe=bool(standing.devices),
        has_device=standing.has_device,
    )


@dataclass
class OptionRow:
    kind: str
    kind_text: str
    value: str  # the plan code, or "cancel"
    title: str
    detail: str


def option_rows(sub: Subscription, *, now: datetime) -> list[OptionRow]:
    """Every change open to ``sub``, in the domain's order, each as one equal button."""
    rows = []
    for option in selectors.change_options(sub, at=now):
        target = option.to_plan
        if target is None:
            title = option_label(ChangeKind.CANCEL, sub.plan)
            detail = _("You see the refund and the date before you confirm")
        else:
            title = option_label(option.kind, target)
            detail = per_period(option.price_fen or 0, target.period)
        rows.append(
            OptionRow(
                kind=option.kind,
                kind_text=str(KIND_TEXT[option.kind]),
                value=target.code if target else CANCEL,
                title=title,
                detail=detail,
            )
        )
    return rows


def timeline(sub: Subscription) -> list[dict[str, Any]]:
    """What happened, in the customer's words (``plans.display.event_text``)."""
    events = list(selectors.events_of(sub))
    codes = {e.data.get(k) for e in events for k in ("plan", "to_plan") if e.data.get(k)}
    names = {code: plan_name(p) for code, p in selectors.plan_names_by_code(codes).items()}
    return [
        {
            "event": e,
            "text": event_text(e.kind, e.data or {}, names),
            "who": who_text(e.channel),
        }
        for e in events
    ]


def invoice_rows(sub: Subscription) -> list[dict[str, Any]]:
    return [
        {
            "invoice": inv,
            "kind": INVOICE_KIND_TEXT.get(inv.kind, inv.kind),
            "status": INVOICE_STATUS_TEXT.get(inv.status, inv.status),
            "amount": yuan(inv.amount_fen),
            "due": yuan(inv.due_fen) if inv.status == InvoiceStatus.OPEN else "",
        }
        for inv in sub.invoices.all()
    ]


def refund_rows(refunds: Any) -> list[dict[str, Any]]:
    return [
        {
            "refund": r,
            "amount": yuan(r.amount_fen),
            "status": REFUND_STATUS_TEXT.get(r.status, r.status),
        }
        for r in refunds
    ]


def auto_renew_consent(sub: Subscription) -> str:
    """The consent text to turn auto-renewal back on ("" if it is on or not offered)."""
    if sub.auto_renew or not sub.plan.auto_renew or sub.status not in selectors.LIVE:
        return ""
    return consent_text(sub.plan, language=consent_language(sub.customer))


def consent_language(customer: Customer) -> str:
    """The domain checks the consent text in the customer's stored language, whatever language
    the page is shown in: show that one (it is the text the customer agrees to)."""
    return selectors.customer_language(customer)


# --------------------------------------------------------------------------------------------
# A preview, in the customer's terms
# --------------------------------------------------------------------------------------------


@dataclass
class QuoteView:
    """One timing's effect, in the customer's terms."""

    timing: str
    timing_text: str
    effective_at: datetime
    immediate: bool
    charge: str = ""
    credit: str = ""
    settles: str = ""
    to_original: str = ""
    to_account_anyway: str = ""  # money never received cannot go back to a card
    refund_by: datetime | None = None
    new_price: str = ""
    new_period_end: datetime | None = None
    next_charge_at: datetime | None = None
    next_charge: str = ""
    nothing_more: str = ""
    uses_account_credit: str = ""
    refundable_credit: bool = False  # a part of the credit may go back: the refund_to choice
    lines: list[str] = field(default_factory=list)


def quote_view(sub: Subscription, quote: selectors.Quote, *, at: datetime) -> QuoteView:
    q = QuoteView(
        timing=quote.timing,
        timing_text=str(TIMING_TEXT[quote.timing]),
        effective_at=quote.effective_at,
        immediate=quote.timing == Timing.IMMEDIATE,
    )
    if quote.charge_fen:
        q.charge = yuan(quote.charge_fen)
        held = selectors.account_credit_fen(sub)
        if held:
            q.uses_account_credit = yuan(min(held, quote.charge_fen))
    if quote.credit_fen:
        q.credit = yuan(quote.credit_fen)
        rest = quote.credit_fen - quote.settles_open_fen
        if quote.settles_open_fen:
            q.settles = yuan(quote.settles_open_fen)
        if rest > 0:
            refundable = sum(left for _payment, left in selectors.refundable_payments(sub))
            back = min(rest, refundable)
            if back:
                q.to_original = yuan(back)
                q.refund_by = at + timedelta(days=selectors.policy_get().refund_within_days)
                q.refundable_credit = True
            if rest - back:
                q.to_account_anyway = yuan(rest - back)
    if quote.new_price_fen is not None and quote.to_plan is not None:
        q.new_price = per_period(quote.new_price_fen, quote.to_plan.period)
        q.new_period_end = quote.new_period_end
    if quote.next_charge_at is not None:
        q.next_charge_at = quote.next_charge_at
        q.next_charge = yuan(quote.next_charge_fen or 0)
    elif quote.to_plan is None:
        q.nothing_more = _("Nothing more is charged.")
    else:
        q.nothing_more = _("Auto-renewal is off: nothing more is charged after %(date)s.") % {
            "date": local(quote.new_period_end)
        }
    return q
