"""Who may open the console at all (the coarse gate of an interface app).

Which requests, customers and actions a staff member reaches is decided by the domain selectors
(``fairdesk.service_requests.selectors``, ``fairdesk.customers.selectors``); this module only
keeps customers and anonymous visitors out of the staff pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from fairdesk.core import roles


def is_console_user(user: Any) -> bool:
    """Signed-in, active staff: a superuser or staff user, a member of a staff role, or someone
    working at an outlet (``network.OutletMember``). Never a customer or an anonymous visitor."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_fairdesk_console", None)
    if cached is None:
        from fairdesk.network.selectors import outlet_roles_of

        cached = roles.is_staff_member(user) or bool(outlet_roles_of(user=user))
        user._fairdesk_console = cached
    return cached


def staff_login_url() -> str:
    try:
        return reverse("customers:staff_login")
    except NoReverseMatch:
        return reverse("admin:login")


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Console pages: anonymous visitors go to the staff sign-in; others get a 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{staff_login_url()}?{query}")
        if not is_console_user(request.user):
            return render(request, "console/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
