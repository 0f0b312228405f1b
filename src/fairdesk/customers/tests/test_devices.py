"""Devices: serial numbers, purchase dates, warranty end, proof of purchase."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer, Device, ProductModel
from fairdesk.customers.selectors import device_warranty_status
from fairdesk.customers.services import (
    add_months,
    customer_get_or_create,
    device_register,
    product_model_save,
    warranty_end,
)
from fairdesk.customers.tests.conftest import JPEG, PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine: Any) -> date:
    # 2026-03-01 01:00 in Shanghai is still 2026-02-28 in UTC: dates are local
    time_machine.move_to("2026-02-28T17:00:00Z", tick=False)
    return date(2026, 3, 1)


def register(customer: Customer, model: ProductModel, **fields: Any) -> Device:
    fields.setdefault("serial", "SN-0001")
    fields.setdefault("purchase_date", date(2024, 1, 31))
    return device_register(customer=customer, product_model=model, **fields)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 8, 31), 72, date(2030, 8, 31)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 5, 10), 0, date(2024, 5, 10)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end
    assert warranty_end(purchase_date=start, warranty_months=months) == end


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=0, max_value=240),
)
def test_add_months_properties(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day <= start.day
    if end.day < start.day:  # clamped: the last day of its month
        assert end.day == calendar.monthrange(end.year, end.month)[1]


def test_register_computes_warranty_from_the_model(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    device = register(customer, product_model, serial="  fd2024ac-0001 ")
    device.refresh_from_db()
    assert device.serial == "FD2024AC-0001"
    assert device.purchase_date == date(2024, 1, 31)
    assert device.warranty_until == date(2030, 1, 31)  # 72 months
    assert device.proof.name == "" and device.proof_content_type == ""


def test_one_month_warranty_from_january_31(
    customer: Customer, make_model: Callable[..., ProductModel], today: date
) -> None:
    model = make_model("FD-M1", 1)
    assert register(customer, model).warranty_until == date(2024, 2, 29)


def test_duplicate_serial_of_another_owner(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    other = customer_get_or_create(phone="13900139000", name="赵六")
    register(other, product_model, serial="SN-0001")
    with translation.override("en"), pytest.raises(DomainError) as info:
        register(customer, product_model, serial="sn-0001")
    error = info.value
    assert error.code == "duplicate_serial" and error.status == 409
    assert "FD-KFR-35GW" in error.message and "SN-0001" in error.message
    assert "another account" in error.message
    assert "赵六" not in str(error.as_dict()) and "13900139000" not in str(error.as_dict())
    assert Device.objects.count() == 1


def test_duplicate_serial_of_the_same_owner(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    register(customer, product_model)
    with translation.override("en"), pytest.raises(DomainError) as info:
        register(customer, product_model)
    assert info.value.code == "duplicate_serial"
    assert "You have already registered" in info.value.message


def test_same_serial_of_another_model_is_fine(
    customer: Customer,
    product_model: ProductModel,
    make_model: Callable[..., ProductModel],
    today: date,
) -> None:
    register(customer, product_model)
    register(customer, make_model("FD-OTHER", 24))
    assert Device.objects.count() == 2


@pytest.mark.parametrize(
    ("purchase_date", "code"),
    [
        (date(2026, 3, 2), "purchase_date_in_future"),
        (date(1989, 12, 31), "purchase_date_too_early"),
        (None, "purchase_date_required"),
    ],
)
def test_bad_purchase_dates(
    customer: Customer, product_model: ProductModel, today: date, purchase_date: Any, code: str
) -> None:
    with pytest.raises(DomainError) as info:
        register(customer, product_model, purchase_date=purchase_date)
    assert info.value.code == code and info.value.status == 422
    assert not Device.objects.exists()


def test_today_in_shanghai_is_not_the_future(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    assert register(customer, product_model, purchase_date=today).purchase_date == today
    assert register(customer, product_model, serial="SN-2", purchase_date=date(1990, 1, 1))


@pytest.mark.parametrize("serial", ["", "  ", "ab", "序列号12345", "SN 0001", "x" * 65])
def test_bad_serials(
    customer: Customer, product_model: ProductModel, today: date, serial: str
) -> None:
    with pytest.raises(DomainError) as info:
        register(customer, product_model, serial=serial)
    assert info.value.code == "invalid_serial"
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "extension"),
    [
        (JPEG, "receipt.jpg", "image/jpeg", ".jpg"),
        (PNG, "receipt.png", "image/png", ".png"),
        (PDF, "invoice.pdf", "application/pdf", ".pdf"),
        (PDF, "invoice.txt", "application/pdf", ".pdf"),  # the content decides, not the name
    ],
)
def test_proof_types_by_content(
    customer: Customer,
    product_model: ProductModel,
    today: date,
    _media_root: Path,
    content: bytes,
    name: str,
    content_type: str,
    extension: str,
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    device = register(customer, product_model, proof=upload)
    device.refresh_from_db()
    assert device.proof_content_type == content_type
    stored = device.proof.name
    assert stored is not None
    assert stored.startswith("proofs/2026/03/") and stored.endswith(extension)
    assert name not in stored  # stored under a name of ours
    assert (Path(_media_root) / stored).read_bytes() == content


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"GIF89a" + b"\x00" * 32, "photo.jpg"),
        (b"MZ\x90\x00" + b"\x00" * 32, "invoice.pdf"),
        (b"<html><script>alert(1)</script>", "receipt.png"),
    ],
)
def test_proof_of_another_type_is_refused(
    customer: Customer,
    product_model: ProductModel,
    today: date,
    _media_root: Path,
    content: bytes,
    name: str,
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    with translation.override("en"), pytest.raises(DomainError) as info:
        register(customer, product_model, proof=upload)
    assert info.value.code == "proof_type" and info.value.status == 422
    assert "JPEG or PNG" in info.value.message
    assert not Device.objects.exists()
    assert not Path(_media_root).exists() or not any(Path(_media_root).rglob("*.*"))


def test_empty_proof_is_refused(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    with pytest.raises(DomainError) as info:
        register(customer, product_model, proof=SimpleUploadedFile("a.pdf", b""))
    assert info.value.code == "proof_empty"


def test_proof_size_limit_default_5_mb(
    customer: Customer, product_model: ProductModel, today: date
) -> None:
    limit = 5 * 1024 * 1024
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (limit + 1 - len(PNG)))
    with translation.override("en"), pytest.raises(DomainError) as info:
        register(customer, product_model, proof=big)
    assert info.value.code == "proof_too_large" and info.value.status == 422
    assert info.value.details == {"size": limit + 1, "limit": limit}
    assert "5.0 MB" in info.value.message
    exact = SimpleUploadedFile("ok.png", PNG + b"\x00" * (limit - len(PNG)))
    assert register(customer, product_model, proof=exact).proof_content_type == "image/png"


def test_proof_size_limit_is_a_setting(
    customer: Customer, product_model: ProductModel, today: date, settings: Any
) -> None:
    settings.DEVICE_PROOF_MAX_BYTES = 1000
    with pytest.raises(DomainError) as info:
        register(customer, product_model, proof=SimpleUploadedFile("a.pdf", PDF + b"0" * 1000))
    assert info.value.code == "proof_too_large"


def test_discontinued_model_can_be_registered(
    customer: Customer, make_model: Callable[..., ProductModel], today: date
) -> None:
    old = make_model("FD-OLD", 36, active=False)
    assert register(customer, old).warranty_until == date(2027, 1, 31)


def test_warranty_status(customer: Customer, product_model: ProductModel, today: date) -> None:
    model = product_model_save(
        brand="测试品牌", model_code="FD-24", name="x", product_line="safe", warranty_months=24
    )
    device = register(customer, model, purchase_date=date(2024, 3, 1))
    assert device.warranty_until == date(2026, 3, 1)
    status = device_warranty_status(device)  # today is 2026-03-01 in Shanghai
    assert status.in_warranty and status.days_left == 0 and status.days_expired == 0
    later = device_warranty_status(device, date(2026, 3, 31))
    assert not later.in_warranty and later.days_expired == 30 and later.days_left == 0
    with translation.override("en"):
        assert later.label == "Warranty ended 30 days ago"
        assert device_warranty_status(device, date(2026, 2, 27)).label == (
            "In warranty: 2 days left"
        )
    with translation.override("zh-hans"):
        assert "30" in later.label and "过保" in later.label
    assert later.as_dict()["status"] == "expired"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"warranty_months": 0}, "invalid_warranty_months"),
        ({"warranty_months": 241}, "invalid_warranty_months"),
        ({"product_line": "spaceship"}, "invalid_product_line"),
        ({"name": " "}, "product_incomplete"),
    ],
)
def test_catalog_validation(fields: dict, code: str) -> None:
    values = {
        "brand": "测试品牌",
        "model_code": "FD-X",
        "name": "型号",
        "product_line": "safe",
        "warranty_months": 24,
        **fields,
    }
    with pytest.raises(DomainError) as info:
        product_model_save(**values)
    assert info.value.code == code
    assert not ProductModel.objects.exists()


def test_catalog_save_updates_by_brand_and_model(db: None) -> None:
    first = product_model_save(
        brand="B", model_code="fd-1", name="一", product_line="safe", warranty_months=12
    )
    second = product_model_save(
        brand="B", model_code="FD-1", name="二", product_line="safe", warranty_months=24
    )
    assert first.pk == second.pk and first.model_code == "FD-1"
    second.refresh_from_db()
    assert second.name == "二" and second.warranty_months == 24
