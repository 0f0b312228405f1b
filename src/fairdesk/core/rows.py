"""Model instances from a statement written once.

For the few reads that run on every request (who is calling), the ORM took longer to build and
compile the SQL than the database took to answer it. Such a read is written once, from the
models' own tables and columns (``columns``), and its rows are turned into instances with the
same conversions the ORM applies (``instance``): the instances are the ones a queryset would give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Field, Model


@dataclass(frozen=True, slots=True)
class Columns:
    """The concrete columns of a model under a table alias, in the order of ``sql``."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    sql: str  # "alias"."column", … for a SELECT list
    converters: tuple[tuple[Any, tuple[Callable[..., Any], ...]], ...]  # (column, converters)


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


def instance(cols: Columns, values: Sequence[Any], connection: Any) -> Any:
    """The model instance of a row's slice ``values`` (in ``cols.sql`` order)."""
    converted = []
    for value, (col, converters) in zip(values, cols.converters, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return cols.model.from_db(connection.alias, cols.attnames, converted)
