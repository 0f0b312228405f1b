"""The admin of customers, the catalog, devices and sign-in codes."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.customers.models import Customer, Device, LoginCode, ProductModel
from fairdesk.customers.services import (
    address_create,
    customer_get_or_create,
    device_register,
    login_code_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en() -> Client:
    user = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_customer_search_by_phone_shows_it_masked(admin_client_en: Client) -> None:
    customer_get_or_create(phone="13800138000", name="李四")
    customer_get_or_create(phone="13900139000", name="王五")
    html = admin_client_en.get("/admin/customers/customer/", {"q": "8000"}).content.decode()
    assert "138****8000" in html and "李四" in html and "王五" not in html


def test_add_customer_normalises_the_number(admin_client_en: Client) -> None:
    response = admin_client_en.post(
        "/admin/customers/customer/add/",
        {
            "phone": "+86 138-0013-8000",
            "name": "李四",
            "email": "",
            "language": "zh-hans",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "devices-TOTAL_FORMS": "0",
            "devices-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Customer.objects.get().phone == "13800138000"
    response = admin_client_en.post(
        "/admin/customers/customer/add/",
        {
            "phone": "12345",
            "name": "x",
            "language": "zh-hans",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "devices-TOTAL_FORMS": "0",
            "devices-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "not a mainland China mobile number" in response.content.decode()
    assert Customer.objects.count() == 1


def test_catalog_admin_validates_warranty(admin_client_en: Client) -> None:
    data = {
        "brand": "B",
        "product_line": "safe",
        "model_code": "fd-9",
        "name": "保险柜",
        "name_en": "",
        "warranty_months": "0",
        "active": "on",
    }
    response = admin_client_en.post("/admin/customers/productmodel/add/", data)
    assert response.status_code == 200 and "from 1 to 240" in response.content.decode()
    data["warranty_months"] = "24"
    response = admin_client_en.post("/admin/customers/productmodel/add/", data)
    assert response.status_code == 302
    assert ProductModel.objects.get().model_code == "FD-9"


def test_read_only_pages(admin_client_en: Client, product_model: ProductModel) -> None:
    customer = customer_get_or_create(phone="13800138000")
    address = address_create(customer=customer, text="朝阳区建国路88号")
    device = device_register(
        customer=customer, product_model=product_model, serial="A-1", purchase_date=date(2024, 1, 1)
    )
    login_code_request(phone="13800138000", ip="203.0.113.1")
    for url in [
        f"/admin/customers/address/{address.pk}/change/",
        f"/admin/customers/device/{device.pk}/change/",
        f"/admin/customers/logincode/{LoginCode.objects.get().pk}/change/",
    ]:
        html = admin_client_en.get(url).content.decode()
        assert 'name="_save"' not in html, url
    assert admin_client_en.get("/admin/customers/device/add/").status_code == 403
    assert admin_client_en.get("/admin/customers/logincode/add/").status_code == 403
    html = admin_client_en.get("/admin/customers/logincode/").content.decode()
    assert "138****8000" in html and LoginCode.objects.get().code_hash not in html
    assert Device.objects.count() == 1


def test_agent_role_can_view_customers_but_not_change_the_catalog() -> None:
    agent = get_user_model().objects.create_user("agent1", password="x", is_staff=True)
    agent.groups.add(Group.objects.get(name="agent"))
    assert agent.has_perm("customers.view_customer") and agent.has_perm("customers.add_customer")
    assert agent.has_perm("customers.view_device")
    assert not agent.has_perm("customers.change_productmodel")
    brand = get_user_model().objects.create_user("brand1", password="x", is_staff=True)
    brand.groups.add(Group.objects.get(name="brand_admin"))
    assert brand.has_perm("customers.change_productmodel")
    auditor = get_user_model().objects.create_user("aud1", password="x", is_staff=True)
    auditor.groups.add(Group.objects.get(name="auditor"))
    assert auditor.has_perm("notifications.view_message")
    assert not auditor.has_perm("customers.change_customer")


def test_auditors_read_customers_masked_and_outlet_staff_only_their_outlets(
    product_model: ProductModel,
) -> None:
    """Auditors: every customer, addresses and devices, with name, number, e-mail, serial and
    street masked, and no search by a number. Outlet staff: only the customers with a request
    at their outlet (another's change page says it does not exist)."""
    from fairdesk.network.services import outlet_create, outlet_member_set

    customer = customer_get_or_create(phone="13800138000", name="李四")
    customer.email = "lisi@example.com"
    customer.save(update_fields=["email"])
    address = address_create(customer=customer, text="广东省深圳市南山区粤海街道科技园路1号")
    device = device_register(
        customer=customer,
        product_model=product_model,
        serial="FD2024AC0001",
        purchase_date=date(2024, 1, 1),
    )

    def staff(username: str, role: str) -> Client:
        user = get_user_model().objects.create_user(username, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        if role == "outlet_manager":
            outlet_member_set(
                outlet=outlet_create(code="X1", name="别处"), user=user, role="manager"
            )
        client = Client()
        client.force_login(user)
        return client

    auditor = staff("auditor1", "auditor")
    pages = [
        auditor.get("/admin/customers/customer/"),
        auditor.get(f"/admin/customers/customer/{customer.pk}/change/"),
        auditor.get("/admin/customers/address/"),
        auditor.get(f"/admin/customers/address/{address.pk}/change/"),
        auditor.get("/admin/customers/device/"),
        auditor.get(f"/admin/customers/device/{device.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for secret in ("李四", "13800138000", "lisi@", "FD2024AC0001", "科技园路", "粤海街道"):
            assert secret not in html, (page.request["PATH_INFO"], secret)
    customer_page = pages[1].content.decode()
    assert "李**" in customer_page and "138****8000" in customer_page
    assert "l***@example.com" in customer_page and "FD****01" in customer_page
    assert "广东省深圳市南山区" in customer_page
    # no probing by a whole number: the auditor's admin searches no personal field, so a
    # number that is a customer's and one that is no one's give the same list
    for q in ("13800138000", "13999999999"):
        found = auditor.get("/admin/customers/customer/", {"q": q}).content.decode()
        assert "李**" in found and "李四" not in found
    # another outlet's manager: the customer has no request there
    manager = staff("manager1", "outlet_manager")
    assert "138****8000" not in manager.get("/admin/customers/customer/").content.decode()
    assert manager.get(f"/admin/customers/customer/{customer.pk}/change/").status_code == 302
    assert manager.get(f"/admin/customers/device/{device.pk}/change/").status_code == 302
    assert "科技园路" not in manager.get("/admin/customers/address/").content.decode()
