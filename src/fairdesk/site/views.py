from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fairdesk.network.selectors import network_summary


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html", {"summary": network_summary()})
