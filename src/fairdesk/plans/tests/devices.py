"""Devices for the plan tests: every plan covers one of the customer's devices, of a product
line its family covers. ``device_for`` gives the customer's device for a plan (registering one
the first time), so tests that are not about devices need not name one."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from fairdesk.customers.models import Customer, Device, ProductModel
from fairdesk.customers.services import device_register
from fairdesk.plans.models import Plan

BRAND = "fairdesk 测试品牌"
#: A product model per product line (the demo's names), registered on first use.
MODELS = {
    "air_conditioner": ("FD-T-AC", "壁挂式空调", "Wall-mounted air conditioner"),
    "smart_home": ("FD-T-CAM", "智能摄像机", "Smart camera"),
    "water_heater": ("FD-T-WH", "电热水器", "Electric water heater"),
    "safe": ("FD-T-SAFE", "保险柜", "Safe"),
}
_serials = count(1)


def product_model(line: str) -> ProductModel:
    code, name, name_en = MODELS.get(line, (f"FD-T-{line.upper()}", line, line))
    model, _created = ProductModel.objects.get_or_create(
        brand=BRAND,
        model_code=code,
        defaults={"product_line": line, "name": name, "name_en": name_en, "warranty_months": 12},
    )
    return model


def register_device(customer: Customer, line: str = "air_conditioner") -> Device:
    """A new device of ``line`` for ``customer``."""
    return device_register(
        customer=customer,
        product_model=product_model(line),
        serial=f"FDT{next(_serials):010d}",
        purchase_date=date(2025, 1, 15),
    )


def device_for(customer: Customer, plan: Plan) -> Device:
    """The customer's first device of a product line the plan covers (one is registered)."""
    lines: list[Any] = list(getattr(plan.family, "product_lines", None) or ["air_conditioner"])
    device = (
        Device.objects.filter(customer=customer, product_model__product_line__in=lines)
        .order_by("id")
        .first()
    )
    return device or register_device(customer, lines[0])
