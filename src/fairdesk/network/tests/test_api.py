from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fairdesk.network.models import Outlet

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(make_outlet: Callable[..., Outlet]) -> None:
    make_outlet(
        "F",
        name="南宁服务中心",
        address="广西南宁市青秀区民族大道1号",
        phones=["0771-5551234"],
        coverage="南宁市全境",
        product_lines=["safe"],
    )
    make_outlet(
        "C",
        name="良庆服务站",
        coverage="广西南宁市良庆区",
        product_lines=["air_conditioner", "safe"],
    )
    make_outlet("G", name="榕江服务站", coverage="黔东南榕江县")


def test_coverage_by_address(client: Client, network: None) -> None:
    response = client.get("/api/v1/coverage", {"address": "广西南宁市良庆区"})
    assert response.status_code == 200
    body = response.json()
    assert body["covered"] is True
    assert body["division"]["code"] == "450108"
    assert body["division"]["status"] == "resolved"
    assert body["division"]["level"] == "county"
    assert [o["code"] for o in body["outlets"]] == ["C", "F"]
    assert body["outlets"][1] == {
        "code": "F",
        "name": "南宁服务中心",
        "phones": ["0771-5551234"],
        "address": "广西南宁市青秀区民族大道1号",
        "opening_hours": "",
        "matched_division": {
            "code": "450100",
            "level": "prefecture",
            "name": "广西壮族自治区/南宁市",
        },
        "coverage_level": "prefecture",
    }
    assert body["nearest"] == []


def test_coverage_by_code_not_covered_has_nearest(client: Client, network: None) -> None:
    body = client.get("/api/v1/coverage", {"code": "522631"}).json()  # 黎平县, next to 榕江
    assert body["covered"] is False and body["outlets"] == []
    assert [(o["code"], o["relation"]) for o in body["nearest"]] == [("G", "same_prefecture")]


def test_unresolvable_address_is_200_with_the_resolution(client: Client, network: None) -> None:
    response = client.get("/api/v1/coverage", {"address": "朝阳区"})
    assert response.status_code == 200
    body = response.json()
    assert body["covered"] is False and body["division"]["status"] == "ambiguous"
    assert body["division"]["code"] is None
    assert {c["code"] for c in body["division"]["candidates"]} >= {"110105", "220104"}


def test_coverage_errors_have_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/coverage", {"address": " "})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "address_required"
    assert "广西南宁市良庆区" in error["message"]

    response = client.get("/api/v1/coverage")
    assert response.status_code == 422 and response.json()["error"]["code"] == "address_required"

    response = client.get("/api/v1/coverage", {"code": "000000"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "division_not_found"


@pytest.mark.urls("fairdesk.network.tests.urls_negotiated")
def test_error_message_follows_the_language(client: Client) -> None:
    zh = client.get("/api/v1/coverage", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["error"]
    en = client.get("/api/v1/coverage", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert en["message"].startswith("Enter an address")
    assert zh["message"] != en["message"] and "地址" in zh["message"]


def test_api_speaks_chinese_by_default(client: Client) -> None:
    error = client.get("/api/v1/coverage").json()["error"]
    assert error["message"] == "请输入地址，例如：广西南宁市良庆区。"


def test_outlet_list_paginated_with_constant_queries(
    client: Client, make_outlet: Callable[..., Outlet], django_assert_num_queries: Any
) -> None:
    make_outlet("A1", coverage="良庆区、青秀区")
    with django_assert_num_queries(2):  # count + page
        small = client.get("/api/v1/outlets").json()
    for i in range(2, 8):
        make_outlet(f"A{i}", coverage="榕江县")
    with django_assert_num_queries(2):
        body = client.get("/api/v1/outlets").json()
    assert body["total"] == 7 and len(body["items"]) == 7
    assert small["items"][0]["coverage_count"] == 2
    first = body["items"][0]
    assert first["code"] == "A1" and first["status"] == "active"
    assert set(first) >= {
        "name",
        "address",
        "address_division",
        "phones",
        "opening_hours",
        "product_lines",
        "coverage_count",
        "created_at",
        "updated_at",
    }
    page = client.get("/api/v1/outlets", {"offset": 3, "limit": 3}).json()
    assert [o["code"] for o in page["items"]] == ["A4", "A5", "A6"]


def test_outlet_list_filters(client: Client, network: None) -> None:
    body = client.get("/api/v1/outlets", {"product_line": "air_conditioner"}).json()
    assert [o["code"] for o in body["items"]] == ["C"]
    body = client.get("/api/v1/outlets", {"q": "榕江"}).json()
    assert [o["code"] for o in body["items"]] == ["G"]
    response = client.get("/api/v1/outlets", {"status": "sleeping"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_outlet_detail_and_coverage(client: Client, network: None) -> None:
    body = client.get("/api/v1/outlets/F").json()
    assert body["name"] == "南宁服务中心" and body["coverage_count"] == 1
    assert body["address_division"] == {"code": "450103", "status": "resolved"}
    assert body["product_lines"] == ["safe"]
    body = client.get("/api/v1/outlets/F/coverage").json()
    assert body["total"] == 1
    assert body["items"][0]["division_code"] == "450100"
    assert body["items"][0]["division_level"] == "prefecture"
    assert body["items"][0]["source_line"] == "南宁市全境"


def test_unknown_outlet_is_404(client: Client) -> None:
    for url in ("/api/v1/outlets/NOPE", "/api/v1/outlets/NOPE/coverage"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "outlet_not_found"


def test_openapi_documents_the_network(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/coverage",
        "/api/v1/outlets",
        "/api/v1/outlets/{code}",
        "/api/v1/outlets/{code}/coverage",
    ):
        assert path in paths
    ok = paths["/api/v1/coverage"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/CoverageAnswerOut")
    assert "422" in paths["/api/v1/coverage"]["get"]["responses"]
