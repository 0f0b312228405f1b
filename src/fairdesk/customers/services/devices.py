"""The product catalog (a model's warranty terms) and customers' devices: serial numbers, purchase
dates, proofs of purchase, and the warranty end computed from the model's terms."""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer, Device, ProductModel
from fairdesk.customers.services.common import clean, invalid, setting, strip
from fairdesk.network.choices import ProductLine

EARLIEST_PURCHASE = date(1990, 1, 1)
MAX_WARRANTY_MONTHS = 240


# --------------------------------------------------------------------------------------------
# Product catalog
# --------------------------------------------------------------------------------------------


def check_warranty_months(months: int) -> int:
    if (
        not isinstance(months, int)
        or isinstance(months, bool)
        or not (1 <= months <= MAX_WARRANTY_MONTHS)
    ):
        raise invalid(
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
    brand, model_code, name = strip(brand), clean(model_code).upper(), strip(name)
    if not brand or not model_code or not name:
        raise invalid(
            _("A product model needs a brand, a model code and a name."), "product_incomplete"
        )
    if product_line not in ProductLine.values:
        raise invalid(
            _("Unknown product line: %(line)s.") % {"line": product_line},
            "invalid_product_line",
            allowed=list(ProductLine.values),
        )
    fields = {
        "name": name[:200],
        "name_en": strip(name_en)[:200],
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
    normal = clean(serial).upper()
    if not _SERIAL_RE.match(normal):
        raise invalid(
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
        raise invalid(_("Enter the purchase date."), "purchase_date_required")
    if purchase_date > today:
        raise invalid(
            _("The purchase date %(date)s is in the future.") % {"date": purchase_date.isoformat()},
            "purchase_date_in_future",
        )
    if purchase_date < EARLIEST_PURCHASE:
        raise invalid(
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
        raise invalid(
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
        raise invalid(_("The proof of purchase is an empty file."), "proof_empty")
    for magic, content_type, extension in _MAGIC:
        if head.startswith(magic):
            return ProofCheck(content_type, extension)
    raise invalid(
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
