"""Changing a plan in the portal, after the first click: the preview and its one "Confirm"
(step 2 of every change), the retention offer taken instead, the done page and undo.

* Nothing on the preview is required: the timing (only when the catalog lets the customer
  choose), where a credit goes and the reason all have defaults or are optional;
* a retention offer (at most one per attempt) shows on the preview, with an "Accept the offer"
  button of exactly the confirm button's weight; confirming is declining;
* a preview older than the domain honours (``quote_expired``) is computed again and shown with a
  note, never a dead end.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as local
from fairdesk.core.money import yuan
from fairdesk.customers.http import customer_required
from fairdesk.plans import selectors
from fairdesk.plans.choices import (
    AttemptOutcome,
    ChangeStatus,
    Channel,
    OfferResponse,
    RefundTo,
    TimingRule,
)
from fairdesk.plans.display import offer_text, option_label, plan_name
from fairdesk.plans.models import ChangeAttempt
from fairdesk.plans.services import changes
from fairdesk.portal.forms import ChangeConfirmForm
from fairdesk.portal.plan_display import (
    KIND_TEXT,
    entitlements,
    error_text,
    per_period,
    quote_view,
    refund_rows,
    summary,
)
from fairdesk.portal.plan_views import (
    attempt_or_404,
    change_or_404,
    plan_error,
    subscription_or_404,
)


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
    sub = subscription_or_404(request, attempt.subscription_id)
    try:
        fresh = changes.change_start(
            subscription=sub,
            to_plan=attempt.to_plan,
            channel=Channel.PORTAL,
            actor=request.user,
            timing=timing,
        )
    except DomainError as exc:
        return plan_error(request, sub, error_text(exc), exc.status)
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
    attempt = attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _finished(request, attempt)
    if selectors.preview_outdated(attempt):
        messages.warning(request, _("This preview is out of date: your plan changed since."))
        return HttpResponseRedirect(reverse("portal:plan", args=[attempt.subscription_id]))
    return render(request, "portal/plan_preview.html", _preview_context(request, attempt))


@require_POST
@customer_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2 of every change: confirm (which declines an offer shown with it)."""
    attempt = attempt_or_404(request, pk)
    if attempt.outcome != AttemptOutcome.OPEN:
        return _finished(request, attempt)
    timings = selectors.timing_choices(selectors.policy_get())
    form = ChangeConfirmForm(request.POST, timings=timings)
    if not form.is_valid():
        context = _preview_context(request, attempt, form=form, error=_("Please check the form."))
        return render(request, "portal/plan_preview.html", context, status=422)
    data = form.cleaned_data
    timing = data["timing"] or attempt.timing
    expired = selectors.quote_expired(attempt, now=timezone.now())
    try:
        if selectors.preview_outdated(attempt) or expired:
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
        attempt = attempt_or_404(request, pk)
        context = _preview_context(request, attempt, form=form, error=error_text(exc))
        return render(request, "portal/plan_preview.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("portal:plan_done", args=[change.pk]))


@require_POST
@customer_required
def accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the retention offer shown with this attempt instead of the change."""
    attempt = attempt_or_404(request, pk)
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
    change = change_or_404(request, pk)
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
    change = change_or_404(request, pk)
    try:
        changes.change_undo(change_id=change.pk, actor=request.user, channel=Channel.PORTAL)
    except DomainError as exc:
        return plan_error(request, change.subscription, error_text(exc), exc.status)
    messages.success(
        request,
        _("Undone: the change planned for %(date)s is off, and %(plan)s continues.")
        % {"date": local(change.effective_at), "plan": plan_name(change.from_plan)},
    )
    return HttpResponseRedirect(reverse("portal:plan", args=[change.subscription_id]))
