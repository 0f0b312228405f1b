"""Statements written once, for the reads and writes that run on every request.

For the few reads that run on every request (who is calling), the ORM took longer to build and
compile the SQL than the database took to answer it. Such a read is written once, from the
models' own tables and columns (``columns``), and its rows are turned into instances with the
same conversions the ORM applies (``instances``): the instances are the ones a queryset would give.

Writes the same way: ``insert`` writes new model instances as ``bulk_create`` would (the
fields' ``pre_save`` and ``get_db_prep_save``, ids from ``RETURNING``), with an INSERT statement
written once per model, database and number of rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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
    multi-table inheritance."""
    if not objs:
        return
    connection = connections[using]
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    if any(type(obj) is not model or (obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("insert: instances of one model, all with an id or all without")
    sql, fields, pk_converters = _insert_statement(model, using, len(objs), with_pk)
    params: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert: {field.name} is an expression; use the ORM")
            params.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not with_pk:
            pk = model._meta.pk
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                for convert in pk_converters:
                    value = convert(value, pk, connection)
                obj.pk = value
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


@functools.cache
def _insert_statement(
    model: type[Model], using: str, rows: int, with_pk: bool
) -> tuple[str, tuple[Field[Any, Any], ...], tuple[Callable[..., Any], ...]]:
    """The INSERT of ``insert``, its fields, and the converters of the ids it returns (kept per
    database: the quoting and the conversions are the backend's)."""
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
    return sql, fields, converters
