"""The PostgreSQL backend's health check (``core/db/postgresql``): no ``SELECT 1`` on a
connection in steady use, Django's check whenever the connection may have gone bad."""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from fairdesk.core.db.postgresql import base

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh() -> Iterator[Any]:
    """A connection of its own to the test database (autocommit, no test transaction), with
    its ``SELECT 1`` checks counted."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    wrapper.real_checks = 0
    real = wrapper.is_usable

    def counted() -> bool:
        wrapper.real_checks += 1
        return real()

    wrapper.is_usable = counted
    yield wrapper
    wrapper.close()


def start_request(wrapper: Any) -> None:
    """What Django does for a kept connection when a request starts and its first statement
    runs."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def clock(monkeypatch: Any, at: float) -> None:
    monkeypatch.setattr(base, "_clock", lambda: at)


def test_the_settings_choose_the_backend_for_postgresql_only() -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if connection.vendor == "postgresql":
        assert engine == "fairdesk.core.db.postgresql"
        assert isinstance(connections["default"], base.DatabaseWrapper)
        assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    else:
        assert engine == "django.db.backends.sqlite3"


# the backend's own tests run in the PostgreSQL pass of .ci/run
pg_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "fairdesk.core.db.postgresql",
    reason="the PostgreSQL backend (runs when DATABASE_URL names PostgreSQL)",
)


@pg_only
def test_a_connection_in_steady_use_is_not_checked_with_a_statement(
    fresh: Any, monkeypatch: Any
) -> None:
    clock(monkeypatch, 1000.0)
    fresh.connect()  # checked just now
    for t in (1000.2, 1000.9, 1001.5):  # each request less than a second after the last
        clock(monkeypatch, t)
        start_request(fresh)
        assert fresh.health_check_done
    assert fresh.real_checks == 0
    clock(monkeypatch, 1003.0)  # idle for 1.5 s: Django's check
    start_request(fresh)
    assert fresh.real_checks == 1 and fresh.connection is not None


@pg_only
def test_after_an_error_or_inside_a_transaction_the_real_check_runs(
    fresh: Any, monkeypatch: Any
) -> None:
    clock(monkeypatch, 1000.0)
    fresh.connect()
    fresh.errors_occurred = True
    fresh.health_check_done = False
    fresh.close_if_health_check_failed()
    assert fresh.real_checks == 1
    fresh.errors_occurred = False
    fresh.health_check_done = False
    fresh.connection.execute("BEGIN")  # left open: libpq does not see the connection idle
    fresh.close_if_health_check_failed()
    assert fresh.real_checks == 2


@pg_only
def test_a_session_the_server_ended_is_checked_closed_and_replaced(
    fresh: Any, monkeypatch: Any
) -> None:
    clock(monkeypatch, 1000.0)
    fresh.connect()
    pid = fresh.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    poller = select.poll()
    poller.register(fresh.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(5000), "the server's goodbye did not arrive"
    clock(monkeypatch, 1000.1)  # well within the quiet second: the socket decides
    start_request(fresh)
    assert fresh.real_checks == 1
    assert fresh.connection is None  # closed: the next statement connects again
    with fresh.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
