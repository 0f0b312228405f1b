"""A customer's own record — name, e-mail, language — and their addresses (each resolved to
an administrative division, and kept with a note when it does not resolve)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairdesk.areas.resolver import resolve
from fairdesk.core.errors import DomainError
from fairdesk.core.phones import normalize_mobile
from fairdesk.core.sentences import clause, enumeration, sentences
from fairdesk.customers.choices import AddressStatus
from fairdesk.customers.models import Address, Customer
from fairdesk.customers.services.common import clean, invalid, strip
from fairdesk.customers.services.sign_in import check_mobile

_UNSET: Any = object()


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------


def _check_name(name: str | None, max_length: int = 100) -> str:
    name = strip(name)
    if len(name) > max_length:
        raise invalid(
            _("A name can have at most %(n)s characters.") % {"n": max_length}, "name_too_long"
        )
    return name


def check_email(email: str | None) -> str:
    email = clean(email)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise invalid(
                _("“%(email)s” is not an e-mail address.") % {"email": email[:100]},
                "invalid_email",
            ) from exc
    return email


def _check_language(language: str) -> str:
    codes = [code for code, _label in settings.LANGUAGES]
    if language not in codes:
        raise invalid(
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
    raw = clean(phone)
    if not raw:
        return ""
    mobile = normalize_mobile(raw)
    if mobile:
        return mobile
    landline = re.sub(r"[\s()（）]", "", raw)
    if _LANDLINE_RE.match(landline):
        return landline
    raise invalid(
        _(
            "“%(phone)s” is not a phone number. Enter a mobile number (11 digits) or a landline "
            "with its area code, for example 0755-86001234."
        )
        % {"phone": raw[:32]},
        "invalid_contact_phone",
    )


def _check_address_text(text: str | None) -> str:
    text = strip(text)
    if not text:
        raise invalid(
            _("Enter the address, for example 广东省深圳市南山区粤海街道科技园路1号."),
            "address_required",
        )
    if len(text) > 300:
        raise invalid(
            _("An address can have at most 300 characters."), "address_too_long", length=len(text)
        )
    return text


def _check_label(label: str | None) -> str:
    label = strip(label)
    if len(label) > 50:
        raise invalid(_("A label can have at most 50 characters."), "label_too_long")
    return label


def _resolution_fields(text: str) -> dict[str, str]:
    """How the resolver reads an address: code, name, status and a note (kept as it was read).

    An address that names no known place is refused (``check_address_found``). One that does
    not resolve to exactly one division (ambiguous) is kept: the note lists the possible
    readings, and a request to it is routed by hand.
    """
    res = resolve(text)
    check_address_found(res)
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


def check_address_found(res: Any) -> None:
    """422 ``address_not_found`` when the resolver found no place in the text (火星基地3号舱):
    nothing is saved, and the answer says what was understood and the nearest names, so the
    customer (or the agent on the phone) can write the province, city and district."""
    if res.status != AddressStatus.NOT_FOUND:
        return
    candidates = [c.as_dict() for c in res.candidates[:5]]
    message = _(
        "We could not find this address: %(text)s. Start with the province, city and "
        "district, e.g. 广西壮族自治区南宁市良庆区玉洞大道33号."
    ) % {"text": clause(res.input)}
    if candidates:
        message = sentences(
            message,
            _("Did you mean: %(names)s?") % {"names": enumeration(c["name"] for c in candidates)},
        )
    raise invalid(
        message,
        "address_not_found",
        note=res.note_en if get_language().startswith("en") else res.note,
        candidates=candidates,
    )


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
