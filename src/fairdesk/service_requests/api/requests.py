"""Filing, listing and reading service requests."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Header, Query
from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.api.pagination import page_of
from fairdesk.service_requests import selectors
from fairdesk.service_requests.api.rendering import render_request
from fairdesk.service_requests.api.router import router
from fairdesk.service_requests.api.schemas import (
    RequestFilters,
    ServiceRequestDetailOut,
    ServiceRequestIn,
    ServiceRequestPage,
)
from fairdesk.service_requests.services.intake import service_request_file


@router.post(
    "",
    auth=api_auth,
    response=responds(ServiceRequestDetailOut, 401, 403, 404, 422, ok=(200, 201)),
    summary="File a service request / 提交服务申请",
)
def create_request(
    request: ApiRequest,
    response: HttpResponse,
    payload: ServiceRequestIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="A retry with the same key returns the same request, never a second one",
    ),
) -> Respond[dict[str, Any]]:
    """File a request: it is routed to the outlet covering the address (or the central queue,
    out of coverage), its SLA clocks start, and the customer gets a confirmation (SMS and
    portal) with the number and every deadline that applies. A retry with the same
    ``Idempotency-Key`` answers 200 with the first request (``Idempotent-Replayed: true``)."""
    user, client = request.auth.user, request.auth.client
    customer = selectors.access_filing_customer(
        user=user,
        customer_id=payload.customer_id,
        customer_phone=payload.customer_phone,
    )
    channel = selectors.filing_channel(
        user=user, client=client, customer=customer, requested=payload.channel
    )
    filed = service_request_file(
        customer=customer,
        kind=payload.kind,
        channel=channel,
        actor=user,
        description=payload.description,
        address=selectors.access_intake_address(customer, payload.address_id),
        device=selectors.access_intake_device(customer, payload.device_id),
        product_description=payload.product_description,
        priority=payload.priority,
        preferred_start=payload.preferred_start,
        preferred_end=payload.preferred_end,
        idempotency_key=idempotency_key,
        api_client=client,
    )
    if filed.replayed:
        response["Idempotent-Replayed"] = "true"
    # the filer sees what they filed (even an integration that may not list requests); a new
    # request is rendered from what was just written, a retry's from the database
    sr = filed.request if not filed.replayed else selectors.request_for_render(filed.request.pk)
    body = render_request(
        sr,
        user=user,
        now=timezone.now(),
        detail=True,
        clocks=filed.clocks,
        not_applying=filed.not_applying,
    )
    return Respond(200 if filed.replayed else 201, body)


@router.get(
    "",
    auth=api_auth,
    response=responds(ServiceRequestPage, 401, 403, 422),
    summary="Service requests / 服务申请列表",
)
def list_requests(request: ApiRequest, filters: Query[RequestFilters]) -> dict[str, Any]:
    """The requests you may see, newest first, with their SLA clocks (``limit``/``offset``
    pagination and the ``total``)."""
    user = request.auth.user
    rows = selectors.request_list(
        user=user,
        filters=selectors.RequestFilters(
            status=filters.status,
            kind=filters.kind,
            outlet_code=filters.outlet,
            customer_phone=filters.customer_phone,
            created_from=filters.created_from,
            created_to=filters.created_to,
            out_of_coverage=filters.out_of_coverage,
        ),
    )
    now = timezone.now()
    return page_of(rows, filters, lambda sr: render_request(sr, user=user, now=now))


@router.get(
    "/{number}",
    auth=api_auth,
    response=responds(ServiceRequestDetailOut, 401, 404),
    summary="One service request / 服务申请详情",
)
def get_request(request: ApiRequest, number: str) -> dict[str, Any]:
    user = request.auth.user
    sr = selectors.request_get(user=user, number=number)
    return render_request(sr, user=user, now=timezone.now(), detail=True)
