"""Customer sign-in with a mobile number and a one-time code.

``login_code_request`` sends six random digits through the outbox (``message_send``, channel
``sms``); only an HMAC-SHA256 of the number and the code (key: ``SECRET_KEY``) is stored. A code
lives five minutes and only the number's latest code counts. ``login_code_verify`` checks it:

* each guess first *reserves* one of the code's attempts with a conditional UPDATE, so a code
  takes at most ``LOGIN_CODE_MAX_ATTEMPTS`` guesses even when they arrive at the same time; a right
  guess gives its attempt back and marks the code used with another conditional UPDATE, so two
  concurrent verifies of one code cannot both sign in;
* ``LOGIN_LOCK_FAILURES`` wrong codes within ``LOGIN_LOCK_WINDOW_SECONDS`` (over all the number's
  codes, each code's failures dated by its ``last_failed_at``) lock the number for
  ``LOGIN_LOCK_SECONDS``, fresh code or not;
* the first successful sign-in creates the customer and a Django user ``c<number>`` with no
  usable password, in the ``customer`` group.

Requests are limited per number (one per ``LOGIN_CODE_RESEND_SECONDS``, ``LOGIN_CODE_MAX_PER_HOUR``
an hour) and per client IP (``LOGIN_CODE_MAX_PER_IP_PER_HOUR``). Every limit is a setting read at
call time; the defaults are in ``common.DEFAULTS``. Over a limit is a ``DomainError`` with status
429 and the wait in its message and in ``details["retry_after"]`` (seconds).

``login_code_verify`` must run outside a transaction (views and API handlers do): a wrong code is
recorded even though the call then raises.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers.models import Customer, LoginCode
from fairdesk.customers.services.common import clean, invalid, setting

HOUR = 3600
CODE_LENGTH = 6


def check_mobile(phone: str | None) -> str:
    """The number in normal form ('13800138000'), or a 422 ``DomainError``."""
    normal = normalize_mobile(phone or "")
    if normal is None:
        raise invalid(
            _(
                "“%(phone)s” is not a mainland China mobile number. Enter the 11 digits that "
                "start with 1, for example 138 0013 8000."
            )
            % {"phone": (phone or "").strip()[:32]},
            "invalid_phone",
        )
    return normal


def format_wait(seconds: float) -> str:
    """A wait for people: '45 seconds', '3 minutes' (rounded up), in the active language."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _too_many(message: str, code: str, wait: timedelta) -> DomainError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return DomainError(
        message % {"wait": format_wait(seconds)},
        code=code,
        status=429,
        details={"retry_after": seconds},
    )


