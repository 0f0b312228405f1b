"""Every request's text and size are checked before any view (core.middleware.
InputGuardMiddleware): control characters and invalid Unicode are refused (422 in the API's
error shape, a short page elsewhere), a body too large is 413, and every answer under /api/ is
JSON in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.core import roles
from fairdesk.core.text import bad_json_field, bad_text
from fairdesk.customers.models import LoginCode

pytestmark = pytest.mark.django_db

CODE = "/api/v1/auth/code"


def post_json(client: Client, url: str, raw: str | bytes) -> Any:
    return client.post(url, data=raw, content_type="application/json")


def error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body: dict[str, Any] = response.json()["error"]
    assert set(body) == {"code", "message", "details"} and isinstance(body["details"], dict)
    return body


def test_the_rule() -> None:
    for good in ("空调不制冷", "line one\nline two", "a\tb", "windows\r\nline", "😀", "‮"):
        assert not bad_text(good), good
    for bad in ("\x00", "a\x01b", "\x0b", "\x1b[31m", "\x7f", "\x85", "\ud83d", "\udc00x"):
        assert bad_text(bad), repr(bad)
    assert bad_json_field({"a": "ok", "items": [{"text": "x"}, {"text": "\x00"}]}) == (
        "items[1].text"
    )
    assert bad_json_field({"\x00": 1}) == "\x00"
    assert bad_json_field("\x00") == ""
    assert bad_json_field({"a": ["ok", 1, None, {"b": True}]}) is None


def test_a_nul_in_a_query_value_is_422_before_the_database(client: Client) -> None:
    """PostgreSQL cannot take a NUL: this was a 500 there, with no sign-in needed."""
    response = client.get("/api/v1/outlets?q=%00")
    assert response.status_code == 422
    assert error(response)["code"] == "invalid_text"
    assert error(response)["details"] == {"field": "q", "in": "query"}


def test_a_nul_or_a_lone_surrogate_in_a_json_body_is_422_and_nothing_happens(
    client: Client,
) -> None:
    for raw in (
        '{"phone": "138\\u00000013800"}',  # an escaped NUL
        '{"phone": "\\ud83d"}',  # a lone surrogate: it cannot even be encoded back (was 500)
        '{"phone": "13800138000", "x": ["\\u001b"]}',  # in a field the API ignores, too
        '{"phone": "\x0013800138000"}',  # a raw control character (not even valid JSON)
    ):
        response = post_json(client, CODE, raw)
        assert response.status_code == 422, raw
        assert error(response)["code"] == "invalid_text", raw
        assert error(response)["details"]["in"] == "body"
    assert error(post_json(client, CODE, '{"phone": "\\ud83d"}'))["details"]["field"] == "phone"
    assert not LoginCode.objects.exists()


def test_a_body_that_is_not_utf8_is_422(client: Client) -> None:
    response = post_json(client, CODE, b'{"phone": "\xed\xa0\xbd"}')  # an encoded surrogate
    assert response.status_code == 422 and error(response)["code"] == "invalid_text"


def test_valid_text_passes_whatever_its_script(client: Client) -> None:
    response = post_json(client, CODE, '{"phone": "138 0013 8000", "note": "好\\ud83d\\ude00\\n"}')
    assert response.status_code == 202, response.content


def test_a_body_nested_too_deeply_is_400_not_500(client: Client) -> None:
    response = post_json(client, CODE, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and error(response)["code"] == "invalid_body"


def test_a_body_that_is_not_json_has_details(client: Client) -> None:
    response = post_json(client, CODE, "not json")
    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid_body",
        "message": error(response)["message"],
        "details": {},
    }


def test_a_body_too_large_is_413_in_the_error_shape(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_json(client, CODE, '{"phone": "' + "1" * 2000 + '"}')
    assert response.status_code == 413
    assert error(response)["code"] == "body_too_large"
    assert error(response)["details"] == {"max_bytes": 1000}
    page = client.post("/login/", {"phone": "1" * 2000})
    assert page.status_code == 413 and "请求未被接受" in page.content.decode()


def test_too_many_query_fields_is_400_in_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/outlets?" + "&".join(f"f{n}=1" for n in range(1001)))
    assert response.status_code == 400 and error(response)["code"] == "invalid_body"


def test_a_path_with_a_control_character_is_refused(client: Client) -> None:
    response = client.get("/api/v1/outlets/%00")  # was a 500 on PostgreSQL
    assert response.status_code == 422 and error(response)["details"] == {"in": "path"}
    page = client.get("/outlets/%00/")
    assert page.status_code == 400 and "请求未被接受" in page.content.decode()


def test_pages_refuse_control_characters_in_forms_and_filters(client: Client) -> None:
    page = client.get("/coverage/?address=%00")
    assert page.status_code == 400
    assert "“address”中含有不允许的字符" in page.content.decode()
    english = Client(headers={"accept-language": "en"}).post("/login/", {"phone": "138\x00"})
    assert english.status_code == 400
    assert "“phone” contains a character that is not allowed" in english.content.decode()
    assert not LoginCode.objects.exists()
    # a textarea's line breaks (CR LF, as browsers send them) and tabs are fine
    assert client.get("/coverage/?address=%E5%8D%97%E5%AE%81%0D%0A%09").status_code == 200


def test_staff_filters_are_checked_too(django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user("agent", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    client = Client()
    client.force_login(staff)
    assert client.get("/outbox/?kind=%00").status_code == 400
    assert client.get("/console/requests/?q=%00").status_code == 400


def test_every_answer_under_the_api_is_json_in_the_error_shape(client: Client) -> None:
    for url in ("/api/v1/complaints/abc", "/api/v1/contacts/abc", "/api/v1/nothing"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert error(response)["code"] == "not_found"
    response = client.delete("/api/v1/outlets")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert error(response)["details"] == {"allowed": ["GET"]}
    assert response["Allow"] == "GET"
    # pages keep Django's own answers
    assert not client.get("/nothing/").get("Content-Type", "").startswith("application/json")
