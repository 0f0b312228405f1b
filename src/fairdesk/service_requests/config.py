"""The routing configuration as a process sees it: kept in memory until the database says it
changed.

Filing a request reads the configuration that decides its routing and its promises: which active
outlet covers the address (outlets and coverage), which SLA policies apply, and the outlet's
business calendar. That configuration changes rarely (an administrator edits a policy, imports a
coverage list) and is read on every request, so a process keeps the answers it computed from it.

When to forget them is decided by the database, not by a timer or by the code paths that write:

* ``ConfigGeneration`` holds one value per configuration. Triggers on the configuration's tables
  (``ROUTING_TABLES``; ``install_triggers``, run by migration 0004) replace it with a fresh random
  number on every insert, update and delete, in the writing transaction: an edit in the admin, a
  coverage import, a bulk update, a change made in SQL or by another process are all seen.
* ``routing_config()`` reads the value (one short statement), and the answers it hands out were
  computed under that same value; when the value differs, they are dropped. The value is read
  *before* the answers are computed, so an answer computed while a change commits is kept under
  the old value and dropped at the next read: no answer outlives one read of the value.
* Random values, not a counter: a rolled-back change puts the old value back, and a counter could
  then come round again to a value kept with other data; a random 53-bit value does not.
* No row (a freshly flushed database before its first change): nothing is kept.

A migration that rebuilds one of these tables on SQLite (Django copies the table and drops the
old one, and its triggers with it) must install the triggers again: ``test_config`` fails until it
does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection

from fairdesk.network.selectors import CoverageAnswer, coverage_for
from fairdesk.service_requests.selectors import (
    choose_policies,
    outlet_calendar,
    policy_candidates,
)
from fairdesk.service_requests.sla import CalendarSpec

ROUTING = "routing"
# The tables the routing of a request and its promises are computed from.
ROUTING_TABLES = (
    "network_outlet",
    "network_coverage",
    "service_requests_slapolicy",
    "service_requests_businesscalendar",
)
GENERATION_TABLE = "service_requests_configgeneration"
# Answers kept at most (one per division code, policy key or outlet): about 1 KB each.
MAX_ANSWERS = 20_000

T = TypeVar("T")


def trigger_name(table: str, event: str = "") -> str:
    return f"fairdesk_{ROUTING}_changed_{table}{'_' + event if event else ''}"


def install_triggers(schema_editor: Any, tables: tuple[str, ...] = ROUTING_TABLES) -> None:
    """(Re)create the triggers that give the routing configuration a new generation whenever one
    of its tables changes (PostgreSQL and SQLite)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION fairdesk_{ROUTING}_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {GENERATION_TABLE} (name, value)
                VALUES ('{ROUTING}', floor(random() * 9007199254740991)::bigint)
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
                RETURN NULL;
            END $$
            """
        )
        for table in tables:
            name = trigger_name(table)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_{ROUTING}_changed()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = trigger_name(table, event.lower())
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                    f"INSERT OR REPLACE INTO {GENERATION_TABLE} (name, value) "
                    f"VALUES ('{ROUTING}', random() >> 11); END"
                )
    else:  # pragma: no cover - fairdesk runs on these two
        raise NotImplementedError(f"no configuration triggers for {vendor}")


def drop_triggers(schema_editor: Any, tables: tuple[str, ...] = ROUTING_TABLES) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS fairdesk_{ROUTING}_changed()")


def installed_triggers() -> set[str]:
    """The names of the configuration triggers present in the database (for the tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                [f"fairdesk_{ROUTING}_changed_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"fairdesk_{ROUTING}_changed_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def read_generation(name: str = ROUTING) -> int | None:
    """The configuration's current value (None: no row yet)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE name = %s", [name])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


class RoutingConfig:
    """Answers computed from the routing configuration of one generation (``routing_config``).

    Shared by every call that read the same generation, in every thread of the process: the
    objects handed out must be read, never changed.
    """

    __slots__ = ("_answers",)

    def __init__(self, answers: dict[Hashable, Any]) -> None:
        self._answers = answers

    def _get(self, key: Hashable, compute: Callable[[], T]) -> T:
        answers = self._answers
        try:
            return answers[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()
        if len(answers) >= MAX_ANSWERS:
            answers.clear()
        answers[key] = value
        return value

    def coverage(self, code: str) -> CoverageAnswer:
        """``network.selectors.coverage_for(code=code)``."""
        return self._get(("coverage", code), lambda: coverage_for(code=code))

    def policies(
        self, *, kind: str, priority: str, division_code: str, covered: bool
    ) -> dict[str, Any]:
        """``selectors.applicable_policies``: the candidates are kept per kind, priority and
        coverage, and chosen for the division at each call (the policies are shared)."""
        candidates = self._get(
            ("policies", kind, priority, covered),
            lambda: policy_candidates(kind=kind, priority=priority, covered=covered),
        )
        return choose_policies(candidates, division_code=division_code)

    def outlet_calendar(self, outlet: Any) -> CalendarSpec | None:
        """``selectors.outlet_calendar``: the outlet's business calendar, if it has one."""
        if outlet is None:
            return None
        return self._get(("calendar", outlet.pk), lambda: outlet_calendar(outlet))


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: int | None = None
        self.answers: dict[Hashable, Any] = {}


_kept = _Kept()


def routing_config() -> RoutingConfig:
    """The routing configuration now: one statement, then answers from memory while the
    configuration has not changed since they were computed."""
    value = read_generation(ROUTING)
    if value is None:
        return RoutingConfig({})  # no generation to tie answers to: keep nothing
    with _kept.lock:
        if value != _kept.value:
            _kept.value, _kept.answers = value, {}
        return RoutingConfig(_kept.answers)
