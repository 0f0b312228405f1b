"""The home page (site.views.home)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_links_admin_api_and_coverage(client: Client) -> None:
    html = client.get("/").content.decode()
    for href in ('href="/admin/"', 'href="/api/v1/docs"', 'href="/coverage/"', 'href="/healthz"'):
        assert href in html
