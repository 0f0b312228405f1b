"""The language of a page (core.middleware.LocaleMiddleware): the URL prefix, the switcher's
cookie, Accept-Language, else Simplified Chinese."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_default_language_is_chinese(client: Client) -> None:
    response = client.get("/")
    assert response["Content-Language"] == "zh-hans"
    assert "查询服务进度" in response.content.decode()


def test_accept_language_english_everywhere() -> None:
    client = Client(headers={"accept-language": "en"})
    home = client.get("/")
    assert home["Content-Language"] == "en"
    assert "Track a request" in home.content.decode()
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
