"""The Content-Security-Policy (issue 24 item 7): every page has one, without 'unsafe-inline' or
'unsafe-eval', and no template has inline code for it to allow: no <script> without src, no
<style>, no style="" and no event handler attribute (onclick=, htmx's hx-on). The browser test
(tests/e2e/test_csp.py) checks that the pages work under it with no violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

import fairdesk

pytestmark = pytest.mark.django_db

SRC = Path(fairdesk.__file__).parent

INLINE = {
    "inline script": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I
    ),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_no_template_has_inline_code() -> None:
    templates = sorted(SRC.rglob("templates/**/*.html"))
    assert len(templates) > 50
    found = [
        f"{path.relative_to(SRC)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert not found, found


def test_the_policy_allows_no_inline_code() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for name in ("default-src", "script-src", "style-src"):
        assert directives[name] == ["'self'"], name
    flat = str(directives)
    assert "unsafe-inline" not in flat and "unsafe-eval" not in flat


def test_every_kind_of_page_has_the_policy() -> None:
    boss = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    anonymous, staff = Client(), Client()
    staff.force_login(boss)
    pages = [
        (anonymous, "/"),
        (anonymous, "/coverage/"),
        (anonymous, "/en/coverage/"),
        (anonymous, "/login/"),
        (anonymous, "/staff/login/"),
        (anonymous, "/admin/login/"),
        (anonymous, "/queue-rule/"),
        (anonymous, "/api/v1/docs"),
        (anonymous, "/api/v1/openapi.json"),
        (anonymous, "/no-such-page/"),
        (staff, "/console/"),
        (staff, "/admin/"),
        (staff, "/admin/network/outlet/"),
        (staff, "/outbox/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == [
            "'none'"
        ], url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
