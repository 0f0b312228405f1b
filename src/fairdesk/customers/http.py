"""Request helpers of the customer pages and API: the client's IP, the signed-in customer."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from fairdesk.customers.selectors import customer_for_user


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address (for the per-IP limits).

    ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_HOPS`` (a setting, read at call time) says how many
    reverse proxies in front of fairdesk append to ``X-Forwarded-For``: then the address the
    outermost trusted proxy saw. Anything that is not an IP address counts as none.
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages of a signed-in customer: others go to the sign-in page; staff get a 403 page.

    Sets ``request.customer``.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('customers:login')}?{query}")
        customer = customer_for_user(request.user)
        if customer is None:
            return render(request, "customers/not_a_customer.html", status=403)
        request.customer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
