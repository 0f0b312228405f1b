"""Test data for the portal, console and browser tests: a covered area, a customer with a device
and an address, and a user per staff role. Everything is written through the domain services."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from fairdesk.core import roles
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.customers.services import (
    address_create,
    device_register,
    login_code_request,
    login_code_verify,
    product_model_save,
)
from fairdesk.network.choices import MemberRole, ProductLine
from fairdesk.network.models import Outlet
from fairdesk.network.services import coverage_import_apply, outlet_create, outlet_member_set

PHONE = "13800138000"
OTHER_PHONE = "13900139000"
PASSWORD = "pw-for-tests-123"
COVERED_ADDRESS = "广西南宁市良庆区玉洞街道银海大道1号"
UNCOVERED_ADDRESS = "西藏自治区阿里地区噶尔县狮泉河镇1号"


def code_from_outbox(phone: str = PHONE) -> str:
    """The latest sign-in code sent to ``phone``, read from the outbox (as staff do in the demo)."""
    from fairdesk.notifications.models import Message

    message = Message.objects.filter(kind="login_code", recipient=phone).order_by("-id").first()
    assert message is not None, f"no code was sent to {phone}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", message.body)
    assert match is not None, message.body
    return match.group(1)


def signed_up_customer(phone: str = PHONE, name: str = "") -> Customer:
    """A customer with a user, as after their first sign-in with a code."""
    login_code_request(phone=phone, ip="127.0.0.1")
    customer = login_code_verify(phone=phone, code=code_from_outbox(phone), ip="127.0.0.1")
    if name:
        Customer.objects.filter(pk=customer.pk).update(name=name)
        customer.name = name
    return customer


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once per process (hashing is slow on purpose; tests need many users)."""
    return make_password(PASSWORD)


def staff_user(username: str, *groups: str, superuser: bool = False) -> Any:
    User = get_user_model()
    user = User.objects.create(username=username, password=_password_hash(), is_staff=True)
    if superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@dataclass
class World:
    outlet: Outlet
    other_outlet: Outlet
    product_model: ProductModel
    customer: Customer
    device: Device
    address: Address
    other_customer: Customer
    agent: Any
    manager: Any
    technician: Any
    other_manager: Any
    auditor: Any
    brand_admin: Any


def make_world() -> World:
    outlet = outlet_create(code="NN01", name="南宁良庆服务中心", phones=["0771-5551234"])
    coverage_import_apply(outlet=outlet, text="南宁市良庆区", actor_name="test")
    other = outlet_create(code="GZ01", name="广州天河服务中心", phones=["020-5551234"])
    coverage_import_apply(outlet=other, text="广州市天河区", actor_name="test")
    model = product_model_save(
        brand="测试品牌",
        model_code="FD-KFR-35GW",
        name="壁挂式空调",
        name_en="Wall air conditioner",
        product_line=ProductLine.AIR_CONDITIONER,
        warranty_months=72,
    )
    customer = signed_up_customer(PHONE, "李四")
    device = device_register(
        customer=customer, product_model=model, serial="SN12345678", purchase_date=date(2024, 1, 31)
    )
    address = address_create(customer=customer, text=COVERED_ADDRESS, label="家")
    other_customer = signed_up_customer(OTHER_PHONE, "王五")
    manager = staff_user("manager", roles.OUTLET_MANAGER)
    outlet_member_set(outlet=outlet, user=manager, role=MemberRole.MANAGER)
    technician = staff_user("tech", roles.TECHNICIAN)
    outlet_member_set(outlet=outlet, user=technician, role=MemberRole.TECHNICIAN)
    other_manager = staff_user("other-manager", roles.OUTLET_MANAGER)
    outlet_member_set(outlet=other, user=other_manager, role=MemberRole.MANAGER)
    return World(
        outlet=outlet,
        other_outlet=other,
        product_model=model,
        customer=customer,
        device=device,
        address=address,
        other_customer=other_customer,
        agent=staff_user("agent", roles.AGENT),
        manager=manager,
        technician=technician,
        other_manager=other_manager,
        auditor=staff_user("auditor", roles.AUDITOR),
        brand_admin=staff_user("brand", roles.BRAND_ADMIN),
    )


def file_repair(world: World, *, customer: Customer | None = None, **fields: Any) -> Any:
    """A repair request filed by the customer on the portal, through the service."""
    from fairdesk.service_requests.services.intake import service_request_create

    customer = customer or world.customer
    fields.setdefault("address", world.address if customer == world.customer else None)
    fields.setdefault("device", world.device if customer == world.customer else None)
    if fields["device"] is None:
        fields.setdefault("product_description", "格力空调")
    return service_request_create(
        customer=customer,
        kind="repair",
        channel="portal",
        actor=customer.user,
        description=fields.pop("description", "空调不制冷，显示 E1"),
        **fields,
    )
