"""The project's URL configuration (fairdesk/urls.py) as served: the admin's titles, the API
docs with nothing loaded from outside, every page with collectstatic's files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_admin_index_for_staff(client: Client) -> None:
    user = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client.force_login(user)
    response = client.get("/admin/", headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "fairdesk administration" in html and "Service network and users" in html


def test_admin_index_in_chinese(client: Client) -> None:
    user = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client.force_login(user)
    html = client.get("/admin/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "fairdesk 管理后台" in html and "服务网络与用户" in html


def test_pages_render_with_collected_static(settings: Any, tmp_path: Path, client: Client) -> None:
    """As served in production: every {% static %} asset is in collectstatic's manifest."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    for url in ("/", "/coverage/", "/api/v1/docs", "/admin/login/"):
        assert client.get(url).status_code == 200, url
    assert (settings.STATIC_ROOT / "fairdesk" / "site.css").exists()


def test_api_docs_load_nothing_from_outside(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
