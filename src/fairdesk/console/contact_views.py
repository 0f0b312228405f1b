"""The contact centre in the console: the live queue, conversations, callbacks, complaints and
the staffing calculator.

Thin, like every view here: parse, call one selector or service of ``fairdesk.contact``, render.

* Who may: agents and brand administrators (``contact.selectors.check_contact_staff``) answer
  the queue, keep callbacks and handle complaints; other console users (outlet staff,
  technicians, auditors) get the console's 403 page. The staffing calculator is for any staff
  member (``selectors.check_may_plan_staffing``).
* The queue is shown in the order it is served (``selectors.queue_snapshot``, the published rule):
  class, waited time and position, and nothing about the customer's value — there is none to show.
  Agents do not pick contacts: ``services.queue.queue_dispatch`` hands them out, and an agent's
  own status (available / busy / away) is what they control. A first visit creates the agent's
  profile (``services.queue.agent_profile_ensure``).
* A conversation shows the customer's service requests, plans and past contacts beside the
  messages; only its agent may answer or close it (``selectors.access_contact_to_answer`` and
  ``access_contact_to_close``, called by the services).
* Complaints offer exactly the steps ``workflow`` allows the brand from the current status
  (``selectors.complaint_next_statuses``); a resolution needs an outcome.

Domain errors show on the page they came from, with their 4xx status. The forms live here (the
console's ``forms.py`` belongs to the request and plan pages).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.console.access import staff_required
from fairdesk.console.pages import serving_customer
from fairdesk.contact import selectors, workflow
from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.contact.models import AgentProfile, Callback, Complaint, Contact
from fairdesk.contact.services import callbacks as callback_services
from fairdesk.contact.services import complaints as complaint_services
from fairdesk.contact.services import conversations
from fairdesk.contact.services.queue import (
    agent_profile_ensure,
    agent_set_status,
    contact_take_next,
)
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.phones import mask_phone
from fairdesk.network.choices import ProductLine
from fairdesk.plans import selectors as plan_selectors
from fairdesk.plans.display import plan_name
from fairdesk.service_requests import selectors as sr

#: A label: a string or a lazily translated one.
Text = str | Promise

#: htmx stops polling when a fragment answers with this status.
STOP_POLLING = 286

CLASS_TEXT: dict[str, Text] = {
    "safety": gettext_lazy("Safety hazard"),
    "green": gettext_lazy("Green channel"),
    "standard": gettext_lazy("Standard"),
}
CLASS_BADGE = {"safety": "bad", "green": "ok", "standard": ""}
PRODUCT_TEXT = dict(ProductLine.choices)
#: Who moved a complaint (``ComplaintEvent.actor_role``), in plain words.
COMPLAINT_ROLE_TEXT: dict[str, Text] = {
    workflow.BRAND: gettext_lazy("Customer service"),
    workflow.CUSTOMER: gettext_lazy("Customer"),
}
TYPE_TEXT = dict(ContactType.choices)
CHANNEL_TEXT = dict(Channel.choices)
AGENT_STATUS_TEXT: dict[str, Text] = {
    AgentStatus.AVAILABLE: gettext_lazy("Available"),
    AgentStatus.BUSY: gettext_lazy("Busy"),
    AgentStatus.AWAY: gettext_lazy("Away"),
}
SENDER_TEXT: dict[str, Text] = {
    Sender.CUSTOMER: gettext_lazy("Customer"),
    Sender.BOT: gettext_lazy("Assistant"),
    Sender.AGENT: gettext_lazy("Agent"),
    Sender.SYSTEM: gettext_lazy("Notice"),
}
#: The brand's complaint steps, in the words of the person pressing the button.
COMPLAINT_ACTION_TEXT: dict[str, Text] = {
    ComplaintStatus.ACKNOWLEDGED: gettext_lazy("Acknowledge"),
    ComplaintStatus.INVESTIGATING: gettext_lazy("Investigate"),
    ComplaintStatus.RESOLVED: gettext_lazy("Resolve with an outcome"),
    ComplaintStatus.ESCALATED: gettext_lazy("Record as taken outside"),
}
COMPLAINT_FILTERS = {
    "open": gettext_lazy("Open"),
    "overdue": gettext_lazy("Overdue"),
    "closed": gettext_lazy("Closed"),
    "all": gettext_lazy("All"),
}
OPEN_COMPLAINT_STATUSES = [
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.RESOLVED,
    ComplaintStatus.REJECTED,
]


def language_text(code: str) -> str:
    """A language's name in the reader's language ("英语" for en in a Chinese page)."""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def duration_text(seconds: float) -> str:
    """A wait in plain words: "45 s", "4 min", "1 h 20 min"."""
    if seconds is None or (isinstance(seconds, float) and math.isinf(seconds)):
        return "∞"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return (
            _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
            if secs
            else (_("%(m)d min") % {"m": minutes})
        )
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


# --------------------------------------------------------------------------------------------
# Forms (parsing only; the services decide what is allowed)
# --------------------------------------------------------------------------------------------


class AgentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AgentStatus.choices)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label=gettext_lazy("Outcome"),
        max_length=300,
        help_text=gettext_lazy("What was done or agreed, in one line (the customer may ask)."),
    )


class ContactTypeForm(forms.Form):
    contact_type = forms.ChoiceField(
        label=gettext_lazy("What it is about"), choices=ContactType.choices
    )


class PhoneContactForm(forms.Form):
    """An agent logs the call they are on (the caller is the customer being served)."""

    contact_type = forms.ChoiceField(
        label=gettext_lazy("What it is about"), choices=ContactType.choices
    )
    text = forms.CharField(
        label=gettext_lazy("What the caller says"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallbackDoneForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), max_length=300, required=False)


class ComplaintStepForm(forms.Form):
    to_status = forms.ChoiceField(choices=ComplaintStatus.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome (shown to the customer)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    external_body = forms.CharField(label=gettext_lazy("Taken to"), max_length=100, required=False)
    external_reference = forms.CharField(
        label=gettext_lazy("Their case number"), max_length=100, required=False
    )
    confirm_external = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == ComplaintStatus.ESCALATED and not data.get("confirm_external"):
            raise forms.ValidationError(
                gettext_lazy(
                    "Confirm that the customer has taken the complaint to that body: recording "
                    "it stops the brand's deadlines."
                )
            )
        return data


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def contact_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Console pages of the contact centre: agents and brand administrators only."""

    @wraps(view)
    @staff_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            selectors.check_contact_staff(request.user)
        except DomainError as exc:
            forbidden = {"message": exc.message}
            return render(request, "console/forbidden.html", forbidden, status=exc.status)
        return view(request, *args, **kwargs)

    return wrapper


