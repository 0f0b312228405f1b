"""Shared test helpers (imported by the apps' conftest.py files)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """Templates render without a collectstatic manifest (the default storage needs one)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts and ends in the default language: a request with Accept-Language: en
    leaves English active in the thread, and a later test (a management command's output) would
    otherwise depend on the order the tests ran in."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
