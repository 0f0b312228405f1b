"""The site as a whole: health check, home page, languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
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


def test_home_links_admin_api_and_coverage(client: Client) -> None:
    html = client.get("/").content.decode()
    for href in ('href="/admin/"', 'href="/api/v1/docs"', 'href="/coverage/"', 'href="/healthz"'):
        assert href in html


def test_default_language_is_chinese(client: Client) -> None:
    response = client.get("/")
    assert response["Content-Language"] == "zh-hans"
    assert "公平" in response.content.decode()


def test_accept_language_english_everywhere() -> None:
    client = Client(headers={"accept-language": "en"})
    home = client.get("/")
    assert home["Content-Language"] == "en"
    assert "fair by construction" in home.content.decode()
    login = client.get("/admin/login/")
    assert login["Content-Language"] == "en"
    assert "Log in" in login.content.decode()


def test_admin_in_chinese() -> None:
    login = Client(headers={"accept-language": "zh-hans"}).get("/admin/login/")
    assert login["Content-Language"] == "zh-hans"
    assert "登录" in login.content.decode()


def test_language_switcher_cookie_wins_over_accept_language() -> None:
    client = Client(headers={"accept-language": "zh-hans"})
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get("/")["Content-Language"] == "en"
    assert client.get("/admin/login/")["Content-Language"] == "en"


def test_english_prefix_for_shared_links(client: Client) -> None:
    response = client.get("/en/coverage/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def test_admin_index_for_staff(client: Client) -> None:
    user = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client.force_login(user)
    response = client.get("/admin/", headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "fairdesk administration" in html and "Service network and users" in html


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


def test_admin_index_in_chinese(client: Client) -> None:
    user = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    client.force_login(user)
    html = client.get("/admin/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "fairdesk 管理后台" in html and "服务网络与用户" in html
