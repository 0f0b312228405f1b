"""Django's PostgreSQL backend, with a health check that costs no round trip on a busy
connection, and long statements converted for psycopg once, not on every call.

With ``CONN_HEALTH_CHECKS`` on, Django checks a kept connection at the start of each request
with ``SELECT 1``: a round trip and a statement for every request, about 3 % of a service
request creation's CPU. This backend skips the statement when the connection cannot have gone
bad unnoticed:

* it passed a check less than ``QUIET_SECONDS`` ago (it is in steady use: a connection that
  idles longer is checked with ``SELECT 1`` as before — middleboxes and idle timeouts drop
  connections after minutes, not within a second);
* no error occurred on it since (after one, Django's own check runs);
* libpq sees it open and idle (no transaction left open);
* nothing arrived on its socket: a server that ends a session (a restart, ``pg_terminate_backend``,
  ``idle_session_timeout``, a pooler closing it) sends a message and closes the socket, which
  then reads as ready; between requests nothing else arrives, since fairdesk does not LISTEN.

psycopg turns a statement's ``%s`` placeholders into PostgreSQL's ``$1`` (or, binding on the
client, into a template) with a regular expression, and keeps the result for statements of up to
4,096 characters and 50 parameters (``psycopg._queries.MAX_CACHED_STATEMENT_*``): ORMs make long
statements of varying shapes (``INSERT … VALUES`` of N rows), and caching them all grew its cache
past 100 MB. fairdesk's own long statements have few shapes and run on every request — a
creation's rows in one statement (``core.rows.written_together``: about 1,900 characters and
126 parameters) was split on every call, a tenth of the web worker's time. This backend's cursors
keep the conversion of statements above psycopg's limits too, up to ``LONG_STATEMENT_CHARS`` and
``LONG_STATEMENT_PARAMS``, in an LRU cache of ``LONG_STATEMENTS`` entries: a conversion of 2,000
parameters holds about 0.4 MB, so the cache holds about 12 MB at most, whatever the ORM sends.

Everything else is Django's backend (``ENGINE`` is set to this module by the settings when
``DATABASE_URL`` names PostgreSQL).
"""

from __future__ import annotations

import functools
import select
import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg import _queries, pq

QUIET_SECONDS = 1.0
_clock = time.monotonic  # replaced in tests

LONG_STATEMENTS = 32  # conversions kept beyond psycopg's own cache (per process)
LONG_STATEMENT_CHARS = 65_536
LONG_STATEMENT_PARAMS = 2_000


def _long(query: Any, params: Any) -> bool:
    """A statement psycopg does not keep the conversion of, and this backend does."""
    return (
        type(query) is str
        and params is not None
        and (
            len(query) > _queries.MAX_CACHED_STATEMENT_LENGTH
            or len(params) > _queries.MAX_CACHED_STATEMENT_PARAMS
        )
        and len(query) <= LONG_STATEMENT_CHARS
        and len(params) <= LONG_STATEMENT_PARAMS
    )


@functools.lru_cache(maxsize=LONG_STATEMENTS)
def _server_form(query: str, encoding: str) -> Any:
    return _queries._query2pg_nocache(query.encode(encoding), encoding)


@functools.lru_cache(maxsize=LONG_STATEMENTS)
def _client_form(query: str, encoding: str) -> Any:
    return _queries._query2pg_client_nocache(query.encode(encoding), encoding)


class _ServerQuery(_queries.PostgresQuery):
    """Parameters sent apart from the SQL (``server_side_binding``)."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        if not _long(query, vars):
            return super().convert(query, vars)
        self.query, self._want_formats, self._order, self._parts = _server_form(
            query, self._tx.encoding
        )
        self.dump(vars)


class _ClientQuery(_queries.PostgresClientQuery):
    """Parameters merged into the SQL by psycopg (Django's default binding)."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        if not _long(query, vars):
            return super().convert(query, vars)
        self.template, self._order, self._parts = _client_form(query, self._tx.encoding)
        self.dump(vars)


class ServerBindingCursor(base.ServerBindingCursor):
    _query_cls = _ServerQuery


class Cursor(base.Cursor):
    _query_cls = _ClientQuery


_CURSORS = {base.ServerBindingCursor: ServerBindingCursor, base.Cursor: Cursor}


class DatabaseWrapper(base.DatabaseWrapper):
    _checked_at: float | None = None

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        factory = params.get("cursor_factory")
        params["cursor_factory"] = _CURSORS.get(factory, factory)
        return params

    def connect(self) -> None:
        super().connect()
        self._checked_at = _clock()  # a new connection has just answered

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
        ):
            now = _clock()
            if (
                self._checked_at is not None
                and now - self._checked_at < QUIET_SECONDS
                and not self.errors_occurred
                and _quiet(self.connection)
            ):
                self._checked_at = now
                self.health_check_done = True
                return
            super().close_if_health_check_failed()
            if self.connection is not None:
                self._checked_at = now
            return
        super().close_if_health_check_failed()


def _quiet(connection: object) -> bool:
    """The connection is open and idle for libpq, and nothing is waiting on its socket."""
    try:
        pgconn = connection.pgconn  # type: ignore[attr-defined]
        if (
            pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # a closed connection, a socket gone: let the real check decide
        return False
