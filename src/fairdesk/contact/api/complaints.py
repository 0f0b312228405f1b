"""Complaints: a customer files one; both sides move it through its lifecycle (``workflow``);
everyone concerned reads it with its timeline."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Query
from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.api.pagination import page_of
from fairdesk.api.schemas import Id
from fairdesk.contact import selectors
from fairdesk.contact.api.rendering import render_complaint, render_complaint_detail
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import (
    ComplaintDetailOut,
    ComplaintFilters,
    ComplaintIn,
    ComplaintPage,
    ComplaintTransitionIn,
)
from fairdesk.contact.services.complaints import (
    check_complaint_category,
    check_complaint_status,
    complaint_file,
    complaint_transition,
)


@router.post(
    "/complaints",
    auth=api_auth,
    response=responds(ComplaintDetailOut, 401, 403, 422, ok=(201,)),
    summary="File a complaint / 提交投诉",
)
def file_complaint(request: ApiRequest, payload: ComplaintIn) -> Respond[dict[str, Any]]:
    """A customer files a complaint: it gets a number and deadlines (acknowledgement within a
    day; plan-change, refund and obstruction complaints go through the green channel).
    403 ``forbidden`` (customers only); 422 ``invalid_category``, ``empty_message``,
    ``message_too_long``, ``service_request_not_found``, ``subscription_not_found``,
    ``contact_not_found``, ``not_yours``."""
    user = request.auth.user
    customer = selectors.access_customer(user)
    links = selectors.access_complaint_links(
        user=user,
        customer=customer,
        service_request_number=payload.service_request,
        subscription_id=payload.subscription_id,
        contact_id=payload.contact_id,
    )
    complaint = complaint_file(
        customer=customer,
        category=payload.category,
        description=payload.description,
        service_request=links.service_request,
        subscription=links.subscription,
        contact=links.contact,
        actor=user,
    )
    found = selectors.access_complaint(user=user, complaint_id=complaint.pk)
    return Respond(201, render_complaint_detail(found, user=user))


@router.get(
    "/complaints",
    auth=api_auth,
    response=responds(ComplaintPage, 401, 403, 422),
    summary="Complaints / 投诉列表",
)
def list_complaints(request: ApiRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    """A customer's own complaints; agents and brand administrators see all. Newest first
    (``limit``/``offset`` pagination and the ``total``). Auditors use the export.
    403 ``forbidden``; 422 ``invalid_status``, ``invalid_category``."""
    user = request.auth.user
    rows = selectors.access_complaint_list(user)
    if filters.status is not None:
        rows = rows.filter(status=check_complaint_status(filters.status))
    if filters.category is not None:
        rows = rows.filter(category=check_complaint_category(filters.category))
    rows = rows.select_related("customer", "outlet", "service_request").order_by(
        "-created_at", "-id"
    )
    staff, now = selectors.is_contact_staff(user), timezone.now()
    return page_of(rows, filters, lambda c: render_complaint(c, user=user, staff=staff, now=now))


@router.get(
    "/complaints/{int:complaint_id}",
    auth=api_auth,
    response=responds(ComplaintDetailOut, 401, 404),
    summary="A complaint and its timeline / 投诉详情",
)
def get_complaint(request: ApiRequest, complaint_id: Id) -> dict[str, Any]:
    """The complaint with its timeline (every step, oldest first, with the deadline it set).
    404 ``complaint_not_found`` (also another customer's)."""
    user = request.auth.user
    return render_complaint_detail(
        selectors.access_complaint(user=user, complaint_id=complaint_id), user=user
    )


@router.post(
    "/complaints/{int:complaint_id}/transitions",
    auth=api_auth,
    response=responds(ComplaintDetailOut, 401, 403, 404, 409, 422),
    summary="Move a complaint / 投诉状态变更",
)
def transition_complaint(
    request: ApiRequest, complaint_id: Id, payload: ComplaintTransitionIn
) -> dict[str, Any]:
    """Staff acknowledge, investigate and resolve; the customer accepts or rejects a resolution
    and may take the complaint outside (12315) after an answer or while the brand is late.
    403 ``forbidden``; 409 ``illegal_transition``; 422 ``invalid_status``,
    ``outcome_required``, ``external_body_required``."""
    user = request.auth.user
    complaint = selectors.access_complaint(user=user, complaint_id=complaint_id)
    complaint_transition(
        complaint=complaint,
        to_status=payload.to_status,
        actor=user,
        note=payload.note,
        outcome=payload.outcome,
        external_body=payload.external_body,
        external_reference=payload.external_reference,
    )
    return render_complaint_detail(
        selectors.access_complaint(user=user, complaint_id=complaint_id), user=user
    )
