"""The contact API's bodies, queries and answers, and the parsing its handlers share (the
language of a conversation, a time with its offset)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Schema

from fairdesk.api.pagination import Page, PageQuery
from fairdesk.api.schemas import Data, Day, Id, Moment
from fairdesk.contact.choices import ComplaintCategory, ComplaintStatus, ContactType
from fairdesk.contact.services.messages import LANGUAGES
from fairdesk.core.errors import DomainError


def _enum(values: list[str], description: str) -> Any:
    """A string field documented with its values, checked by the services (specific codes)."""
    return Field(..., description=description, json_schema_extra={"enum": list(values)})


class MessageOut(Data):
    id: int
    sender: str = Field(description="customer | bot | agent | system")
    sender_label: str
    agent: str | None = Field(description="The agent's name, on an agent's message")
    text: str
    at: datetime


class ContactOut(Data):
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


class ContactIn(Data):
    contact_type: str = _enum(ContactType.values, "What the contact is about")
    text: str = Field("", description="The first words (a hazard or 人工 goes to a person)")
    product_line: str = Field("", max_length=32)
    language: str | None = Field(
        None,
        description="zh-hans or en (default: yours)",
        json_schema_extra={"enum": list(LANGUAGES)},
    )


class SayIn(Data):
    text: str = Field(description="Up to 2,000 characters; 人工 / agent transfers at once")


class CallbackIn(Data):
    contact_type: str = _enum(ContactType.values, "What the callback is about")
    window_start: Moment = Field(description="ISO 8601 with an offset, e.g. …T14:00:00+08:00")
    window_end: Moment = Field(
        description="At least 15 minutes after the start, ≤ 7 days out, and the whole window "
        "within the staffed hours (GET /callbacks/windows)"
    )
    phone: str = Field("", max_length=20, description="A mainland mobile number (default: yours)")
    text: str = Field("", max_length=2000)
    language: str | None = Field(None, json_schema_extra={"enum": list(LANGUAGES)})


class CallbackOut(Data):
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
    cancelled_at: datetime | None
    escalation_level: int
    changeable: bool = Field(
        description="True while you may cancel or move it: booked, its window not ended, no "
        "agent calling yet"
    )


class CallbackMoveIn(Data):
    window_start: Moment = Field(description="ISO 8601 with an offset, e.g. …T14:00:00+08:00")
    window_end: Moment = Field(
        description="Checked like a new booking: ≥ 15 minutes, ≤ 7 days out, within the staffed "
        "hours"
    )


class CallbackWindowOut(Data):
    start: datetime
    end: datetime


class CallbackWindowsOut(Data):
    hours: str = Field(description="The staffed hours, every day, e.g. 08:30–18:00")
    time_zone: str = Field(description="The hours' time zone (Asia/Shanghai)")
    closed_days: list[date] = Field(description="Days the centre does not call back")
    windows: list[CallbackWindowOut] = Field(
        description="The windows offered now: within the hours, not started, up to 7 days ahead"
    )


class ComplaintCustomerOut(Data):
    id: int
    name: str
    phone: str = Field(description="Masked (138****8000)")


class ComplaintIn(Data):
    category: str = _enum(ComplaintCategory.values, "What the complaint is about")
    description: str = Field(description="Up to 2,000 characters")
    service_request: str | None = Field(None, description="The number of your service request")
    subscription_id: Id | None = None
    contact_id: Id | None = Field(None, description="The conversation it came from")


class ComplaintOut(Data):
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
    customer: ComplaintCustomerOut | None = Field(description="Staff only")
    created_at: datetime
    closed_at: datetime | None
    allowed_transitions: list[str] = Field(description="What you may move it to now")


class ComplaintEventOut(Data):
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


ComplaintPage = Page[ComplaintOut]


class ComplaintFilters(PageQuery):
    status: str | None = Field(None, json_schema_extra={"enum": list(ComplaintStatus.values)})
    category: str | None = Field(None, json_schema_extra={"enum": list(ComplaintCategory.values)})


class ComplaintTransitionIn(Data):
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
    period_from: Day | None = Field(
        None, alias="from", description="Received on or after this Beijing day (default: 30 days)"
    )
    period_to: Day | None = Field(None, alias="to", description="… up to this day, inclusive")
    category: str | None = Field(None, json_schema_extra={"enum": list(ComplaintCategory.values)})
    outlet: str | None = Field(None, description="Outlet code")


class ExportRowOut(Data):
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


class ExportOut(Data):
    period_from: date
    period_to: date
    generated_at: datetime
    count: int
    items: list[ExportRowOut]


class QueueEntryOut(Data):
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


class QueueOut(Data):
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


class StaffingOut(Data):
    arrivals_per_hour: float
    handle_seconds: float
    traffic_erlangs: float
    agents: int = Field(description="The fewest agents that meet the target")
    service_level: float = Field(description="Share answered within the target time")
    wait_probability: float
    average_wait_seconds: float
    occupancy: float


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def language_for(requested: str | None, customer: Any) -> str:
    """The conversation's language: the one asked for (422 ``invalid_language``), else the
    customer's, else the request's."""
    if requested is None:
        current = translation.get_language() or ""
        if customer is not None and customer.language in LANGUAGES:
            return str(customer.language)
        return "en" if current.startswith("en") else "zh-hans"
    if requested not in LANGUAGES:
        raise DomainError(_("Choose zh-hans or en."), code="invalid_language", status=422)
    return requested


def aware(value: datetime, field: str) -> datetime:
    """A time sent with its offset (422 ``timezone_required`` without)."""
    if timezone.is_naive(value):
        raise DomainError(
            _("Give %(field)s with its time zone, for example 2026-11-23T14:00:00+08:00.")
            % {"field": field},
            code="timezone_required",
            status=422,
        )
    return value
