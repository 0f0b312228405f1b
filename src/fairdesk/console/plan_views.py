"""Service plans in the console: the agent acts for the customer.

The same options, the same two steps (choose → confirm) and the same amounts as the customer
sees in the portal, for every kind of change; channel "console", the agent as the actor. There
is deliberately no control that blocks, delays or rejects a downgrade or a cancellation: the
agent can only carry out what the customer asks. Who may act on which subscription is decided
by ``plans.selectors`` (``check_manages_plans`` and the ``access_*`` functions: agents and brand
administrators reach all; other staff get the 403 page); the words shared with the portal are
``plans.display``'s.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fairdesk.console.access import staff_required
from fairdesk.console.forms import AutoRenewForm, PlanChangeForm, PlanConfirmForm, PlanTimingForm
from fairdesk.console.pages import forbidden, serving_customer
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.money import yuan
from fairdesk.plans import selectors as plan_selectors
from fairdesk.plans.choices import Account, AttemptOutcome
from fairdesk.plans.choices import Channel as PlanChannel
from fairdesk.plans.display import (
    device_name,
    event_by_text,
    event_details,
    event_label,
    offer_text,
    option_label,
    plan_name,
)
from fairdesk.plans.models import ChangeAttempt, PlanChange, Subscription
from fairdesk.plans.services.changes import (
    change_accept_offer,
    change_confirm,
    change_retime,
    change_start,
    change_undo,
)
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text

PLAN_CONFIRM_LABELS = {
    "upgrade": gettext_lazy("Confirm the upgrade"),
    "downgrade": gettext_lazy("Confirm the downgrade"),
    "switch": gettext_lazy("Confirm the switch"),
    "cancel": gettext_lazy("Confirm the cancellation"),
}


def _plan_staff(request: HttpRequest) -> HttpResponse | None:
    """A 403 page for console users whose role does not manage plans (outlet staff,
    technicians, dispatchers, auditors), else None."""
    try:
        plan_selectors.check_manages_plans(request.user)
    except DomainError as exc:
        return forbidden(request, exc.message)
    return None


def _yuan(fen: int | None) -> str:
    """``-3000`` → ``"-¥30.00"`` ("" for no amount)."""
    return "" if fen is None else yuan(fen)


def _subscription_or_404(request: HttpRequest, pk: int) -> Subscription:
    try:
        return plan_selectors.access_subscription(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _attempt_or_404(request: HttpRequest, pk: int) -> ChangeAttempt:
    try:
        return plan_selectors.access_attempt(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _change_or_404(request: HttpRequest, pk: int) -> PlanChange:
    try:
        return plan_selectors.access_change(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _event_rows(sub: Subscription) -> list[dict[str, Any]]:
    return [
        {
            "event": event,
            "label": event_label(event.kind),
            "by": event_by_text(event, sub),
            "details": event_details(event.data or {}),
        }
        for event in plan_selectors.events_of(sub)
    ]


def _plan_context(request: HttpRequest, sub: Subscription, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    options = [
        {
            "kind": option.kind,
            "to_plan": option.to_plan.code if option.to_plan else "",
            "label": option_label(option.kind, option.to_plan or sub.plan),
            "price": _yuan(option.price_fen),
            "period": option.to_plan.get_period_display() if option.to_plan else "",
        }
        for option in plan_selectors.change_options(sub, at=now)
    ]
    policy = plan_selectors.policy_get()
    scheduled = plan_selectors.scheduled_change(sub)
    next_plan, next_amount = plan_selectors.renewal_amount(sub)
    consent = ""
    if sub.status in plan_selectors.LIVE and not sub.auto_renew and sub.plan.auto_renew:
        consent = consent_text(sub.plan, language=plan_selectors.customer_language(sub.customer))
    records = plan_selectors.ledger_view(sub)
    invoices = [
        {
            "invoice": inv,
            "amount": _yuan(inv.amount_fen),
            "settled": _yuan(inv.settled_fen),
            "paid": _yuan(inv.paid_fen),
            "due": _yuan(inv.due_fen),
        }
        for inv in records.invoices
    ]
    refunds = [{"refund": r, "amount": _yuan(r.amount_fen)} for r in records.refunds]
    balances = [
        {"account": key, "label": Account(key).label, "amount": _yuan(value)}
        for key, value in records.balances.items()
    ]
    return {
        "sub": sub,
        "customer": sub.customer,
        "plan_name": plan_name(sub.plan),
        "device_name": device_name(sub.device),
        "period_price": _yuan(sub.period_price_fen),
        "options": options,
        "policy": policy,
        "timings": plan_selectors.timing_choices(policy) if options else [],
        "scheduled": scheduled,
        "scheduled_to_name": plan_name(scheduled.to_plan) if scheduled else "",
        "next_plan_name": plan_name(next_plan) if next_plan else "",
        "next_amount": _yuan(next_amount) if next_plan else "",
        "open_due": _yuan(plan_selectors.open_due_fen(sub)),
        "account_credit": _yuan(plan_selectors.account_credit_fen(sub)),
        "balances": balances,
        "problems": records.problems,
        "invoices": invoices,
        "refunds": refunds,
        "events": _event_rows(sub),
        "consent_text": consent,
        # the text the customer agrees to is in their language, whatever the page's
        "consent_language": plan_selectors.customer_language(sub.customer),
        "section": "search",
        "serving": serving_customer(request),
        **extra,
    }


@require_GET
@never_cache
@staff_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A subscription: every change open to it (equal buttons), the scheduled change (undo),
    the next charge, the audit trail, invoices, refunds and the ledger's balances."""
    if denied := _plan_staff(request):
        return denied
    sub = _subscription_or_404(request, pk)
    return render(request, "console/plan.html", _plan_context(request, sub))


