"""Configurations as a process sees them: kept in memory until the database says they changed.

Two configurations are read on every API call and change rarely, so a process keeps the answers
it computed from them:

* **routing** (``routing_config``): filing a request reads which active outlet covers the
  address (outlets and coverage), which SLA policies apply, and the outlet's business calendar
  (an administrator edits a policy, imports a coverage list);
* **access** (``access_config``): an API token, its client and user, and the user's principal
  (groups, outlet memberships, customer record: ``selectors.principal_for``), kept per token.
  A revoked token, a deactivated client or user, a changed group or membership is seen by the
  very next call, like any other change.

When to forget them is decided by the database, not by a timer or by the code paths that write:

* ``ConfigGeneration`` holds one value per configuration. Triggers on the configuration's tables
  (``ROUTING_TABLES``, ``ACCESS_TABLES``; ``install_triggers``, run by migrations 0004 and 0006)
  replace it with a fresh random number on every insert, update and delete, in the writing
  transaction: an edit in the admin, a coverage import, a bulk update, a change made in SQL or by
  another process are all seen. (Updates of columns that do not matter, such as a token's last
  use or a user's last sign-in, are left out: ``Watched``.)
* ``routing_config()`` reads the value (one short statement; an API call reads both values in one,
  ``read_generations``), and the answers it hands out were computed under that same value; when
  the value differs, they are dropped. The value is read *before* the answers are computed, so an
  answer computed while a change commits is kept under the old value and dropped at the next
  read: no answer outlives one read of the value.
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
from dataclasses import dataclass
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
ACCESS = "access"


@dataclass(frozen=True)
class Watched:
    """A table whose changes renew a configuration's generation: every insert and delete, and
    updates of ``only`` these columns (None: of any column but those in ``ignore``)."""

    table: str
    only: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


# The tables the routing of a request and its promises are computed from.
ROUTING_TABLES = (
    "network_outlet",
    "network_coverage",
    "service_requests_slapolicy",
    "service_requests_businesscalendar",
)
# The tables an API token's authentication and its user's principal
# (``selectors.principal_for``) are computed from. A token's last use, a user's last sign-in and
# a customer's own details do not change who may do what.
ACCESS_TABLES = (
    Watched("service_requests_apitoken", ignore=("last_used_at",)),
    Watched("service_requests_apiclient"),
    Watched("auth_user", ignore=("last_login",)),
    Watched("auth_group"),
    Watched("auth_user_groups"),
    Watched("network_outletmember"),
    Watched("customers_customer", only=("user_id",)),
)
GENERATION_TABLE = "service_requests_configgeneration"
# Answers kept at most (one per division code, policy key or outlet): about 1 KB each.
MAX_ANSWERS = 20_000
# Tokens kept at most per process (a few hundred bytes each).
MAX_TOKENS = 10_000

T = TypeVar("T")


def trigger_name(table: str, event: str = "", name: str = ROUTING) -> str:
    return f"fairdesk_{name}_changed_{table}{'_' + event if event else ''}"


def _watched(spec: Watched | str) -> Watched:
    return spec if isinstance(spec, Watched) else Watched(spec)


def _update_columns(schema_editor: Any, spec: Watched) -> list[str] | None:
    """The columns whose update renews the generation (None: any column)."""
    if spec.only is not None:
        return list(spec.only)
    if not spec.ignore:
        return None
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_table_description(cursor, spec.table)
    return [c.name for c in found if c.name not in spec.ignore]


def install_triggers(
    schema_editor: Any,
    tables: tuple[Watched | str, ...] = ROUTING_TABLES,
    name: str = ROUTING,
) -> None:
    """(Re)create the triggers that give the configuration ``name`` a new generation whenever
    one of its tables changes (PostgreSQL and SQLite).

    A watched table that ignores some columns lists the others when its triggers are created: a
    migration that adds a column to it must install its triggers again (``test_access_config``
    updates every column)."""
    vendor = schema_editor.connection.vendor
    qn = schema_editor.connection.ops.quote_name
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION fairdesk_{name}_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {GENERATION_TABLE} (name, value)
                VALUES ('{name}', floor(random() * 9007199254740991)::bigint)
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
                RETURN NULL;
            END $$
            """
        )
        for spec in map(_watched, tables):
            trigger = trigger_name(spec.table, name=name)
            cols = _update_columns(schema_editor, spec)
            update = "UPDATE" if cols is None else f"UPDATE OF {', '.join(map(qn, cols))}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {spec.table}")
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} AFTER INSERT OR {update} OR DELETE OR TRUNCATE"
                f" ON {spec.table} FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_{name}_changed()"
            )
    elif vendor == "sqlite":
        for spec in map(_watched, tables):
            cols = _update_columns(schema_editor, spec)
            for event in ("INSERT", "UPDATE", "DELETE"):
                trigger = trigger_name(spec.table, event.lower(), name=name)
                if event == "UPDATE" and cols is not None:
                    event = f"UPDATE OF {', '.join(map(qn, cols))}"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                # An UPDATE, then an INSERT only where there is no row, rather than one INSERT OR
                # REPLACE: SQLite applies the conflict policy of the statement that fired the
                # trigger to the trigger's own statements, so under Django's INSERT OR IGNORE
                # (``groups.add``, ``bulk_create(ignore_conflicts=True)``) a REPLACE of the
                # existing row became an IGNORE and the generation stayed the same.
                schema_editor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {spec.table} BEGIN "
                    f"UPDATE {GENERATION_TABLE} SET value = random() >> 11 WHERE name = '{name}'; "
                    f"INSERT INTO {GENERATION_TABLE} (name, value) SELECT '{name}', random() >> 11"
                    f" WHERE NOT EXISTS (SELECT 1 FROM {GENERATION_TABLE} WHERE name = '{name}');"
                    " END"
                )
    else:  # pragma: no cover - fairdesk runs on these two
        raise NotImplementedError(f"no configuration triggers for {vendor}")


