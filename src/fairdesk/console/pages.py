"""What every console page shares: the caller being served, redirects that HTMX follows, the
403 page.

Serving: opening a caller's page makes them the caller the agent is serving (kept in the
session). Their number is shown in full, and the agent may cancel, close or reopen *their*
requests on their behalf; everyone else's numbers stay masked.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from fairdesk.customers.models import Customer

#: The session key of the caller being served.
SERVING_KEY = "console_serving_customer"


def serving_customer(request: HttpRequest) -> Customer | None:
    """The caller this agent is serving (set by opening their page), or None."""
    pk = request.session.get(SERVING_KEY)
    if not pk:
        return None
    return Customer.objects.filter(pk=pk).first()


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that HTMX follows as a full page load."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)
