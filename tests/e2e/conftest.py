"""Browser tests: the ``playwright`` package drives Debian's Chromium (``/usr/bin/chromium``)
against pytest-django's ``live_server`` (a real server thread, a transactional database).

No test downloads a browser (never ``playwright install``): CI installs Debian's ``chromium``
package. When it is missing the tests *fail* with that instruction; they never skip silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)

CHROMIUM = Path(os.environ.get("FAIRDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Every wait is explicit, on a selector or a URL; none is a sleep. A step that takes longer than
#: this is a failure, not flakiness to wait out.
TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser test (Playwright + Debian Chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Chromium, started for one test and closed after it.

    Two things about Playwright's sync API and Django, both handled here:

    * it keeps an asyncio loop on this thread, and Django's ORM refuses to run on a thread with a
      running loop unless told it is safe. It is: the test code is synchronous and the loop only
      serves the browser connection (``DJANGO_ALLOW_ASYNC_UNSAFE``, for this test only);
    * inside ``sync_playwright()`` the test runs in another ``contextvars`` context, where Django
      opens *its own* database connections (``django.db.connections`` is context-local). They
      see the same test database (the tests are transactional: everything is committed), and
      they are closed here before the context ends, so none is left open (PostgreSQL could not
      drop the test database). pytest-django's setup and teardown (restoring the serialized
      data, flushing) run outside, on the usual connection: the browser is per test, not per
      session, so that the rest of the session never runs in Playwright's context.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium "
            "package (`apt-get install -y chromium`; CI installs it). Never `playwright install`.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (one per user: separate cookies), Chinese first, on a
    phone-sized screen unless told otherwise."""
    contexts: list[Any] = []

    def make(*, locale: str = "zh-CN", phone: bool = True) -> Any:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            timezone_id="Asia/Shanghai",
            viewport=viewport,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in_customer() -> Any:
    """Sign a customer in with a code from the outbox, starting at ``start`` (the portal)."""
    from fairdesk.portal.tests.fixtures import code_from_outbox

    def sign_in(page: Any, phone: str, start: str = "/portal/") -> None:
        page.goto(start)
        page.wait_for_selector("form[data-step=phone]")
        page.fill("form[data-step=phone] input[name=phone]", phone)
        page.click("form[data-step=phone] button[type=submit]")
        page.wait_for_selector("form[data-step=code]")
        page.fill("form[data-step=code] input[name=code]", code_from_outbox(phone))
        page.click("form[data-step=code] button[type=submit]")
        page.wait_for_url(f"**{start}")

    return sign_in


@pytest.fixture
def sign_in_staff() -> Any:
    """Sign a staff member in with their password, starting at ``start`` (the console)."""
    from fairdesk.portal.tests.fixtures import PASSWORD

    def sign_in(page: Any, username: str, start: str = "/console/") -> None:
        page.goto(start)
        page.wait_for_url("**/staff/login/**")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"**{start}")

    return sign_in
