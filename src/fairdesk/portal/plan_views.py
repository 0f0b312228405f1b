"""The customer's service plans in the portal: my plans, subscribing, "My plan", changes.

Thin, like every view here: parse, call one selector or service of ``fairdesk.plans``, render.
The rules are the domain's (``plans/services/``); these pages only make them equally easy:

* every change — upgrade, downgrade, switch, cancel — starts from the same list on "My plan"
  (``change_options``), one button each, all of the same style, size and structure;
* every change is the same two clicks: the option's button (``change_start``, then the preview)
  and "Confirm" (``change_confirm``, then the done page). Nothing on the preview is required: the
  timing (only when the catalog lets the customer choose), where a credit goes and the reason
  all have defaults or are optional;
* a retention offer (at most one per attempt) shows on the preview, with an "Accept the offer"
  button of exactly the confirm button's weight; confirming is declining;
* a preview older than the domain honours (``quote_expired``) is computed again and shown with a
  note, never a dead end.

A customer reaches only their own subscriptions, attempts and changes (another's answer 404, like
one that does not exist); staff get the portal's 403 page (``customer_required``). Domain errors
show on the page they came from with their 4xx status, in the customer's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.localtime import local_text as local
from fairdesk.core.money import yuan
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers.http import customer_required
from fairdesk.plans import selectors
from fairdesk.plans.choices import (
    AttemptOutcome,
    BillingPeriod,
    ChangeKind,
    ChangeStatus,
    Channel,
    InvoiceKind,
    InvoiceStatus,
    OfferResponse,
    RefundStatus,
    RefundTo,
    SubscriptionStatus,
    Timing,
    TimingRule,
)
from fairdesk.plans.display import (
    end_reason_text,
    event_text,
    family_name,
    offer_text,
    option_label,
    plan_name,
    who_text,
)
from fairdesk.plans.gateway import get_gateway
from fairdesk.plans.models import ChangeAttempt, Plan, PlanChange, Subscription
from fairdesk.plans.services import changes
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text, subscription_start
from fairdesk.portal.forms import (
    DEMO_PAYMENT_METHODS,
    AutoRenewForm,
    ChangeConfirmForm,
    ChangeStartForm,
    SubscribeForm,
)

CANCEL = "cancel"

# --------------------------------------------------------------------------------------------
# Words (the portal's own, so that every one of them is translated)
# --------------------------------------------------------------------------------------------

STATUS_TEXT = {
    SubscriptionStatus.ACTIVE: pgettext_lazy("plan status", "Active"),
    SubscriptionStatus.PAST_DUE: pgettext_lazy("plan status", "Payment overdue (grace period)"),
    SubscriptionStatus.ENDED: pgettext_lazy("plan status", "Ended"),
}
STATUS_CLASS = {
    SubscriptionStatus.ACTIVE: "ok",
    SubscriptionStatus.PAST_DUE: "bad",
    SubscriptionStatus.ENDED: "",
}
KIND_TEXT = {
    ChangeKind.UPGRADE: pgettext_lazy("plan change", "Upgrade"),
    ChangeKind.DOWNGRADE: pgettext_lazy("plan change", "Downgrade"),
    ChangeKind.SWITCH: pgettext_lazy("plan change", "Switch plan"),
    ChangeKind.CANCEL: pgettext_lazy("plan change", "Cancel"),
}
TIMING_TEXT = {
    Timing.IMMEDIATE: gettext_lazy("Now, when you confirm"),
    Timing.PERIOD_END: gettext_lazy("At the end of the current period"),
}
RULE_TEXT = {
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
INVOICE_KIND_TEXT = {
    InvoiceKind.INITIAL: gettext_lazy("First period"),
    InvoiceKind.RENEWAL: gettext_lazy("Renewal"),
    InvoiceKind.CHANGE: gettext_lazy("Plan change"),
}
INVOICE_STATUS_TEXT = {
    InvoiceStatus.OPEN: gettext_lazy("Unpaid"),
    InvoiceStatus.PAID: gettext_lazy("Paid"),
    InvoiceStatus.VOID: gettext_lazy("Settled by a credit"),
}
REFUND_STATUS_TEXT = {
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


def _auto_renew_consent(sub: Subscription) -> str:
    """The consent text to turn auto-renewal back on ("" if it is on or not offered)."""
    if sub.auto_renew or not sub.plan.auto_renew or sub.status not in selectors.LIVE:
        return ""
    return consent_text(sub.plan, language=_consent_language(sub.customer))


def _consent_language(customer: Any) -> str:
    """The domain checks the consent text in the customer's stored language, whatever language
    the page is shown in: show that one (it is the text the customer agrees to)."""
    return customer.language or settings.LANGUAGE_CODE


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def _sub_or_404(request: HttpRequest, pk: int) -> Subscription:
    try:
        return selectors.access_subscription(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _attempt_or_404(request: HttpRequest, pk: int) -> ChangeAttempt:
    try:
        return selectors.access_attempt(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _change_or_404(request: HttpRequest, pk: int) -> PlanChange:
    try:
        return selectors.access_change(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --------------------------------------------------------------------------------------------
# My plans; subscribing
# --------------------------------------------------------------------------------------------


@require_GET
@never_cache
@customer_required
def plans(request: HttpRequest) -> HttpResponse:
    """My subscriptions (live first) and the plans on sale."""
    subs = [summary(s) for s in selectors.subscriptions_for(user=request.user)]
    subs.sort(key=lambda s: not s.live)
    now = timezone.now()
    families: dict[int, dict[str, Any]] = {}
    for plan in selectors.plans_on_sale():
        family = families.setdefault(
            plan.family_id,
            {
                "family": plan.family,
                "name": family_name(plan.family),
                "plans": [],
            },
        )
        family["plans"].append(
            {
                "plan": plan,
                "name": plan_name(plan),
                "price": per_period(selectors.plan_price_at(plan, now), plan.period),
                "entitlements": entitlements(plan),
            }
        )
    context = {
        "section": "plans",
        "subs": subs,
        "families": list(families.values()),
        "rule_text": RULE_TEXT[selectors.policy_get().timing_rule],
    }
    return render(request, "portal/plans.html", context)


def _devices(customer: Any) -> list[tuple[str, str]]:
    return [
        (str(d.pk), f"{d.product_model.name} {d.product_model.model_code} · {d.serial}")
        for d in customer_selectors.customer_devices(customer=customer)
    ]


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    """Subscribe to a plan: payment method (the demo gateway), auto-renewal only if ticked next
    to its exact consent text, optionally a device."""
    customer = request.customer  # type: ignore[attr-defined]
    try:
        plan = selectors.plan_get(code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not plan.active:
        raise Http404(_("This plan is not on sale."))
    now = timezone.now()
    consent = consent_text(plan, language=_consent_language(customer), at=now)
    devices = _devices(customer)
    error, status = "", 200
    if request.method == "POST":
        form = SubscribeForm(request.POST, devices=devices)
        if form.is_valid():
            data = form.cleaned_data
            device = None
            try:
                if data["device"]:
                    device = customer_selectors.device_get(
                        customer=customer, pk=int(data["device"])
                    )
                sub = subscription_start(
                    customer=customer,
                    plan=plan,
                    payment_method=data["payment_method"],
                    auto_renew=data["auto_renew"],
                    consent_text_shown=data["consent_text"] if data["auto_renew"] else "",
                    device=device,
                    channel=Channel.PORTAL,
                    actor=request.user,
                )
            except DomainError as exc:
                error, status = error_text(exc), exc.status
            else:
                messages.success(
                    request,
                    _("You subscribed to %(plan)s. The confirmation was sent to you.")
                    % {"plan": plan_name(plan)},
                )
                return HttpResponseRedirect(reverse("portal:plan", args=[sub.pk]))
        else:
            status = 422
    else:
        form = SubscribeForm(devices=devices, initial={"consent_text": consent})
    context = {
        "section": "plans",
        "plan": plan,
        "name": plan_name(plan),
        "price": per_period(selectors.plan_price_at(plan, now), plan.period),
        "price_now": yuan(selectors.plan_price_at(plan, now)),
        "entitlements": entitlements(plan),
        "form": form,
        "consent": consent,
        "gateway_label": get_gateway().label,
        "rule_text": RULE_TEXT[selectors.policy_get().timing_rule],
        "error": error,
    }
    return render(request, "portal/plan_subscribe.html", context, status=status)


# --------------------------------------------------------------------------------------------
# My plan
# --------------------------------------------------------------------------------------------


def _plan_context(request: HttpRequest, sub: Subscription, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    context = {
        "section": "plans",
        "s": summary(sub),
        "options": option_rows(sub, now=now),
        "rule_text": RULE_TEXT[selectors.policy_get().timing_rule],
        "consent": _auto_renew_consent(sub),
        "timeline": timeline(sub),
        "invoices": invoice_rows(sub),
        "refunds": refund_rows(sub.refunds.all()),
    }
    context.update(extra)
    return context


@require_GET
@never_cache
@customer_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """My plan: what it gives, the period, the next charge, every change open to it (equal
    buttons), auto-renewal, what happened, invoices and refunds."""
    sub = _sub_or_404(request, pk)
    return render(request, "portal/plan_detail.html", _plan_context(request, sub))


def _plan_error(request: HttpRequest, sub: Subscription, message: str, status: int) -> HttpResponse:
    sub = _sub_or_404(request, sub.pk)  # fresh: nothing was changed, show what is
    context = _plan_context(request, sub, error=message)
    return render(request, "portal/plan_detail.html", context, status=status)


@require_POST
@customer_required
def change_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 of every change (one click on an option): record the attempt, show its preview."""
    sub = _sub_or_404(request, pk)
    form = ChangeStartForm(request.POST)
    if not form.is_valid():
        return _plan_error(request, sub, _("Choose one of the changes listed."), 422)
    to = form.cleaned_data["to"]
    try:
        to_plan = None if to == CANCEL else selectors.plan_get(to)
        attempt = changes.change_start(
            subscription=sub, to_plan=to_plan, channel=Channel.PORTAL, actor=request.user
        )
    except DomainError as exc:
        status = 422 if isinstance(exc, NotFound) else exc.status
        return _plan_error(request, sub, error_text(exc), status)
    return HttpResponseRedirect(reverse("portal:plan_preview", args=[attempt.pk]))


