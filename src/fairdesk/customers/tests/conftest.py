from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.customers.models import Customer, ProductModel
from fairdesk.customers.services import customer_get_or_create, product_model_save
from fairdesk.network.choices import ProductLine

PHONE = "13800138000"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def code_from_outbox(phone: str = PHONE) -> str:
    """The digits of the latest sign-in code sent to ``phone`` (read from the outbox, as staff do
    in the demo)."""
    from fairdesk.notifications.models import Message

    message = Message.objects.filter(kind="login_code", recipient=phone).order_by("-id").first()
    assert message is not None, f"no code was sent to {phone}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", message.body)
    assert match is not None, message.body
    return match.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def customer(db: None) -> Customer:
    return customer_get_or_create(phone=PHONE, name="李四")


@pytest.fixture
def make_model(db: None) -> Callable[..., ProductModel]:
    def make(code: str = "FD-T1", months: int = 12, **fields: Any) -> ProductModel:
        fields.setdefault("brand", "测试品牌")
        fields.setdefault("name", f"测试型号 {code}")
        fields.setdefault("product_line", ProductLine.AIR_CONDITIONER)
        return product_model_save(model_code=code, warranty_months=months, **fields)

    return make


@pytest.fixture
def product_model(make_model: Callable[..., ProductModel]) -> ProductModel:
    return make_model("FD-KFR-35GW", 72, name="壁挂式空调", name_en="Wall air conditioner")


PURCHASED = date(2024, 1, 31)
