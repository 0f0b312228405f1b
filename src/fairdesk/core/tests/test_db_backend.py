"""The PostgreSQL backend (``core/db/postgresql``): its health check (no ``SELECT 1`` on a
connection in steady use, Django's check whenever the connection may have gone bad), and the
conversion of long statements, kept instead of redone on every call."""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from psycopg import _queries
from psycopg.adapt import Transformer

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


def long_statement(n: int) -> str:
    """``SELECT %s::int + %s::int + …`` with ``n`` parameters: above psycopg's own cache when
    ``n`` > 50."""
    return "SELECT " + " + ".join(["%s::int"] * n)


@pg_only
def test_the_connection_uses_the_backends_cursors() -> None:
    connection.ensure_connection()
    factory = connection.connection.cursor_factory
    assert factory in (base.ServerBindingCursor, base.Cursor)
    if settings.DATABASES["default"]["OPTIONS"].get("server_side_binding"):
        assert factory is base.ServerBindingCursor


@pg_only
def test_a_long_statement_is_converted_once_and_answers_the_same(monkeypatch: Any) -> None:
    sql = long_statement(60)
    splits = []
    real_split = _queries._split_query

    def counted(*args: Any, **kwargs: Any) -> Any:
        splits.append(1)
        return real_split(*args, **kwargs)

    monkeypatch.setattr(_queries, "_split_query", counted)
    base._server_form.cache_clear()
    base._client_form.cache_clear()
    with connection.cursor() as cursor:
        for k in range(3):
            cursor.execute(sql, list(range(k, k + 60)))
            assert cursor.fetchone()[0] == sum(range(k, k + 60))
    assert len(splits) == 1  # psycopg alone splits it on every call


@pg_only
@pytest.mark.parametrize(
    ("ours", "psycopgs"),
    [
        (base._ServerQuery, _queries.PostgresQuery),
        (base._ClientQuery, _queries.PostgresClientQuery),
    ],
)
def test_the_kept_conversion_is_psycopgs(ours: Any, psycopgs: Any) -> None:
    """What is sent is what psycopg would send: the SQL, the parameters, their types and
    formats, for positional and named placeholders, text with a % and None."""
    connection.ensure_connection()
    tx = Transformer(connection.connection)
    positional = long_statement(55) + " WHERE %s IS NULL AND %s LIKE '100%%'"
    named = "SELECT " + " + ".join(f"%(p{i})s::int" for i in range(60)) + " + %(p0)s::int"
    for sql, params in (
        (positional, [*range(55), None, "维修 50%"]),
        (named, {f"p{i}": i for i in range(60)}),
        (long_statement(3), [1, 2, 3]),  # short: psycopg's own path
    ):
        for _ in range(2):  # the second time from the cache
            a, b = ours(tx), psycopgs(tx)
            a.convert(sql, params)
            b.convert(sql, params)
            assert a.query == b.query
            assert a.params == b.params
            if psycopgs is _queries.PostgresQuery:
                assert (a.types, a.formats) == (b.types, b.formats)


def test_which_statements_are_kept() -> None:
    assert not base._long(long_statement(10), [0] * 10)  # psycopg keeps it
    assert base._long(long_statement(60), [0] * 60)
    assert base._long("SELECT %s" + " " * 5000, [0])
    assert not base._long(long_statement(3000), [0] * 3000)  # too big to keep: as psycopg
    assert not base._long("SELECT " + "x" * 70_000, [0])
    assert not base._long(long_statement(60), None)  # no parameters: nothing to convert