@require_POST
@customer_required
def auto_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn auto-renewal off (one click, no questions) or on (with the consent text shown)."""
    sub = _sub_or_404(request, pk)
    form = AutoRenewForm(request.POST)
    if not form.is_valid():
        return _plan_error(request, sub, _("Choose on or off."), 422)
    on = form.cleaned_data["on"]
    try:
        auto_renew_set(
            subscription=sub,
            on=on,
            consent_text_shown=form.cleaned_data["consent_text"],
            channel=Channel.PORTAL,
            actor=request.user,
        )
    except DomainError as exc:
        return _plan_error(request, sub, error_text(exc), exc.status)
    done = _("Auto-renewal is on.") if on else _("Auto-renewal is off. Nothing more is charged.")
    messages.success(request, done)
    return HttpResponseRedirect(reverse("portal:plan", args=[sub.pk]))


# --------------------------------------------------------------------------------------------
# The preview (step 2: confirm), the offer, done, undo
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


def quote_view(sub: Subscription, quote: Any, *, at: datetime) -> QuoteView:
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


def _stale(attempt: ChangeAttempt, sub: Subscription) -> bool:
    return sub.status not in selectors.LIVE or sub.plan_id != attempt.from_plan_id


def _preview_context(
    request: HttpRequest,
    attempt: ChangeAttempt,
    *,
    form: ChangeConfirmForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    sub = attempt.subscription
    policy = selectors.policy_get()
    timings = selectors.timing_choices(policy)
    choose = policy.timing_rule == TimingRule.CUSTOMER_CHOICE
    shown = timings if choose else [attempt.timing]
    quotes = []
    for timing in shown:
        if timing == attempt.timing:
            quote = selectors.attempt_quote(attempt)
        else:
            quote = selectors.change_quote(
                sub, attempt.to_plan, timing=timing, at=attempt.quoted_at
            )
        quotes.append(quote_view(sub, quote, at=attempt.quoted_at))
    offer = attempt.offer if attempt.offer_response == OfferResponse.SHOWN else None
    target = attempt.to_plan
    return {
        "section": "plans",
        "attempt": attempt,
        "sub": sub,
        "headline": option_label(attempt.kind, target or attempt.from_plan),
        "kind_text": KIND_TEXT[attempt.kind],
        "from_name": plan_name(attempt.from_plan),
        "from_price": per_period(sub.period_price_fen, attempt.from_plan.period),
        "from_entitlements": entitlements(attempt.from_plan),
        "to_name": plan_name(target) if target else "",
        "to_entitlements": entitlements(target) if target else [],
        "quotes": quotes,
        "choose": choose,
        "selected_timing": (form.data.get("timing") if form and form.is_bound else "")
        or attempt.timing,
        "refund_choice": any(q.refundable_credit for q in quotes),
        "selected_refund_to": (form.data.get("refund_to") if form and form.is_bound else "")
        or RefundTo.ORIGINAL,
        "refund_to_choices": RefundTo,
        "offer_text": offer_text(offer) if offer is not None else "",
        "form": form or ChangeConfirmForm(timings=timings),
        "error": error,
        "valid_until": attempt.quoted_at + selectors.QUOTE_VALID,
    }


def _restart(request: HttpRequest, attempt: ChangeAttempt, timing: str) -> HttpResponse:
    """The preview went out of date: compute it again and show it, with a note."""
    sub = _sub_or_404(request, attempt.subscription_id)
    try:
        fresh = changes.change_start(
            subscription=sub,
            to_plan=attempt.to_plan,
            channel=Channel.PORTAL,
            actor=request.user,
            timing=timing,
        )
    except DomainError as exc:
        return _plan_error(request, sub, error_text(exc), exc.status)
    messages.warning(
        request,
        _(
            "The amounts were out of date, so we computed them again as of now. Nothing was "
            "changed yet: please check them and confirm."
        ),
    )
    return HttpResponseRedirect(reverse("portal:plan_preview", args=[fresh.pk]))


def _finished(request: HttpRequest, attempt: ChangeAttempt) -> HttpResponse:
    """An attempt that is no longer open: where its outcome is shown."""
    if attempt.outcome == AttemptOutcome.CONFIRMED:
        change = selectors.change_of(attempt)
        if change is not None:
            return HttpResponseRedirect(reverse("portal:plan_done", args=[change.pk]))
    return HttpResponseRedirect(reverse("portal:plan", args=[attempt.subscription_id]))


@require_GET
@never_cache
@customer_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the change does: plans and entitlements before and after, the amounts now and where
    a credit goes, the effective date, the next charge; one "Confirm" (and the offer, if any)."""
    attempt = _attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _finished(request, attempt)
    if _stale(attempt, attempt.subscription):
        messages.warning(request, _("This preview is out of date: your plan changed since."))
        return HttpResponseRedirect(reverse("portal:plan", args=[attempt.subscription_id]))
    return render(request, "portal/plan_preview.html", _preview_context(request, attempt))