@require_POST
@staff_required
def plan_change_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 for every kind of change: record the attempt, then show its preview."""
    if denied := _plan_staff(request):
        return denied
    sub = _subscription_or_404(request, pk)
    form = PlanChangeForm(request.POST)
    if not form.is_valid():
        context = _plan_context(request, sub, error=_("Choose a change."))
        return render(request, "console/plan.html", context, status=422)
    code = form.cleaned_data["to_plan"].strip()
    try:
        to_plan = plan_selectors.plan_named(code) if code else None
        attempt = change_start(
            subscription=sub,
            to_plan=to_plan,
            channel=PlanChannel.CONSOLE,
            actor=request.user,
            timing=form.cleaned_data["timing"] or None,
        )
    except DomainError as exc:
        context = _plan_context(request, sub, error=exc.message)
        return render(request, "console/plan.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("console:plan_preview", args=[attempt.pk]))


def _preview_context(request: HttpRequest, attempt: ChangeAttempt, **extra: Any) -> dict[str, Any]:
    quote = plan_selectors.attempt_quote(attempt)
    policy = plan_selectors.policy_get()
    valid_until = attempt.quoted_at + plan_selectors.QUOTE_VALID
    return {
        "attempt": attempt,
        "sub": attempt.subscription,
        "customer": attempt.subscription.customer,
        "quote": quote,
        "amounts": {
            "charge": _yuan(quote.charge_fen),
            "credit": _yuan(quote.credit_fen),
            "settles_open": _yuan(quote.settles_open_fen),
            "refundable": _yuan(quote.credit_fen - quote.settles_open_fen),
            "new_price": _yuan(quote.new_price_fen),
            "next_charge": _yuan(quote.next_charge_fen),
        },
        "from_name": plan_name(attempt.from_plan),
        "to_name": plan_name(attempt.to_plan),
        "confirm_label": PLAN_CONFIRM_LABELS[attempt.kind],
        "offer_text": offer_text(attempt.offer) if attempt.offer is not None else "",
        "timings": plan_selectors.timing_choices(policy),
        "valid_until": valid_until,
        "expired": plan_selectors.quote_expired(attempt, now=timezone.now()),
        "form": extra.pop("form", None) or PlanConfirmForm(),
        "refund_days": policy.refund_within_days,
        "section": "search",
        "serving": serving_customer(request),
        **extra,
    }


@require_GET
@never_cache
@staff_required
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an attempt: what happens, when, the amounts, where a credit goes; the
    confirm button, and at most one retention offer beside it with the same weight."""
    if denied := _plan_staff(request):
        return denied
    attempt = _attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _attempt_finished(attempt)
    if plan_selectors.preview_outdated(attempt):
        messages.warning(request, _("This preview is out of date: the plan changed since."))
        return HttpResponseRedirect(reverse("console:plan", args=[attempt.subscription_id]))
    return render(request, "console/plan_preview.html", _preview_context(request, attempt))


def _attempt_finished(attempt: ChangeAttempt) -> HttpResponse:
    """An attempt no longer open: where its outcome is shown."""
    change = plan_selectors.change_of(attempt)
    if change is not None:
        return HttpResponseRedirect(reverse("console:plan_change", args=[change.pk]))
    return HttpResponseRedirect(reverse("console:plan", args=[attempt.subscription_id]))


def _plan_restart(request: HttpRequest, attempt: ChangeAttempt) -> HttpResponse:
    """The preview went out of date: compute it again as of now (never a dead end; no second
    offer: the domain shows at most one per subscription in 30 days)."""
    sub = _subscription_or_404(request, attempt.subscription_id)
    try:
        fresh = change_start(
            subscription=sub,
            to_plan=attempt.to_plan,
            channel=PlanChannel.CONSOLE,
            actor=request.user,
            timing=attempt.timing,
        )
    except DomainError as exc:
        context = _plan_context(request, sub, error=exc.message)
        return render(request, "console/plan.html", context, status=exc.status)
    messages.warning(
        request,
        _(
            "The amounts were out of date, so they were computed again as of now. Nothing was "
            "changed yet: check them with the customer and confirm."
        ),
    )
    return HttpResponseRedirect(reverse("console:plan_preview", args=[fresh.pk]))