def _profile(request: HttpRequest) -> AgentProfile:
    """The user's agent profile, created on the first visit."""
    return agent_profile_ensure(user=request.user)


def _profile_if_any(request: HttpRequest) -> AgentProfile | None:
    """The user's agent profile if they have one: a change to a conversation never creates one
    (who has none answers none)."""
    return selectors.agent_of(request.user)


def _base(request: HttpRequest, section: str) -> dict[str, Any]:
    return {"section": section, "serving": serving_customer(request)}


# --------------------------------------------------------------------------------------------
# The live queue and the agent's status
# --------------------------------------------------------------------------------------------


def _queue_context(request: HttpRequest, profile: AgentProfile) -> dict[str, Any]:
    snapshot = selectors.queue_snapshot()
    entries = [
        {
            "entry": e,
            "class_text": CLASS_TEXT.get(e.queue_class, e.queue_class),
            "class_badge": CLASS_BADGE.get(e.queue_class, ""),
            "type_text": TYPE_TEXT.get(e.contact_type, e.contact_type),
            "language_text": language_text(e.language),
            "product_text": PRODUCT_TEXT.get(e.product_line, e.product_line),
            "channel_text": CHANNEL_TEXT.get(e.channel, e.channel),
            "waited": duration_text(e.waited_seconds),
            "estimate": duration_text(e.estimated_wait_seconds),
        }
        for e in snapshot.entries
    ]
    mine = list(
        selectors.contacts_visible_to(request.user)
        .filter(agent=profile, status=ContactStatus.ASSIGNED)
        .select_related("customer")
        .order_by("assigned_at", "id")
    )
    now = timezone.now()
    return {
        "snapshot": snapshot,
        "entries": entries,
        "mine": [
            {
                "contact": c,
                "type_text": TYPE_TEXT.get(c.contact_type, c.contact_type),
                "channel_text": CHANNEL_TEXT.get(c.channel, c.channel),
                "since": duration_text((now - (c.assigned_at or now)).total_seconds()),
            }
            for c in mine
        ],
        "profile": profile,
        "handle": duration_text(snapshot.mean_handle_seconds),
    }


