"""Reads of customers, addresses, devices and the catalog — and **who may open a customer's
record, and how they see it**, in this one place (pages, API, admin and exports ask it):

* a customer reaches only their own rows: every read for a customer takes the customer and
  filters by it, and a row of someone else is "not found" (the same answer as a row that does
  not exist);
* staff whose role may view customers (the model permission ``customers.view_customer``:
  agents, dispatchers, outlet managers, brand administrators, auditors) open every customer's
  record — except outlet staff (an active outlet membership, whatever their groups), who open
  only the customers with a request at one of their outlets (``customers_visible_to``,
  ``access_customer``: 404 for anyone else's, so that ids cannot be probed);
* auditors see every record with its personal data masked (``personal_data_for``: names,
  numbers, e-mail addresses, serials, street addresses; ``core.masking``).

Staff's search (``customer_search``) finds only the customers they may open, numbers masked;
auditors search by no personal datum (``check_searches_by_personal_data``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.masking import AS_STORED, MASKED, PersonalData
from fairdesk.core.phones import mask_phone, normalize_mobile
from fairdesk.customers.choices import AddressStatus
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.customers.principal import principal_for

SEARCH_LIMIT = 20


def customer_for_user(user: Any) -> Customer | None:
    """The customer signed in as ``user``, or None (anonymous, staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(user=user).first()


def access_own_customer(user: Any) -> Customer:
    """The customer record of ``user``, who acts for themselves only (403 ``not_a_customer``
    for staff)."""
    customer = customer_for_user(user)
    if customer is None:
        raise DomainError(
            _("This is for customers; you are signed in as staff."),
            code="not_a_customer",
            status=403,
        )
    return customer


# --------------------------------------------------------------------------------------------
# Staff: whose records they open, and how they see them
# --------------------------------------------------------------------------------------------

#: The model permission of the roles that look customers up.
VIEW_CUSTOMER = "customers.view_customer"


def personal_data_for(user: Any) -> PersonalData:
    """How ``user`` sees personal data: masked for auditors, as stored for everyone else who
    may see it at all."""
    return MASKED if principal_for(user).masked else AS_STORED


def check_searches_by_personal_data(user: Any) -> None:
    """A reader who sees personal data masked (an auditor) finds nothing by it — a search by a
    whole number or serial would tell whose it is: 403 ``masked_search``."""
    if personal_data_for(user).masked:
        raise DomainError(
            _("You read personal data masked: search by a request number instead."),
            code="masked_search",
            status=403,
        )


def may_view_customers(user: Any) -> bool:
    """Whether ``user``'s role looks customers up at all (``customers.view_customer``)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_CUSTOMER))


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    """The customers whose record ``user`` may open: their own (a customer); every one for
    staff whose role may view customers, but outlet staff: those with a request at one of their
    outlets. No query is run until the queryset is used."""
    principal = principal_for(user)
    qs = Customer.objects.all()
    if not principal.authenticated:
        return qs.none()
    condition = Q(pk=principal.customer_id) if principal.customer_id is not None else Q()
    if not may_view_customers(user):
        return qs.filter(condition) if condition else qs.none()
    if principal.sees_all:
        return qs
    at_outlets = Customer.objects.filter(
        service_requests__outlet_id__in=sorted(principal.outlet_roles)
    ).values("pk")
    return qs.filter(condition | Q(pk__in=at_outlets) if condition else Q(pk__in=at_outlets))


def access_customer(user: Any, customer_id: int) -> Customer:
    """The customer ``customer_id`` if ``user`` may open their record (404
    ``customer_not_found`` otherwise: the same answer as a customer that does not exist)."""
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("There is no such customer."), code="customer_not_found")
    return customer


def access_device_proof(user: Any, device_id: int) -> Device:
    """A device whose proof of purchase ``user`` may open: their own, or one of a customer whose
    record they may open with their role's ``customers.view_device`` — not an auditor's (a
    receipt cannot be masked). 404 ``not_found`` otherwise, and for a device without a proof."""
    principal = principal_for(user)
    if principal.customer_id is not None:
        own = Device.objects.filter(pk=device_id, customer_id=principal.customer_id).first()
    else:
        own = None
    device = own
    if device is None and not principal.masked and user.has_perm("customers.view_device"):
        device = Device.objects.filter(
            pk=device_id, customer__in=customers_visible_to(user)
        ).first()
    if device is None or not device.proof:
        raise NotFound(_("No proof of purchase."), code="not_found")
    return device


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def product_model_list(
    *, product_line: str | None = None, include_inactive: bool = False
) -> QuerySet[ProductModel]:
    qs = ProductModel.objects.order_by("product_line", "brand", "model_code")
    if not include_inactive:
        qs = qs.filter(active=True)
    if product_line:
        qs = qs.filter(product_line=product_line)
    return qs


def product_model_get(*, pk: int) -> ProductModel:
    """A catalog model by id (also discontinued ones: devices are registered years later)."""
    model = ProductModel.objects.filter(pk=pk).first()
    if model is None:
        raise DomainError(
            _("There is no product model with id %(id)s in the catalog.") % {"id": pk},
            code="unknown_product_model",
            status=422,
            details={"product_model_id": pk},
        )
    return model


# --------------------------------------------------------------------------------------------
# A customer's own addresses and devices
# --------------------------------------------------------------------------------------------


def customer_addresses(*, customer: Customer) -> QuerySet[Address]:
    """The customer's addresses, the default first, then the newest."""
    return Address.objects.filter(customer=customer).order_by("-is_default", "-created_at", "-id")


def address_get(*, customer: Customer, pk: int) -> Address:
    address = Address.objects.filter(customer=customer, pk=pk).select_related("customer").first()
    if address is None:
        raise NotFound(_("You have no address with id %(id)s.") % {"id": pk}, code="not_found")
    return address


def address_warning(address: Address) -> str | None:
    """The warning to show with an address the resolver could not place, in the active language.

    None for an address that resolved (a renamed division with one successor counts as placed).
    """
    if address.division_code:
        return None
    if address.division_status == AddressStatus.AMBIGUOUS:
        return _(
            "This address can be read as more than one place. It is saved and can be used, but "
            "requests to it are routed by hand; adding the province or city avoids that."
        )
    return _(
        "We could not find this address in the official list of divisions, so no technician can "
        "be sent to it. Correct it: start with the province, city and district."
    )


def customer_devices(*, customer: Customer) -> QuerySet[Device]:
    return (
        Device.objects.filter(customer=customer)
        .select_related("product_model")
        .order_by("-created_at", "-id")
    )


def device_get(*, customer: Customer, pk: int) -> Device:
    device = Device.objects.filter(customer=customer, pk=pk).select_related("product_model").first()
    if device is None:
        raise NotFound(_("You have no device with id %(id)s.") % {"id": pk}, code="not_found")
    return device


@dataclass(frozen=True, slots=True)
class WarrantyStatus:
    in_warranty: bool
    until: date
    days_left: int  # days after today the warranty still covers (0 on its last day)
    days_expired: int  # days since it ended (0 while it runs)

    @property
    def label(self) -> str:
        if self.in_warranty:
            if self.days_left == 0:
                return _("In warranty: today is the last day")
            return ngettext(
                "In warranty: %(n)d day left", "In warranty: %(n)d days left", self.days_left
            ) % {"n": self.days_left}
        return ngettext(
            "Warranty ended %(n)d day ago", "Warranty ended %(n)d days ago", self.days_expired
        ) % {"n": self.days_expired}

    @property
    def status(self) -> str:
        return "in_warranty" if self.in_warranty else "expired"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "until": self.until,
            "days_left": self.days_left,
            "days_expired": self.days_expired,
            "label": self.label,
        }


