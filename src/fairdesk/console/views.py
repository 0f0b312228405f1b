"""The agent and outlet console: find a caller, serve them, work the request queue.

Thin, like every view here: parse, call one selector or service, render. Which requests a staff
member sees and which changes they may make is decided by ``service_requests.selectors``
(``request_list``, ``request_get``, ``allowed_transitions``, ``customer_phone_for``); customer
records are read through ``customers.selectors`` by staff whose role may view customers.

Serving: opening a caller's page makes them the caller the agent is serving (kept in the
session). Their number is shown in full, and the agent may cancel, close or reopen *their*
requests on their behalf; everyone else's numbers stay masked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fairdesk.console.access import staff_required
from fairdesk.console.forms import (
    AssignOutletForm,
    AutoRenewForm,
    NewCallerForm,
    PlanChangeForm,
    PlanConfirmForm,
    PlanTimingForm,
    QueueFilterForm,
    SearchForm,
    TransitionForm,
)
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.money import yuan
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers import services as customer_services
from fairdesk.customers.models import Customer
from fairdesk.network.models import Outlet
from fairdesk.plans import selectors as plan_selectors
from fairdesk.plans.choices import Account, AttemptOutcome
from fairdesk.plans.choices import Channel as PlanChannel
from fairdesk.plans.display import (
    event_by_text,
    event_details,
    event_label,
    offer_text,
    option_label,
    plan_name,
)
from fairdesk.plans.models import PlanChange
from fairdesk.plans.services.changes import (
    change_accept_offer,
    change_confirm,
    change_retime,
    change_start,
    change_undo,
)
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text
from fairdesk.portal.display import request_row, request_rows, timeline_entries
from fairdesk.portal.intake import file_request, request_form_for
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import Channel, Status
from fairdesk.service_requests.services.routing import service_request_assign_outlet
from fairdesk.service_requests.services.transitions import service_request_transition

SERVING_KEY = "console_serving_customer"
PAGE_SIZE = 50
VIEW_CUSTOMERS = "customers.view_customer"

#: The transition buttons, in the words of the person pressing them.
ACTION_LABELS = {
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.SCHEDULED: gettext_lazy("Schedule the visit"),
    Status.EN_ROUTE: gettext_lazy("Technician on the way"),
    Status.ON_SITE: gettext_lazy("Technician on site"),
    Status.RESOLVED: gettext_lazy("Resolved"),
    Status.CLOSED: gettext_lazy("Close"),
    Status.WAITING_CUSTOMER: gettext_lazy("Wait for the customer"),
    Status.WAITING_PARTS: gettext_lazy("Wait for parts"),
    Status.CANCELLED: gettext_lazy("Cancel the request"),
    Status.REOPENED: gettext_lazy("Reopen"),
    Status.NEW: gettext_lazy("Back to new"),
}


def _serving(request: HttpRequest) -> Customer | None:
    """The caller this agent is serving (set by opening their page), or None."""
    pk = request.session.get(SERVING_KEY)
    if not pk:
        return None
    return Customer.objects.filter(pk=pk).first()


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that HTMX follows as a full page load."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def _may_view_customers(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_CUSTOMERS)


# --------------------------------------------------------------------------------------------
# Find a caller
# --------------------------------------------------------------------------------------------


@require_GET
@never_cache
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The one search box."""
    context = {"form": SearchForm(), "section": "search", "serving": _serving(request)}
    return render(request, "console/home.html", context)


@require_GET
@never_cache
@vary_on_headers("HX-Request")
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """Find a caller by phone number, request number or device serial.

    An exact request number opens the request; an exact mobile number or serial of exactly one
    customer opens their page; otherwise the callers and the requests that match are listed
    (phone numbers masked). Staff who may not view customers (outlet staff) find requests only.
    """
    form = SearchForm(request.GET)
    matches: list[Any] = []
    found_requests: list[Any] = []
    new_caller = None
    error = ""
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        by_number = _request_by_number(request.user, q)
        if by_number is not None:
            return _redirect(request, reverse("console:request", args=[by_number.number]))
        if _may_view_customers(request):
            try:
                matches = customer_selectors.customer_search(q=q)
            except DomainError as exc:
                error = exc.message
            if len(matches) == 1 and _exact(matches[0], q):
                return _redirect(request, reverse("console:caller", args=[matches[0].customer.pk]))
            mobile = normalize_mobile(q)
            if mobile and not any(m.matched_by == "phone" for m in matches):
                new_caller = NewCallerForm(initial={"phone": mobile})
        if not error:
            found_requests = sr.request_find(user=request.user, query=q)
    serving = _serving(request)
    context = {
        "form": form,
        "matches": matches,
        "requests": [_phone_row(request, r, serving) for r in found_requests],
        "error": error,
        "new_caller": new_caller,
        "section": "search",
        "serving": serving,
        "searched": form.is_bound,
    }
    if getattr(request, "htmx", False):
        return render(request, "console/_search_results.html", context)
    return render(request, "console/home.html", context)


