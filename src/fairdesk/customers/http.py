"""Request helpers of the customer pages and API: the client's IP (``core.http``), the signed-in
customer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from fairdesk.core.http import client_ip
from fairdesk.customers.selectors import customer_for_user

__all__ = ["client_ip", "customer_required"]


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
