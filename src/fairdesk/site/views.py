"""The home page: the brand's service home (README: what the demo shows first)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fairdesk.network.views import coverage_lookup


@require_GET
@vary_on_headers("HX-Request")
def home(request: HttpRequest) -> HttpResponse:
    """The hotline, the ways to book, follow and talk to a person, and "is my address
    covered?" (the network's lookup: with ``address`` or ``code`` in the query, its answer —
    alone for an HTMX request)."""
    context = coverage_lookup(request.GET)
    if getattr(request, "htmx", False):
        return render(request, "network/_coverage_result.html", context)
    return render(request, "site/home.html", context)
