"""The console's caller screens: the home page and search (by phone number, request number or
serial), a new caller, the caller's page (their requests and plans; opening it serves them),
filing a request for them. Which requests a staff member sees is decided by
``service_requests.selectors``; which customers' records they open, and whether they see the
personal data masked (auditors), by ``customers.selectors`` (``access_customer``,
``customers_visible_to``, ``personal_data_for``): outlet staff open only the customers with a
request at their outlet, anyone else's is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from fairdesk.console.access import staff_required
from fairdesk.console.forms import (
    NewCallerForm,
    SearchForm,
)
from fairdesk.console.pages import (
    SERVING_KEY,
    forbidden,
    redirect,
    serving_customer,
)
from fairdesk.contact import selectors as contact_selectors
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.money import yuan
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers import services as customer_services
from fairdesk.customers.models import Customer
from fairdesk.plans import selectors as plan_selectors
from fairdesk.plans.display import device_name, plan_name
from fairdesk.plans.models import PlanChange
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests.choices import Channel
from fairdesk.service_requests.display import request_rows
from fairdesk.service_requests.forms import file_request, request_form_for

PAGE_SIZE = 50


# --------------------------------------------------------------------------------------------
# Find a caller
# --------------------------------------------------------------------------------------------


@require_GET
@never_cache
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The one search box."""
    context = {"form": SearchForm(), "section": "search", "serving": serving_customer(request)}
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
            return redirect(request, reverse("console:request", args=[by_number.number]))
        if customer_selectors.may_view_customers(request.user):
            try:
                matches = customer_selectors.customer_search(q=q, user=request.user)
            except DomainError as exc:  # too short; or an auditor, who searches by no person
                error = exc.message
            if len(matches) == 1 and _exact(matches[0], q):
                return redirect(request, reverse("console:caller", args=[matches[0].customer.pk]))
            mobile = normalize_mobile(q)
            serves = sr.may_serve_callers(request.user)
            if serves and mobile and not any(m.matched_by == "phone" for m in matches):
                new_caller = NewCallerForm(initial={"phone": mobile})
        if not error:
            found_requests = sr.request_find(user=request.user, query=q)
    serving = serving_customer(request)
    context = {
        "form": form,
        "matches": matches,
        "requests": [_phone_row(request, r, serving) for r in found_requests],
        "error": error,
        "new_caller": new_caller,
        "personal": customer_selectors.personal_data_for(request.user),
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
    """A caller who is not a customer yet: create them by mobile number, then serve them (those
    who file for anyone: ``service_requests.selectors.may_serve_callers``)."""
    if not sr.may_serve_callers(request.user):
        return forbidden(request, _("Your role does not serve callers."))
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
    if not sr.may_serve_callers(request.user):
        return forbidden(request, _("Your role does not serve callers."))
    request.session.pop(SERVING_KEY, None)
    return HttpResponseRedirect(reverse("console:home"))


# --------------------------------------------------------------------------------------------
# A caller, and filing a request for them
# --------------------------------------------------------------------------------------------


def _customer_or_404(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_selectors.access_customer(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


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
    user = request.user
    return {
        # the caller's conversations, complaints and callbacks (contact-centre staff see them)
        "contacts": contact_selectors.contacts_visible_to(user)
        .filter(customer=customer)
        .order_by("-created_at", "-pk")[:20],
        "complaints": contact_selectors.complaints_visible_to(user)
        .filter(customer=customer)
        .order_by("-created_at", "-pk")[:20],
        "callbacks": contact_selectors.callbacks_visible_to(user)
        .filter(contact__customer=customer)
        .order_by("-window_start", "-pk")[:20],
        "plan_staff": plan_staff,
        "personal": customer_selectors.personal_data_for(request.user),
        "plans": _caller_plans(request, customer) if plan_staff else [],
        "customer": customer,
        "addresses": addresses,
        "devices": devices,
        "rows": request_rows(requests),
        "may_file": sr.may_file_for(request.user, customer),
        "form": extra.pop("form", None) or request_form_for(customer),
        "section": "search",
        "serving": customer if sr.may_serve_callers(request.user) else None,
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
            "device": device_name(sub.device),
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
    if not customer_selectors.may_view_customers(request.user):
        return forbidden(request, _("Your role does not look up customers."))
    customer = _customer_or_404(request, pk)
    if sr.may_serve_callers(request.user):
        request.session[SERVING_KEY] = customer.pk
    return render(request, "console/caller.html", _caller_context(request, customer))


@require_POST
@staff_required
def file_for_caller(request: HttpRequest, pk: int) -> HttpResponse:
    """File a request for the caller (channel: console); done → the request's page."""
    if not customer_selectors.may_view_customers(request.user):
        return forbidden(request, _("Your role does not look up customers."))
    customer = _customer_or_404(request, pk)
    if not sr.may_file_for(request.user, customer):
        return forbidden(request, _("You may not file a service request for this customer."))
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
    status = 409 if form.open_request is not None else 422
    return render(request, "console/caller.html", context, status=status)