@require_GET
@never_cache
@contact_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The live queue (refreshing itself), my status switch and my conversations."""
    profile = _profile(request)
    context = {
        **_base(request, "contact_queue"),
        **_queue_context(request, profile),
        "statuses": [(value, AGENT_STATUS_TEXT[value]) for value in AgentStatus.values],
        "status_text": AGENT_STATUS_TEXT.get(profile.status, profile.status),
    }
    return render(request, "console/queue.html", context)


@require_GET
@never_cache
@contact_staff_required
def queue_live(request: HttpRequest) -> HttpResponse:
    """The queue fragment the page polls."""
    profile = _profile(request)
    return render(request, "console/queue_live.html", _queue_context(request, profile))


@require_POST
@contact_staff_required
def agent_status(request: HttpRequest) -> HttpResponse:
    """Available / busy / away: the agent's own switch (available: contacts are handed out)."""
    _profile(request)
    form = AgentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose available, busy or away."))
        return HttpResponseRedirect(reverse("console:contact_queue"))
    try:
        profile = agent_set_status(agent_user=request.user, status=form.cleaned_data["status"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("console:contact_queue"))
    messages.success(
        request,
        _("Your status: %(status)s.") % {"status": AGENT_STATUS_TEXT.get(profile.status)},
    )
    return HttpResponseRedirect(reverse("console:contact_queue"))


@require_POST
@contact_staff_required
def take_next(request: HttpRequest) -> HttpResponse:
    """The agent asks for the next waiting contact: the published rule picks it, not the agent."""
    _profile(request)
    try:
        contact = contact_take_next(agent_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("console:contact_queue"))
    return HttpResponseRedirect(reverse("console:contact", args=[contact.pk]))


# --------------------------------------------------------------------------------------------
# One conversation
# --------------------------------------------------------------------------------------------


def _contact_or_404(request: HttpRequest, pk: int) -> Contact:
    try:
        return selectors.access_contact(user=request.user, contact_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _conversation_context(
    request: HttpRequest, contact: Contact, profile: AgentProfile | None, **extra: Any
) -> dict[str, Any]:
    mine = selectors.answers(profile, contact)
    customer = contact.customer
    requests: list[Any] = []
    plans: list[dict[str, Any]] = []
    past: list[Contact] = []
    if customer is not None:
        requests = list(sr.request_list(user=request.user).filter(customer=customer)[:20])
        plans = [
            {"sub": s, "name": plan_name(s.plan)}
            for s in plan_selectors.subscriptions_for(user=request.user).filter(customer=customer)[
                :20
            ]
        ]
        past = list(
            selectors.contacts_visible_to(request.user)
            .filter(customer=customer)
            .exclude(pk=contact.pk)
            .select_related("agent__user")
            .order_by("-created_at", "-id")[:20]
        )
    callback = Callback.objects.filter(contact=contact).first()
    phone = contact.phone or (customer.phone if customer else "")
    entry = (
        selectors.contact_queue_position(contact)
        if contact.status == ContactStatus.QUEUED
        else None
    )
    return {
        **_base(request, "contact_queue"),
        "contact": contact,
        "customer": customer,
        "phone": phone if mine else mask_phone(phone),
        "type_text": TYPE_TEXT.get(contact.contact_type, contact.contact_type),
        "channel_text": CHANNEL_TEXT.get(contact.channel, contact.channel),
        "rows": [
            {"message": m, "who": SENDER_TEXT.get(m.sender, m.sender)}
            for m in contact.messages.all()
        ],
        "mine": mine,
        "closed": contact.status == ContactStatus.CLOSED,
        "entry": entry,
        "requests": requests,
        "plans": plans,
        "past": [
            {"contact": c, "type_text": TYPE_TEXT.get(c.contact_type, c.contact_type)} for c in past
        ],
        "callback": callback,
        "reply_form": extra.pop("reply_form", None) or ReplyForm(),
        "type_form": ContactTypeForm(initial={"contact_type": contact.contact_type}),
        "close_form": extra.pop("close_form", None) or CloseForm(),
        "done_form": CallbackDoneForm(),
        **extra,
    }


@require_GET
@never_cache
@contact_staff_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """A conversation: the messages (refreshing), the reply box and closing with an outcome for
    its agent; beside it the customer's requests, plans and past contacts."""
    contact = _contact_or_404(request, pk)
    context = _conversation_context(request, contact, _profile_if_any(request))
    return render(request, "console/contact_conversation.html", context)


@require_GET
@never_cache
@contact_staff_required
def conversation_messages(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    context = _conversation_context(request, contact, _profile_if_any(request))
    status = STOP_POLLING if contact.status == ContactStatus.CLOSED else 200
    return render(request, "console/contact_messages.html", context, status=status)


@require_POST
@contact_staff_required
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    profile = _profile_if_any(request)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(
            request, contact, profile, reply_form=form, error=_("Write a reply first.")
        )
        return render(request, "console/contact_conversation.html", context, status=422)
    try:
        conversations.contact_reply(
            contact=contact, agent_user=request.user, text=form.cleaned_data["text"]
        )
    except DomainError as exc:
        context = _conversation_context(
            request, contact, profile, reply_form=form, error=exc.message
        )
        return render(request, "console/contact_conversation.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("console:contact", args=[contact.pk]) + "#reply")


@require_POST
@contact_staff_required
def set_type(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent says what the conversation is really about."""
    contact = _contact_or_404(request, pk)
    form = ContactTypeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(
                _("Choose what the contact is about."), code="invalid_contact_type", status=422
            )
        conversations.contact_set_type(
            contact=contact, agent_user=request.user, contact_type=form.cleaned_data["contact_type"]
        )
    except DomainError as exc:
        context = _conversation_context(
            request, contact, _profile_if_any(request), error=exc.message
        )
        return render(request, "console/contact_conversation.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("console:contact", args=[contact.pk]))


@require_http_methods(["GET", "POST"])
@never_cache
@contact_staff_required
def phone_contact(request: HttpRequest) -> HttpResponse:
    """Log the phone call the agent is on, for the caller being served (found with the console's
    search): the conversation is the agent's at once, logged with its type."""
    serving = serving_customer(request)
    form = PhoneContactForm(request.POST or None)
    context = {**_base(request, "contact_queue"), "form": form}
    if serving is None:
        context["error"] = _("Find the caller first (search by phone, request number or serial).")
        return render(
            request,
            "console/contact_phone.html",
            context,
            status=409 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "console/contact_phone.html", context, status=422)
        _profile(request)
        try:
            contact = conversations.contact_start(
                contact_type=form.cleaned_data["contact_type"],
                channel=Channel.PHONE,
                customer=serving,
                text=form.cleaned_data["text"],
                language=serving.language or "zh-hans",
                agent_user=request.user,
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "console/contact_phone.html", context, status=exc.status)
        return HttpResponseRedirect(reverse("console:contact", args=[contact.pk]))
    return render(request, "console/contact_phone.html", context)


@require_POST
@contact_staff_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    profile = _profile_if_any(request)
    form = CloseForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(
            request, contact, profile, close_form=form, error=_("Describe the outcome.")
        )
        return render(request, "console/contact_conversation.html", context, status=422)
    try:
        conversations.contact_close(
            contact=contact, agent_user=request.user, outcome=form.cleaned_data["outcome"]
        )
    except DomainError as exc:
        context = _conversation_context(
            request, contact, profile, close_form=form, error=exc.message
        )
        return render(request, "console/contact_conversation.html", context, status=exc.status)
    messages.success(request, _("Conversation C%(id)s closed.") % {"id": contact.pk})
    return HttpResponseRedirect(reverse("console:contact_queue"))


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------


def _callback_row(callback: Callback, now: datetime, profile: AgentProfile) -> dict[str, Any]:
    missed = selectors.callback_missed(callback, now)
    contact = callback.contact
    return {
        "callback": callback,
        "contact": contact,
        "type_text": TYPE_TEXT.get(contact.contact_type, contact.contact_type),
        "missed": missed,
        "open": callback.done_at is None,
        "due_now": callback.done_at is None and callback.window_start <= now <= callback.window_end,
        "overdue_by": duration_text((now - callback.window_end).total_seconds())
        if missed and callback.done_at is None
        else "",
        "mine": contact.agent_id == profile.pk,
        "phone": callback.phone,
    }


@require_GET
@never_cache
@contact_staff_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """Callbacks not made yet — missed first, then due now, then upcoming — and the latest made."""
    profile = _profile(request)
    now = timezone.now()
    qs = selectors.callbacks_visible_to(request.user).select_related("contact", "done_by__user")
    owed = selectors.callbacks_to_make(request.user).select_related("contact", "done_by__user")
    open_rows = [_callback_row(c, now, profile) for c in owed[:200]]
    done_rows = [
        _callback_row(c, now, profile)
        for c in qs.filter(done_at__isnull=False).order_by("-done_at", "-id")[:30]
    ]
    context = {
        **_base(request, "contact_callbacks"),
        "missed": [r for r in open_rows if r["missed"]],
        "due": [r for r in open_rows if r["due_now"]],
        "upcoming": [r for r in open_rows if not r["missed"] and not r["due_now"]],
        "done": done_rows,
        "form": CallbackDoneForm(),
    }
    return render(request, "console/callbacks.html", context)


@require_POST
@contact_staff_required
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent called the customer back (a late call still counts as missed)."""
    _profile(request)
    try:
        found = selectors.access_callback(user=request.user, callback_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = CallbackDoneForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    try:
        done = callback_services.callback_done(
            callback=found, agent_user=request.user, outcome=outcome
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("console:contact_callbacks"))
    if done.status == CallbackStatus.MISSED:
        messages.warning(
            request,
            _("Callback C%(id)s recorded as made, late: it still counts as missed.")
            % {"id": done.contact_id},
        )
    else:
        messages.success(request, _("Callback C%(id)s recorded as made.") % {"id": done.contact_id})
    return HttpResponseRedirect(reverse("console:contact_callbacks"))


# --------------------------------------------------------------------------------------------
# Complaints
# --------------------------------------------------------------------------------------------


def _complaint_row(complaint: Complaint, now: datetime) -> dict[str, Any]:
    return {
        "complaint": complaint,
        "late": selectors.brand_late(complaint, now),
        "brand_owes": complaint.status in workflow.BRAND_OWES,
    }


@require_GET
@never_cache
@contact_staff_required
def complaints(request: HttpRequest) -> HttpResponse:
    """Complaints: open ones by their deadline (overdue first), or closed, or all."""
    now = timezone.now()
    show = request.GET.get("show", "open")
    if show not in COMPLAINT_FILTERS:
        show = "open"
    qs = selectors.complaints_visible_to(request.user).select_related("customer", "owner")
    if show == "open":
        qs = qs.filter(status__in=OPEN_COMPLAINT_STATUSES).order_by("due_at", "id")
    elif show == "overdue":
        qs = qs.filter(status__in=workflow.BRAND_OWES, due_at__lt=now).order_by("due_at", "id")
    elif show == "closed":
        qs = qs.filter(status__in=workflow.CLOSED).order_by("-closed_at", "-id")
    else:
        qs = qs.order_by("-created_at", "-id")
    rows = [_complaint_row(c, now) for c in qs[:200]]
    context = {
        **_base(request, "contact_complaints"),
        "rows": rows,
        "show": show,
        "filters": list(COMPLAINT_FILTERS.items()),
    }
    return render(request, "console/complaints.html", context)


def _complaint_or_404(request: HttpRequest, pk: int) -> Complaint:
    try:
        return selectors.access_complaint(user=request.user, complaint_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _complaint_context(request: HttpRequest, complaint: Complaint, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    steps = [
        {
            "to": to,
            "label": COMPLAINT_ACTION_TEXT.get(to, to),
            "needs_outcome": to == ComplaintStatus.RESOLVED,
            "needs_body": to == ComplaintStatus.ESCALATED,
        }
        for to in selectors.complaint_next_statuses(request.user, complaint, now=now)
    ]
    events = selectors.complaint_timeline(complaint)
    return {
        **_base(request, "contact_complaints"),
        "complaint": complaint,
        "row": _complaint_row(complaint, now),
        "phone": mask_phone(complaint.customer.phone),
        "timeline": [
            {
                "event": e,
                "who": (e.actor.get_full_name() or e.actor.get_username()) if e.actor else "",
                "role": COMPLAINT_ROLE_TEXT.get(e.actor_role) or _("System"),
                "to_text": ComplaintStatus(e.to_status).label
                if e.to_status in ComplaintStatus.values
                else e.to_status,
            }
            for e in events
        ],
        "steps": steps,
        "form": extra.pop("form", None) or ComplaintStepForm(),
        **extra,
    }


@require_GET
@never_cache
@contact_staff_required
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    found = _complaint_or_404(request, pk)
    return render(request, "console/complaint.html", _complaint_context(request, found))


@require_POST
@contact_staff_required
def complaint_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a complaint one step (the workflow's brand steps; a resolution needs an outcome)."""
    found = _complaint_or_404(request, pk)
    form = ComplaintStepForm(request.POST)
    if not form.is_valid():
        error = form.non_field_errors()[0] if form.non_field_errors() else _("Choose a step.")
        context = _complaint_context(
            request, found, form=form, error=error, error_to=form.data.get("to_status")
        )
        return render(request, "console/complaint.html", context, status=422)
    data = form.cleaned_data
    try:
        complaint_services.complaint_transition(
            complaint=found,
            to_status=data["to_status"],
            actor=request.user,
            note=data["note"],
            outcome=data["outcome"],
            external_body=data["external_body"],
            external_reference=data["external_reference"],
        )
    except DomainError as exc:
        context = _complaint_context(
            request, found, form=form, error=exc.message, error_to=data["to_status"]
        )
        return render(request, "console/complaint.html", context, status=exc.status)
    messages.success(
        request,
        _("%(number)s: %(status)s.")
        % {"number": found.number, "status": ComplaintStatus(data["to_status"]).label},
    )
    return HttpResponseRedirect(reverse("console:complaint", args=[found.pk]))
