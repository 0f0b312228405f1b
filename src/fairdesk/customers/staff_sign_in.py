"""Staff password sign-in: the lock after repeated wrong passwords (django-axes).

Every password sign-in goes through ``django.contrib.auth.authenticate`` with the request — the
staff page (``/staff/login/``) and the admin's (``/admin/login/``) alike — and so through
django-axes (``axes.backends.AxesStandaloneBackend``, first of ``AUTHENTICATION_BACKENDS``), which
records each failure with the user name tried and the client's address (``core.http.client_ip``:
the proxy's header only in HTTPS/proxy mode). The rules, in the spirit of the customers' code
sign-in (``services/sign_in.py``):

* ``AXES_FAILURE_LIMIT`` wrong passwords for one user name within ``AXES_COOLOFF_TIME`` lock that
  account, from every address (``STAFF_LOGIN_LOCK_FAILURES``, default 10);
* ``STAFF_LOGIN_LOCK_FAILURES_PER_IP`` wrong passwords from one address within the same time,
  whatever the user names, lock that address (default 30: a call centre shares one address);
* a lock lasts ``AXES_COOLOFF_TIME`` from the failure that set it (``STAFF_LOGIN_LOCK_MINUTES``,
  default 15); attempts while locked are refused — the right password too — and neither
  counted nor extend it (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so the
  wait the page shows is the real one;
* the page says so, in the visitor's language, with the wait, and answers 429.

User names that do not exist count like the others, so the lock tells nothing about who has an
account. A brand administrator (or ``fairdesk manage axes_reset_username NAME``) lifts a lock by
deleting its access attempts in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.http import client_ip
from fairdesk.customers.services.sign_in import format_wait

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class StaffLock:
    """A lock in force: on an ``account`` (user name) or an ``address`` (client IP), until when."""

    scope: str
    until: datetime


def _limits() -> tuple[int, int]:
    return (
        int(settings.AXES_FAILURE_LIMIT),
        int(getattr(settings, "STAFF_LOGIN_LOCK_FAILURES_PER_IP", 30)),
    )


def _cool_off(request: HttpRequest | None) -> timedelta:
    return get_cool_off(request) or timedelta(minutes=15)


def _lock_end(
    attempts: QuerySet[AccessAttempt], limit: int, cool_off: timedelta
) -> datetime | None:
    """When the failures of ``attempts`` (within the cool-off) stop reaching ``limit``, or None.

    An access attempt row holds the failures of one user name, address and browser and the time
    of its latest; axes counts a row while that time is within the cool-off. Newest first, the
    row at which the running total reaches the limit is the one whose ageing ends the lock.
    """
    total = 0
    rows = attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start")
    for when, failures in rows:
        total += failures
        if total >= limit:
            end: datetime = when + cool_off
            return end
    return None


def staff_lock(
    *, username: str | None, ip: str | None, now: datetime | None = None
) -> StaffLock | None:
    """The lock in force on this user name or this address, or None (the account's first)."""
    now = now or timezone.now()
    per_account, per_address = _limits()
    cool_off = _cool_off(None)
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    for scope, attempts, limit in (
        (ACCOUNT, recent.filter(username=username), per_account),
        (ADDRESS, recent.filter(ip_address=ip), per_address),
    ):
        if scope == ADDRESS and ip is None:
            continue
        end = _lock_end(attempts, limit, cool_off)
        if end is not None and end > now:
            return StaffLock(scope=scope, until=end)
    return None


class StaffSignInHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for an address (``AXES_LOCKOUT_PARAMETERS``
    is ``["username", "ip_address"]``: either locks). Axes compares ``get_failures`` with
    ``AXES_FAILURE_LIMIT`` (the account's limit): an address over its own limit counts as that."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_account, per_address = _limits()
        by_account, by_address = (
            sum(attempts.values_list("failures_since_start", flat=True))
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= per_address:
            return max(by_account, per_account)
        return int(by_account)


def lock_message(lock: StaffLock | None, now: datetime | None = None) -> str:
    """What the sign-in page says about a lock, in the active language, with the wait."""
    now = now or timezone.now()
    wait = format_wait((lock.until - now).total_seconds()) if lock else format_wait(15 * 60)
    if lock is not None and lock.scope == ADDRESS:
        message = _(
            "Too many wrong passwords were entered from your network. For your safety, signing "
            "in from it is locked; try again in %(wait)s."
        )
    else:
        message = _(
            "Too many wrong passwords were entered for this account. For your safety, signing "
            "in to it is locked; try again in %(wait)s."
        )
    return message % {"wait": wait}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the sign-in page again (staff or admin, whichever was used)
    with the lock and its wait in place of "wrong password", status 429."""
    lock = staff_lock(username=get_client_username(request, credentials), ip=client_ip(request))
    message = lock_message(lock)
    context = getattr(original_response, "context_data", None)
    form = context.get("form") if isinstance(context, dict) else None
    if isinstance(original_response, TemplateResponse) and form is not None:
        form.errors[NON_FIELD_ERRORS] = form.error_class([message])
        response = TemplateResponse(request, original_response.template_name, context, status=429)
    else:
        response = TemplateResponse(
            request, "customers/staff_locked.html", {"message": message}, status=429
        )
    if lock is not None:
        response["Retry-After"] = str(max(1, int((lock.until - timezone.now()).total_seconds())))
    return response.render()
