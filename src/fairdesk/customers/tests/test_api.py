"""The customers API: sign-in, catalog, my addresses and devices; the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fairdesk.customers.models import Address, Customer, Device, LoginCode, ProductModel
from fairdesk.customers.services import address_create, customer_get_or_create, device_register
from fairdesk.customers.tests.conftest import JPEG, PHONE, code_from_outbox, other_code

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    assert body["error"]["message"]
    return body["error"]


def sign_in(client: Client, phone: str = PHONE) -> dict[str, Any]:
    assert client.post("/api/v1/auth/code", {"phone": phone}, "application/json").status_code == 202
    response = client.post(
        "/api/v1/auth/verify", {"phone": phone, "code": code_from_outbox(phone)}, "application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_sign_in_by_api_starts_a_session(client: Client) -> None:
    response = client.post("/api/v1/auth/code", {"phone": "+86 138 0013 8000"}, "application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["phone"] == PHONE and body["resend_after"] == 60
    assert body["expires_at"]
    assert client.get("/api/v1/me").status_code == 401
    me = client.post(
        "/api/v1/auth/verify", {"phone": PHONE, "code": code_from_outbox()}, "application/json"
    ).json()
    assert me["phone"] == PHONE and me["id"] == Customer.objects.get().pk
    assert client.get("/api/v1/me").json()["id"] == me["id"]
    assert client.post("/api/v1/auth/sign-out").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_code_request_errors(client: Client) -> None:
    response = client.post("/api/v1/auth/code", {"phone": "12345"}, "application/json", headers=EN)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_phone"
    assert "not a mainland China mobile number" in error["message"]
    response = client.post("/api/v1/auth/code", {"phone": "12345"}, "application/json")
    assert "手机号" in error_of(response)["message"]  # Chinese by default
    # missing field: the validation error, in the same shape
    response = client.post("/api/v1/auth/code", {}, "application/json")
    assert response.status_code == 422 and error_of(response)["code"] == "invalid_input"
    # too soon: 429 with the wait
    client.post("/api/v1/auth/code", {"phone": PHONE}, "application/json")
    response = client.post("/api/v1/auth/code", {"phone": PHONE}, "application/json")
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "code_requested_too_soon" and 0 < error["details"]["retry_after"] <= 60
    assert LoginCode.objects.count() == 1


def test_per_ip_limit_uses_the_client_address(client: Client, settings: Any) -> None:
    settings.LOGIN_CODE_MAX_PER_IP_PER_HOUR = 2
    for i in range(2):
        assert (
            client.post(
                "/api/v1/auth/code", {"phone": f"1390000000{i}"}, "application/json"
            ).status_code
            == 202
        )
    response = client.post("/api/v1/auth/code", {"phone": "13900000009"}, "application/json")
    assert response.status_code == 429 and error_of(response)["code"] == "too_many_codes_for_ip"
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert (
        other.post("/api/v1/auth/code", {"phone": "13900000009"}, "application/json").status_code
        == 202
    )
    assert str(LoginCode.objects.latest("id").ip) == "198.51.100.9"


def test_trusted_proxy_hops(client: Client, settings: Any) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    client.post(
        "/api/v1/auth/code",
        {"phone": PHONE},
        "application/json",
        headers={"x-forwarded-for": "1.2.3.4, 203.0.113.50"},
    )
    assert str(LoginCode.objects.get().ip) == "203.0.113.50"


def test_verify_errors(client: Client) -> None:
    client.post("/api/v1/auth/code", {"phone": PHONE}, "application/json")
    wrong = other_code(code_from_outbox())
    response = client.post(
        "/api/v1/auth/verify", {"phone": PHONE, "code": wrong}, "application/json", headers=EN
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "wrong_code" and error["details"] == {"attempts_left": 4}
    assert error["message"] == "Wrong code. You can try 4 more times with this code."
    assert client.get("/api/v1/me").status_code == 401
    assert not Customer.objects.exists()


def test_me_endpoints_need_a_signed_in_customer(client: Client) -> None:
    for method, path in [
        ("get", "/api/v1/me/addresses"),
        ("post", "/api/v1/me/addresses"),
        ("get", "/api/v1/me/devices"),
        ("post", "/api/v1/me/devices"),
    ]:
        response = getattr(client, method)(path, headers=EN)
        assert response.status_code == 401, path
        error = error_of(response)
        assert error["code"] == "not_authenticated" and "Sign in" in error["message"]
    staff = get_user_model().objects.create_user("agent1", password="pw-for-tests-123")
    client.force_login(staff)
    response = client.get("/api/v1/me/addresses")
    assert response.status_code == 403 and error_of(response)["code"] == "not_a_customer"


def test_csrf_is_checked_for_cookie_sessions(client: Client) -> None:
    customer = customer_get_or_create(phone=PHONE)
    csrf_client = Client(enforce_csrf_checks=True)
    sign_in(csrf_client)
    response = csrf_client.post(
        "/api/v1/me/addresses", {"text": "广西南宁市良庆区"}, "application/json"
    )
    assert response.status_code == 403 and error_of(response)["code"] == "csrf_failed"
    assert not Address.objects.filter(customer=customer).exists()
    assert csrf_client.get("/me/").status_code == 200  # a page with a form sets the token
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        "/api/v1/me/addresses",
        {"text": "广西南宁市良庆区"},
        "application/json",
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "x-csrftoken": "!"},
    ],
)
def test_sign_out_is_csrf_checked(headers: dict[str, str]) -> None:
    """Issue 24 item 6: another site's page cannot sign a customer out (it was 204)."""
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    if "x-csrftoken" in headers:  # a foreign page that somehow holds the token: Origin decides
        headers = {**headers, "x-csrftoken": browser.cookies["csrftoken"].value}
    response = browser.post("/api/v1/auth/sign-out", headers={**EN, **headers})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "csrf_failed" and "CSRF" in error["message"]
    assert browser.get("/api/v1/me").status_code == 200  # still signed in
    # the same page of our own, with the token, signs out
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/auth/sign-out", headers={"Origin": "http://testserver", "x-csrftoken": token}
    )
    assert response.status_code == 204
    assert browser.get("/api/v1/me").status_code == 401


