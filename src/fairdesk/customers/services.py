"""Writes of customers, addresses, devices and the product catalog; customer sign-in.

Sign-in with a mobile number and a one-time code
------------------------------------------------

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
call time; the defaults are in ``DEFAULTS``. Over a limit is a ``DomainError`` with status 429 and
the wait in its message and in ``details["retry_after"]`` (seconds).

``login_code_verify`` must run outside a transaction (views and API handlers do): a wrong code is
recorded even though the call then raises.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import math
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError, RestrictedError, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fairdesk.areas.resolver import resolve
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers.choices import AddressStatus
from fairdesk.customers.models import Address, Customer, Device, LoginCode, ProductModel
from fairdesk.network.choices import ProductLine

DEFAULTS: dict[str, int] = {
    "LOGIN_CODE_TTL_SECONDS": 5 * 60,
    "LOGIN_CODE_RESEND_SECONDS": 60,
    "LOGIN_CODE_MAX_PER_HOUR": 5,
    "LOGIN_CODE_MAX_PER_IP_PER_HOUR": 20,
    "LOGIN_CODE_MAX_ATTEMPTS": 5,
    "LOGIN_LOCK_FAILURES": 10,
    "LOGIN_LOCK_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
    "DEVICE_PROOF_MAX_BYTES": 5 * 1024 * 1024,
}
HOUR = 3600
CODE_LENGTH = 6
EARLIEST_PURCHASE = date(1990, 1, 1)
MAX_WARRANTY_MONTHS = 240
_UNSET: Any = object()


def setting(name: str) -> int:
    """A limit of this module: the Django setting of that name if set, else the default."""
    return int(getattr(settings, name, DEFAULTS[name]))


def _clean(text: str | None) -> str:
    """Identifiers (codes, serials, numbers): full-width letters and digits made plain, stripped."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _strip(text: str | None) -> str:
    """Text as people write it (names, addresses): kept as written, only stripped."""
    return (text or "").strip()


def _invalid(message: str, code: str, **details: Any) -> DomainError:
    return DomainError(message, code=code, status=422, details=details or None)


# --------------------------------------------------------------------------------------------
# Mobile numbers and sign-in codes
# --------------------------------------------------------------------------------------------


def check_mobile(phone: str | None) -> str:
    """The number in normal form ('13800138000'), or a 422 ``DomainError``."""
    normal = normalize_mobile(phone or "")
    if normal is None:
        raise _invalid(
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
        )
    return row


