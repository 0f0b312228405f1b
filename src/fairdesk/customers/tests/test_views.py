"""The customer pages with Django's test client: sign-in end to end, my addresses and devices,
my messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client
from django.urls import NoReverseMatch, reverse

from fairdesk.core import roles
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.customers.services import address_create, customer_get_or_create, device_register
from fairdesk.customers.tests.conftest import PDF, PHONE, code_from_outbox, other_code
from fairdesk.notifications.services import message_send

pytestmark = pytest.mark.django_db


def default_landing() -> str:
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return reverse("customers:me")


def page_sign_in(client: Client, phone: str = PHONE, next_url: str = "/me/") -> Any:
    response = client.post("/login/", {"action": "send", "phone": phone, "next": next_url})
    assert response.status_code == 200
    return client.post(
        "/login/",
        {"action": "verify", "phone": phone, "code": code_from_outbox(phone), "next": next_url},
    )


def test_sign_in_flow_end_to_end(client: Client, settings: Any) -> None:
    page = client.get("/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-step="phone"' in html and 'name="phone"' in html and 'type="tel"' in html
    assert "手机号" in html  # Chinese first
    assert 'data-hint="outbox"' not in html  # not the demo: codes are never on the outbox page
    settings.DEMO = True  # the demo without a gateway: its codes are read on the outbox page
    assert 'data-hint="outbox"' in client.get("/login/").content.decode()
    settings.DEMO = False

    response = client.post("/login/", {"action": "send", "phone": "138 0013 8000"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-step="code"' in html and 'autocomplete="one-time-code"' in html
    assert "138 0013 8000" in html  # the customer's own number, shown to them
    code = code_from_outbox()
    assert code not in html  # the code is never on the sign-in page

    response = client.post("/login/", {"action": "verify", "phone": PHONE, "code": code})
    assert response.status_code == 302
    assert response["Location"] == default_landing()
    customer = Customer.objects.get(phone=PHONE)
    me = client.get("/me/")
    assert me.status_code == 200
    assert int(client.session["_auth_user_id"]) == customer.user_id
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    # signed in: /login/ sends the customer on
    assert client.get("/login/").status_code == 302
    # sign out
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/me/").status_code == 302


def test_next_parameter_is_followed_only_on_this_site(client: Client) -> None:
    assert page_sign_in(client, next_url="/me/messages/")["Location"] == "/me/messages/"
    client.post("/logout/")
    other = Client()
    response = page_sign_in(other, phone="13900139000", next_url="https://evil.example/")
    assert response["Location"] == default_landing()


def test_wrong_code_stays_on_step_two_with_the_error(client: Client) -> None:
    client.post("/login/", {"action": "send", "phone": PHONE})
    wrong = other_code(code_from_outbox())
    response = client.post(
        "/login/",
        {"action": "verify", "phone": PHONE, "code": wrong},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-step="code"' in html
    assert "Wrong code. You can try 4 more times with this code." in html
    assert "_auth_user_id" not in client.session


def test_bad_number_stays_on_step_one(client: Client) -> None:
    response = client.post(
        "/login/", {"action": "send", "phone": "12345"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-step="phone"' in html and "not a mainland China mobile number" in html


def test_resend_too_soon_keeps_step_two(client: Client) -> None:
    client.post("/login/", {"action": "send", "phone": PHONE})
    response = client.post(
        "/login/",
        {"action": "send", "step": "code", "phone": PHONE},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert 'data-step="code"' in html and "You can ask for a new one in" in html


def test_me_requires_a_customer(client: Client) -> None:
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fme%2F"
    staff = get_user_model().objects.create_user("agent1", password="pw-for-tests-123")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    response = client.get("/me/", headers={"accept-language": "en"})
    assert response.status_code == 403
    assert "This page is for customers" in response.content.decode()


def test_me_lists_addresses_with_warnings_and_devices_with_warranty(
    client: Client, product_model: ProductModel, time_machine: Any
) -> None:
    time_machine.move_to("2026-03-01T04:00:00Z", tick=False)
    page_sign_in(client)
    customer = Customer.objects.get()
    address_create(customer=customer, text="广东省深圳市南山区粤海街道科技园路1号", label="家")
    address_create(customer=customer, text="朝阳区建国路88号")
    device_register(
        customer=customer,
        product_model=product_model,
        serial="AC-1",
        purchase_date=date(2021, 6, 1),
    )
    html = client.get("/me/", headers={"accept-language": "en"}).content.decode()
    assert "广东省/深圳市/南山区/粤海街道" in html
    assert 'data-status="ambiguous"' in html and "routed by hand" in html
    assert "吉林省/长春市/朝阳区" in html  # the note lists the possible readings
    assert 'data-warranty="in_warranty"' in html and "2027-06-01" in html
    assert "Wall air conditioner" in html  # English model name in English
    zh = client.get("/me/").content.decode()
    assert "壁挂式空调" in zh


def test_add_address_and_device_through_the_page(
    client: Client, product_model: ProductModel, time_machine: Any
) -> None:
    time_machine.move_to("2026-03-01T04:00:00Z", tick=False)
    page_sign_in(client)
    response = client.post(
        "/me/addresses/",
        {"text": "火星市奥林匹斯县1号", "label": "家", "contact_phone": ""},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422
    assert "We could not find this address" in response.content.decode()
    assert not Address.objects.exists()
    response = client.post(
        "/me/addresses/",
        {"text": "广西南宁市良庆区玉洞大道33号", "label": "家", "contact_phone": ""},
        follow=True,
    )
    assert response.status_code == 200
    address = Address.objects.get()
    assert address.division_status == "resolved" and address.is_default

    response = client.post(
        "/me/devices/",
        {
            "product_model": product_model.pk,
            "serial": "ac-777",
            "purchase_date": "2024-01-31",
            "proof": SimpleUploadedFile("invoice.pdf", PDF),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/me/#devices"
    device = Device.objects.get()
    assert device.serial == "AC-777" and device.warranty_until == date(2030, 1, 31)
    proof = client.get(f"/devices/{device.pk}/proof/")
    assert proof.status_code == 200 and proof["Content-Type"] == "application/pdf"
    assert isinstance(proof, FileResponse)
    assert b"".join(proof.streaming_content) == PDF


def test_page_errors_are_shown_and_change_nothing(
    client: Client, product_model: ProductModel
) -> None:
    page_sign_in(client)
    response = client.post(
        "/me/devices/",
        {
            "product_model": product_model.pk,
            "serial": "AC-1",
            "purchase_date": "2099-01-01",
            "proof": SimpleUploadedFile("photo.jpg", b"GIF89a......"),
        },
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The purchase date 2099-01-01 is in the future." in html
    assert not Device.objects.exists()
    response = client.post(
        "/me/addresses/",
        {"text": "广西南宁市良庆区", "contact_phone": "12"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422 and "is not a phone number" in response.content.decode()
    assert not Address.objects.exists()


def test_default_and_delete_buttons(client: Client) -> None:
    page_sign_in(client)
    customer = Customer.objects.get()
    first = address_create(customer=customer, text="广西南宁市良庆区")
    second = address_create(customer=customer, text="北京市朝阳区建国路88号")
    assert client.post(f"/me/addresses/{second.pk}/default/").status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    # another customer's address is not found
    theirs = address_create(customer=customer_get_or_create(phone="13900139000"), text="广西")
    assert client.post(f"/me/addresses/{theirs.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()
    assert client.post(f"/me/addresses/{first.pk}/delete/").status_code == 302
    assert not Address.objects.filter(pk=first.pk).exists()


def test_proof_is_private(client: Client, product_model: ProductModel) -> None:
    owner = customer_get_or_create(phone="13900139000")
    device = device_register(
        customer=owner,
        product_model=product_model,
        serial="P-1",
        purchase_date=date(2024, 1, 1),
        proof=SimpleUploadedFile("a.pdf", PDF),
    )
    url = f"/devices/{device.pk}/proof/"
    assert client.get(url).status_code == 302
    page_sign_in(client)
    assert client.get(url).status_code == 404
    from django.contrib.auth.models import Group

    from fairdesk.network.services import outlet_create, outlet_member_set

    def staff(username: str, role: str) -> Client:
        user = get_user_model().objects.create_user(username, password="pw-for-tests-123")
        user.groups.add(Group.objects.get(name=role))
        if role == "outlet_manager":
            outlet_member_set(
                outlet=outlet_create(code="X1", name="别处"), user=user, role="manager"
            )
        staff_client = Client()
        staff_client.force_login(user)
        return staff_client

    assert staff("agent1", "agent").get(url).status_code == 200
    # an auditor reads customers masked: a receipt cannot be masked; another outlet's manager
    # opens only the customers with a request at their outlet
    assert staff("auditor1", "auditor").get(url).status_code == 404
    assert staff("manager1", "outlet_manager").get(url).status_code == 404


def test_staff_login_page(client: Client) -> None:
    get_user_model().objects.create_user("agent1", password="pw-for-tests-123", is_staff=True)
    page = client.get("/staff/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post("/staff/login/", {"username": "agent1", "password": "pw-for-tests-123"})
    assert response.status_code == 302 and response["Location"] == "/console/"  # not the admin
    bad = Client().post("/staff/login/", {"username": "agent1", "password": "wrong"})
    assert bad.status_code == 200 and "_auth_user_id" not in bad.client.session


@pytest.mark.parametrize(
    ("user", "wanted", "lands"),
    [
        ("agent", "/console/requests/?status=new", "/console/requests/?status=new"),
        ("agent", "https://evil.example/console/", "/console/"),  # another site: ignored
        ("agent", "//evil.example/", "/console/"),
        ("brand", "/admin/network/outlet/", "/admin/network/outlet/"),  # asked for, allowed
        ("agent", "/admin/", "/console/"),  # the admin would refuse them: their console
        ("brand", "", "/console/"),  # a brand administrator too, unless they ask
    ],
)
def test_staff_land_on_their_console_or_the_safe_page_they_asked_for(
    user: str, wanted: str, lands: str
) -> None:
    agent = get_user_model().objects.create_user("agent", password="pw-for-tests-123")
    agent.groups.add(Group.objects.get(name=roles.AGENT))
    brand = get_user_model().objects.create_user("brand", password="pw-for-tests-123")
    brand.is_staff = True  # a brand administrator: the admin lets them in
    brand.save(update_fields=["is_staff"])
    brand.groups.add(Group.objects.get(name=roles.BRAND_ADMIN))
    client = Client()
    form = {"username": user, "password": "pw-for-tests-123", "next": wanted}
    response = client.post("/staff/login/", form)
    assert response.status_code == 302 and response["Location"] == lands
    # signed in already: the sign-in page sends them on the same way
    again = client.get("/staff/login/", {"next": wanted} if wanted else {})
    assert again.status_code == 302 and again["Location"] == lands


def test_customer_sees_only_their_own_messages() -> None:
    me = customer_get_or_create(phone="13800138000")
    other = customer_get_or_create(phone="13900139000")
    message_send(channel="portal", kind="note", customer=me, body="您的工单已受理")
    message_send(channel="portal", kind="note", customer=other, body="别人的消息")
    user = get_user_model().objects.create_user("c13800138000", password=None)
    me.user = user
    me.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    html = client.get("/me/messages/").content.decode()
    assert "您的工单已受理" in html and "别人的消息" not in html
    assert Client().get("/me/messages/").status_code == 302
    staff = get_user_model().objects.create_user("staff", password="pw-for-tests", is_staff=True)
    client.force_login(staff)
    assert client.get("/me/messages/").status_code == 403
