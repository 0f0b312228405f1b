"""Contact us, web chat, callbacks and complaints in the customer portal.

Thin, like every view here: parse, call one selector or service of ``fairdesk.contact``, render.
The rules are the domain's (``contact/services/``); these pages make them reachable:

* "Talk to a person" is one button at the top of every chat and under every assistant turn
  (guarantee F6); typing 人工 / "agent" transfers at once (the services decide). While waiting,
  the queue position and the estimated wait are shown; the conversation refreshes itself every
  three seconds (htmx polling of a fragment; without JavaScript, a refresh link).
* A callback is one of the windows offered within the staffed hours (Beijing time); its end is
  a deadline. A window that ended without a call shows as missed at once — computed from the
  clock, not from the worker. While it is booked, the customer cancels it or moves it to another
  window offered.
* A customer waits in one web chat at a time: "talk to a person" again, from any page or
  another chat, opens the one that holds the place (the services decide).
* A complaint shows its timeline, the current step's deadline and who owns it; a resolution is
  answered with two buttons of equal weight, and the record can be taken outside (12315) when
  the workflow allows it.

A customer reaches only their own conversations, callbacks and complaints (another's answers 404,
like one that does not exist; ``contact.selectors`` decides); staff get the portal's 403 page.
Domain errors show on the page they came from, with their 4xx status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.contact import selectors, workflow
from fairdesk.contact.choices import (
    CallbackStatus,
    Channel,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.contact.models import Callback, Complaint, Contact
from fairdesk.contact.services import callbacks as callback_services
from fairdesk.contact.services import complaints as complaint_services
from fairdesk.contact.services import conversations
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.http import customer_required
from fairdesk.plans import selectors as plan_selectors
from fairdesk.plans.display import plan_name
from fairdesk.portal.forms import (
    CONTACT_TYPE_CHOICES,
    NOT_LINKED,
    CallbackForm,
    CallbackWindowForm,
    ChatSayForm,
    ComplaintAnswerForm,
    ComplaintForm,
    ContactStartForm,
)
from fairdesk.service_requests import selectors as sr

#: A label: a string or a lazily translated one.
Text = str | Promise

#: htmx stops polling when a fragment answers with this status (the conversation is closed).
STOP_POLLING = 286

TYPE_TEXT = dict(CONTACT_TYPE_CHOICES)
CONTACT_STATUS_TEXT: dict[str, Text] = {
    ContactStatus.BOT: gettext_lazy("With the automatic assistant"),
    ContactStatus.QUEUED: gettext_lazy("Waiting for a person"),
    ContactStatus.ASSIGNED: gettext_lazy("With an agent"),
    ContactStatus.CLOSED: gettext_lazy("Closed"),
}
SENDER_TEXT: dict[str, Text] = {
    Sender.CUSTOMER: gettext_lazy("You"),
    Sender.BOT: gettext_lazy("Assistant"),
    Sender.AGENT: gettext_lazy("Agent"),
    Sender.SYSTEM: gettext_lazy("Notice"),
}
CALLBACK_STATUS_TEXT: dict[str, Text] = {
    CallbackStatus.SCHEDULED: gettext_lazy("Scheduled"),
    CallbackStatus.DONE: gettext_lazy("Called back"),
    CallbackStatus.MISSED: gettext_lazy("Missed"),
    CallbackStatus.CANCELLED: pgettext_lazy("callback status", "Cancelled"),
}
COMPLAINT_STATUS_TEXT: dict[str, Text] = {
    ComplaintStatus.RECEIVED: pgettext_lazy("complaint status", "Received"),
    ComplaintStatus.ACKNOWLEDGED: gettext_lazy("Acknowledged"),
    ComplaintStatus.INVESTIGATING: gettext_lazy("Being investigated"),
    ComplaintStatus.RESOLVED: gettext_lazy("Resolved: waiting for your answer"),
    ComplaintStatus.ACCEPTED: gettext_lazy("You accepted the outcome"),
    ComplaintStatus.REJECTED: gettext_lazy("You rejected the outcome"),
    ComplaintStatus.ESCALATED: gettext_lazy("Taken outside"),
}
#: What the customer's buttons do, by the status they lead to (and the URL's action word).
CUSTOMER_ACTIONS = {
    "accept": ComplaintStatus.ACCEPTED,
    "reject": ComplaintStatus.REJECTED,
    "escalate": ComplaintStatus.ESCALATED,
}
ACTION_TEXT = {
    "accept": gettext_lazy("Accept the outcome"),
    "reject": gettext_lazy("Reject the outcome"),
    "escalate": gettext_lazy("Escalate outside (12315)"),
}
DEFAULT_EXTERNAL_BODY = "12315"


def duration_text(seconds: int | float) -> str:
    """A wait in plain words: "less than a minute", "4 minutes", "1 h 20 min"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("less than a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}


def _language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


# --------------------------------------------------------------------------------------------
# Contact us and the web chat
# --------------------------------------------------------------------------------------------


def _contact_or_404(request: HttpRequest, pk: int) -> Contact:
    try:
        return selectors.access_contact(user=request.user, contact_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _start_context(request: HttpRequest, form: ContactStartForm, **extra: Any) -> dict[str, Any]:
    customer = request.customer  # type: ignore[attr-defined]
    recent = list(
        selectors.contacts_visible_to(request.user)
        .filter(customer=customer)
        .exclude(channel=Channel.CALLBACK)
        .order_by("-created_at", "-id")[:10]
    )
    return {
        "section": "contact",
        "form": form,
        "recent": [
            {
                "contact": c,
                "type": TYPE_TEXT.get(c.contact_type, c.contact_type),
                "status": CONTACT_STATUS_TEXT.get(c.status, c.status),
            }
            for c in recent
        ],
        **extra,
    }


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def contact_start(request: HttpRequest) -> HttpResponse:
    """Contact us: choose what it is about and write; the chat opens (with the assistant, or
    straight in the queue when the first words ask for a person)."""
    customer = request.customer  # type: ignore[attr-defined]
    if request.method == "POST":
        form = ContactStartForm(request.POST)
        if form.is_valid():
            try:
                contact = conversations.contact_start(
                    contact_type=form.cleaned_data["contact_type"],
                    channel=Channel.WEB_CHAT,
                    customer=customer,
                    text=form.cleaned_data["text"],
                    language=_language(),
                )
                if request.POST.get("human"):  # the start page's own "talk to a person" button
                    contact = _request_human(request, contact)
            except DomainError as exc:
                context = _start_context(request, form, error=exc.message)
                return render(request, "portal/contact_start.html", context, status=exc.status)
            return HttpResponseRedirect(reverse("portal:chat", args=[contact.pk]))
        return render(
            request, "portal/contact_start.html", _start_context(request, form), status=422
        )
    form = ContactStartForm(initial={"contact_type": request.GET.get("type") or None})
    return render(request, "portal/contact_start.html", _start_context(request, form))


@require_POST
@never_cache
@customer_required
def talk_to_a_person(request: HttpRequest) -> HttpResponse:
    """The "talk to a person" button on every portal page: one click, straight into the queue
    (as a question; the agent sets the type when they know what it is about) — or, when the
    customer already waits, to the conversation that holds their place."""
    return _talk_to_a_person(request, ContactType.CONSULTATION)


def _talk_to_a_person(request: HttpRequest, contact_type: str) -> HttpResponse:
    try:
        contact, created = conversations.contact_talk_to_person(
            customer=request.customer,  # type: ignore[attr-defined]
            contact_type=contact_type,
            language=_language(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("portal:contact"))
    if not created:
        messages.info(request, _("You are already in the queue for a person."))
    return HttpResponseRedirect(reverse("portal:chat", args=[contact.pk]))


def _request_human(request: HttpRequest, contact: Contact) -> Contact:
    """One step into the queue from this chat: the contact the customer waits in (another
    one when it already holds their place, which is said)."""
    waiting = conversations.contact_request_human(contact=contact)
    if waiting.pk != contact.pk:
        messages.info(request, _("You are already in the queue for a person."))
    return waiting


def _chat_context(request: HttpRequest, contact: Contact, **extra: Any) -> dict[str, Any]:
    rows = [
        {"message": m, "who": SENDER_TEXT.get(m.sender, m.sender)} for m in contact.messages.all()
    ]
    waiting = None
    if contact.status == ContactStatus.QUEUED:
        snapshot = selectors.queue_snapshot()
        entry = snapshot.entry_for(contact.pk)
        if entry is not None:
            waiting = {
                "position": entry.position,
                "estimate": duration_text(entry.estimated_wait_seconds),
                "waited": duration_text(entry.waited_seconds),
                "no_agent": snapshot.agents_available == 0,
            }
    return {
        "section": "contact",
        "contact": contact,
        "type_text": TYPE_TEXT.get(contact.contact_type, contact.contact_type),
        "status_text": CONTACT_STATUS_TEXT.get(contact.status, contact.status),
        "rows": rows,
        "waiting": waiting,
        "closed": contact.status == ContactStatus.CLOSED,
        "form": extra.pop("form", None) or ChatSayForm(),
        **extra,
    }


@require_GET
@never_cache
@customer_required
def chat(request: HttpRequest, pk: int) -> HttpResponse:
    """One conversation: the messages, the queue position while waiting, the reply box."""
    contact = _contact_or_404(request, pk)
    return render(request, "portal/contact_chat.html", _chat_context(request, contact))


@require_GET
@never_cache
@customer_required
def chat_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation fragment the chat page polls (status 286 once closed: polling stops)."""
    contact = _contact_or_404(request, pk)
    status = STOP_POLLING if contact.status == ContactStatus.CLOSED else 200
    context = _chat_context(request, contact)
    return render(request, "portal/contact_conversation.html", context, status=status)


@require_POST
@customer_required
def chat_say(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer writes (to the assistant, which may hand over, or to the agent)."""
    contact = _contact_or_404(request, pk)
    form = ChatSayForm(request.POST)
    if not form.is_valid():
        context = _chat_context(request, contact, form=form, error=_("Write a message first."))
        return render(request, "portal/contact_chat.html", context, status=422)
    try:
        conversations.contact_say(
            contact=contact,
            text=form.cleaned_data["text"],
            customer=request.customer,  # type: ignore[attr-defined]
        )
    except DomainError as exc:
        context = _chat_context(request, contact, form=form, error=exc.message)
        return render(request, "portal/contact_chat.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("portal:chat", args=[contact.pk]) + "#say")


@require_POST
@customer_required
def chat_human(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Talk to a person": one step into the queue. From a closed conversation, a new one of the
    same kind is opened in the queue (still one step); a customer who already waits is taken to
    the conversation that holds their place."""
    contact = _contact_or_404(request, pk)
    if contact.status == ContactStatus.CLOSED:
        return _talk_to_a_person(request, contact.contact_type)
    if contact.status in (ContactStatus.QUEUED, ContactStatus.ASSIGNED):
        messages.info(
            request,
            _("You are already with an agent.")
            if contact.status == ContactStatus.ASSIGNED
            else _("You are already in the queue for a person."),
        )
    else:
        try:
            contact = _request_human(request, contact)
        except DomainError as exc:
            context = _chat_context(request, contact, error=exc.message)
            return render(request, "portal/contact_chat.html", context, status=exc.status)
    return HttpResponseRedirect(reverse("portal:chat", args=[contact.pk]))


@require_POST
@customer_required
def chat_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer leaves the conversation."""
    contact = _contact_or_404(request, pk)
    conversations.contact_close(contact=contact, outcome=_("Closed by the customer"))
    messages.success(request, _("The conversation is closed. Thank you."))
    return HttpResponseRedirect(reverse("portal:contact"))


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------


def callback_view(callback: Callback, now: datetime) -> dict[str, Any]:
    """A callback as the customer sees it: a window that ended without a call is missed now."""
    status = CallbackStatus.MISSED if selectors.callback_missed(callback, now) else callback.status
    return {
        "callback": callback,
        "status": status,
        "status_text": CALLBACK_STATUS_TEXT.get(status, status),
        "status_class": {"done": "ok", "missed": "bad", "cancelled": ""}.get(status, "warn"),
        "type": TYPE_TEXT.get(callback.contact.contact_type, callback.contact.contact_type),
        "missed": status == CallbackStatus.MISSED,
        "late": status == CallbackStatus.MISSED and callback.done_at is not None,
        "cancelled": status == CallbackStatus.CANCELLED,
        "changeable": selectors.callback_changeable(callback, now),
    }


def _callbacks_context(request: HttpRequest, form: CallbackForm, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    callbacks = selectors.callbacks_visible_to(request.user).order_by("-window_start", "-id")[:50]
    return {
        "section": "contact",
        "form": form,
        "hours": selectors.callback_hours_text(),
        "callbacks": [callback_view(c, now) for c in callbacks],
        **extra,
    }


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """Book a callback (one of the windows offered within the staffed hours, Beijing time) and
    see mine with their status."""
    customer = request.customer  # type: ignore[attr-defined]
    windows = selectors.callback_windows()
    if request.method == "POST":
        form = CallbackForm(request.POST, windows=windows)
        if form.is_valid():
            data = form.cleaned_data
            try:
                callback = callback_services.callback_request(
                    customer=customer,
                    phone=data["phone"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    contact_type=data["contact_type"],
                    text=data["text"],
                    language=_language(),
                )
            except DomainError as exc:
                context = _callbacks_context(request, form, error=exc.message)
                return render(request, "portal/contact_callbacks.html", context, status=exc.status)
            return HttpResponseRedirect(reverse("portal:callback", args=[callback.pk]))
        context = _callbacks_context(request, form)
        return render(request, "portal/contact_callbacks.html", context, status=422)
    initial = {"phone": customer.phone, "contact_type": request.GET.get("type") or None}
    form = CallbackForm(initial=initial, windows=windows)
    return render(request, "portal/contact_callbacks.html", _callbacks_context(request, form))


def _callback_or_404(request: HttpRequest, pk: int) -> Callback:
    try:
        return selectors.access_callback(user=request.user, callback_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _callback_page(
    request: HttpRequest, found: Callback, *, status: int = 200, **extra: Any
) -> HttpResponse:
    view = callback_view(found, timezone.now())
    form = extra.pop("form", None)
    if form is None and view["changeable"]:
        form = CallbackWindowForm(windows=selectors.callback_windows())
    context = {
        "section": "contact",
        "c": view,
        "form": form,
        "hours": selectors.callback_hours_text(),
        **extra,
    }
    return render(request, "portal/contact_callback.html", context, status=status)


@require_GET
@never_cache
@customer_required
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    """One callback: the confirmation with the window, and its status since; while it is
    booked, cancel it or move it to another window."""
    return _callback_page(request, _callback_or_404(request, pk))


@require_POST
@customer_required
def callback_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a booked callback (the customer is told by SMS too)."""
    found = _callback_or_404(request, pk)
    try:
        found = selectors.access_callback_as_customer(user=request.user, callback_id=pk)
        callback_services.callback_cancel(callback=found)
    except DomainError as exc:
        return _callback_page(request, found, status=exc.status, error=exc.message)
    messages.success(request, _("Your callback is cancelled. We sent you a confirmation."))
    return HttpResponseRedirect(reverse("portal:callback", args=[found.pk]))


@require_POST
@customer_required
def callback_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a booked callback to another window offered (checked like a new booking)."""
    found = _callback_or_404(request, pk)
    form = CallbackWindowForm(request.POST, windows=selectors.callback_windows())
    if not form.is_valid():
        return _callback_page(request, found, status=422, form=form)
    try:
        found = selectors.access_callback_as_customer(user=request.user, callback_id=pk)
        callback_services.callback_move(
            callback=found,
            window_start=form.cleaned_data["window_start"],
            window_end=form.cleaned_data["window_end"],
        )
    except DomainError as exc:
        return _callback_page(request, found, status=exc.status, form=form, error=exc.message)
    messages.success(request, _("Your callback is moved. We sent you a confirmation."))
    return HttpResponseRedirect(reverse("portal:callback", args=[found.pk]))


# --------------------------------------------------------------------------------------------
# Complaints
# --------------------------------------------------------------------------------------------


def _complaint_or_404(request: HttpRequest, pk: int) -> Complaint:
    try:
        return selectors.access_complaint(user=request.user, complaint_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _complaint_form(request: HttpRequest, data: Any = None) -> ComplaintForm:
    customer = request.customer  # type: ignore[attr-defined]
    requests = [
        (str(r.pk), f"{r.number} · {r.get_kind_display()} · {r.get_status_display()}")
        for r in sr.request_list(user=request.user).filter(customer=customer)[:50]
    ]
    subscriptions = [
        (str(s.pk), f"{plan_name(s.plan)} · {s.get_status_display()}")
        for s in plan_selectors.subscriptions_for(user=request.user).filter(customer=customer)[:50]
    ]
    initial = {"category": request.GET.get("category") or None}
    return ComplaintForm(
        data,
        initial=initial,
        categories=selectors.complaint_categories(),
        requests=requests,
        subscriptions=subscriptions,
    )


def complaint_row(complaint: Complaint, now: datetime) -> dict[str, Any]:
    return {
        "complaint": complaint,
        "status_text": COMPLAINT_STATUS_TEXT.get(complaint.status, complaint.status),
        "category": complaint.get_category_display(),
        "late": selectors.brand_late(complaint, now),
        "brand_owes": complaint.status in workflow.BRAND_OWES,
    }


@require_GET
@never_cache
@customer_required
def complaints(request: HttpRequest) -> HttpResponse:
    """My complaints, newest first, each with its status and the current step's deadline."""
    now = timezone.now()
    rows = [
        complaint_row(c, now)
        for c in selectors.complaints_visible_to(request.user).order_by("-created_at", "-id")[:100]
    ]
    return render(request, "portal/complaint_list.html", {"section": "complaints", "rows": rows})


@require_http_methods(["GET", "POST"])
@never_cache
@customer_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """File a complaint (optionally about one of my service requests or plans)."""
    customer = request.customer  # type: ignore[attr-defined]
    if request.method == "POST":
        form = _complaint_form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            linked_request = linked_sub = None
            if data["service_request"] != NOT_LINKED:
                linked_request = (
                    sr.request_list(user=request.user)
                    .filter(customer=customer, pk=data["service_request"])
                    .first()
                )
            if data["subscription"] != NOT_LINKED:
                linked_sub = (
                    plan_selectors.subscriptions_for(user=request.user)
                    .filter(customer=customer, pk=data["subscription"])
                    .first()
                )
            try:
                complaint = complaint_services.complaint_file(
                    customer=customer,
                    category=data["category"],
                    description=data["description"],
                    service_request=linked_request,
                    subscription=linked_sub,
                    actor=request.user,
                )
            except DomainError as exc:
                context = {"section": "complaints", "form": form, "error": exc.message}
                return render(request, "portal/complaint_new.html", context, status=exc.status)
            messages.success(
                request,
                _("Complaint %(number)s received. We will acknowledge it by %(due)s.")
                % {
                    "number": complaint.number,
                    "due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return HttpResponseRedirect(reverse("portal:complaint", args=[complaint.pk]))
        context = {"section": "complaints", "form": form}
        return render(request, "portal/complaint_new.html", context, status=422)
    context = {"section": "complaints", "form": _complaint_form(request)}
    return render(request, "portal/complaint_new.html", context)


def _event_who(event: Any) -> str:
    if event.actor_role == workflow.CUSTOMER:
        return str(_("You"))
    if event.actor_role == workflow.BRAND:
        name = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else ""
        if not name:
            return _("Customer service")
        return _("%(who)s (%(role)s)") % {"who": name, "role": _("Customer service")}
    return str(_("System"))


def complaint_context(request: HttpRequest, complaint: Complaint, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    events = selectors.complaint_timeline(complaint)
    allowed = selectors.complaint_next_statuses(request.user, complaint, now=now)
    actions = [
        {"name": name, "to": to, "label": ACTION_TEXT[name]}
        for name, to in CUSTOMER_ACTIONS.items()
        if to in allowed
    ]
    answer = [a for a in actions if a["name"] in ("accept", "reject")]
    escalate = next((a for a in actions if a["name"] == "escalate"), None)
    row = complaint_row(complaint, now)
    owner = ""
    if complaint.owner is not None:
        owner = complaint.owner.get_full_name() or complaint.owner.get_username()
    return {
        "section": "complaints",
        "row": row,
        "complaint": complaint,
        "timeline": [
            {
                "event": e,
                "who": _event_who(e),
                "to_text": COMPLAINT_STATUS_TEXT.get(e.to_status, e.to_status),
            }
            for e in events
        ],
        "owner": owner,
        "answer_actions": answer,
        "escalate": escalate,
        "overdue_escalation": escalate is not None
        and complaint.status in workflow.OVERDUE_ESCALATION_FROM,
        "form": extra.pop("form", None)
        or ComplaintAnswerForm(initial={"external_body": DEFAULT_EXTERNAL_BODY}),
        "closed": complaint.status in workflow.CLOSED,
        **extra,
    }


@require_GET
@never_cache
@customer_required
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """One complaint: the timeline, the current step's deadline and owner, my answer."""
    found = _complaint_or_404(request, pk)
    return render(request, "portal/complaint_detail.html", complaint_context(request, found))


@require_GET
@never_cache
@customer_required
def complaint_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole record of a complaint, printable: to take to 12315 or anywhere else."""
    found = _complaint_or_404(request, pk)
    return render(request, "portal/complaint_record.html", complaint_context(request, found))


@require_POST
@customer_required
def complaint_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept or reject a resolution, or take the complaint outside (12315)."""
    to_status = CUSTOMER_ACTIONS.get(action)
    if to_status is None:
        raise Http404(_("Unknown action."))
    found = _complaint_or_404(request, pk)
    form = ComplaintAnswerForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        complaint_services.complaint_transition(
            complaint=found,
            to_status=to_status,
            actor=request.user,
            note=data.get("note", ""),
            external_body=data.get("external_body", "") if action == "escalate" else "",
            external_reference=data.get("external_reference", "") if action == "escalate" else "",
        )
    except DomainError as exc:
        context = complaint_context(request, found, form=form, error=exc.message)
        return render(request, "portal/complaint_detail.html", context, status=exc.status)
    done = {
        "accept": _("Thank you. Complaint %(number)s is closed with the outcome you accepted."),
        "reject": _(
            "You rejected the outcome of complaint %(number)s. We will look at it again; you "
            "may also take it outside."
        ),
        "escalate": _(
            "Complaint %(number)s is recorded as taken outside. Keep the record below for them."
        ),
    }[action]
    messages.success(request, done % {"number": found.number})
    return HttpResponseRedirect(reverse("portal:complaint", args=[found.pk]))
