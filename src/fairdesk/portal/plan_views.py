"""The customer's service plans in the portal: my plans, subscribing, "My plan" (its options,
auto-renewal, what happened, invoices and refunds) and the first step of every change. The
preview, the confirmation and what follows are in ``plan_change_views``.

Thin, like every view here: parse, call one selector or service of ``fairdesk.plans``, render
(the pages' words and figures come from ``plan_display``). The rules are the domain's
(``plans/services/``); these pages only make them equally easy:

* every change — upgrade, downgrade, switch, cancel — starts from the same list on "My plan"
  (``change_options``), one button each, all of the same style, size and structure;
* every change is the same two clicks: the option's button (``change_start``, then the preview)
  and "Confirm" (``change_confirm``, then the done page).

A customer reaches only their own subscriptions, attempts and changes (``selectors.access_*``:
another's answer 404, like one that does not exist); staff get the portal's 403 page
(``customer_required``). Domain errors show on the page they came from with their 4xx status,
in the customer's language.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.money import yuan
from fairdesk.customers.http import customer_required
from fairdesk.plans import covers, selectors
from fairdesk.plans.choices import Channel
from fairdesk.plans.display import device_name, family_name, plan_name
from fairdesk.plans.gateway import get_gateway
from fairdesk.plans.models import ChangeAttempt, PlanChange, Subscription
from fairdesk.plans.services import changes
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text, subscription_start
from fairdesk.portal.forms import AutoRenewForm, ChangeStartForm, SubscribeForm
from fairdesk.portal.plan_display import (
    CANCEL,
    RULE_TEXT,
    auto_renew_consent,
    consent_language,
    entitlements,
    error_text,
    invoice_rows,
    option_rows,
    per_period,
    refund_rows,
    standing_rows,
    summary,
    timeline,
)

# --------------------------------------------------------------------------------------------
# Access: the selectors' "not found", as the portal's 404 page
# --------------------------------------------------------------------------------------------


def subscription_or_404(request: HttpRequest, pk: int) -> Subscription:
    try:
        return selectors.access_subscription(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def attempt_or_404(request: HttpRequest, pk: int) -> ChangeAttempt:
    try:
        return selectors.access_attempt(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def change_or_404(request: HttpRequest, pk: int) -> PlanChange:
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
    """My subscriptions (live first) and the plans on sale: for each, the ones the customer
    already has (with the device and a link), else "Subscribe" when one of their devices may
    take it, else which devices it covers."""
    customer = request.customer  # type: ignore[attr-defined]
    subs = [summary(s) for s in selectors.subscriptions_for(user=request.user)]
    subs.sort(key=lambda s: not s.live)
    now = timezone.now()
    on_sale = list(selectors.plans_on_sale())
    standing = covers.standings(customer, on_sale)
    families: dict[int, dict[str, Any]] = {}
    for plan in on_sale:
        family = families.setdefault(
            plan.family_id,
            {
                "family": plan.family,
                "name": family_name(plan.family),
                "lines": covers.product_lines_text(plan.family),
                "plans": [],
            },
        )
        family["plans"].append(
            {
                "plan": plan,
                "name": plan_name(plan),
                "price": per_period(selectors.plan_price_at(plan, now), plan.period),
                "entitlements": entitlements(plan),
                "standing": standing_rows(standing[plan.pk]),
            }
        )
    context = {
        "section": "plans",
        "subs": subs,
        "families": list(families.values()),
        "rule_text": RULE_TEXT[selectors.policy_get().timing_rule],
    }
    return render(request, "portal/plans.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    """Subscribe to a plan for one of the customer's devices it may cover (preselected when
    there is one): payment method (the demo gateway), auto-renewal only if ticked next to its
    exact consent text. A plan the device has already is shown as such, with its link."""
    customer = request.customer  # type: ignore[attr-defined]
    try:
        plan = selectors.plan_get(code)
        selectors.check_on_sale(plan)
    except DomainError as exc:  # unknown, or off sale: no page to subscribe on
        raise Http404(exc.message) from exc
    now = timezone.now()
    consent = consent_text(plan, language=consent_language(customer), at=now)
    standing = covers.standings(customer, [plan])[plan.pk]
    devices = [(str(d.pk), device_name(d)) for d in standing.devices]
    error, status = "", 200
    if request.method == "POST":
        form = SubscribeForm(request.POST, devices=devices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sub = subscription_start(
                    customer=customer,
                    plan=plan,
                    payment_method=data["payment_method"],
                    auto_renew=data["auto_renew"],
                    consent_text_shown=data["consent_text"] if data["auto_renew"] else "",
                    device=selectors.access_device(customer, data["device"]),
                    channel=Channel.PORTAL,
                    actor=request.user,
                )
            except DomainError as exc:
                error, status = error_text(exc), exc.status
                standing = covers.standings(customer, [plan])[plan.pk]
            else:
                messages.success(
                    request,
                    _(
                        "You subscribed to %(plan)s for %(device)s. The confirmation was sent "
                        "to you."
                    )
                    % {"plan": plan_name(plan), "device": device_name(sub.device)},
                )
                return HttpResponseRedirect(reverse("portal:plan", args=[sub.pk]))
        else:
            status = 422
    else:
        initial = {"consent_text": consent}
        if len(devices) == 1:
            initial["device"] = devices[0][0]
        form = SubscribeForm(devices=devices, initial=initial)
    context = {
        "section": "plans",
        "plan": plan,
        "name": plan_name(plan),
        "price": per_period(selectors.plan_price_at(plan, now), plan.period),
        "price_now": yuan(selectors.plan_price_at(plan, now)),
        "entitlements": entitlements(plan),
        "lines": covers.product_lines_text(plan.family),
        "standing": standing_rows(standing),
        "form": form,
        "consent": consent,
        "consent_language": consent_language(customer),
        "gateway_label": _(get_gateway().label),
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
        "consent": auto_renew_consent(sub),
        "consent_language": consent_language(sub.customer),
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
    sub = subscription_or_404(request, pk)
    return render(request, "portal/plan_detail.html", _plan_context(request, sub))


def plan_error(request: HttpRequest, sub: Subscription, message: str, status: int) -> HttpResponse:
    sub = subscription_or_404(request, sub.pk)  # fresh: nothing was changed, show what is
    context = _plan_context(request, sub, error=message)
    return render(request, "portal/plan_detail.html", context, status=status)


@require_POST
@customer_required
def change_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 of every change (one click on an option): record the attempt, show its preview."""
    sub = subscription_or_404(request, pk)
    form = ChangeStartForm(request.POST)
    if not form.is_valid():
        return plan_error(request, sub, _("Choose one of the changes listed."), 422)
    to = form.cleaned_data["to"]
    try:
        to_plan = None if to == CANCEL else selectors.plan_named(to)
        attempt = changes.change_start(
            subscription=sub, to_plan=to_plan, channel=Channel.PORTAL, actor=request.user
        )
    except DomainError as exc:
        return plan_error(request, sub, error_text(exc), exc.status)
    return HttpResponseRedirect(reverse("portal:plan_preview", args=[attempt.pk]))


@require_POST
@customer_required
def auto_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn auto-renewal off (one click, no questions) or on (with the consent text shown)."""
    sub = subscription_or_404(request, pk)
    form = AutoRenewForm(request.POST)
    if not form.is_valid():
        return plan_error(request, sub, _("Choose on or off."), 422)
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
        return plan_error(request, sub, error_text(exc), exc.status)
    done = _("Auto-renewal is on.") if on else _("Auto-renewal is off. Nothing more is charged.")
    messages.success(request, done)
    return HttpResponseRedirect(reverse("portal:plan", args=[sub.pk]))
