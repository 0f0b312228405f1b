"""/api/v1/areas: the resolver and the gazetteer over HTTP."""

from __future__ import annotations

import pytest
from django.test import Client

from fairdesk.areas.gazetteer import get_gazetteer
from fairdesk.areas.resolver import resolve

CONTRACT_KEYS = {"input", "status", "code", "level", "name", "candidates", "note"}


@pytest.fixture
def en_client() -> Client:
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def zh_client() -> Client:
    return Client(headers={"accept-language": "zh-hans"})


# --------------------------------------------------------------------------- /resolve


def test_resolve_is_the_cli_contract(client: Client) -> None:
    response = client.get("/api/v1/areas/resolve", {"q": "海南共和县"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert body == resolve("海南共和县").as_dict("zh-hans")
    assert body["status"] == "resolved"
    assert body["code"] == "632521"
    assert body["name"] == "青海省/海南藏族自治州/共和县"
    assert "共和县".encode() in response.content  # UTF-8, not \\u escapes


def test_resolve_full_address(client: Client) -> None:
    body = client.get("/api/v1/areas/resolve", {"q": "广东省深圳市南山区"}).json()
    assert (body["status"], body["code"], body["level"]) == ("resolved", "440305", "county")
    assert body["input"] == "广东省深圳市南山区"


def test_resolve_ambiguous(client: Client) -> None:
    body = client.get("/api/v1/areas/resolve", {"q": "朝阳区"}).json()
    assert body["status"] == "ambiguous"
    assert body["code"] is None
    assert {"110105", "220104"} <= {c["code"] for c in body["candidates"]}


def test_resolve_retired_note_in_request_language(zh_client: Client, en_client: Client) -> None:
    expected = resolve("杭州市下城区")
    zh = zh_client.get("/api/v1/areas/resolve", {"q": "杭州市下城区"}).json()
    en = en_client.get("/api/v1/areas/resolve", {"q": "杭州市下城区"}).json()
    assert zh["status"] == en["status"] == "retired"
    assert zh["code"] == en["code"] == "330105"
    assert zh["note"] == expected.note and en["note"] == expected.note_en
    assert zh["note"] != en["note"]


def test_resolve_not_found_is_an_answer(client: Client) -> None:
    response = client.get("/api/v1/areas/resolve", {"q": "不存在的地方xyz"})
    assert response.status_code == 200
    assert response.json()["status"] == "not_found"


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "\u3000"}])
def test_resolve_needs_q(client: Client, params: dict[str, str]) -> None:
    response = client.get("/api/v1/areas/resolve", params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "q_required"


def test_resolve_error_is_localised(zh_client: Client, en_client: Client) -> None:
    zh = zh_client.get("/api/v1/areas/resolve").json()["error"]["message"]
    en = en_client.get("/api/v1/areas/resolve").json()["error"]["message"]
    assert en == "Give a place name or an address in “q”."
    assert "地名或地址" in zh


def test_resolve_rejects_long_input(client: Client) -> None:
    response = client.get("/api/v1/areas/resolve", {"q": "广" * 201})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "q_too_long"
    assert error["details"] == {"max_length": 200}


def test_resolve_accepts_200_characters(client: Client) -> None:
    q = "广东省深圳市南山区" + "科" * (200 - 9)
    response = client.get("/api/v1/areas/resolve", {"q": q})
    assert response.status_code == 200
    assert response.json()["input"] == q


# --------------------------------------------------------------------------- /divisions/{code}


def test_division(client: Client) -> None:
    response = client.get("/api/v1/areas/divisions/440305")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "南山区"
    assert body["level"] == "county"
    assert body["full_name"] == "广东省/深圳市/南山区"
    assert body["parent"] == "440300"
    assert body["path"] == [
        {"code": "440000", "level": "province", "name": "广东省"},
        {"code": "440300", "level": "prefecture", "name": "深圳市"},
        {"code": "440305", "level": "county", "name": "南山区"},
    ]
    assert [c["code"] for c in body["children"]] == get_gazetteer().children["440305"]
    assert {"code": "440305007", "level": "township", "name": "粤海街道"} in body["children"]
    assert body["history"] == [] and body["predecessors"] == []


def test_division_province_has_no_parent(client: Client) -> None:
    body = client.get("/api/v1/areas/divisions/110000").json()
    assert body["parent"] is None
    assert body["path"] == [{"code": "110000", "level": "province", "name": "北京市"}]
    assert {"code": "110105", "level": "county", "name": "朝阳区"} in body["children"]


def test_division_history(client: Client) -> None:
    body = client.get("/api/v1/areas/divisions/330105").json()
    xiacheng = next(p for p in body["predecessors"] if p["code"] == "330103")
    assert xiacheng["name"] == "下城区"
    assert xiacheng["end_year"] == 2021
    assert xiacheng["successors"] == ["330105"]

    body = client.get("/api/v1/areas/divisions/419001").json()  # formerly the code of 义马市
    assert [(h["name"], h["successors"]) for h in body["history"]] == [("义马市", ["411281"])]


def test_retired_division_is_404_with_successors(client: Client) -> None:
    response = client.get("/api/v1/areas/divisions/330103")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "division_retired"
    assert error["details"]["successors"] == [
        {"code": "330105", "level": "county", "name": "浙江省/杭州市/拱墅区"}
    ]


def test_unknown_division_is_404(en_client: Client) -> None:
    response = en_client.get("/api/v1/areas/divisions/999999")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "division_not_found",
            "message": "No division has the code 999999.",
            "details": {},
        }
    }


@pytest.mark.parametrize("code", ["abc", "4403", "1234567", "４４０３０５"])
def test_malformed_division_code_is_422(client: Client, code: str) -> None:
    response = client.get(f"/api/v1/areas/divisions/{code}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_code"


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_describes_the_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    resolve_op = schema["paths"]["/api/v1/areas/resolve"]["get"]
    assert set(resolve_op["responses"]) == {"200", "422"}
    ref = resolve_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    out = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(out["properties"]) == CONTRACT_KEYS
    assert [p["name"] for p in resolve_op["parameters"]] == ["q"]

    division_op = schema["paths"]["/api/v1/areas/divisions/{code}"]["get"]
    assert set(division_op["responses"]) == {"200", "404", "422"}
