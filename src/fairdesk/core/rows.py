"""Statements written once, for the reads and writes that run on every request.

For the few reads that run on every request (who is calling), the ORM took longer to build and
compile the SQL than the database took to answer it. Such a read is written once, from the
models' own tables and columns (``columns``), and its rows are turned into instances with the
same conversions the ORM applies (``instances``): the instances are the ones a queryset would give.

Writes the same way: ``insert`` writes new model instances as ``bulk_create`` would (the
fields' ``pre_save`` and ``get_db_prep_save``, ids from ``RETURNING``), with an INSERT statement
written once per model, database and number of rows. In a ``written_together`` block the
inserts of several models go to the database as one statement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Field, Model


@dataclass(frozen=True, slots=True)
class Columns:
    """The concrete columns of a model under a table alias, in the order of ``sql``."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    sql: str  # "alias"."column", … for a SELECT list
    converters: tuple[tuple[Any, tuple[Callable[..., Any], ...]], ...]  # (column, converters)


def column(model: type[Model], name: str, connection: Any) -> str:
    """The quoted column of the field ``name`` of ``model``, for a statement written once."""
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


def columns(model: type[Model], alias: str, connection: Any) -> Columns:
    """A model's columns and their converters. Callers keep the result per database vendor: the
    converters depend on the backend and the settings, not on one connection or thread."""
    qn = connection.ops.quote_name
    fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
    converters = []
    for field in fields:
        col = field.get_col(alias)
        # as the ORM's compiler does (SQLCompiler.get_converters): the backend's, then the field's
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((col, tuple(found)))
    return Columns(
        model=model,
        alias=alias,
        attnames=tuple(f.attname for f in fields),
        sql=", ".join(f"{qn(alias)}.{qn(f.column)}" for f in fields),
        converters=tuple(converters),
    )


def instances(row: Sequence[Any], cols: Sequence[Columns], connection: Any) -> list[Any]:
    """The model instances of one row of a statement that selects ``cols[0].sql, cols[1].sql,
    …`` in this order: one instance per ``Columns``."""
    found = []
    start = 0
    for c in cols:
        values = row[start : start + len(c.attnames)]
        start += len(c.attnames)
        converted = []
        for value, (col, converters) in zip(values, c.converters, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            converted.append(value)
        found.append(c.model.from_db(connection.alias, c.attnames, converted))
    return found


def insert(objs: Sequence[Model], *, using: str = "default") -> None:
    """Write ``objs`` — new instances of one model, all with an id or all without — as new rows,
    in one statement, as ``bulk_create`` would: the same values (``auto_now`` and the other
    ``pre_save`` rules, then the fields' database conversions), no signals, and the ids the
    database gave set on the instances. For the hot path only: no expressions as values, no
    multi-table inheritance.

    In a ``written_together`` block the rows are written with the block's other inserts, and
    the ids are set when they are written (see there)."""
    if not objs:
        return
    connection = connections[using]
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    if any(type(obj) is not model or (obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("insert: instances of one model, all with an id or all without")
    statement = _insert_statement(model, using, len(objs), with_pk)
    params: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
        for f in statement.fields:
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert: {f.name} is an expression; use the ORM")
            params.append(f.get_db_prep_save(value, connection=connection))
    queued = _Rows(statement, objs, params)
    together: list[_Rows] | None = getattr(connection, _TOGETHER, None)
    if together is not None:
        together.append(queued)
    else:
        _write([queued], connection)


@dataclass(frozen=True, slots=True)
class _Statement:
    """The INSERT of ``insert`` for one model and number of rows, written once per database."""

    model: type[Model]
    sql: str  # INSERT … VALUES (…), … [RETURNING id]
    fields: tuple[Field[Any, Any], ...]  # the columns written, in the order of the values
    returning: bool  # the database gives the ids
    pk_converters: tuple[Callable[..., Any], ...]  # for the ids it returns


@dataclass(slots=True)
class _Rows:
    """Rows to write: a statement, the instances and the statement's parameters."""

    statement: _Statement
    objs: Sequence[Model]
    params: list[Any]

    def written(self, ids: Sequence[Any] | None, connection: Any) -> None:
        """The rows are in the database: the instances get the ``ids`` it returned, if any,
        and are saved instances from now on."""
        if ids is not None:
            pk = self.statement.model._meta.pk
            for obj, value in zip(self.objs, ids, strict=True):
                for convert in self.statement.pk_converters:
                    value = convert(value, pk, connection)
                obj.pk = value
        for obj in self.objs:
            obj._state.adding = False
            obj._state.db = connection.alias


@functools.cache
def _insert_statement(model: type[Model], using: str, rows: int, with_pk: bool) -> _Statement:
    """The INSERT of ``insert``, kept per database: the quoting and the conversions are the
    backend's."""
    connection = connections[using]
    opts = model._meta
    if opts.parents:
        raise TypeError(f"insert: {model.__name__} inherits another model; use the ORM")
    fields = tuple(f for f in opts.local_concrete_fields if with_pk or f is not opts.pk)
    if any(hasattr(f, "get_placeholder") for f in fields):
        raise TypeError(f"insert: {model.__name__} has a field with its own placeholder")
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)})"
        f" VALUES {', '.join([row] * rows)}"
    )
    converters: tuple[Callable[..., Any], ...] = ()
    if not with_pk:
        sql += f" RETURNING {qn(opts.pk.column)}"
        col = opts.pk.get_col(opts.db_table)
        converters = tuple(
            connection.ops.get_db_converters(col) + opts.pk.get_db_converters(connection)
        )
    return _Statement(model, sql, fields, not with_pk, converters)


