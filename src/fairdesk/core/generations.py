"""Answers a process keeps in memory while the tables they were computed from have not changed.

A few reads run on every API call and come from tables that change rarely: an API token with its
client and user, and who that user is (the *access* configuration: ``api.services``,
``service_requests.selectors.principal_for``); which outlet covers a division, the SLA policies,
the outlets' calendars (the *routing* configuration: ``service_requests.routing_config``). With
the ORM, computing them was about half of a request creation's CPU (docs/adr/0001). So each
process keeps them, never longer than the database says they are current:

* Each configuration has a **generation**, a row of ``core.Generation``. Triggers on the
  configuration's tables write a fresh random value into it on every insert, update and delete,
  in the writing transaction: admin edits, imports, bulk updates and plain SQL alike. The trigger
  function is core's migration 0002; the triggers are the migrations of the apps that own the
  tables, their SQL written out there (``api`` 0002, ``service_requests`` 0010).
* ``Kept(name).current()`` reads the generation (one short statement, no ORM) and hands out the
  answers computed under that same value; another value drops them. The value is read *before*
  an answer is computed, so an answer computed while a change commits is kept under the old value
  and dropped by the next read: no answer outlives one read of the generation.
* Random values, not a counter: a rolled-back change leaves the old value, which a counter
  could reach again later with other data; a random 53-bit value does not.
* No row yet (a database never written to since its triggers were installed): nothing is kept.

Answers are shared by every thread of the process: what is handed out is read, never changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")

#: The statement that reads a generation (the table is ``core.Generation``'s).
GENERATION_SQL = "SELECT value FROM core_generation WHERE name = %s"


def generation(name: str) -> int | None:
    """The configuration's current generation (None: no row yet)."""
    with connection.cursor() as cursor:
        cursor.execute(GENERATION_SQL, [name])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


class Answers:
    """The answers kept under one generation (``Kept.current``)."""

    __slots__ = ("_answers", "_limit")

    def __init__(self, answers: dict[Hashable, Any], limit: int) -> None:
        self._answers = answers
        self._limit = limit

    def get(self, key: Hashable, compute: Callable[[], T], *, keep_none: bool = True) -> T:
        """The answer kept for ``key``, or ``compute()``'s, then kept (a None only with
        ``keep_none``: unknown API keys must not fill the memory). At most ``limit`` answers:
        past it, the older ones are dropped all at once."""
        answers = self._answers
        try:
            return answers[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()
        if value is not None or keep_none:
            if len(answers) >= self._limit:
                answers.clear()
            answers[key] = value
        return value


class Kept:
    """The answers a process keeps for one configuration (``name``), generation by generation."""

    def __init__(self, name: str, *, limit: int = 20_000) -> None:
        self.name = name
        self.limit = limit
        self._lock = threading.Lock()
        self._value: int | None = None
        self._answers: dict[Hashable, Any] = {}

    def current(self) -> Answers:
        """The answers of the generation the database holds now (one statement)."""
        value = generation(self.name)
        if value is None:
            return Answers({}, self.limit)  # nothing to tie answers to: a throwaway
        with self._lock:
            if value != self._value:
                self._value, self._answers = value, {}
            return Answers(self._answers, self.limit)

    def forget(self) -> None:
        """Drop every answer (for tests that change the tables without triggers)."""
        with self._lock:
            self._value, self._answers = None, {}