def test_addresses(client: Client) -> None:
    sign_in(client)
    response = client.post(
        "/api/v1/me/addresses",
        {"text": "广东省深圳市南山区粤海街道科技园路1号", "label": "家"},
        "application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["division"]["code"] == "440305007" and body["division"]["status"] == "resolved"
    assert body["warning"] is None and body["is_default"] is True
    response = client.post(
        "/api/v1/me/addresses", {"text": "朝阳区建国路88号"}, "application/json", headers=EN
    )
    assert response.status_code == 201
    unresolved = response.json()
    assert unresolved["division"] == {
        "status": "ambiguous",
        "code": None,
        "name": None,
        "note": unresolved["division"]["note"],
    }
    assert "routed by hand" in unresolved["warning"]
    listed = client.get("/api/v1/me/addresses").json()
    assert [a["id"] for a in listed] == [body["id"], unresolved["id"]]
    response = client.post(
        "/api/v1/me/addresses", {"text": " ", "contact_phone": "1"}, "application/json"
    )
    assert response.status_code == 422 and error_of(response)["code"] == "address_required"
    assert Address.objects.count() == 2


def test_customers_see_only_their_own(client: Client, product_model: ProductModel) -> None:
    other = customer_get_or_create(phone="13900139000")
    address_create(customer=other, text="广西南宁市良庆区")
    device_register(
        customer=other,
        product_model=product_model,
        serial="THEIRS1",
        purchase_date=date(2024, 1, 1),
    )
    sign_in(client)
    assert client.get("/api/v1/me/addresses").json() == []
    assert client.get("/api/v1/me/devices").json() == []


def test_products_catalog(client: Client, make_model: Callable[..., ProductModel]) -> None:
    make_model("FD-A1", 72, product_line="air_conditioner", name_en="AC")
    make_model("FD-S1", 24, product_line="safe")
    make_model("FD-OLD", 24, product_line="safe", active=False)
    body = client.get("/api/v1/products").json()
    assert [p["model_code"] for p in body["items"]] == ["FD-A1", "FD-S1"]
    assert body["total"] == 2
    first = body["items"][0]
    assert first["warranty_months"] == 72 and first["product_line"] == "air_conditioner"
    assert first["name_en"] == "AC" and first["brand"] == "测试品牌"
    safes = client.get("/api/v1/products", {"product_line": "safe"}).json()
    assert [p["model_code"] for p in safes["items"]] == ["FD-S1"]
    response = client.get("/api/v1/products", {"product_line": "spaceship"})
    assert response.status_code == 422 and error_of(response)["code"] == "invalid_input"


def test_register_device_with_proof(
    client: Client, product_model: ProductModel, time_machine: Any
) -> None:
    time_machine.move_to("2026-03-01T04:00:00Z", tick=False)
    sign_in(client)
    response = client.post(
        "/api/v1/me/devices",
        {
            "product_model_id": product_model.pk,
            "serial": "ac-123456",
            "purchase_date": "2024-01-31",
            "proof": SimpleUploadedFile("receipt.jpg", JPEG, content_type="image/jpeg"),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["serial"] == "AC-123456"
    assert body["warranty_until"] == "2030-01-31"
    assert body["warranty"]["status"] == "in_warranty"
    assert body["warranty"]["days_left"] == (date(2030, 1, 31) - date(2026, 3, 1)).days
    assert body["proof_content_type"] == "image/jpeg"
    assert body["product_model"]["model_code"] == "FD-KFR-35GW"
    assert [d["id"] for d in client.get("/api/v1/me/devices").json()] == [body["id"]]


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"serial": "AC-1", "purchase_date": "2099-01-01"}, 422, "purchase_date_in_future"),
        ({"serial": "!", "purchase_date": "2024-01-01"}, 422, "invalid_serial"),
        ({"serial": "AC-1", "purchase_date": "not a date"}, 422, "invalid_input"),
        (
            {"serial": "AC-1", "purchase_date": "2024-01-01", "product_model_id": 999999},
            422,
            "unknown_product_model",
        ),
        (
            {
                "serial": "AC-1",
                "purchase_date": "2024-01-01",
                "proof": SimpleUploadedFile("x.pdf", b"not a pdf"),
            },
            422,
            "proof_type",
        ),
        ({"serial": "TAKEN-1", "purchase_date": "2024-01-01"}, 409, "duplicate_serial"),
    ],
)
def test_register_device_errors(
    client: Client, product_model: ProductModel, fields: dict, status: int, code: str
) -> None:
    other = customer_get_or_create(phone="13900139000")
    device_register(
        customer=other,
        product_model=product_model,
        serial="TAKEN-1",
        purchase_date=date(2024, 1, 1),
    )
    sign_in(client)
    data = {"product_model_id": product_model.pk, **fields}
    response = client.post("/api/v1/me/devices", data)
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert Device.objects.count() == 1


