"""The customer portal: a customer's own service requests, booking a repair, messages.

Thin, like every view here: parse, call one selector or service, render. A customer reaches only
their own requests: the service_requests selectors decide (``request_get`` answers "not found"
for a request of someone else, the same as for a number that does not exist), and the
transition buttons are the ones ``allowed_transitions`` offers.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers.http import customer_required
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests.choices import FINAL_STATES, Channel, Status
from fairdesk.service_requests.display import request_row, request_rows, timeline_entries
from fairdesk.service_requests.forms import ReasonForm, file_request, request_form_for
from fairdesk.service_requests.services.notes import service_request_add_note
from fairdesk.service_requests.services.transitions import service_request_transition
from fairdesk.service_requests.workflow import reason_required

#: The changes a customer makes from the portal (the URL names them).
CUSTOMER_ACTIONS = {
    "cancel": Status.CANCELLED,
    "reopen": Status.REOPENED,
    "close": Status.CLOSED,
}


def _request_or_404(request: HttpRequest, number: str) -> Any:
    try:
        return sr.request_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@never_cache
@customer_required
def home(request: HttpRequest) -> HttpResponse:
    """The customer's requests, newest first, each with its status and next deadline."""
    rows = request_rows(sr.request_list(user=request.user)[:100])
    return render(request, "portal/home.html", {"section": "home", "rows": rows})


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def book(request: HttpRequest) -> HttpResponse:
    """Book a repair: the device (or the product), the fault, the address, a visit window."""
    customer = request.customer  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = request_form_for(customer, request.POST)
        if form.is_valid():
            created = file_request(request, customer=customer, form=form, channel=Channel.PORTAL)
            if created is not None:
                return HttpResponseRedirect(reverse("portal:confirmation", args=[created.number]))
        status = 409 if form.open_request is not None else 422
    else:
        form = request_form_for(customer)
    context = {"section": "book", "form": form}
    return render(request, "portal/book.html", context, status=status)


def _detail_context(request: HttpRequest, sr_obj: Any) -> dict[str, Any]:
    allowed = sr.allowed_transitions(request.user, sr_obj)
    actions = []
    for name, to_status in CUSTOMER_ACTIONS.items():
        if to_status in allowed:
            needs_reason = reason_required(sr_obj.status, to_status, as_customer=True)
            actions.append({"name": name, "to": to_status, "needs_reason": needs_reason})
    return {
        "section": "home",
        "sr": sr_obj,
        "row": request_row(sr_obj),
        "not_applying": sr.promises_not_applying(sr_obj),
        "timeline": timeline_entries(user=request.user, request=sr_obj),
        "actions": actions,
        "reason_form": ReasonForm(),
        "may_add_note": sr_obj.status not in FINAL_STATES,
    }


@require_GET
@never_cache
@customer_required
def confirmation(request: HttpRequest, number: str) -> HttpResponse:
    """Just booked: the number, every deadline that applies, and which promises do not."""
    sr_obj = _request_or_404(request, number)
    return render(request, "portal/confirmation.html", _detail_context(request, sr_obj))


@require_GET
@never_cache
@customer_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One request: status, deadlines (missed ones by how much), the timeline, what I can do."""
    sr_obj = _request_or_404(request, number)
    return render(request, "portal/detail.html", _detail_context(request, sr_obj))


@require_POST
@customer_required
def change(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Cancel, reopen or close (confirm the fix) one of my requests."""
    to_status = CUSTOMER_ACTIONS.get(action)
    if to_status is None:
        raise Http404(_("Unknown action."))
    sr_obj = _request_or_404(request, number)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        service_request_transition(
            request=sr_obj, to_status=to_status, actor=request.user, reason=reason
        )
    except DomainError as exc:
        context = _detail_context(request, sr_obj)
        context["error"] = exc.message
        context["error_action"] = action
        return render(request, "portal/detail.html", context, status=exc.status)
    done = {
        "cancel": _("Your request %(number)s was cancelled."),
        "reopen": _("Your request %(number)s was reopened. We will contact you."),
        "close": _("Thank you. Request %(number)s is closed."),
    }[action]
    messages.success(request, done % {"number": sr_obj.number})
    return HttpResponseRedirect(reverse("portal:request", args=[sr_obj.number]))


@require_GET
@never_cache
@customer_required
def messages_list(request: HttpRequest) -> HttpResponse:
    """The customer's own messages (texts, e-mails, portal messages), newest first."""
    customer = request.customer  # type: ignore[attr-defined]
    items = list(customer_selectors.customer_messages(customer=customer))
    references = {m.reference for m in items if m.reference}
    own = set(
        sr.requests_visible_to(request.user)
        .filter(customer=customer, number__in=references)
        .values_list("number", flat=True)
    )
    rows = [
        {"message": m, "request_number": m.reference if m.reference in own else ""} for m in items
    ]
    return render(request, "portal/messages.html", {"section": "messages", "rows": rows})


@require_POST
@customer_required
def add_note(request: HttpRequest, number: str) -> HttpResponse:
    """Add information to one of my open requests (instead of booking the same fault again)."""
    sr_obj = _request_or_404(request, number)
    try:
        service_request_add_note(
            request=sr_obj, actor=request.user, text=request.POST.get("text", "")
        )
    except DomainError as exc:
        context = _detail_context(request, sr_obj)
        context["error"] = exc.message
        return render(request, "portal/detail.html", context, status=exc.status)
    messages.success(request, _("Added to request %(number)s.") % {"number": sr_obj.number})
    return HttpResponseRedirect(reverse("portal:request", args=[sr_obj.number]))
