"""The service-request API's bodies and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field

from fairdesk.api.pagination import Page, PageQuery
from fairdesk.api.schemas import Data, Day, Id, Moment
from fairdesk.service_requests.choices import Channel, Kind, Priority, Status


class RequestCustomerOut(Data):
    id: int
    name: str
    phone: str = Field(description="Masked (138****8000) unless you may see it in full")


class RequestDeviceOut(Data):
    id: int | None
    label: str = Field(description="Model and serial number at intake")


class RequestAddressOut(Data):
    text: str
    division_code: str
    division_name: str


class RequestOutletOut(Data):
    code: str
    name: str


class ClockOut(Data):
    clock_type: str = Field(description="first_response | callback | on_site | resolution")
    label: str
    cycle: int = Field(description="1, or more for a clock restarted by reopening")
    started_at: datetime
    deadline: datetime = Field(description="The deadline (a paused clock's moves with the pause)")
    status: str = Field(description="running | paused | met | stopped")
    met_at: datetime | None
    stopped_at: datetime | None
    breached: bool
    overdue_by_seconds: int | None = Field(description="How late: met late, or unmet past it")
    remaining_seconds: int | None = Field(description="Time left, when not breached")
    paused: bool
    paused_seconds: int
    escalation_level: int


class PromiseOut(Data):
    clock_type: str
    label: str
    duration_minutes: int


class ServiceRequestOut(Data):
    number: str
    kind: Kind
    kind_label: str
    channel: Channel
    priority: Priority
    status: Status
    status_label: str
    description: str
    product_description: str
    device: RequestDeviceOut | None
    customer: RequestCustomerOut
    address: RequestAddressOut
    outlet: RequestOutletOut | None = Field(description="null: the brand's central queue")
    out_of_coverage: bool
    preferred_start: datetime | None
    preferred_end: datetime | None
    created_at: datetime
    updated_at: datetime
    clocks: list[ClockOut]
    allowed_transitions: list[str] = Field(description="What you may change the status to")


class ServiceRequestDetailOut(ServiceRequestOut):
    promises_not_applying: list[PromiseOut] = Field(
        description="Out of coverage: the promises a covered request would have had"
    )


ServiceRequestPage = Page[ServiceRequestOut]


class ServiceRequestIn(Data):
    kind: Kind
    description: str = Field(max_length=5000)
    customer_id: Id | None = Field(None, description="Integrations and agents: the customer")
    customer_phone: str | None = Field(None, description="…or the customer's mobile number")
    device_id: Id | None = None
    product_description: str = Field("", max_length=300)
    address_id: Id | None = None
    priority: Priority = Priority.NORMAL
    preferred_start: Moment | None = None
    preferred_end: Moment | None = None
    channel: Literal["api", "device"] | None = Field(
        None, description="Integrations only: api (default) or device (a smart device's report)"
    )


class TransitionIn(Data):
    to: Status
    reason: str = Field("", max_length=2000)
    serving_customer_id: Id | None = Field(
        None, description="Agents: the caller you are serving (to act for them)"
    )


class AssignOutletIn(Data):
    outlet_code: str
    reason: str = Field(max_length=2000)


class TimelineEventOut(Data):
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor_role: str
    actor_role_label: str
    actor: str | None = Field(description="The staff user's name (shown to staff only)")
    reason: str
    text: str = Field(description="The event in plain words")


class RequestFilters(PageQuery):
    status: Status | None = None
    kind: Kind | None = None
    outlet: str | None = Field(None, description="Outlet code")
    customer_phone: str | None = None
    created_from: Day | None = Field(None, description="From this day (Beijing time)")
    created_to: Day | None = Field(None, description="To this day, inclusive")
    out_of_coverage: bool | None = None