def drop_triggers(
    schema_editor: Any,
    tables: tuple[Watched | str, ...] = ROUTING_TABLES,
    name: str = ROUTING,
) -> None:
    vendor = schema_editor.connection.vendor
    for spec in map(_watched, tables):
        if vendor == "postgresql":
            trigger = trigger_name(spec.table, name=name)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {spec.table}")
        else:
            for event in ("insert", "update", "delete"):
                trigger = trigger_name(spec.table, event, name=name)
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS fairdesk_{name}_changed()")


def installed_triggers(name: str = ROUTING) -> set[str]:
    """The names of a configuration's triggers present in the database (for the tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                [f"fairdesk_{name}_changed_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"fairdesk_{name}_changed_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def read_generation(name: str = ROUTING) -> int | None:
    """The configuration's current value (None: no row yet)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE name = %s", [name])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def read_generations() -> dict[str, int]:
    """Every configuration's current value, in one statement (a missing name: no row yet)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, value FROM {GENERATION_TABLE}")
        return {name: int(value) for name, value in cursor.fetchall()}


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


@dataclass
class KeptToken:
    """What authenticating a token computed: the row of ``services._token_statement`` (the
    token, its client and its user) and the user's principal. ``last_used_at`` is updated when
    the token's use is recorded."""

    row: tuple[Any, ...]
    principal: Any
    last_used_at: Any


class AccessConfig:
    """Tokens authenticated under one generation of the access configuration
    (``access_config``), shared by every call that read the same generation."""

    __slots__ = ("_answers",)

    def __init__(self, answers: dict[Hashable, Any]) -> None:
        self._answers = answers

    def token(self, key_hash: str, compute: Callable[[], KeptToken | None]) -> KeptToken | None:
        """The token with this key hash (``compute`` when not kept; a token not found is not
        kept, so that unknown keys cannot fill the memory)."""
        answers = self._answers
        try:
            return answers[key_hash]  # type: ignore[no-any-return]
        except KeyError:
            pass
        found = compute()
        if found is not None:
            if len(answers) >= MAX_TOKENS:
                answers.clear()
            answers[key_hash] = found
        return found


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: int | None = None
        self.answers: dict[Hashable, Any] = {}

    def answers_of(self, value: int | None) -> dict[Hashable, Any]:
        """The answers kept under this generation (a new, empty dict for a new one; a throwaway
        dict when there is no generation to tie answers to)."""
        if value is None:
            return {}
        with self.lock:
            if value != self.value:
                self.value, self.answers = value, {}
            return self.answers


_kept = {ROUTING: _Kept(), ACCESS: _Kept()}

_NOT_READ: Any = object()


def routing_config(value: int | None = _NOT_READ) -> RoutingConfig:
    """The routing configuration now: one statement, then answers from memory while the
    configuration has not changed since they were computed. ``value``: the generation, when the
    caller has just read it (``read_generations``, once for every configuration a request
    needs)."""
    if value is _NOT_READ:
        value = read_generation(ROUTING)
    return RoutingConfig(_kept[ROUTING].answers_of(value))


def access_config(value: int | None = _NOT_READ) -> AccessConfig:
    """The access configuration now (as ``routing_config``)."""
    if value is _NOT_READ:
        value = read_generation(ACCESS)
    return AccessConfig(_kept[ACCESS].answers_of(value))
