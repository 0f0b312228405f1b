"""The home page (site.views.home): the brand's service home, not a developer's page (issue 24
item 20) — the hotline, booking, following a request, a person, plans and "is my address
covered?"; the developer's links (admin, API docs, health check) are out of the customer's way."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fairdesk.portal.tests.fixtures import make_world, staff_user

pytestmark = pytest.mark.django_db

DEVELOPER_LINKS = ('href="/admin/"', 'href="/api/v1/docs"', 'href="/healthz"', 'href="/api/')


@pytest.fixture
def brand(settings: Any) -> None:
    settings.BRAND_NAME = "测试品牌"
    settings.BRAND_HOTLINE = "400-820-0000"
    settings.DEMO = False


def test_the_home_page_is_the_brands_service_home(client: Client, brand: None) -> None:
    html = client.get("/").content.decode()
    assert "测试品牌 售后服务" in html
    assert 'href="tel:4008200000"' in html and "400-820-0000" in html
    assert "data-demo-number" not in html  # a real brand's number is not marked as a demo
    for task, href in (
        ("book", "/portal/book/"),
        ("track", "/portal/"),
        ("contact", "/portal/contact/"),
        ("plans", "/portal/plans/"),
    ):
        assert f'href="{href}" data-task="{task}"' in html, task
    assert "我的地址在服务范围内吗？" in html and 'data-action="covered"' in html
    for link in DEVELOPER_LINKS:
        assert link not in html, link
    assert "健康检查" not in html and "营业中的服务网点" not in html


def test_the_home_page_in_english(client: Client, brand: None) -> None:
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "测试品牌 after-sales service" in html and "Track a request" in html
    assert "Is my address covered?" in html and "服务热线" not in html


def test_no_hotline_is_shown_when_the_brand_has_none(client: Client, settings: Any) -> None:
    settings.BRAND_HOTLINE = ""
    html = client.get("/").content.decode()
    assert "data-hotline" not in html and 'href="tel:' not in html


def test_the_demo_marks_its_made_up_number(client: Client, settings: Any) -> None:
    settings.BRAND_HOTLINE, settings.DEMO = "400-000-0000", True
    assert "data-demo-number" in client.get("/").content.decode()


def test_is_my_address_covered_names_the_outlet(client: Client) -> None:
    make_world()
    html = client.get("/", {"address": "广西南宁市良庆区"}).content.decode()
    assert "<html" in html and 'data-covered="true"' in html and "南宁良庆服务中心" in html
    # htmx: the answer alone, swapped into the page
    part = client.get("/", {"address": "广西南宁市良庆区"}, headers={"hx-request": "true"})
    fragment = part.content.decode()
    assert part.status_code == 200 and "<html" not in fragment and "南宁良庆服务中心" in fragment
    assert part["Vary"] and "HX-Request" in part["Vary"]


def test_is_my_address_covered_says_when_none_does(client: Client) -> None:
    make_world()
    html = client.get("/", {"address": "西藏自治区阿里地区噶尔县"}).content.decode()
    assert 'data-covered="false"' in html and "暂无服务网点覆盖此地址" in html


def test_an_address_that_is_not_found_is_said_so(client: Client) -> None:
    html = client.get("/", {"address": "火星基地3号舱"}).content.decode()
    assert 'data-status="not_found"' in html and "在官方行政区划中没有找到这个地方" in html


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"address": ""}, "请输入地址"),
        ({"address": "北" * 201}, "200"),
        ({"code": "12ab"}, "区划代码为 6 位或 9 位数字"),
        ({"code": "999999"}, "999999"),
    ],
    ids=["empty", "too-long", "bad-code", "unknown-code"],
)
def test_bad_input_gets_a_clear_message(client: Client, query: dict[str, str], said: str) -> None:
    response = client.get("/", query)
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html and said in html, html


def test_customer_pages_have_no_api_link_and_staff_find_it_in_the_footer() -> None:
    world = make_world()
    assert world.customer.user is not None
    customer = Client()
    customer.force_login(world.customer.user)
    for url in ("/", "/portal/", "/portal/book/", "/me/"):
        html = customer.get(url).content.decode()
        assert 'href="/api/v1/docs"' not in html and ">API<" not in html, url
    agent = Client()
    agent.force_login(staff_user("agent2", "agent"))
    assert 'href="/api/v1/docs" data-nav="api-docs"' in agent.get("/console/").content.decode()
    anonymous = Client().get("/").content.decode()
    assert 'data-nav="staff-login"' in anonymous and 'href="/api/v1/docs"' not in anonymous