@require_POST
@customer_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2 of every change: confirm (which declines an offer shown with it)."""
    attempt = _attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _finished(request, attempt)
    timings = selectors.timing_choices(selectors.policy_get())
    form = ChangeConfirmForm(request.POST, timings=timings)
    if not form.is_valid():
        context = _preview_context(request, attempt, form=form, error=_("Please check the form."))
        return render(request, "portal/plan_preview.html", context, status=422)
    data = form.cleaned_data
    timing = data["timing"] or attempt.timing
    now = timezone.now()
    expired = now - attempt.quoted_at > selectors.QUOTE_VALID
    try:
        if _stale(attempt, attempt.subscription) or expired:
            raise DomainError("", code="quote_expired", status=409)
        if timing != attempt.timing:
            # the other timing shown on the preview (only when the catalog lets the customer
            # choose); its amounts are computed again as of now
            attempt = changes.change_retime(attempt=attempt, timing=timing, actor=request.user)
        change = changes.change_confirm(
            attempt_id=attempt.pk,
            actor=request.user,
            channel=Channel.PORTAL,
            refund_to=data["refund_to"] or RefundTo.ORIGINAL,
            reason=data["reason"],
        )
    except DomainError as exc:
        if exc.code == "quote_expired":
            return _restart(request, attempt, timing)
        if exc.code == "attempt_finished":
            return _finished(request, attempt)
        attempt = _attempt_or_404(request, pk)
        context = _preview_context(request, attempt, form=form, error=error_text(exc))
        return render(request, "portal/plan_preview.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("portal:plan_done", args=[change.pk]))


@require_POST
@customer_required
def accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the retention offer shown with this attempt instead of the change."""
    attempt = _attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _finished(request, attempt)
    try:
        changes.change_accept_offer(
            attempt_id=attempt.pk, actor=request.user, channel=Channel.PORTAL
        )
    except DomainError as exc:
        context = _preview_context(request, attempt, error=error_text(exc))
        return render(request, "portal/plan_preview.html", context, status=exc.status)
    messages.success(
        request,
        _("Offer accepted. Nothing else changes; the discount applies to your next renewal."),
    )
    return HttpResponseRedirect(reverse("portal:plan", args=[attempt.subscription_id]))


