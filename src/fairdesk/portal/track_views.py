"""Following a request from the link in its confirmation, without signing in.

The link is signed and expires (``service_requests.selectors.tracking``); the page shows the
status, the deadlines and the timeline in plain words and no personal data. A link that was
changed or cut short is a 404 page, one that expired a 410 page, each saying what to do; the
page is never cached, never indexed and sends no referrer.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fairdesk.core.errors import DomainError
from fairdesk.service_requests import selectors as sr
from fairdesk.service_requests.display import request_row


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    """A request's progress for whoever holds its link."""
    try:
        tracked = sr.access_tracked_request(token)
    except DomainError as exc:
        context = {"error": exc.message, "expired": exc.status == 410}
        return _private(render(request, "portal/track.html", context, status=exc.status))
    context = {
        "sr": tracked,
        "row": request_row(tracked),
        "timeline": sr.public_timeline(tracked),
        "details_url": reverse("portal:request", args=[tracked.number]),
    }
    return _private(render(request, "portal/track.html", context))
