"""Shared test helpers (imported by the apps' conftest.py files)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


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


def at_once(call: Callable[[], T], threads: int, *, timeout: float = 60) -> list[T | BaseException]:
    """Run ``call`` in ``threads`` threads released together (a barrier), each with its own
    database connection, closed when it is done; the outcomes in the order they ended: what
    ``call`` returned, or the exception it raised. For tests of concurrent users: run them in a
    ``django_db(transaction=True, …)`` test, so that each thread sees the others' commits."""
    from django.db import connection

    barrier = threading.Barrier(threads)
    outcomes: list[T | BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcome: T | BaseException = call()
        except BaseException as exc:  # handed to the test
            outcome = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in started), "a thread did not finish"
    return outcomes
