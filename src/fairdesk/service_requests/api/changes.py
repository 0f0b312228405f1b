"""Changing a service request: its status (the state machine) and its outlet (by hand)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.network.selectors import outlet_get
from fairdesk.service_requests import selectors
from fairdesk.service_requests.api.rendering import render_request
from fairdesk.service_requests.api.router import router
from fairdesk.service_requests.api.schemas import (
    AssignOutletIn,
    ServiceRequestDetailOut,
    TransitionIn,
)
from fairdesk.service_requests.services.routing import service_request_assign_outlet
from fairdesk.service_requests.services.transitions import service_request_transition


@router.post(
    "/{number}/transitions",
    auth=api_auth,
    response=responds(ServiceRequestDetailOut, 401, 403, 404, 409, 422),
    summary="Change the status / 变更状态",
)
def transition_request(request: ApiRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    """Move the request to ``to`` (see ``allowed_transitions``): 409 when the state machine does
    not allow it from the current status, 403 when it is not yours to make."""
    user = request.auth.user
    sr = selectors.request_get(user=user, number=number)
    service_request_transition(
        request=sr,
        to_status=payload.to,
        actor=user,
        reason=payload.reason,
        serving=payload.serving_customer_id,
        api_client=request.auth.client,
    )
    sr = selectors.request_get(user=user, number=number)
    return render_request(
        sr, user=user, now=timezone.now(), serving=payload.serving_customer_id, detail=True
    )


@router.post(
    "/{number}/outlet",
    auth=api_auth,
    response=responds(ServiceRequestDetailOut, 401, 403, 404, 409, 422),
    summary="Route by hand / 人工分派网点",
)
def assign_outlet(request: ApiRequest, number: str, payload: AssignOutletIn) -> dict[str, Any]:
    """Central dispatch: give a request (typically out of coverage) to an outlet."""
    user = request.auth.user
    sr = selectors.request_get(user=user, number=number)
    selectors.check(user, selectors.ASSIGN_OUTLET, sr)
    service_request_assign_outlet(
        request=sr, outlet=outlet_get(code=payload.outlet_code), actor=user, reason=payload.reason
    )
    sr = selectors.request_get(user=user, number=number)
    return render_request(sr, user=user, now=timezone.now(), detail=True)