def _exact(match: Any, q: str) -> bool:
    """A whole mobile number, or a whole serial number of one of the caller's devices."""
    if match.matched_by == "phone":
        return True
    wanted = "".join(q.split()).upper()
    return any(d.serial == wanted for d in match.devices)


def _request_by_number(user: Any, q: str) -> Any:
    """The request with this number if the user may see it, else None."""
    if not sr.normalize_number(q).startswith("SR"):
        return None
    try:
        return sr.request_get(user=user, number=q)
    except DomainError:
        return None


def _phone_row(request: HttpRequest, service_request: Any, serving: Any) -> dict[str, Any]:
    return {
        "request": service_request,
        "phone": sr.customer_phone_for(request.user, service_request, serving=serving),
    }


@require_POST
@staff_required
def caller_new(request: HttpRequest) -> HttpResponse:
    """A caller who is not a customer yet: create them by mobile number, then serve them."""
    if not _may_view_customers(request):
        return _forbidden(request, _("Your role does not look up customers."))
    form = NewCallerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the caller's mobile number."))
        return HttpResponseRedirect(reverse("console:home"))
    try:
        customer = customer_services.customer_get_or_create(
            phone=form.cleaned_data["phone"], name=form.cleaned_data["name"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("console:home"))
    return HttpResponseRedirect(reverse("console:caller", args=[customer.pk]))


@require_POST
@staff_required
def serving_end(request: HttpRequest) -> HttpResponse:
    """The call is over: stop serving the caller (their number is masked again everywhere)."""
    request.session.pop(SERVING_KEY, None)
    return HttpResponseRedirect(reverse("console:home"))


# --------------------------------------------------------------------------------------------
# A caller, and filing a request for them
# --------------------------------------------------------------------------------------------


def _caller_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict[str, Any]:
    addresses = [
        (a, customer_selectors.address_warning(a))
        for a in customer_selectors.customer_addresses(customer=customer)
    ]
    devices = [
        (d, customer_selectors.device_warranty_status(d))
        for d in customer_selectors.customer_devices(customer=customer)
    ]
    requests = sr.request_list(user=request.user).filter(customer=customer)[:50]
    plan_staff = plan_selectors.is_plan_staff(request.user)
    return {
        "plan_staff": plan_staff,
        "plans": _caller_plans(request, customer) if plan_staff else [],
        "customer": customer,
        "addresses": addresses,
        "devices": devices,
        "rows": request_rows(requests),
        "may_file": sr.may_file_for(request.user, customer),
        "form": extra.pop("form", None) or request_form_for(customer),
        "section": "search",
        "serving": customer,
        **extra,
    }


def _caller_plans(request: HttpRequest, customer: Customer) -> list[dict[str, Any]]:
    """The caller's service plans, newest first, with a scheduled change if any."""
    subs = (
        plan_selectors.subscriptions_for(user=request.user)
        .filter(customer=customer)
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=PlanChange.objects.filter(status="scheduled").select_related("to_plan"),
                to_attr="scheduled_list",
            )
        )
    )
    return [
        {
            "sub": sub,
            "name": plan_name(sub.plan),
            "price": _yuan(sub.period_price_fen),
            "scheduled": sub.scheduled_list[0] if sub.scheduled_list else None,
        }
        for sub in subs
    ]


@require_GET
@never_cache
@staff_required
def caller(request: HttpRequest, pk: int) -> HttpResponse:
    """A caller: their devices, addresses and requests, and the form to file a new request.

    Opening the page makes this caller the one the agent is serving: their number is shown in
    full here and on their requests; everywhere else numbers stay masked.
    """
    if not _may_view_customers(request):
        return _forbidden(request, _("Your role does not look up customers."))
    customer = get_object_or_404(Customer, pk=pk)
    request.session[SERVING_KEY] = customer.pk
    return render(request, "console/caller.html", _caller_context(request, customer))


