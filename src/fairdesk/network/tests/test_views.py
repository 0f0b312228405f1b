from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from fairdesk.network.models import Outlet

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("F", name="南宁服务中心", phones=["0771-5551234"], coverage="南宁市全境")
    make_outlet("G", name="榕江服务站", coverage="黔东南榕江县")


def test_empty_form(client: Client) -> None:
    url = reverse("network:coverage")
    assert url == "/coverage/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="address"' in html and 'hx-get="/coverage/"' in html
    assert "data-covered" not in html


def test_plain_get_renders_the_whole_page_with_the_answer(client: Client, network: None) -> None:
    response = client.get("/coverage/", {"address": "广西南宁市良庆区"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="coverage-result"' in html
    assert 'data-covered="true"' in html
    assert 'data-outlet="F"' in html and "南宁服务中心" in html
    assert 'href="tel:0771-5551234"' in html
    assert 'data-outlet="G"' not in html


def test_htmx_gets_only_the_result(client: Client, network: None) -> None:
    response = client.get("/coverage/", {"address": "广西南宁市良庆区"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="coverage-result"' not in html
    assert 'data-outlet="F"' in html
    assert "HX-Request" in response.get("Vary", "")


def test_not_covered_shows_nearest(client: Client, network: None) -> None:
    html = client.get("/coverage/", {"address": "黔东南黎平县"}).content.decode()
    assert 'data-covered="false"' in html
    assert 'data-outlet="G"' in html


def test_ambiguous_address_offers_candidates(client: Client, network: None) -> None:
    html = client.get("/coverage/", {"address": "朝阳区"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="ambiguous"' in html
    assert "?code=110105" in html and "?code=220104" in html
    # following a candidate answers for that division
    html = client.get("/coverage/", {"code": "110105"}).content.decode()
    assert "北京市/朝阳区" in html


def test_blank_submission_shows_a_localised_error(client: Client) -> None:
    zh = client.get("/coverage/", {"address": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200 and 'role="alert"' in zh.content.decode()
    en = client.get("/en/coverage/", {"address": ""})
    assert en.status_code == 200
    assert "Enter an address" in en.content.decode()
    assert "Enter an address" not in zh.content.decode()


def test_english_page(client: Client, network: None) -> None:
    html = client.get("/en/coverage/", {"address": "南宁市良庆区"}).content.decode()
    assert "Which outlet serves my address?" in html
    assert 'lang="en"' in html


def test_chinese_page(client: Client) -> None:
    html = client.get("/coverage/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Which outlet serves my address?" not in html
    assert "网点" in html


def test_the_home_page_answers_the_same_lookup(client: Client, network: None) -> None:
    """The home page's "is my address covered?" is this page's lookup (views.coverage_lookup)."""
    response = client.get("/", {"address": "广西南宁市良庆区"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-covered="true"' in html and 'data-outlet="F"' in html
