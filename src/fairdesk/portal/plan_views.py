"""The customer's service plans in the portal (being built)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
