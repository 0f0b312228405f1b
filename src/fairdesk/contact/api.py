"""Contacts, callbacks, complaints, the live queue and staffing in the API (mounted at /api/v1/,
tag "contact").

Authentication: the same as the service-request API — ``Authorization: Bearer <token>`` (an
integration acting as its user) or the session of a signed-in user (unsafe methods need the CSRF
token).

Access (``contact.selectors``): a customer sees only their own contacts, callbacks and complaints
(another's answers 404, the same as one that does not exist); agents and brand administrators see
all; auditors read complaints through the redacted export only (``GET /complaints/export``,
auditors and brand administrators).

A person is one action away (guarantee F6): ``POST /contacts/{id}/human``, or a message saying
人工 / 转人工 / agent, puts the conversation in the queue at once. The queue's order is the
published rule (``contact.ordering``; the public page ``/queue-rule/``); every contact shows its
position and an estimated wait.

Times are ISO 8601 in Asia/Shanghai; times sent must carry their offset.

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated``, ``invalid_token``;
* 403 ``forbidden`` (not a customer where one is needed, not staff where staff is needed, not an
  auditor or brand administrator for the export), ``csrf_failed``, ``not_an_agent``,
  ``not_your_contact``;
* 404 ``contact_not_found`` (also one you may not see), ``complaint_not_found``;
* 409 ``contact_closed``, ``illegal_transition``;
* 422 ``invalid_input`` (the body or query, with ``details``), ``invalid_contact_type``,
  ``invalid_language``, ``empty_message``, ``message_too_long``, ``timezone_required``,
  ``invalid_window``, ``invalid_phone``, ``invalid_category``, ``invalid_status``,
  ``outcome_required``, ``external_body_required``, ``not_yours``,
  ``service_request_not_found``, ``subscription_not_found``, ``contact_not_found`` (in the body),
  ``invalid_format``, ``invalid_period``, ``outlet_not_found``, ``not_a_number``,
  ``invalid_arrivals``, ``invalid_handle_time``, ``invalid_target_share``,
  ``invalid_target_seconds``, ``too_many_agents``.

Nothing is changed by a request that fails.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Respond

from fairdesk.api.auth import api_auth
from fairdesk.api.errors import ErrorOut
from fairdesk.contact import erlang, export, selectors
from fairdesk.contact.choices import (
    CallbackStatus,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.contact.models import Callback, Complaint, ComplaintEvent, Contact, ContactMessage
from fairdesk.contact.services import callbacks as callback_services
from fairdesk.contact.services import complaints as complaint_services
from fairdesk.contact.services import conversations
from fairdesk.contact.services.messages import MAX_TEXT
from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_or_none as _local
from fairdesk.core.phones import mask_phone
from fairdesk.service_requests.selectors import principal_for

router = Router(tags=["contact"])

AUTH = api_auth

LANGUAGES = ("zh-hans", "en")
EXPORT_FORMATS = ("csv", "json")
#: A period of the export without ``from``: the last 30 days.
EXPORT_DEFAULT_DAYS = 30
MAX_ARRIVALS_PER_HOUR = 1_000_000
MAX_HANDLE_SECONDS = 86_400

# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


def _enum(values: list[str], description: str) -> Any:
    """A string field documented with its values, checked by the services (specific codes)."""
    return Field(..., description=description, json_schema_extra={"enum": list(values)})


class MessageOut(Schema):
    id: int
    sender: str = Field(description="customer | bot | agent | system")
    sender_label: str
    agent: str | None = Field(description="The agent's name, on an agent's message")
    text: str
    at: datetime


class ContactOut(Schema):
    id: int
    contact_type: str
    contact_type_label: str
    channel: str
    status: str = Field(description="bot | queued | assigned | closed")
    status_label: str
    queue_class: str = Field(description="safety | green | standard (the published rule)")
    safety_hazard: bool
    subject: str
    language: str
    created_at: datetime
    queued_at: datetime | None
    assigned_at: datetime | None
    closed_at: datetime | None
    agent: str | None = Field(description="The agent answering, once one has joined")
    can_request_human: bool = Field(
        description="True while with the assistant: POST …/human reaches a person in one step"
    )
    position: int | None = Field(description="Place in the queue now (1: next), while waiting")
    estimated_wait_seconds: int | None = Field(
        description="Position × mean handle time ÷ agents available, while waiting"
    )
    messages: list[MessageOut]


class ContactIn(Schema):
    contact_type: str = _enum(ContactType.values, "What the contact is about")
    text: str = Field("", description="The first words (a hazard or 人工 goes to a person)")
    product_line: str = Field("", max_length=32)
    language: str | None = Field(
        None,
        description="zh-hans or en (default: yours)",
        json_schema_extra={"enum": list(LANGUAGES)},
    )


class SayIn(Schema):
    text: str = Field(description="Up to 2,000 characters; 人工 / agent transfers at once")


class CallbackIn(Schema):
    contact_type: str = _enum(ContactType.values, "What the callback is about")
    window_start: datetime = Field(description="ISO 8601 with an offset, e.g. …T14:00:00+08:00")
    window_end: datetime = Field(description="At least 15 minutes after the start, ≤ 7 days out")
    phone: str = Field("", max_length=20, description="A mainland mobile number (default: yours)")
    text: str = Field("", max_length=2000)
    language: str | None = Field(None, json_schema_extra={"enum": list(LANGUAGES)})


class CallbackOut(Schema):
    id: int
    contact_id: int
    contact_type: str
    phone: str
    window_start: datetime
    window_end: datetime
    status: str = Field(description="scheduled | done | missed")
    status_label: str
    breached: bool = Field(description="The window ended without a call (or the call was late)")
    done_at: datetime | None
    missed_at: datetime | None
    escalation_level: int


class CustomerRefOut(Schema):
    id: int
    name: str
    phone: str = Field(description="Masked (138****8000)")


class ComplaintIn(Schema):
    category: str = _enum(ComplaintCategory.values, "What the complaint is about")
    description: str = Field(description="Up to 2,000 characters")
    service_request: str | None = Field(None, description="The number of your service request")
    subscription_id: int | None = None
    contact_id: int | None = Field(None, description="The conversation it came from")


class ComplaintOut(Schema):
    id: int
    number: str
    category: str
    category_label: str
    green: bool = Field(description="Plan change, refund and obstruction complaints")
    status: str
    status_label: str
    description: str
    due_at: datetime | None = Field(description="When the brand's current step is due")
    overdue: bool
    escalation_level: int
    outcome: str
    external_body: str
    external_reference: str
    outlet: str | None = Field(description="Outlet code")
    service_request: str | None
    customer: CustomerRefOut | None = Field(description="Staff only")
    created_at: datetime
    closed_at: datetime | None
    allowed_transitions: list[str] = Field(description="What you may move it to now")


class ComplaintEventOut(Schema):
    at: datetime
    from_status: str | None
    to_status: str
    to_status_label: str
    actor_role: str = Field(description="customer | brand")
    actor: str | None = Field(description="The staff user's name (shown to staff only)")
    note: str
    due_at: datetime | None


class ComplaintDetailOut(ComplaintOut):
    timeline: list[ComplaintEventOut]


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    total: int
    limit: int
    offset: int


class ComplaintFilters(Schema):
    status: str | None = Field(None, json_schema_extra={"enum": list(ComplaintStatus.values)})
    category: str | None = Field(None, json_schema_extra={"enum": list(ComplaintCategory.values)})
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ComplaintTransitionIn(Schema):
    to_status: str = _enum(ComplaintStatus.values, "See allowed_transitions")
    note: str = Field("", max_length=2000)
    outcome: str = Field("", max_length=2000, description="Required to resolve")
    external_body: str = Field("", max_length=100, description="Required to escalate (12315 …)")
    external_reference: str = Field("", max_length=100)


class ExportQuery(Schema):
    format: str = Field(
        "csv",
        description="csv (UTF-8 with BOM) or json",
        json_schema_extra={"enum": ["csv", "json"]},
    )
    period_from: date | None = Field(
        None, alias="from", description="Received on or after this Beijing day (default: 30 days)"
    )
    period_to: date | None = Field(None, alias="to", description="… up to this day, inclusive")
    category: str | None = Field(None, json_schema_extra={"enum": list(ComplaintCategory.values)})
    outlet: str | None = Field(None, description="Outlet code")


class ExportRowOut(Schema):
    number: str
    customer: str = Field(description="A stable pseudonym, never the customer's identity")
    category: str
    green: bool
    status: str
    outlet: str
    received_at: datetime
    acknowledge_due: datetime | None
    acknowledged_at: datetime | None
    acknowledge_deadline: str | None = Field(description="met | missed | open")
    resolve_due: datetime | None = Field(description="The first promise, made on acknowledgement")
    resolved_at: datetime | None
    resolve_deadline: str | None = Field(description="met | missed | open")
    deadlines_met: int
    deadlines_missed: int
    escalation_level: int
    closed_at: datetime | None
    outcome: str = Field(description="Phone numbers and names masked")
    external_body: str
    description: str = Field(description="Phone numbers and names masked")


class ExportOut(Schema):
    period_from: date
    period_to: date
    generated_at: datetime
    count: int
    items: list[ExportRowOut]


class QueueEntryOut(Schema):
    contact_id: int
    position: int
    queue_class: str = Field(description="safety | green | standard")
    contact_type: str
    channel: str
    safety_hazard: bool
    language: str
    product_line: str
    queued_at: datetime
    queue_time: datetime = Field(description="Arrival less the class's head start: the sort key")
    waited_seconds: int
    estimated_wait_seconds: int


class QueueOut(Schema):
    at: datetime
    agents_available: int
    mean_handle_seconds: int = Field(description="Of the last 50 closed contacts (default 300)")
    waiting: int
    entries: list[QueueEntryOut]


class StaffingQuery(Schema):
    arrivals_per_hour: float = Field(description="Contacts per hour (≥ 0)")
    handle_seconds: float = Field(description="Mean handle time in seconds (> 0)")
    target_share: float = Field(0.8, description="Share answered within the target (0 to 1)")
    target_seconds: float = Field(20, description="The target answer time in seconds (≥ 0)")


class StaffingOut(Schema):
    arrivals_per_hour: float
    handle_seconds: float
    traffic_erlangs: float
    agents: int = Field(description="The fewest agents that meet the target")
    service_level: float = Field(description="Share answered within the target time")
    wait_probability: float
    average_wait_seconds: float
    occupancy: float


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _user_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _message_out(message: ContactMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "sender": message.sender,
        "sender_label": str(Sender(message.sender).label),
        "agent": _user_name(message.agent.user) if message.agent_id else None,
        "text": message.text,
        "at": _local(message.at),
    }


def render_contact(contact: Contact, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    entry = selectors.contact_queue_position(contact, now=now)
    return {
        "id": contact.pk,
        "contact_type": contact.contact_type,
        "contact_type_label": str(contact.get_contact_type_display()),
        "channel": contact.channel,
        "status": contact.status,
        "status_label": str(contact.get_status_display()),
        "queue_class": selectors.queue_class(contact),
        "safety_hazard": contact.safety_hazard,
        "subject": contact.subject,
        "language": contact.language,
        "created_at": _local(contact.created_at),
        "queued_at": _local(contact.queued_at),
        "assigned_at": _local(contact.assigned_at),
        "closed_at": _local(contact.closed_at),
        "agent": _user_name(contact.agent.user) if contact.agent_id else None,
        "can_request_human": contact.status == ContactStatus.BOT,
        "position": entry.position if entry else None,
        "estimated_wait_seconds": entry.estimated_wait_seconds if entry else None,
        "messages": [_message_out(m) for m in contact.messages.all()],
    }


def _callback_out(callback: Callback, *, now: datetime) -> dict[str, Any]:
    breached = callback.status == CallbackStatus.MISSED or (
        callback.done_at is None and now > callback.window_end
    )
    return {
        "id": callback.pk,
        "contact_id": callback.contact_id,
        "contact_type": callback.contact.contact_type,
        "phone": callback.phone,
        "window_start": _local(callback.window_start),
        "window_end": _local(callback.window_end),
        "status": CallbackStatus.MISSED if breached else callback.status,
        "status_label": str(
            CallbackStatus.MISSED.label if breached else callback.get_status_display()
        ),
        "breached": breached,
        "done_at": _local(callback.done_at),
        "missed_at": _local(callback.missed_at or (callback.window_end if breached else None)),
        "escalation_level": callback.escalation_level,
    }


def _complaint_out(
    complaint: Complaint, *, user: Any, staff: bool, now: datetime
) -> dict[str, Any]:
    customer = complaint.customer
    return {
        "id": complaint.pk,
        "number": complaint.number,
        "category": complaint.category,
        "category_label": str(complaint.get_category_display()),
        "green": complaint.green,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "description": complaint.description,
        "due_at": _local(complaint.due_at),
        "overdue": complaint.due_at is not None and complaint.due_at < now,
        "escalation_level": complaint.escalation_level,
        "outcome": complaint.outcome,
        "external_body": complaint.external_body,
        "external_reference": complaint.external_reference,
        "outlet": complaint.outlet.code if complaint.outlet_id else None,
        "service_request": (
            complaint.service_request.number if complaint.service_request_id else None
        ),
        "customer": (
            {"id": customer.pk, "name": customer.name, "phone": mask_phone(customer.phone)}
            if staff
            else None
        ),
        "created_at": _local(complaint.created_at),
        "closed_at": _local(complaint.closed_at),
        "allowed_transitions": selectors.complaint_next_statuses(user, complaint, now=now),
    }


def _event_out(event: ComplaintEvent, *, staff: bool) -> dict[str, Any]:
    return {
        "at": _local(event.at),
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "to_status_label": str(ComplaintStatus(event.to_status).label),
        "actor_role": event.actor_role,
        "actor": _user_name(event.actor) if staff and event.actor_id else None,
        "note": event.note,
        "due_at": _local(event.due_at),
    }


def _complaint_detail(user: Any, complaint_id: int) -> dict[str, Any]:
    complaint = selectors.access_complaint(user=user, complaint_id=complaint_id)
    staff = selectors.is_contact_staff(user)
    out = _complaint_out(complaint, user=user, staff=staff, now=timezone.now())
    out["timeline"] = [_event_out(e, staff=staff) for e in selectors.complaint_timeline(complaint)]
    return out


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _own_customer(user: Any, what: str) -> Any:
    """The signed-in customer (403 ``forbidden`` for anyone else)."""
    from fairdesk.customers.models import Customer

    principal = principal_for(user)
    if principal.customer_id is None:
        raise DomainError(what, code="forbidden", status=403)
    return Customer.objects.get(pk=principal.customer_id)


def _require_staff(user: Any) -> None:
    if not selectors.is_contact_staff(user):
        raise DomainError(
            _("Only agents and brand administrators may see this."), code="forbidden", status=403
        )


def _language(requested: str | None, customer: Any) -> str:
    if requested is None:
        current = translation.get_language() or ""
        if customer is not None and customer.language in LANGUAGES:
            return customer.language
        return "en" if current.startswith("en") else "zh-hans"
    if requested not in LANGUAGES:
        raise DomainError(_("Choose zh-hans or en."), code="invalid_language", status=422)
    return requested


def _aware(value: datetime, field: str) -> datetime:
    if timezone.is_naive(value):
        raise DomainError(
            _("Give %(field)s with its time zone, for example 2026-11-23T14:00:00+08:00.")
            % {"field": field},
            code="timezone_required",
            status=422,
        )
    return value


# --------------------------------------------------------------------------------------------
# Endpoints: conversations
# --------------------------------------------------------------------------------------------


@router.post(
    "/contacts",
    auth=AUTH,
    response={201: ContactOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Start a web chat / 发起在线咨询",
)
def start_contact(request: HttpRequest, payload: ContactIn) -> Respond[dict[str, Any]]:
    """A customer starts a conversation. It begins with the automatic assistant; the first words
    may already ask for a person (人工, agent) or mention a hazard, which queues it at once.
    403 ``forbidden`` for anyone but a customer (agents log phone calls in the console);
    422 ``invalid_contact_type``, ``invalid_language``, ``message_too_long``."""
    user = request.auth.user  # type: ignore[attr-defined]
    customer = _own_customer(user, _("Only customers start a chat; agents use the console."))
    if len(payload.text.strip()) > MAX_TEXT:
        raise DomainError(
            _("A message is limited to %(n)d characters.") % {"n": MAX_TEXT},
            code="message_too_long",
            status=422,
        )
    contact = conversations.contact_start(
        contact_type=payload.contact_type,
        channel=Channel.WEB_CHAT,
        customer=customer,
        text=payload.text,
        product_line=payload.product_line,
        language=_language(payload.language, customer),
    )
    return Respond(201, render_contact(selectors.access_contact(user=user, contact_id=contact.pk)))


@router.get(
    "/contacts/{int:contact_id}",
    auth=AUTH,
    response={200: ContactOut, 401: ErrorOut, 404: ErrorOut},
    summary="A conversation / 会话详情",
)
def get_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """The conversation with its messages, and while it waits its position and estimated wait.
    404 ``contact_not_found`` (also for another customer's)."""
    user = request.auth.user  # type: ignore[attr-defined]
    return render_contact(selectors.access_contact(user=user, contact_id=contact_id))


@router.post(
    "/contacts/{int:contact_id}/messages",
    auth=AUTH,
    response={
        201: ContactOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Say something / 发送消息",
)
def say(request: HttpRequest, contact_id: int, payload: SayIn) -> Respond[dict[str, Any]]:
    """The customer writes (to the assistant, which may hand over, or to the agent); the agent
    answering the conversation replies. 403 ``not_an_agent``, ``not_your_contact``; 409
    ``contact_closed``; 422 ``empty_message``, ``message_too_long``."""
    user = request.auth.user  # type: ignore[attr-defined]
    contact = selectors.access_contact(user=user, contact_id=contact_id)
    principal = principal_for(user)
    if principal.customer_id is not None and principal.customer_id == contact.customer_id:
        conversations.contact_say(contact=contact, text=payload.text)
    else:
        conversations.contact_reply(contact=contact, agent_user=user, text=payload.text)
    return Respond(201, render_contact(selectors.access_contact(user=user, contact_id=contact_id)))


@router.post(
    "/contacts/{int:contact_id}/human",
    auth=AUTH,
    response={200: ContactOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Talk to a person / 转人工",
)
def request_human(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """One step to a person, from any point of the conversation: the contact joins the queue
    now (repeating it changes nothing). 403 ``forbidden`` (not your conversation); 409
    ``contact_closed``."""
    user = request.auth.user  # type: ignore[attr-defined]
    contact = selectors.access_contact(user=user, contact_id=contact_id)
    if principal_for(user).customer_id != contact.customer_id or contact.customer_id is None:
        raise DomainError(
            _("Only the customer of this conversation can ask for a person."),
            code="forbidden",
            status=403,
        )
    conversations.contact_request_human(contact=contact)
    return render_contact(selectors.access_contact(user=user, contact_id=contact_id))


# --------------------------------------------------------------------------------------------
# Endpoints: callbacks
# --------------------------------------------------------------------------------------------


@router.post(
    "/callbacks",
    auth=AUTH,
    response={201: CallbackOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Book a callback / 预约回电",
)
def book_callback(request: HttpRequest, payload: CallbackIn) -> Respond[dict[str, Any]]:
    """A callback within a window you choose; its end is a deadline, counted publicly when
    missed. 403 ``forbidden`` (customers only); 422 ``timezone_required`` (a time without its
    offset), ``invalid_window``, ``invalid_phone``, ``invalid_contact_type``,
    ``invalid_language``."""
    user = request.auth.user  # type: ignore[attr-defined]
    customer = _own_customer(user, _("Only customers book callbacks here."))
    callback = callback_services.callback_request(
        customer=customer,
        phone=payload.phone,
        window_start=_aware(payload.window_start, "window_start"),
        window_end=_aware(payload.window_end, "window_end"),
        contact_type=payload.contact_type,
        text=payload.text,
        language=_language(payload.language, customer),
    )
    callback = Callback.objects.select_related("contact").get(pk=callback.pk)
    return Respond(201, _callback_out(callback, now=timezone.now()))


@router.get(
    "/callbacks",
    auth=AUTH,
    response={200: list[CallbackOut], 401: ErrorOut, 403: ErrorOut},
    summary="Callbacks / 回电预约",
)
def list_callbacks(request: HttpRequest) -> list[dict[str, Any]]:
    """A customer's own callbacks (agents and brand administrators: every open one and those of
    the last 7 days), by the end of their window."""
    user = request.auth.user  # type: ignore[attr-defined]
    principal = principal_for(user)
    staff = selectors.is_contact_staff(user)
    if not staff and principal.customer_id is None:
        raise DomainError(_("You have no callbacks here."), code="forbidden", status=403)
    now = timezone.now()
    qs = selectors.callbacks_visible_to(user).order_by("window_end", "id")
    if staff:
        qs = qs.filter(window_end__gte=now - timedelta(days=7)) | qs.filter(
            done_at__isnull=True, status=CallbackStatus.SCHEDULED
        )
    return [_callback_out(c, now=now) for c in qs[:500]]


# --------------------------------------------------------------------------------------------
# Endpoints: complaints
# --------------------------------------------------------------------------------------------


@router.post(
    "/complaints",
    auth=AUTH,
    response={201: ComplaintDetailOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="File a complaint / 提交投诉",
)
def file_complaint(request: HttpRequest, payload: ComplaintIn) -> Respond[dict[str, Any]]:
    """A customer files a complaint: it gets a number and deadlines (acknowledgement within a
    day; plan-change, refund and obstruction complaints go through the green channel).
    403 ``forbidden`` (customers only); 422 ``invalid_category``, ``empty_message``,
    ``message_too_long``, ``service_request_not_found``, ``subscription_not_found``,
    ``contact_not_found``, ``not_yours``."""
    from fairdesk.plans.models import Subscription
    from fairdesk.service_requests.models import ServiceRequest

    user = request.auth.user  # type: ignore[attr-defined]
    customer = _own_customer(user, _("Only customers file complaints here."))
    service_request = subscription = contact = None
    if payload.service_request:
        service_request = ServiceRequest.objects.filter(number=payload.service_request).first()
        if service_request is None:
            raise DomainError(
                _("There is no such service request."),
                code="service_request_not_found",
                status=422,
            )
    if payload.subscription_id is not None:
        subscription = Subscription.objects.filter(pk=payload.subscription_id).first()
        if subscription is None:
            raise DomainError(
                _("There is no such subscription."), code="subscription_not_found", status=422
            )
    if payload.contact_id is not None:
        contact = (
            selectors.contacts_visible_to(user)
            .filter(pk=payload.contact_id, customer_id=customer.pk)
            .first()
        )
        if contact is None:
            raise DomainError(
                _("There is no such conversation."), code="contact_not_found", status=422
            )
    complaint = complaint_services.complaint_file(
        customer=customer,
        category=payload.category,
        description=payload.description,
        service_request=service_request,
        subscription=subscription,
        contact=contact,
        actor=user,
    )
    return Respond(201, _complaint_detail(user, complaint.pk))


@router.get(
    "/complaints",
    auth=AUTH,
    response={200: ComplaintPage, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Complaints / 投诉列表",
)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    """A customer's own complaints; agents and brand administrators see all. Newest first.
    Auditors use the export. 403 ``forbidden``; 422 ``invalid_status``, ``invalid_category``."""
    user = request.auth.user  # type: ignore[attr-defined]
    principal = principal_for(user)
    staff = selectors.is_contact_staff(user)
    if not staff and principal.customer_id is None:
        raise DomainError(
            _("Auditors read complaints through the export."), code="forbidden", status=403
        )
    qs = selectors.complaints_visible_to(user)
    if filters.status is not None:
        if filters.status not in ComplaintStatus.values:
            raise DomainError(_("Unknown status."), code="invalid_status", status=422)
        qs = qs.filter(status=filters.status)
    if filters.category is not None:
        if filters.category not in ComplaintCategory.values:
            raise DomainError(
                _("Choose what the complaint is about."), code="invalid_category", status=422
            )
        qs = qs.filter(category=filters.category)
    total = qs.count()
    page = (
        list(
            qs.select_related("customer", "outlet", "service_request").order_by(
                "-created_at", "-id"
            )[filters.offset : filters.offset + filters.limit]
        )
        if total
        else []
    )
    now = timezone.now()
    return {
        "items": [_complaint_out(c, user=user, staff=staff, now=now) for c in page],
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # not a formula when opened in a spreadsheet
    return text


@router.get(
    "/complaints/export",
    auth=AUTH,
    response={200: ExportOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Complaint export for auditors / 投诉数据导出（监管）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "format=json: this body; format=csv: the same rows as CSV "
                "(UTF-8 with BOM, a header row)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_complaints(request: HttpRequest, query: Query[ExportQuery]) -> Any:
    """Complaints received in the period, personal data taken out (no name; the customer as a
    stable pseudonym; phone numbers masked in the text), with every deadline met or missed.
    Auditors and brand administrators only (403 ``forbidden``); 422 ``invalid_format``,
    ``invalid_period``, ``invalid_category``, ``outlet_not_found``."""
    from fairdesk.network.models import Outlet

    user = request.auth.user  # type: ignore[attr-defined]
    if not selectors.may_export_complaints(user):
        raise DomainError(
            _("The complaint export is for auditors and brand administrators."),
            code="forbidden",
            status=403,
        )
    if query.format not in EXPORT_FORMATS:
        raise DomainError(_("Choose csv or json."), code="invalid_format", status=422)
    today = timezone.localdate()
    period_to = query.period_to or today
    period_from = query.period_from or period_to - timedelta(days=EXPORT_DEFAULT_DAYS - 1)
    if period_from > period_to:
        raise DomainError(_("The period starts after it ends."), code="invalid_period", status=422)
    if query.category and query.category not in ComplaintCategory.values:
        raise DomainError(
            _("Choose what the complaint is about."), code="invalid_category", status=422
        )
    if query.outlet and not Outlet.objects.filter(code=query.outlet).exists():
        raise DomainError(_("There is no such outlet."), code="outlet_not_found", status=422)
    rows = export.complaints_export(
        period_from=period_from,
        period_to=period_to,
        category=query.category or None,
        outlet=query.outlet or None,
    )
    if query.format == "json":
        return {
            "period_from": period_from,
            "period_to": period_to,
            "generated_at": timezone.localtime(),
            "count": len(rows),
            "items": rows,
        }
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with the byte-order mark
    writer = csv.writer(buffer)
    writer.writerow(export.EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in export.EXPORT_COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="complaints-{period_from:%Y%m%d}-{period_to:%Y%m%d}.csv"'
    )
    return response


@router.get(
    "/complaints/{int:complaint_id}",
    auth=AUTH,
    response={200: ComplaintDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="A complaint and its timeline / 投诉详情",
)
def get_complaint(request: HttpRequest, complaint_id: int) -> dict[str, Any]:
    """The complaint with its timeline (every step, oldest first, with the deadline it set).
    404 ``complaint_not_found`` (also another customer's)."""
    user = request.auth.user  # type: ignore[attr-defined]
    return _complaint_detail(user, complaint_id)


@router.post(
    "/complaints/{int:complaint_id}/transitions",
    auth=AUTH,
    response={
        200: ComplaintDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Move a complaint / 投诉状态变更",
)
def transition_complaint(
    request: HttpRequest, complaint_id: int, payload: ComplaintTransitionIn
) -> dict[str, Any]:
    """Staff acknowledge, investigate and resolve; the customer accepts or rejects a resolution
    and may take the complaint outside (12315) after an answer or while the brand is late.
    403 ``forbidden``; 409 ``illegal_transition``; 422 ``invalid_status``,
    ``outcome_required``, ``external_body_required``."""
    user = request.auth.user  # type: ignore[attr-defined]
    complaint = selectors.access_complaint(user=user, complaint_id=complaint_id)
    if payload.to_status not in ComplaintStatus.values:
        raise DomainError(_("Unknown status."), code="invalid_status", status=422)
    if selectors.complaint_role(user, complaint) is None:
        raise DomainError(_("You may not make this step."), code="forbidden", status=403)
    complaint_services.complaint_transition(
        complaint=complaint,
        to_status=payload.to_status,
        actor=user,
        note=payload.note,
        outcome=payload.outcome,
        external_body=payload.external_body,
        external_reference=payload.external_reference,
    )
    return _complaint_detail(user, complaint_id)


# --------------------------------------------------------------------------------------------
# Endpoints: the queue and staffing (staff)
# --------------------------------------------------------------------------------------------


@router.get(
    "/queue",
    auth=AUTH,
    response={200: QueueOut, 401: ErrorOut, 403: ErrorOut},
    summary="The live queue / 实时排队",
)
def live_queue(request: HttpRequest) -> dict[str, Any]:
    """Every waiting contact in the order it will be served (the published rule), with its
    class, wait so far and estimated wait. Agents and brand administrators (403 ``forbidden``)."""
    user = request.auth.user  # type: ignore[attr-defined]
    _require_staff(user)
    snapshot = selectors.queue_snapshot()
    return {
        "at": _local(snapshot.at),
        "agents_available": snapshot.agents_available,
        "mean_handle_seconds": snapshot.mean_handle_seconds,
        "waiting": len(snapshot.entries),
        "entries": [
            {
                "contact_id": e.contact_id,
                "position": e.position,
                "queue_class": e.queue_class,
                "contact_type": e.contact_type,
                "channel": e.channel,
                "safety_hazard": e.safety_hazard,
                "language": e.language,
                "product_line": e.product_line,
                "queued_at": _local(e.queued_at),
                "queue_time": _local(e.queue_time),
                "waited_seconds": e.waited_seconds,
                "estimated_wait_seconds": e.estimated_wait_seconds,
            }
            for e in snapshot.entries
        ],
    }


@router.get(
    "/staffing/erlang-c",
    auth=AUTH,
    response={200: StaffingOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Agents needed (Erlang C) / 坐席人数测算",
)
def staffing(request: HttpRequest, query: Query[StaffingQuery]) -> dict[str, Any]:
    """The fewest agents that answer ``target_share`` of contacts within ``target_seconds``,
    by Erlang C. Staff only (403 ``forbidden``); 422 ``not_a_number``, ``invalid_arrivals``,
    ``invalid_handle_time``, ``invalid_target_share``, ``invalid_target_seconds``,
    ``too_many_agents``."""
    from fairdesk.core import roles

    user = request.auth.user  # type: ignore[attr-defined]
    if not roles.is_staff_member(user):
        raise DomainError(_("Staff only."), code="forbidden", status=403)
    values = (query.arrivals_per_hour, query.handle_seconds, query.target_share)
    if not all(math.isfinite(v) for v in (*values, query.target_seconds)):
        raise DomainError(_("Give finite numbers."), code="not_a_number", status=422)
    if not 0 <= query.arrivals_per_hour <= MAX_ARRIVALS_PER_HOUR:
        raise DomainError(
            _("Arrivals per hour must be between 0 and %(max)d.") % {"max": MAX_ARRIVALS_PER_HOUR},
            code="invalid_arrivals",
            status=422,
        )
    if not 0 < query.handle_seconds <= MAX_HANDLE_SECONDS:
        raise DomainError(
            _("The handle time must be more than 0 and at most a day."),
            code="invalid_handle_time",
            status=422,
        )
    if not 0 < query.target_share < 1:
        raise DomainError(
            _("The target share must be between 0 and 1."),
            code="invalid_target_share",
            status=422,
        )
    if query.target_seconds < 0:
        raise DomainError(
            _("The target time cannot be negative."), code="invalid_target_seconds", status=422
        )
    if query.arrivals_per_hour * query.handle_seconds / 3600 >= erlang.MAX_AGENTS:
        raise DomainError(
            _("That needs more than %(max)d agents.") % {"max": erlang.MAX_AGENTS},
            code="too_many_agents",
            status=422,
        )
    try:
        result = erlang.agents_needed(
            arrivals_per_hour=query.arrivals_per_hour,
            handle_seconds=query.handle_seconds,
            target_share=query.target_share,
            target_seconds=query.target_seconds,
        )
    except ValueError as exc:
        raise DomainError(
            _("That needs more than %(max)d agents.") % {"max": erlang.MAX_AGENTS},
            code="too_many_agents",
            status=422,
        ) from exc
    return {
        "arrivals_per_hour": result.arrivals_per_hour,
        "handle_seconds": result.handle_seconds,
        "traffic_erlangs": result.traffic,
        "agents": result.agents,
        "service_level": result.service_level,
        "wait_probability": result.wait_probability,
        "average_wait_seconds": result.average_wait_seconds,
        "occupancy": result.occupancy,
    }