@require_POST
@staff_required
def plan_retime(request: HttpRequest, pk: int) -> HttpResponse:
    """When the customer may choose the timing: switch the preview (not a step)."""
    if denied := _plan_staff(request):
        return denied
    attempt = _attempt_or_404(request, pk)
    form = PlanTimingForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Choose when the change takes effect."), status=422)
        change_retime(attempt=attempt, timing=form.cleaned_data["timing"], actor=request.user)
    except DomainError as exc:
        attempt = _attempt_or_404(request, pk)
        context = _preview_context(request, attempt, error=exc.message)
        return render(request, "console/plan_preview.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("console:plan_preview", args=[attempt.pk]))


@require_POST
@staff_required
def plan_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: carry out the change with the amounts shown (confirming declines an offer)."""

    if denied := _plan_staff(request):
        return denied
    attempt = _attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _attempt_finished(attempt)
    form = PlanConfirmForm(request.POST)
    if not form.is_valid():
        context = _preview_context(request, attempt, form=form)
        return render(request, "console/plan_preview.html", context, status=422)
    try:
        change = change_confirm(
            attempt_id=attempt.pk,
            actor=request.user,
            channel=PlanChannel.CONSOLE,
            refund_to=form.cleaned_data["refund_to"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        if exc.code == "quote_expired":
            return _plan_restart(request, attempt)
        if exc.code == "attempt_finished":
            return _attempt_finished(attempt)
        attempt = _attempt_or_404(request, pk)
        context = _preview_context(request, attempt, form=form, error=exc.message)
        return render(request, "console/plan_preview.html", context, status=exc.status)
    messages.success(
        request, _("Done. Read the confirmation out to the customer; they also get it by SMS.")
    )
    return HttpResponseRedirect(reverse("console:plan_change", args=[change.pk]))


@require_POST
@staff_required
def plan_accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer takes the offer instead of the change (nothing else changes)."""
    if denied := _plan_staff(request):
        return denied
    attempt = _attempt_or_404(request, pk)
    try:
        change_accept_offer(attempt_id=attempt.pk, actor=request.user, channel=PlanChannel.CONSOLE)
    except DomainError as exc:
        attempt = _attempt_or_404(request, pk)
        context = _preview_context(request, attempt, error=exc.message)
        return render(request, "console/plan_preview.html", context, status=exc.status)
    messages.success(request, _("The offer was accepted; the plan stays as it is."))
    return HttpResponseRedirect(reverse("console:plan", args=[attempt.subscription_id]))


@require_GET
@never_cache
@staff_required
def plan_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmed change: what was done, when it takes effect, charges, credits, refunds."""

    if denied := _plan_staff(request):
        return denied
    change = _change_or_404(request, pk)
    context = {
        "change": change,
        "sub": change.subscription,
        "customer": change.subscription.customer,
        "from_name": plan_name(change.from_plan),
        "to_name": plan_name(change.to_plan),
        "charge": _yuan(change.charge_fen),
        "credit": _yuan(change.credit_fen),
        "credit_split": [
            (_("set against what was unpaid"), _yuan(change.credit_settled_fen)),
            (_("back to the original payment method"), _yuan(change.credit_refunded_fen)),
            (_("kept as account credit"), _yuan(change.credit_kept_fen)),
        ]
        if change.credit_fen
        else [],
        "refunds": [
            {"refund": r, "amount": _yuan(r.amount_fen)} for r in change.refunds.order_by("id")
        ],
        "section": "search",
        "serving": serving_customer(request),
    }
    return render(request, "console/plan_change.html", context)


@require_POST
@staff_required
def plan_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a scheduled change (one action)."""
    if denied := _plan_staff(request):
        return denied
    change = _change_or_404(request, pk)
    try:
        change_undo(change_id=change.pk, actor=request.user, channel=PlanChannel.CONSOLE)
    except DomainError as exc:
        sub = _subscription_or_404(request, change.subscription_id)
        context = _plan_context(request, sub, error=exc.message)
        return render(request, "console/plan.html", context, status=exc.status)
    messages.success(request, _("The scheduled change was undone."))
    return HttpResponseRedirect(reverse("console:plan", args=[change.subscription_id]))


@require_POST
@staff_required
def plan_auto_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Auto-renewal off (one action) or on (with the consent text read out to the customer)."""
    if denied := _plan_staff(request):
        return denied
    sub = _subscription_or_404(request, pk)
    form = AutoRenewForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Choose on or off."), status=422)
        auto_renew_set(
            subscription=sub,
            on=form.cleaned_data["on"],
            consent_text_shown=form.cleaned_data["consent_text"],
            channel=PlanChannel.CONSOLE,
            actor=request.user,
        )
    except DomainError as exc:
        context = _plan_context(request, sub, error=exc.message)
        return render(request, "console/plan.html", context, status=exc.status)
    messages.success(request, _("Auto-renewal updated."))
    return HttpResponseRedirect(reverse("console:plan", args=[sub.pk]))
