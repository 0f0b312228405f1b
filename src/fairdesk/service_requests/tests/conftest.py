"""Fixtures of the service-request tests.

Customers, addresses and devices are built directly with the ORM (not through the customers
services); outlets and their coverage through the network services, as in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from fairdesk.core import roles
from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.network.models import Outlet, OutletMember
from fairdesk.network.services import coverage_import_apply, outlet_create
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.services.intake import service_request_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Monday 2026-11-23 10:00 in Shanghai: the tests' "now" unless they travel.
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

LIANGQING = ("450108", "广西壮族自治区/南宁市/良庆区", "广西南宁市良庆区大沙田街道1号")
XINGNING = ("450102", "广西壮族自治区/南宁市/兴宁区", "广西南宁市兴宁区民生路2号")
RONGJIANG = ("522632", "贵州省/黔东南苗族侗族自治州/榕江县", "贵州黔东南榕江县古州镇3号")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time frozen at T0; ``clock.move_to(dt)`` travels."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outlets(db: None) -> dict[str, Outlet]:
    """NN covers all of 南宁市; LQ covers 良庆区 only (more specific), air conditioners only."""
    nn = outlet_create(code="NN", name="南宁服务中心", phones=["0771-5550001"])
    coverage_import_apply(outlet=nn, text="南宁市全境", actor_name="test")
    lq = outlet_create(
        code="LQ",
        name="良庆服务站",
        phones=["0771-5550002"],
        product_lines=["air_conditioner"],
    )
    coverage_import_apply(outlet=lq, text="广西南宁市良庆区", actor_name="test")
    return {"NN": nn, "LQ": lq}


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    counter = {"n": 0}

    def make(
        group: str | None = None,
        *,
        outlet: Outlet | None = None,
        member_role: str | None = None,
        username: str | None = None,
        email: str = "",
        **fields: Any,
    ) -> Any:
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            username or f"u{counter['n']}", email=email, password="x", **fields
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        if outlet is not None:
            OutletMember.objects.create(outlet=outlet, user=user, role=member_role or "manager")
        return user

    return make


@pytest.fixture
def make_customer(db: None, django_user_model: Any) -> Callable[..., Customer]:
    counter = {"n": 0}

    def make(
        phone: str | None = None, *, name: str = "张三", language: str = "zh-hans"
    ) -> Customer:
        counter["n"] += 1
        phone = phone or f"1380013{counter['n']:04d}"
        user = django_user_model.objects.create_user(f"c{phone}")
        user.groups.add(Group.objects.get(name=roles.CUSTOMER))
        return Customer.objects.create(user=user, phone=phone, name=name, language=language)

    return make


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer("13800138000")


def create_request(customer: Customer, **kw: Any) -> ServiceRequest:
    """A request filed by the customer in the portal: a repair of a described product unless
    ``kw`` says otherwise."""
    kw.setdefault("kind", "repair")
    kw.setdefault("channel", "portal")
    kw.setdefault("actor", customer.user)
    kw.setdefault("description", "空调不制冷")
    if "device" not in kw:
        kw.setdefault("product_description", "格力空调")
    return service_request_create(customer=customer, **kw)


@pytest.fixture
def make_address(db: None) -> Callable[..., Address]:
    def make(
        customer: Customer,
        place: tuple[str, str, str] = LIANGQING,
        *,
        status: str = "resolved",
    ) -> Address:
        code, name, text = place
        resolved = status == "resolved"
        return Address.objects.create(
            customer=customer,
            text=text,
            division_code=code if resolved else "",
            division_name=name if resolved else "",
            division_status=status,
        )

    return make


@pytest.fixture
def product_models(db: None) -> dict[str, ProductModel]:
    return {
        "ac": ProductModel.objects.create(
            brand="Fair",
            product_line="air_conditioner",
            model_code="KFR-35GW",
            name="壁挂式空调",
            warranty_months=36,
        ),
        "safe": ProductModel.objects.create(
            brand="Fair",
            product_line="safe",
            model_code="BGX-60",
            name="保险柜",
            warranty_months=24,
        ),
    }


@pytest.fixture
def make_device(product_models: dict[str, ProductModel]) -> Callable[..., Device]:
    counter = {"n": 0}

    def make(customer: Customer, product: str = "ac") -> Device:
        counter["n"] += 1
        return Device.objects.create(
            customer=customer,
            product_model=product_models[product],
            serial=f"SN{counter['n']:06d}",
            purchase_date=date(2026, 1, 10),
            warranty_until=date(2029, 1, 10),
        )

    return make


@dataclass
class World:
    """One covered repair request and everyone around it."""

    customer: Customer
    other_customer: Customer
    request: ServiceRequest
    outlets: dict[str, Outlet]
    manager: Any
    dispatcher: Any
    technician: Any
    other_manager: Any
    agent: Any
    central: Any
    brand_admin: Any
    auditor: Any


@pytest.fixture
def world(
    clock: Any,
    outlets: dict[str, Outlet],
    make_user: Callable[..., Any],
    make_customer: Callable[..., Customer],
    make_address: Callable[..., Address],
    make_device: Callable[..., Device],
) -> World:
    customer = make_customer("13800138000", name="李雷")
    other = make_customer("13900139000", name="韩梅梅")
    lq = outlets["LQ"]
    sr = service_request_create(
        customer=customer,
        kind="repair",
        channel="portal",
        actor=customer.user,
        description="空调不制冷",
        address=make_address(customer),
        device=make_device(customer),
    )
    return World(
        customer=customer,
        other_customer=other,
        request=sr,
        outlets=outlets,
        manager=make_user(roles.OUTLET_MANAGER, outlet=lq, member_role="manager", username="mgr"),
        dispatcher=make_user(
            roles.DISPATCHER, outlet=lq, member_role="dispatcher", username="disp"
        ),
        technician=make_user(
            roles.TECHNICIAN, outlet=lq, member_role="technician", username="tech"
        ),
        other_manager=make_user(
            roles.OUTLET_MANAGER, outlet=outlets["NN"], member_role="manager", username="nnmgr"
        ),
        agent=make_user(roles.AGENT, username="agent"),
        central=make_user(roles.DISPATCHER, username="central"),
        brand_admin=make_user(roles.BRAND_ADMIN, username="brand"),
        auditor=make_user(roles.AUDITOR, username="auditor"),
    )
