"""The health check (core.views.healthz)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_healthz_is_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
