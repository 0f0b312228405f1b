"""The console's request screens: the queue of requests a staff member sees, one request with its
deadlines and timeline, and its changes (the state machine's transitions, routing by hand).
Which requests and which changes is decided by ``service_requests.selectors`` (``request_list``,
``request_get``, ``allowed_transitions``, ``customer_phone_for``); how personal data is shown
(masked for auditors) by ``customers.selectors.personal_data_for``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.console.access import staff_required
from fairdesk.console.forms import (
    AssignOutletForm,
    QueueFilterForm,
    TransitionForm,
)
from fairdesk.console.pages import serving_customer
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.selectors import personal_data_for
from fairdesk.network.models import Outlet
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import Status
from fairdesk.service_requests.display import request_row, request_rows, timeline_entries
from fairdesk.service_requests.services.routing import service_request_assign_outlet
from fairdesk.service_requests.services.transitions import service_request_transition

PAGE_SIZE = 50

#: The transition buttons, in the words of the person pressing them.
ACTION_LABELS: dict[str, Any] = {
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.SCHEDULED: gettext_lazy("Schedule the visit"),
    Status.EN_ROUTE: gettext_lazy("Technician on the way"),
    Status.ON_SITE: pgettext_lazy("request action", "Technician on site"),
    Status.RESOLVED: pgettext_lazy("request action", "Resolved"),
    Status.CLOSED: gettext_lazy("Close"),
    Status.WAITING_CUSTOMER: gettext_lazy("Wait for the customer"),
    Status.WAITING_PARTS: gettext_lazy("Wait for parts"),
    Status.CANCELLED: gettext_lazy("Cancel the request"),
    Status.REOPENED: gettext_lazy("Reopen"),
    Status.NEW: gettext_lazy("Back to new"),
}


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
    serving = serving_customer(request)
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
        "personal": personal_data_for(request.user),
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
    serving = serving_customer(request)
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
        "may_serve": sr.may_serve_callers(request.user),
        "personal": personal_data_for(request.user),
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
            serving=serving_customer(request),
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