# --------------------------------------------------------------------------------------------
# Several models' rows in one statement
# --------------------------------------------------------------------------------------------

_TOGETHER = "_fairdesk_written_together"


@contextmanager
def written_together(using: str = "default") -> Iterator[None]:
    """Write the block's ``insert`` calls as one statement, when the block ends.

    A creation writes rows of several models (a request, its clocks, its timeline, its
    messages); each INSERT costs a round trip to the database and its share of work on both
    sides, more than the rows themselves. On PostgreSQL the block's inserts are written by one
    statement, each INSERT a data-modifying ``WITH`` query of it, all in the same snapshot, and
    the ids the database gives are set on the instances then. Elsewhere (SQLite runs in the
    process: nothing to save) each ``insert`` writes at once, as outside a block.

    * The order of statements is kept: any other statement run on the connection in the block
      (a read, an UPDATE through the ORM) first writes the inserts queued before it.
    * Code in the block must not use the id of an instance it inserted without one: the id is
      set when the rows are written (at the end of the block, or before the next statement).
    * A row that breaks a constraint fails the whole statement, at the end of the block, as
      the same Django database error; use the block inside ``transaction.atomic``, which then
      rolls back.
    * Nested blocks join the outer one."""
    connection = connections[using]
    if connection.vendor != "postgresql" or getattr(connection, _TOGETHER, None) is not None:
        yield
        return
    queued: list[_Rows] = []

    def queued_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if queued:
            _flush(queued, connection)
        return execute(sql, params, many, context)

    setattr(connection, _TOGETHER, queued)
    try:
        with connection.execute_wrapper(queued_first):
            yield
    finally:
        setattr(connection, _TOGETHER, None)
    _flush(queued, connection)


def _flush(queued: list[_Rows], connection: Any) -> None:
    """Write the queued rows. The queue is emptied first: the write's own statement passes
    through ``queued_first`` too, and finds nothing left to write."""
    rows = queued[:]
    queued.clear()
    if rows:
        _write(rows, connection)


def _write(rows: list[_Rows], connection: Any) -> None:
    """Write ``rows`` (one statement each, or all in one) and set the ids returned."""
    if len(rows) == 1:
        sql = rows[0].statement.sql
        params = rows[0].params
    else:
        sql = _together_statement(tuple(r.statement for r in rows))
        params = [p for r in rows for p in r.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returning = [r for r in rows if r.statement.returning]
        if not returning:
            arrays: Any = ()
        elif len(rows) == 1:
            arrays = ([value for (value,) in cursor.fetchall()],)
        else:
            arrays = cursor.fetchone()
    ids = iter(arrays)  # one array per statement that returns ids, in the order of ``rows``
    for r in rows:
        r.written(next(ids) if r.statement.returning else None, connection)


@functools.cache
def _together_statement(statements: tuple[_Statement, ...]) -> str:
    """One PostgreSQL statement that runs ``statements`` (INSERTs) and answers one row: for each
    INSERT that returns ids, the array of its ids in the order of its rows (a ``WITH`` query's
    rows come in the order its RETURNING gave them)."""
    parts = [f"w{i} AS ({s.sql})" for i, s in enumerate(statements)]
    arrays = [f"ARRAY(SELECT * FROM w{i})" for i, s in enumerate(statements) if s.returning]
    return f"WITH {', '.join(parts)} SELECT {', '.join(arrays) or '1'}"