@require_POST
@staff_required
def file_for_caller(request: HttpRequest, pk: int) -> HttpResponse:
    """File a request for the caller (channel: console); done → the request's page."""
    if not _may_view_customers(request):
        return _forbidden(request, _("Your role does not look up customers."))
    customer = get_object_or_404(Customer, pk=pk)
    if not sr.may_file_for(request.user, customer):
        return _forbidden(request, _("You may not file a service request for this customer."))
    request.session[SERVING_KEY] = customer.pk
    form = request_form_for(customer, request.POST)
    if form.is_valid():
        created = file_request(request, customer=customer, form=form, channel=Channel.CONSOLE)
        if created is not None:
            messages.success(
                request,
                _(
                    "Request %(number)s filed for %(phone)s. Read the number and the deadlines "
                    "out to the caller."
                )
                % {"number": created.number, "phone": customer.phone},
            )
            return HttpResponseRedirect(reverse("console:request", args=[created.number]))
    context = _caller_context(request, customer, form=form)
    return render(request, "console/caller.html", context, status=422)


# --------------------------------------------------------------------------------------------
# The queue and one request
# --------------------------------------------------------------------------------------------


def _outlet_choices(user: Any) -> list[tuple[str, str]]:
    principal = sr.principal_for(user)
    outlets = Outlet.objects.order_by("code")
    if principal.outlet_staff and not principal.sees_all:
        outlets = outlets.filter(pk__in=sorted(principal.outlet_roles))
    return [(o.code, f"{o.code} {o.name}") for o in outlets.only("code", "name")]