def code_hash(phone: str, code: str) -> str:
    """HMAC-SHA256 of the number and the code, keyed with SECRET_KEY (the code is never stored)."""
    message = f"fairdesk.login-code:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _serialize_phone(phone: str) -> None:
    """Serialise code requests for one number until the transaction ends.

    SQLite already runs one write transaction at a time (``BEGIN IMMEDIATE``); PostgreSQL takes a
    transaction-level advisory lock on the number, so two requests cannot both pass the limits.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [(0x4644 << 40) | int(phone)])


def login_locked_until(*, phone: str, now: datetime | None = None) -> datetime | None:
    """When the number's sign-in lock ends, or None when it is not locked.

    The lock starts at the failure that made ``LOGIN_LOCK_FAILURES`` failures within the window
    and lasts ``LOGIN_LOCK_SECONDS``; no failure can be recorded while it lasts, so that failure
    is the latest one.
    """
    now = now or timezone.now()
    window = timedelta(seconds=setting("LOGIN_LOCK_WINDOW_SECONDS"))
    lock = timedelta(seconds=setting("LOGIN_LOCK_SECONDS"))
    failed = LoginCode.objects.filter(
        phone=phone, attempts__gt=0, last_failed_at__gt=now - lock - window
    )
    last = failed.order_by("-last_failed_at").values_list("last_failed_at", flat=True).first()
    if last is None or now >= last + lock:
        return None
    count = failed.filter(last_failed_at__gte=last - window).aggregate(n=Sum("attempts"))["n"]
    return last + lock if (count or 0) >= setting("LOGIN_LOCK_FAILURES") else None


def _locked_error(until: datetime, now: datetime) -> DomainError:
    return _too_many(
        _(
            "Too many wrong codes were entered for this number. For your safety, sign-in with "
            "this number is locked; try again in %(wait)s."
        ),
        "sign_in_locked",
        until - now,
    )


def _check_request_limits(phone: str, ip: str | None, now: datetime) -> None:
    hour_ago = now - timedelta(seconds=HOUR)
    sent = list(
        LoginCode.objects.filter(phone=phone, created_at__gt=hour_ago)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    resend = timedelta(seconds=setting("LOGIN_CODE_RESEND_SECONDS"))
    if sent and sent[-1] + resend > now:
        raise _too_many(
            _("A code was sent to this number moments ago. You can ask for a new one in %(wait)s."),
            "code_requested_too_soon",
            sent[-1] + resend - now,
        )
    per_hour = setting("LOGIN_CODE_MAX_PER_HOUR")
    if len(sent) >= per_hour:
        raise _too_many(
            _("Too many codes were requested for this number. You can ask again in %(wait)s."),
            "too_many_codes_for_number",
            sent[len(sent) - per_hour] + timedelta(seconds=HOUR) - now,
        )
    if ip:
        per_ip = setting("LOGIN_CODE_MAX_PER_IP_PER_HOUR")
        from_ip = LoginCode.objects.filter(ip=ip, created_at__gt=hour_ago).order_by("created_at")
        n = from_ip.count()
        if n >= per_ip:
            oldest = from_ip.values_list("created_at", flat=True)[n - per_ip]
            raise _too_many(
                _("Too many codes were requested from your network. Please try again in %(wait)s."),
                "too_many_codes_for_ip",
                oldest + timedelta(seconds=HOUR) - now,
            )


def login_code_request(*, phone: str, ip: str | None) -> LoginCode:
    """Send a sign-in code to a mobile number (through the outbox); returns the stored code row.

    Bad number: 422 ``invalid_phone``. Locked number: 429 ``sign_in_locked``. Over a limit: 429
    ``code_requested_too_soon``, ``too_many_codes_for_number`` or ``too_many_codes_for_ip``.
    """
    from fairdesk.notifications.services import message_send

    phone = check_mobile(phone)
    ttl = setting("LOGIN_CODE_TTL_SECONDS")
    with transaction.atomic():
        _serialize_phone(phone)
        now = timezone.now()
        until = login_locked_until(phone=phone, now=now)
        if until is not None:
            raise _locked_error(until, now)
        _check_request_limits(phone, ip, now)
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        row = LoginCode.objects.create(
            phone=phone,
            code_hash=code_hash(phone, code),
            ip=ip or None,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        customer = Customer.objects.filter(phone=phone).first()
        language = customer.language if customer else settings.LANGUAGE_CODE
        with translation.override(language):
            body = _(
                "[fairdesk] Your sign-in code is %(code)s. It is valid for %(minutes)s minutes. "
                "Never tell it to anyone: our staff will never ask you for it."
            ) % {"code": code, "minutes": max(1, ttl // 60)}
        message_send(
            channel="sms",
            kind="login_code",
            recipient=phone,
            customer=customer,
            body=body,
            params={"code": code, "minutes": max(1, ttl // 60)},
        )
    return row


def _wrong_code(phone: str, row: LoginCode, now: datetime) -> DomainError:
    until = login_locked_until(phone=phone, now=now)
    if until is not None:
        return _locked_error(until, now)
    left = setting("LOGIN_CODE_MAX_ATTEMPTS") - row.attempts
    if left <= 0:
        return invalid(
            _("Wrong code. This code was entered wrongly too many times; ask for a new one."),
            "code_attempts_exhausted",
        )
    return DomainError(
        ngettext(
            "Wrong code. You can try %(n)d more time with this code.",
            "Wrong code. You can try %(n)d more times with this code.",
            left,
        )
        % {"n": left},
        code="wrong_code",
        status=422,
        details={"attempts_left": left},
    )


def login_code_verify(*, phone: str, code: str, ip: str | None) -> Customer:
    """Check a sign-in code; on success, the customer (created on first sign-in) with a user.

    The caller signs the user in (``django.contrib.auth.login``). Errors: 422 ``invalid_phone``,
    ``invalid_code_format``, ``no_code``, ``code_used``, ``code_expired``,
    ``code_attempts_exhausted``, ``wrong_code``; 429 ``sign_in_locked``; 403 ``account_disabled``.
    Run it outside a transaction, so that a wrong code is recorded although the call raises.
    """
    phone = check_mobile(phone)
    code = re.sub(r"\s", "", clean(code))
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", code):
        raise invalid(_("The code is the six digits in the text message."), "invalid_code_format")
    now = timezone.now()
    until = login_locked_until(phone=phone, now=now)
    if until is not None:
        raise _locked_error(until, now)
    latest = LoginCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
    if latest is None:
        raise invalid(_("No code was sent to this number. Ask for a code first."), "no_code")
    if latest.used_at is not None:
        raise invalid(_("This code was already used. Ask for a new one."), "code_used")
    if latest.expires_at <= now:
        raise invalid(_("This code has expired. Ask for a new one."), "code_expired")
    max_attempts = setting("LOGIN_CODE_MAX_ATTEMPTS")
    # Reserve one attempt before comparing: concurrent guesses cannot exceed the limit.
    reserved = LoginCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=max_attempts
    ).update(attempts=F("attempts") + 1)
    if not reserved:
        latest.refresh_from_db()
        if latest.used_at is not None:
            raise invalid(_("This code was already used. Ask for a new one."), "code_used")
        raise invalid(
            _("This code was entered wrongly too many times; ask for a new one."),
            "code_attempts_exhausted",
        )
    if not hmac.compare_digest(code_hash(phone, code), latest.code_hash):
        LoginCode.objects.filter(pk=latest.pk).update(last_failed_at=now)
        latest.refresh_from_db()
        raise _wrong_code(phone, latest, now)
    with transaction.atomic():
        claimed = LoginCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(
            used_at=now, attempts=F("attempts") - 1
        )
        if not claimed:
            raise invalid(_("This code was already used. Ask for a new one."), "code_used")
        customer = _customer_for_sign_in(phone)
    return customer


def _customer_for_sign_in(phone: str) -> Customer:
    """The number's customer and its user, created when missing (inside the caller's atomic)."""
    customer = Customer.objects.select_for_update().filter(phone=phone).first()
    if customer is None:
        customer = Customer.objects.create(phone=phone)
    if customer.user_id is None:
        User = get_user_model()
        username = f"c{phone}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=None)
        group, _created = Group.objects.get_or_create(name=roles.CUSTOMER)
        user.groups.add(group)
        customer.user = user
        customer.save(update_fields=["user"])
    user = customer.user
    assert user is not None  # set just above when it was missing
    if not user.is_active:
        raise DomainError(
            _("This account is disabled. Please call customer service."),
            code="account_disabled",
            status=403,
        )
    return customer


def login_codes_purge(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete sign-in codes older than the longest window that reads them; returns the count."""
    keep = max(
        older_than,
        timedelta(
            seconds=max(HOUR, setting("LOGIN_LOCK_WINDOW_SECONDS") + setting("LOGIN_LOCK_SECONDS"))
        ),
    )
    deleted, _detail = LoginCode.objects.filter(created_at__lt=timezone.now() - keep).delete()
    return deleted
