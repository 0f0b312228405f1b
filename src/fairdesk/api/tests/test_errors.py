"""The API's one error shape, also for Ninja's own errors."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_gets_the_one_error_shape(client: Client) -> None:
    response = client.post("/api/v1/auth/code", data="not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid_body" and body["error"]["message"]