def device_warranty_status(device: Device, today: date | None = None) -> WarrantyStatus:
    """In warranty (through ``warranty_until``, inclusive) or expired, with days; today is local."""
    today = today or timezone.localdate()
    delta = (device.warranty_until - today).days
    return WarrantyStatus(delta >= 0, device.warranty_until, max(delta, 0), max(-delta, 0))


def customer_messages(*, customer: Customer, limit: int = 100) -> QuerySet[Any]:
    """The customer's own messages from the outbox, newest first."""
    from fairdesk.notifications.models import Message

    return Message.objects.filter(customer=customer).order_by("-created_at", "-id")[:limit]


# --------------------------------------------------------------------------------------------
# Staff: find a caller
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class CustomerMatch:
    """A customer found by a search, and why (for the agent console)."""

    customer: Customer
    matched_by: str  # "phone" | "phone_tail" | "serial"
    devices: list[Device] = field(default_factory=list)  # the devices whose serial matched

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.customer.phone)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.customer.pk,
            "name": self.customer.name,
            "phone_masked": self.phone_masked,
            "matched_by": self.matched_by,
            "devices": [
                {"id": d.pk, "model": d.product_model.model_code, "serial": d.serial}
                for d in self.devices
            ],
        }


def customer_search(*, q: str, user: Any, limit: int = SEARCH_LIMIT) -> list[CustomerMatch]:
    """Find, among the customers ``user`` may open (``customers_visible_to``), customers by
    mobile number (whole, or its last 4+ digits) or by device serial.

    Digits only: a whole mobile number matches exactly; 4 to 10 digits match the end of the
    number; digits also match a serial number. Anything else is read as a serial number (whole,
    or its start when 6 characters or more). Fewer than 4 characters: 422 ``query_too_short``.
    """
    check_searches_by_personal_data(user)
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", q or "")).upper()
    if len(text) < 4:
        raise DomainError(
            _("Enter at least 4 digits of a mobile number, or a serial number."),
            code="query_too_short",
            status=422,
        )
    found: dict[int, CustomerMatch] = {}
    among = customers_visible_to(user)
    mobile = normalize_mobile(q or "")
    if mobile:
        for c in among.filter(phone=mobile)[:limit]:
            found[c.pk] = CustomerMatch(c, "phone")
    elif text.isdigit() and len(text) <= 10:
        for c in among.filter(phone__endswith=text).order_by("phone")[:limit]:
            found[c.pk] = CustomerMatch(c, "phone_tail")
    serial_q = Q(serial=text) | (Q(serial__startswith=text) if len(text) >= 6 else Q(pk__in=[]))
    devices = (
        Device.objects.filter(serial_q, customer__in=among)
        .select_related("customer", "product_model")
        .order_by("serial", "id")[: limit * 2]
    )
    for device in devices:
        match = found.get(device.customer_id)
        if match is None:
            if len(found) >= limit:
                continue
            match = found[device.customer_id] = CustomerMatch(device.customer, "serial")
        match.devices.append(device)
    return list(found.values())