def test_list_endpoints_use_constant_queries(client: Client, product_model: ProductModel) -> None:
    sign_in(client)
    customer = Customer.objects.get()

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    address_create(customer=customer, text="广西南宁市良庆区")
    device_register(
        customer=customer, product_model=product_model, serial="Q-1", purchase_date=date(2024, 1, 1)
    )
    one = (count("/api/v1/me/addresses"), count("/api/v1/me/devices"))
    for i in range(2, 6):
        address_create(customer=customer, text="广西南宁市良庆区")
        device_register(
            customer=customer,
            product_model=product_model,
            serial=f"Q-{i}",
            purchase_date=date(2024, 1, 1),
        )
    assert (count("/api/v1/me/addresses"), count("/api/v1/me/devices")) == one


def test_openapi_lists_the_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/auth/code",
        "/api/v1/auth/verify",
        "/api/v1/products",
        "/api/v1/me/addresses",
        "/api/v1/me/devices",
    ]:
        assert path in paths, path


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_sign_in_from_another_site_is_refused(client: Client, headers: dict[str, str]) -> None:
    """Login CSRF: another site cannot sign a visitor in to an account of its choosing."""
    response = client.post(
        "/api/v1/auth/code", {"phone": PHONE}, "application/json", headers=headers
    )
    assert response.status_code == 403 and error_of(response)["code"] == "csrf_failed"
    assert not LoginCode.objects.exists()
    response = client.post(
        "/api/v1/auth/verify",
        {"phone": PHONE, "code": "123456"},
        "application/json",
        headers=headers,
    )
    assert response.status_code == 403 and error_of(response)["code"] == "csrf_failed"


def test_sign_in_from_our_own_pages_and_from_apps_works(client: Client) -> None:
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    response = client.post("/api/v1/auth/code", {"phone": PHONE}, "application/json", headers=same)
    assert response.status_code == 202
    response = client.post(
        "/api/v1/auth/verify",
        {"phone": PHONE, "code": code_from_outbox(PHONE)},
        "application/json",
        headers=same,
    )
    assert response.status_code == 200  # and with no header at all: sign_in() above