@require_GET
@never_cache
@customer_required
def done(request: HttpRequest, pk: int) -> HttpResponse:
    """The change as received: when, from when it applies, the amounts, refunds with their
    promised dates, and "undo" while it is scheduled."""
    change = _change_or_404(request, pk)
    sub = change.subscription
    split = selectors.change_credit_split(change)
    undoable = change.status == ChangeStatus.SCHEDULED and change.effective_at > timezone.now()
    context = {
        "section": "plans",
        "change": change,
        "sub": sub,
        "headline": option_label(change.kind, change.to_plan or change.from_plan),
        "kind_text": KIND_TEXT[change.kind],
        "scheduled": change.status == ChangeStatus.SCHEDULED,
        "undone": change.status == ChangeStatus.UNDONE,
        "undoable": undoable,
        "charge": yuan(change.charge_fen) if change.charge_fen else "",
        "credit": yuan(change.credit_fen) if change.credit_fen else "",
        "settled": yuan(split["settled"]) if split["settled"] else "",
        "refunded": yuan(split["refunded"]) if split["refunded"] else "",
        "account_credit": yuan(split["account_credit"]) if split["account_credit"] else "",
        "refunds": refund_rows(change.refunds.all()),
        "s": summary(sub),
    }
    return render(request, "portal/plan_done.html", context)


@require_POST
@customer_required
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a scheduled change (one click)."""
    change = _change_or_404(request, pk)
    try:
        changes.change_undo(change_id=change.pk, actor=request.user, channel=Channel.PORTAL)
    except DomainError as exc:
        return _plan_error(request, change.subscription, error_text(exc), exc.status)
    messages.success(
        request,
        _("Undone: the change planned for %(date)s is off, and %(plan)s continues.")
        % {"date": local(change.effective_at), "plan": plan_name(change.from_plan)},
    )
    return HttpResponseRedirect(reverse("portal:plan", args=[change.subscription_id]))
