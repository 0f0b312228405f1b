"""Demo data: the catalog and the demo customer, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from fairdesk.customers.demo import CATALOG, DEMO_CUSTOMER_PHONE, seed_customers_demo
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.customers.selectors import device_warranty_status
from fairdesk.network.choices import ProductLine

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (ProductModel, Customer, Address, Device))


def test_seed_customers_demo_is_idempotent() -> None:
    first = seed_customers_demo()
    assert "16 written" in first and DEMO_CUSTOMER_PHONE in first
    assert ProductModel.objects.count() == len(CATALOG) >= 15
    assert set(ProductModel.objects.values_list("product_line", flat=True)) == set(
        ProductLine.values
    )
    months = dict(ProductModel.objects.values_list("model_code", "warranty_months"))
    assert months["FD-KFR-35GW"] == 72 and months["FD-ES60H"] == 36 and months["FD-BGX-45"] == 24
    customer = Customer.objects.get(phone=DEMO_CUSTOMER_PHONE)
    assert customer.name == "张三"
    default = Address.objects.get(customer=customer, is_default=True)
    assert default.division_status == "resolved" and default.division_code == "440305007"
    assert Address.objects.filter(customer=customer, division_status="ambiguous").exists()
    device = Device.objects.get(customer=customer)
    assert device.warranty_until.isoformat() == "2030-06-18"
    assert device_warranty_status(device).in_warranty
    before = counts()
    assert "0 written" in seed_customers_demo()
    assert counts() == before


def test_seed_demo_command_seeds_customers() -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "customers: catalog of 16 models" in out.getvalue()
    assert Customer.objects.filter(phone=DEMO_CUSTOMER_PHONE).exists()
