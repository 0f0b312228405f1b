"""Django's PostgreSQL backend, with a health check that costs no round trip on a busy connection.

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

Everything else is Django's backend (``ENGINE`` is set to this module by the settings when
``DATABASE_URL`` names PostgreSQL).
"""

from __future__ import annotations

import select
import time

from django.db.backends.postgresql import base
from psycopg import pq

QUIET_SECONDS = 1.0
_clock = time.monotonic  # replaced in tests


class DatabaseWrapper(base.DatabaseWrapper):
    _checked_at: float | None = None

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