@require_GET
@never_cache
@staff_required
def requests(request: HttpRequest) -> HttpResponse:
    """The requests this user may see, newest first, filtered by status, outlet, breach."""
    form = QueueFilterForm(request.GET or None, outlets=_outlet_choices(request.user))
    filters = sr.RequestFilters()
    breached_only = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        coverage = {"out": True, "in": False}.get(data["coverage"])
        filters = sr.RequestFilters(
            status=data["status"] or None,
            outlet_code=data["outlet"] or None,
            out_of_coverage=coverage,
        )
        breached_only = data["breached"]
    qs = sr.request_list(user=request.user, filters=filters)
    if breached_only:
        qs = qs.filter(pk__in=sr.breached_clocks().values("request_id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    serving = _serving(request)
    rows = [
        {"row": row, "phone": sr.customer_phone_for(request.user, row.request, serving=serving)}
        for row in request_rows(page.object_list)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "section": "requests",
        "serving": serving,
    }
    return render(request, "console/requests.html", context)


def _request_or_404(request: HttpRequest, number: str) -> Any:
    try:
        return sr.request_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _request_context(request: HttpRequest, service_request: Any, **extra: Any) -> dict[str, Any]:
    serving = _serving(request)
    principal = sr.principal_for(request.user)
    actions = []
    for to_status in sr.allowed_transitions(request.user, service_request, serving=serving):
        granted = sr.capacities(principal, service_request, serving=serving) & workflow.who_may(
            service_request.status, to_status
        )
        actions.append(
            {
                "to": to_status,
                "label": ACTION_LABELS.get(to_status, to_status),
                "needs_reason": workflow.reason_required(
                    service_request.status,
                    to_status,
                    as_customer=workflow.acts_only_as_customer(granted),
                ),
                "danger": to_status == Status.CANCELLED,
            }
        )
    may_assign = sr.can(request.user, sr.ASSIGN_OUTLET, service_request)
    return {
        "sr": service_request,
        "row": request_row(service_request),
        "phone": sr.customer_phone_for(request.user, service_request, serving=serving),
        "not_applying": sr.promises_not_applying(service_request),
        "timeline": timeline_entries(user=request.user, request=service_request, staff=True),
        "actions": actions,
        "may_assign": may_assign,
        "assign_form": extra.pop("assign_form", None) or AssignOutletForm(),
        "section": "requests",
        "serving": serving,
        "serving_this": serving is not None and serving.pk == service_request.customer_id,
        **extra,
    }


@require_GET
@never_cache
@staff_required
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One request: facts, the SLA clocks (missed ones in red, with how late), the timeline, and
    a button for every change this user may make now."""
    service_request = _request_or_404(request, number)
    return render(request, "console/request.html", _request_context(request, service_request))


@require_POST
@staff_required
def transition(request: HttpRequest, number: str) -> HttpResponse:
    service_request = _request_or_404(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        context = _request_context(request, service_request, error=_("Choose a change."))
        return render(request, "console/request.html", context, status=422)
    to_status = form.cleaned_data["to_status"]
    try:
        service_request_transition(
            request=service_request,
            to_status=to_status,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            serving=_serving(request),
        )
    except DomainError as exc:
        context = _request_context(request, service_request, error=exc.message, error_to=to_status)
        return render(request, "console/request.html", context, status=exc.status)
    messages.success(
        request,
        _("%(number)s: %(status)s.")
        % {"number": service_request.number, "status": service_request.get_status_display()},
    )
    return HttpResponseRedirect(reverse("console:request", args=[service_request.number]))


@require_http_methods(["POST"])
@staff_required
def assign_outlet(request: HttpRequest, number: str) -> HttpResponse:
    """Route a request by hand (central dispatch, brand administrators: the selectors decide)."""
    service_request = _request_or_404(request, number)
    form = AssignOutletForm(request.POST)
    error = ""
    if form.is_valid():
        outlet = Outlet.objects.filter(code=form.cleaned_data["outlet"].strip()).first()
        if outlet is None:
            form.add_error("outlet", _("There is no outlet with this code."))
        else:
            try:
                service_request_assign_outlet(
                    request=service_request,
                    outlet=outlet,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                error = exc.message
                status = exc.status
            else:
                messages.success(
                    request,
                    _("%(number)s was assigned to %(outlet)s.")
                    % {"number": service_request.number, "outlet": outlet.name},
                )
                return HttpResponseRedirect(
                    reverse("console:request", args=[service_request.number])
                )
    if not error:
        status = 422
    context = _request_context(request, service_request, assign_form=form, error=error)
    return render(request, "console/request.html", context, status=status)


# --------------------------------------------------------------------------------------------
# Service plans: the agent acts for the customer
#
# The same options, the same two steps (choose → confirm) and the same amounts as the customer
# sees in the portal, for every kind of change; channel "console", the agent as the actor. There
# is deliberately no control that blocks, delays or rejects a downgrade or a cancellation: the
# agent can only carry out what the customer asks. Who sees which subscription is decided by
# ``plans.selectors`` (agents and brand administrators: all; other staff: none).
# --------------------------------------------------------------------------------------------

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
        return _forbidden(request, exc.message)
    return None


def _yuan(fen: int | None) -> str:
    """``-3000`` → ``"-¥30.00"`` ("" for no amount)."""
    return "" if fen is None else yuan(fen)


def _subscription_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return plan_selectors.access_subscription(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _attempt_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        attempt = plan_selectors.access_attempt(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return attempt


def _change_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return plan_selectors.access_change(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _event_rows(sub: Any) -> list[dict[str, Any]]:
    return [
        {
            "event": event,
            "label": event_label(event.kind),
            "by": event_by_text(event, sub),
            "details": event_details(event.data or {}),
        }
        for event in plan_selectors.events_of(sub)
    ]


def _plan_context(request: HttpRequest, sub: Any, **extra: Any) -> dict[str, Any]:
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
        "section": "search",
        "serving": _serving(request),
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
        to_plan = plan_selectors.plan_get(code) if code else None
        attempt = change_start(
            subscription=sub,
            to_plan=to_plan,
            channel=PlanChannel.CONSOLE,
            actor=request.user,
            timing=form.cleaned_data["timing"] or None,
        )
    except DomainError as exc:
        status = 422 if exc.status == 404 else exc.status
        context = _plan_context(request, sub, error=exc.message)
        return render(request, "console/plan.html", context, status=status)
    return HttpResponseRedirect(reverse("console:plan_preview", args=[attempt.pk]))


def _preview_context(request: HttpRequest, attempt: Any, **extra: Any) -> dict[str, Any]:
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
        "expired": timezone.now() > valid_until,
        "form": extra.pop("form", None) or PlanConfirmForm(),
        "refund_days": policy.refund_within_days,
        "section": "search",
        "serving": _serving(request),
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
    sub = attempt.subscription
    if sub.status not in plan_selectors.LIVE or sub.plan_id != attempt.from_plan_id:
        messages.warning(request, _("This preview is out of date: the plan changed since."))
        return HttpResponseRedirect(reverse("console:plan", args=[sub.pk]))
    return render(request, "console/plan_preview.html", _preview_context(request, attempt))


def _attempt_finished(attempt: Any) -> HttpResponse:
    """An attempt no longer open: where its outcome is shown."""
    change = plan_selectors.change_of(attempt)
    if change is not None:
        return HttpResponseRedirect(reverse("console:plan_change", args=[change.pk]))
    return HttpResponseRedirect(reverse("console:plan", args=[attempt.subscription_id]))


def _plan_restart(request: HttpRequest, attempt: Any) -> HttpResponse:
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
        "serving": _serving(request),
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
