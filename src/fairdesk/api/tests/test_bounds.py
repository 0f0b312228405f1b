"""Numbers and dates a request may carry are bounded in the schemas (``fairdesk.api.schemas``:
``Id``, ``Day``, ``Moment``; ``pagination.PageQuery``): past the bounds, 422 with the field
named — never an overflow in the database or in Python's calendar (a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fairdesk.api.schemas import MAX_ID
from fairdesk.api.services import api_token_create
from fairdesk.core import roles

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def admin(make_user: Any) -> Client:
    _token, key = api_token_create(
        client_name="bounds", user=make_user("brand", group=roles.BRAND_ADMIN)
    )
    return Client(headers={"authorization": f"Bearer {key}"})


def invalid(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert [e["loc"][-1] for e in error["details"]["errors"]] == [field]


def test_paging_past_the_bounds_is_422_with_no_sign_in(client: Client) -> None:
    for url in ("/api/v1/outlets", "/api/v1/products"):
        invalid(client.get(f"{url}?offset={HUGE}"), "offset")
        invalid(client.get(f"{url}?limit={HUGE}"), "limit")
        assert client.get(f"{url}?offset=1000000000").status_code == 200


def test_days_out_of_range_are_422_not_an_overflow(admin: Client) -> None:
    invalid(admin.get("/api/v1/service-requests?created_to=9999-12-31"), "created_to")
    invalid(admin.get("/api/v1/service-requests?created_from=0001-01-01"), "created_from")
    invalid(admin.get("/api/v1/complaints/export?to=0001-01-01&format=json"), "to")
    invalid(admin.get("/api/v1/complaints/export?from=9999-12-31&format=json"), "from")
    assert admin.get("/api/v1/service-requests?created_to=2999-12-31").status_code == 200


def test_a_day_is_written_as_a_day_not_a_timestamp(admin: Client) -> None:
    """pydantic would read 0 as 1970-01-01; the schema says YYYY-MM-DD."""
    invalid(admin.get("/api/v1/service-requests?created_to=0"), "created_to")
    invalid(admin.get("/api/v1/complaints/export?to=20261201&format=json"), "to")


def test_ids_past_the_largest_row_id_are_422(admin: Client) -> None:
    invalid(admin.get(f"/api/v1/subscriptions/{HUGE}"), "subscription_id")
    invalid(admin.get(f"/api/v1/changes/{MAX_ID + 1}"), "attempt_id")
    invalid(admin.get(f"/api/v1/complaints/{HUGE}"), "complaint_id")
    invalid(admin.get(f"/api/v1/subscriptions?customer_id={HUGE}"), "customer_id")
    invalid(admin.get("/api/v1/subscriptions/0"), "subscription_id")
    assert admin.get(f"/api/v1/subscriptions/{MAX_ID}").status_code == 404
    body = {"kind": "repair", "description": "x", "customer_id": int(HUGE)}
    invalid(
        admin.post("/api/v1/service-requests", body, content_type="application/json"), "customer_id"
    )
