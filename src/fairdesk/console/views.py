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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fairdesk.console.access import staff_required
from fairdesk.console.forms import (
    AssignOutletForm,
    NewCallerForm,
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
from fairdesk.plans.display import plan_name
from fairdesk.plans.models import PlanChange
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import Channel, Status
from fairdesk.service_requests.display import request_row, request_rows, timeline_entries
from fairdesk.service_requests.forms import file_request, request_form_for
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
            "price": yuan(sub.period_price_fen),
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
