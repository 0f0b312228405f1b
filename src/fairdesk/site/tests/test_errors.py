"""The error pages (issue 24 item 27): 400, 403, 404 and 500 in the visitor's language with the
site's look and a way home, no traceback or internal detail; JSON in the API's error shape under
/api/; a 500 page that needs neither the database nor the context processors; and a refusal
logged as one line at WARNING, without the traceback Django attaches."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from fairdesk.portal.tests.fixtures import make_world
from fairdesk.site import errors

pytestmark = pytest.mark.django_db

FAILING = "fairdesk.site.tests.urls_failing"


def page(response: Any) -> str:
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    assert 'href="/" data-action="home"' in html  # a way back home
    assert 'rel="stylesheet"' in html  # the site's look
    for inside in ("Traceback", "hunter2", "RuntimeError", "urlpatterns", "fairdesk.urls"):
        assert inside not in html, inside
    return html


def error_body(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)["error"]
    assert set(body) == {"code", "message", "details"}
    return body


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What fairdesk's one log handler (LOGGING's "console") writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_404_in_chinese_and_in_english(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = page(response)
    assert '<html lang="zh-hans">' in html and "找不到这个页面" in html and "返回首页" in html
    english = client.get("/no-such-page/", headers={"accept-language": "en"})
    html = page(english)
    assert english.status_code == 404 and "We could not find this page" in html
    assert "找不到" not in html


def test_404_says_nothing_of_the_urls_tried(client: Client, settings: Any) -> None:
    settings.BRAND_HOTLINE = "400-820-0000"
    html = page(client.get("/portal/requests/SR000/booked/x/y/"))
    assert "portal/" not in html.split("<main", 1)[1]  # no pattern, no path echoed
    assert 'href="tel:4008200000"' in html  # and the hotline, for help now


def test_403_shows_the_refusal_in_the_site_look_and_logs_one_line(
    client: Client, log: io.StringIO
) -> None:
    world = make_world()
    assert world.customer.user is not None
    client.force_login(world.customer.user)
    response = client.get("/outbox/")
    assert response.status_code == 403
    html = page(response)
    assert "您无权打开此页面" in html and "消息发件箱仅供客服、品牌管理员和审计人员查看" in html
    lines = log.getvalue().splitlines()
    assert lines == [line for line in lines if line.strip()]
    refused = [line for line in lines if "Forbidden" in line]
    assert len(refused) == 1, lines
    assert " WARNING django.request " in refused[0] and "/outbox/" in refused[0]
    assert "Traceback" not in log.getvalue() and "PermissionDenied" not in log.getvalue()


def test_400_for_a_host_not_allowed_is_a_page_and_one_warning_line(
    client: Client, log: io.StringIO
) -> None:
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "我们无法理解这个请求" in page(response)
    written = log.getvalue()
    assert "Traceback" not in written and "DisallowedHost" in written
    assert " WARNING django.security.DisallowedHost " in written
    assert len(written.splitlines()) == 1, written


def test_500_is_a_page_without_internals_and_keeps_its_traceback_in_the_log(
    settings: Any, log: io.StringIO
) -> None:
    settings.ROOT_URLCONF = FAILING
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"accept-language": "en"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in page(response)
    written = log.getvalue()
    assert " ERROR django.request " in written and "Traceback" in written  # ours to fix


def test_the_500_page_needs_no_database_and_no_context_processor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(request: Any) -> dict[str, Any]:
        raise RuntimeError("the context processor failed")

    monkeypatch.setattr("fairdesk.core.context_processors.brand", broken)
    with CaptureQueriesContext(connection) as queries:
        response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and len(queries) == 0
    assert "我们这边出了问题" in page(response)


def test_when_even_the_error_page_fails_a_fixed_page_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("templates are gone")

    monkeypatch.setattr(errors, "render_to_string", broken)
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "出错了" in response.content.decode() and "Something went wrong" in (
        response.content.decode()
    )


def test_an_expired_form_is_a_403_page_that_says_what_to_do() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"action": "send", "phone": "13800138000"})
    assert response.status_code == 403
    html = page(response)
    assert "表单已过期" in html and "刷新页面" in html and "CSRF" not in html


def test_under_the_api_errors_stay_json(settings: Any) -> None:
    client = Client(raise_request_exception=False)
    missing = client.get("/api/v1/no-such-operation")
    assert missing.status_code == 404 and error_body(missing)["code"] == "not_found"
    settings.ROOT_URLCONF = FAILING
    failed = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert failed.status_code == 500
    body = error_body(failed)
    assert body["code"] == "server_error" and "hunter2" not in body["message"]
    # the API's own answers are untouched
    response = client.get("/api/v1/areas/divisions/999999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "division_not_found"


def test_api_refusals_raised_as_exceptions_are_json_too() -> None:
    request = RequestFactory().get("/api/v1/anything")
    from django.core.exceptions import PermissionDenied

    for response, code in (
        (errors.permission_denied(request, PermissionDenied()), "forbidden"),
        (errors.bad_request(request, None), "bad_request"),
        (errors.csrf_failure(request, "CSRF cookie not set."), "csrf_failed"),
    ):
        body = error_body(response)
        assert body["code"] == code and "CSRF cookie" not in body["message"]
