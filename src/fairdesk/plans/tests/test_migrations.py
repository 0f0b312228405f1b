"""The data of migration ``0006_family_products_and_device_cover`` (then ``0007``'s
constraint): families get the product lines they cover and related families of their kind; live
subscriptions of no device get the customer's one device that fits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("plans", "0005_planevent_kind_choices")]
AFTER = [("plans", "0007_one_live_cover_per_device")]
T = datetime(2026, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_families_and_subscriptions_get_sensible_covers() -> None:
    apps = migrate(BEFORE)
    try:
        _existing(apps)
        apps = migrate(AFTER)
        family = apps.get_model("plans", "PlanFamily")
        sub = apps.get_model("plans", "Subscription")
        care, warranty, extra, cloud = (
            family.objects.get(code=c) for c in ("care", "warranty", "warranty-2", "cloud")
        )
        assert cloud.product_lines == ["smart_home"]
        assert "air_conditioner" in care.product_lines and len(warranty.product_lines) == 9
        # the same kind with lines in common: related (both ways); other kinds are not
        assert set(warranty.related.values_list("code", flat=True)) == {"warranty-2"}
        assert set(extra.related.values_list("code", flat=True)) == {"warranty"}
        assert not care.related.exists() and not cloud.related.exists()
        covered = {
            s.payment_method: s.device.serial if s.device else None for s in sub.objects.all()
        }
        assert covered == {
            "a-cloud": "CAM-A",  # the one camera
            "a-care": None,  # care covers every line: the air conditioner or the camera?
            "b-care": None,  # two air conditioners: which one is not guessed
            "c-care": "AC-C",  # the one device
            "c-warranty": "AC-C",  # another family: the same air conditioner
            "c-ended": None,  # history is left as it was
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _existing(apps: Any) -> None:
    customer_model = apps.get_model("customers", "Customer")
    product = apps.get_model("customers", "ProductModel")
    device = apps.get_model("customers", "Device")
    family_model = apps.get_model("plans", "PlanFamily")
    plan_model = apps.get_model("plans", "Plan")
    sub = apps.get_model("plans", "Subscription")
    ac = product.objects.create(
        brand="b", product_line="air_conditioner", model_code="AC", name="空调", warranty_months=12
    )
    cam = product.objects.create(
        brand="b", product_line="smart_home", model_code="CAM", name="摄像机", warranty_months=12
    )
    a = customer_model.objects.create(phone="13900000101")
    b = customer_model.objects.create(phone="13900000102")
    c = customer_model.objects.create(phone="13900000103")
    for owner, model, serial in (
        (a, ac, "AC-A"),
        (a, cam, "CAM-A"),
        (b, ac, "AC-B1"),
        (b, ac, "AC-B2"),
        (c, ac, "AC-C"),
    ):
        device.objects.create(
            customer=owner,
            product_model=model,
            serial=serial,
            purchase_date=date(2025, 1, 1),
            warranty_until=date(2026, 1, 1),
        )
    plans = {}
    for code, kind in (
        ("care", "maintenance"),
        ("warranty", "extended_warranty"),
        ("warranty-2", "extended_warranty"),
        ("cloud", "cloud_storage"),
    ):
        family = family_model.objects.create(code=code, kind=kind, name=code, name_en=code)
        plans[code] = plan_model.objects.create(
            family=family,
            code=f"{code}-1",
            name=code,
            name_en=code,
            tier_rank=1,
            period="yearly",
            price_fen=100,
        )
    for customer, code, method, status in (
        (a, "care", "a-care", "active"),
        (a, "cloud", "a-cloud", "past_due"),
        (b, "care", "b-care", "active"),
        (c, "care", "c-care", "active"),
        (c, "warranty", "c-warranty", "active"),
        (c, "care", "c-ended", "ended"),
    ):
        sub.objects.create(
            customer=customer,
            plan=plans[code],
            status=status,
            period_start=T,
            period_end=T,
            period_price_fen=100,
            payment_method=method,
            created_at=T,
        )