def _wrong_code(phone: str, row: LoginCode, now: datetime) -> DomainError:
    until = login_locked_until(phone=phone, now=now)
    if until is not None:
        return _locked_error(until, now)
    left = setting("LOGIN_CODE_MAX_ATTEMPTS") - row.attempts
    if left <= 0:
        return _invalid(
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
    code = re.sub(r"\s", "", _clean(code))
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", code):
        raise _invalid(_("The code is the six digits in the text message."), "invalid_code_format")
    now = timezone.now()
    until = login_locked_until(phone=phone, now=now)
    if until is not None:
        raise _locked_error(until, now)
    latest = LoginCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
    if latest is None:
        raise _invalid(_("No code was sent to this number. Ask for a code first."), "no_code")
    if latest.used_at is not None:
        raise _invalid(_("This code was already used. Ask for a new one."), "code_used")
    if latest.expires_at <= now:
        raise _invalid(_("This code has expired. Ask for a new one."), "code_expired")
    max_attempts = setting("LOGIN_CODE_MAX_ATTEMPTS")
    # Reserve one attempt before comparing: concurrent guesses cannot exceed the limit.
    reserved = LoginCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=max_attempts
    ).update(attempts=F("attempts") + 1)
    if not reserved:
        latest.refresh_from_db()
        if latest.used_at is not None:
            raise _invalid(_("This code was already used. Ask for a new one."), "code_used")
        raise _invalid(
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
            raise _invalid(_("This code was already used. Ask for a new one."), "code_used")
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


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------


def _check_name(name: str | None, max_length: int = 100) -> str:
    name = _strip(name)
    if len(name) > max_length:
        raise _invalid(
            _("A name can have at most %(n)s characters.") % {"n": max_length}, "name_too_long"
        )
    return name


def check_email(email: str | None) -> str:
    email = _clean(email)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise _invalid(
                _("“%(email)s” is not an e-mail address.") % {"email": email[:100]},
                "invalid_email",
            ) from exc
    return email


def _check_language(language: str) -> str:
    codes = [code for code, _label in settings.LANGUAGES]
    if language not in codes:
        raise _invalid(
            _("Unknown language: %(language)s.") % {"language": language},
            "invalid_language",
            allowed=codes,
        )
    return language


def customer_get_or_create(*, phone: str, name: str = "") -> Customer:
    """The customer with this mobile number, created (without a user) when there is none.

    For agents filing a request for a caller; the user is created at the first sign-in.
    """
    phone = check_mobile(phone)
    name = _check_name(name)
    customer = Customer.objects.filter(phone=phone).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(phone=phone, name=name)
    except IntegrityError:
        return Customer.objects.get(phone=phone)


def customer_update(
    *,
    customer: Customer,
    name: str = _UNSET,
    email: str = _UNSET,
    language: str = _UNSET,
) -> Customer:
    """Change a customer's details; only the arguments given are changed."""
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _check_name(name)
    if email is not _UNSET:
        changes["email"] = check_email(email)
    if language is not _UNSET:
        changes["language"] = _check_language(language)
    if changes:
        Customer.objects.filter(pk=customer.pk).update(**changes)
        for key, value in changes.items():
            setattr(customer, key, value)
    return customer


# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------

_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def check_contact_phone(phone: str | None) -> str:
    """A mobile number (normal form) or a landline ('0755-86001234'); '' when empty."""
    raw = _clean(phone)
    if not raw:
        return ""
    mobile = normalize_mobile(raw)
    if mobile:
        return mobile
    landline = re.sub(r"[\s()（）]", "", raw)
    if _LANDLINE_RE.match(landline):
        return landline
    raise _invalid(
        _(
            "“%(phone)s” is not a phone number. Enter a mobile number (11 digits) or a landline "
            "with its area code, for example 0755-86001234."
        )
        % {"phone": raw[:32]},
        "invalid_contact_phone",
    )


def _check_address_text(text: str | None) -> str:
    text = _strip(text)
    if not text:
        raise _invalid(
            _("Enter the address, for example 广东省深圳市南山区粤海街道科技园路1号."),
            "address_required",
        )
    if len(text) > 300:
        raise _invalid(
            _("An address can have at most 300 characters."), "address_too_long", length=len(text)
        )
    return text


def _check_label(label: str | None) -> str:
    label = _strip(label)
    if len(label) > 50:
        raise _invalid(_("A label can have at most 50 characters."), "label_too_long")
    return label


def _resolution_fields(text: str) -> dict[str, str]:
    """How the resolver reads an address: code, name, status and a note (kept as it was read).

    An address that does not resolve to one division is kept: the note says why (and lists the
    possible readings), and a request to it is routed by hand.
    """
    res = resolve(text)
    fields = {
        "division_code": (res.code or "") if res.ok else "",
        "division_name": (res.name or "")[:200] if res.ok else "",
        "division_status": res.status,
    }
    note = res.note or ""
    if not res.ok and res.candidates:
        names = "；".join(c.name for c in res.candidates[:5])
        label = "可能是" if res.status == AddressStatus.AMBIGUOUS else "相近的地名"
        note = f"{note}。{label}：{names}" if note else f"{label}：{names}"
    fields["resolution_note"] = note[:500]
    return fields


def _lock_customer(customer: Customer) -> None:
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()


def address_create(
    *,
    customer: Customer,
    text: str,
    label: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_default: bool = False,
) -> Address:
    """Add an address; it is resolved to a division, and kept (with a note) when it is not.

    A customer's first address is their default one; ``is_default`` makes this one the default
    and the previous default an ordinary address.
    """
    text = _check_address_text(text)
    fields = {
        "text": text,
        "label": _check_label(label),
        "contact_name": _check_name(contact_name),
        "contact_phone": check_contact_phone(contact_phone),
        **_resolution_fields(text),
    }
    with transaction.atomic():
        _lock_customer(customer)
        existing = Address.objects.filter(customer=customer)
        make_default = bool(is_default) or not existing.exists()
        if make_default:
            existing.filter(is_default=True).update(is_default=False)
        return Address.objects.create(customer=customer, is_default=make_default, **fields)


def address_update(
    *,
    address: Address,
    text: str = _UNSET,
    label: str = _UNSET,
    contact_name: str = _UNSET,
    contact_phone: str = _UNSET,
    is_default: bool = _UNSET,
) -> Address:
    """Change an address; a new text is resolved again. Only the arguments given are changed.

    ``is_default=True`` makes it the default (the previous one stops being it); ``False`` leaves
    the customer without a default address.
    """
    changes: dict[str, Any] = {}
    if text is not _UNSET:
        changes["text"] = _check_address_text(text)
        changes.update(_resolution_fields(changes["text"]))
    if label is not _UNSET:
        changes["label"] = _check_label(label)
    if contact_name is not _UNSET:
        changes["contact_name"] = _check_name(contact_name)
    if contact_phone is not _UNSET:
        changes["contact_phone"] = check_contact_phone(contact_phone)
    if is_default is not _UNSET:
        changes["is_default"] = bool(is_default)
    with transaction.atomic():
        _lock_customer(address.customer)
        if changes.get("is_default"):
            Address.objects.filter(customer_id=address.customer_id, is_default=True).exclude(
                pk=address.pk
            ).update(is_default=False)
        if changes:
            Address.objects.filter(pk=address.pk).update(**changes)
    for key, value in changes.items():
        setattr(address, key, value)
    return address


def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the newest remaining one becomes the default.

    An address that other records still use (a service request) cannot be deleted: 409.
    """
    with transaction.atomic():
        _lock_customer(address.customer)
        was_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
        try:
            with transaction.atomic():
                Address.objects.filter(pk=address.pk).delete()
        except (ProtectedError, RestrictedError) as exc:
            raise DomainError(
                _("This address is used by a service request and cannot be deleted."),
                code="address_in_use",
                status=409,
            ) from exc
        if was_default:
            newest = (
                Address.objects.filter(customer_id=address.customer_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if newest is not None:
                Address.objects.filter(pk=newest.pk).update(is_default=True)


# --------------------------------------------------------------------------------------------
# Product catalog
# --------------------------------------------------------------------------------------------


def check_warranty_months(months: int) -> int:
    if (
        not isinstance(months, int)
        or isinstance(months, bool)
        or not (1 <= months <= MAX_WARRANTY_MONTHS)
    ):
        raise _invalid(
            _("Warranty months must be a whole number from 1 to %(max)s.")
            % {"max": MAX_WARRANTY_MONTHS},
            "invalid_warranty_months",
        )
    return months


def product_model_save(
    *,
    brand: str,
    model_code: str,
    name: str,
    product_line: str,
    warranty_months: int,
    name_en: str = "",
    active: bool = True,
) -> ProductModel:
    """Create a catalog model, or update the one with this brand and model code."""
    brand, model_code, name = _strip(brand), _clean(model_code).upper(), _strip(name)
    if not brand or not model_code or not name:
        raise _invalid(
            _("A product model needs a brand, a model code and a name."), "product_incomplete"
        )
    if product_line not in ProductLine.values:
        raise _invalid(
            _("Unknown product line: %(line)s.") % {"line": product_line},
            "invalid_product_line",
            allowed=list(ProductLine.values),
        )
    fields = {
        "name": name[:200],
        "name_en": _strip(name_en)[:200],
        "product_line": product_line,
        "warranty_months": check_warranty_months(warranty_months),
        "active": bool(active),
    }
    with transaction.atomic():
        model, _created = ProductModel.objects.update_or_create(
            brand=brand[:100], model_code=model_code[:64], defaults=fields
        )
    return model


# --------------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------------

_SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_/.]{2,63}$")

# Proof of purchase: the file's first bytes decide its type (never its name).
_MAGIC = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
]


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's end (2024-01-31 + 1 → 2024-02-29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end(*, purchase_date: date, warranty_months: int) -> date:
    """The last day of the warranty: the purchase date plus the model's warranty months."""
    return add_months(purchase_date, warranty_months)


def check_serial(serial: str | None) -> str:
    """The serial number in normal form (stripped, upper case), or a 422 ``DomainError``."""
    normal = _clean(serial).upper()
    if not _SERIAL_RE.match(normal):
        raise _invalid(
            _(
                "“%(serial)s” is not a serial number. It is 3 to 64 letters and digits (also "
                "“-”, “_”, “/”, “.”), printed on the device's label."
            )
            % {"serial": (serial or "").strip()[:64]},
            "invalid_serial",
        )
    return normal


def check_purchase_date(purchase_date: date | None, *, today: date | None = None) -> date:
    today = today or timezone.localdate()
    if isinstance(purchase_date, datetime):
        purchase_date = (
            timezone.localtime(purchase_date).date()
            if timezone.is_aware(purchase_date)
            else purchase_date.date()
        )
    if not isinstance(purchase_date, date):
        raise _invalid(_("Enter the purchase date."), "purchase_date_required")
    if purchase_date > today:
        raise _invalid(
            _("The purchase date %(date)s is in the future.") % {"date": purchase_date.isoformat()},
            "purchase_date_in_future",
        )
    if purchase_date < EARLIEST_PURCHASE:
        raise _invalid(
            _("The purchase date %(date)s is before 1990; please check it.")
            % {"date": purchase_date.isoformat()},
            "purchase_date_too_early",
        )
    return purchase_date


@dataclass(frozen=True, slots=True)
class ProofCheck:
    content_type: str
    extension: str


def check_proof(proof: UploadedFile) -> ProofCheck:
    """A proof of purchase is a JPEG, PNG or PDF (by its first bytes) of at most 5 MB (setting)."""
    limit = setting("DEVICE_PROOF_MAX_BYTES")
    size = proof.size if proof.size is not None else 0
    if size > limit:
        raise _invalid(
            _("The proof of purchase is %(size)s; files up to %(limit)s are accepted.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            "proof_too_large",
            size=size,
            limit=limit,
        )
    proof.seek(0)
    head = proof.read(16) or b""
    proof.seek(0)
    if not head:
        raise _invalid(_("The proof of purchase is an empty file."), "proof_empty")
    for magic, content_type, extension in _MAGIC:
        if head.startswith(magic):
            return ProofCheck(content_type, extension)
    raise _invalid(
        _(
            "The proof of purchase must be a photo (JPEG or PNG) or a PDF; this file is none "
            "of them."
        ),
        "proof_type",
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _duplicate_serial(customer: Customer, product_model: ProductModel, serial: str) -> None:
    owner_id = (
        Device.objects.filter(product_model=product_model, serial=serial)
        .values_list("customer_id", flat=True)
        .first()
    )
    if owner_id is None:
        return
    params = {"model": product_model.model_code, "serial": serial}
    if owner_id == customer.pk:
        message = _("You have already registered this %(model)s with serial number %(serial)s.")
    else:
        message = _(
            "A %(model)s with serial number %(serial)s is already registered to another "
            "account. If the device is yours, please call customer service."
        )
    raise DomainError(message % params, code="duplicate_serial", status=409, details=params)


def device_register(
    *,
    customer: Customer,
    product_model: ProductModel,
    serial: str,
    purchase_date: date,
    proof: UploadedFile | None = None,
) -> Device:
    """Register a customer's device; its warranty end is computed from the model's terms.

    Errors (nothing is stored): 422 ``invalid_serial``, ``purchase_date_in_future``,
    ``purchase_date_too_early``, ``proof_too_large``, ``proof_type``, ``proof_empty``; 409
    ``duplicate_serial`` (a model's serial numbers are unique; the other owner is never named).
    """
    serial = check_serial(serial)
    purchase_date = check_purchase_date(purchase_date)
    checked = check_proof(proof) if proof is not None else None
    _duplicate_serial(customer, product_model, serial)
    device = Device(
        customer=customer,
        product_model=product_model,
        serial=serial,
        purchase_date=purchase_date,
        warranty_until=warranty_end(
            purchase_date=purchase_date, warranty_months=product_model.warranty_months
        ),
        proof_content_type=checked.content_type if checked else "",
    )
    stored = ""
    try:
        if proof is not None and checked is not None:
            # a name of ours: the uploaded name is never used as a path
            device.proof.save(f"{uuid.uuid4().hex}{checked.extension}", proof, save=False)
            stored = device.proof.name or ""
        with transaction.atomic():
            device.save()
    except IntegrityError:
        if stored:
            device.proof.storage.delete(stored)
        _duplicate_serial(customer, product_model, serial)
        raise
    except Exception:
        if stored:
            device.proof.storage.delete(stored)
        raise
    return device
