"""A service request's timeline: every event in plain words."""

from __future__ import annotations

from typing import Any

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.customers.selectors import personal_data_for
from fairdesk.service_requests import selectors
from fairdesk.service_requests.api.rendering import timeline_out
from fairdesk.service_requests.api.router import router
from fairdesk.service_requests.api.schemas import TimelineEventOut


@router.get(
    "/{number}/timeline",
    auth=api_auth,
    response=responds(list[TimelineEventOut], 401, 404),
    summary="The timeline / 处理记录",
)
def request_timeline(request: ApiRequest, number: str) -> list[dict[str, Any]]:
    """Every event of the request, oldest first, in plain words (staff also see names)."""
    user = request.auth.user
    sr = selectors.request_get(user=user, number=number)
    show_names = selectors.sees_staff_names(user)
    personal = personal_data_for(user)
    names = [sr.customer.name] if personal.masked else []
    return [
        timeline_out(event, show_names=show_names, personal=personal, names=names)
        for event in selectors.timeline_for(user=user, request=sr)
    ]
