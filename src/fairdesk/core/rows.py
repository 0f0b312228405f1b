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
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import DEFERRED, Field, Model, fields, signals
from django.db.models.base import ModelState
from django.db.models.fields import related
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone


@dataclass(frozen=True, slots=True)
class Columns:
    """The concrete columns of a model under a table alias, in the order of ``sql``."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    sql: str  # "alias"."column", … for a SELECT list
    converters: tuple[tuple[Any, tuple[Callable[..., Any], ...]], ...]  # (column, converters)
    plain_init: bool  # the instance can be made without ``Model.__init__`` (``_plain_init``)


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
        plain_init=_plain_init(model, fields),
    )


def _plain_init(model: type[Model], fields: list[Field[Any, Any]]) -> bool:
    """Whether ``from_db``'s instance of ``model`` is its values in ``__dict__``: Django's
    ``__init__`` sets each field's attribute (through the descriptors listed, which store it
    there) and sends ``pre_init`` and ``post_init``. True when nothing else would happen: no
    ``__init__`` or ``from_db`` of the model's own; the signals' receivers, which can be
    connected at any time, are looked at for each instance (``_init_receivers``)."""
    return (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
        and all(
            type(inspect.getattr_static(model, f.attname, None)) in _STORING_DESCRIPTORS
            for f in fields
        )
    )


_M = TypeVar("_M", bound=Model)

_STORING_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


def _init_receivers(model: type[Model]) -> bool:
    return signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)


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
        if c.plain_init and not _init_receivers(c.model):
            obj = Model.__new__(c.model)
            obj._state = state = ModelState()
            state.adding, state.db = False, connection.alias
            obj.__dict__.update(zip(c.attnames, converted, strict=True))
        else:
            obj = c.model.from_db(connection.alias, c.attnames, converted)
        found.append(obj)
    return found


def new(model: type[_M], /, **values: Any) -> _M:
    """A new instance, as ``model(**values)`` makes it, for the rows a request writes.

    ``Model.__init__`` looks at every field in turn, pops its value or computes its default,
    and sends ``pre_init`` and ``post_init``. When it would do no more than store the values
    and the defaults (``_plain_init``, and no receivers of those signals), this stores them
    directly; a related instance given by the field's name still goes through the field's
    descriptor, as with Django. Anything else — a keyword that is not a concrete field, a
    field given by both its name and its id, a deferred value — takes ``model(**values)``."""
    plan = _new_plan(model)
    if plan is None or _init_receivers(model) or not plan.accepts(values):
        return model(**values)
    obj = Model.__new__(model)
    obj._state = state = ModelState()
    stored = obj.__dict__
    for name, attname, default in plan.fields:
        if name in values:
            value = values[name]
            if name == attname:
                stored[attname] = value
            elif value is None:  # no related instance: what its descriptor stores for None
                stored[attname] = None
                state.fields_cache[name] = None
            else:  # a related instance: its descriptor checks it, sets the id and the cache
                setattr(obj, name, value)
        elif attname in values:
            stored[attname] = values[attname]
        else:
            stored[attname] = default()
    return obj


@dataclass(frozen=True, slots=True)
class _NewPlan:
    """What ``new`` stores for one model: (name, attname, default) per concrete field."""

    fields: tuple[tuple[str, str, Callable[[], Any]], ...]
    keywords: frozenset[str]  # the names and attnames ``new`` takes
    pairs: tuple[tuple[str, str], ...]  # (name, attname) of the related fields

    def accepts(self, values: dict[str, Any]) -> bool:
        return (
            values.keys() <= self.keywords
            and not any(v is DEFERRED for v in values.values())
            and not any(n in values and a in values for n, a in self.pairs)
        )


@functools.cache
def _new_plan(model: type[Model]) -> _NewPlan | None:
    opts = model._meta
    if opts.abstract or opts.parents:
        return None
    # Django's ``__init__`` goes through ``opts.fields``: the fields without a column (none
    # here but ``GenericForeignKey``-like ones, which ``_plain_init`` leaves to it) are skipped
    fields = [f for f in opts.fields if f.column is not None and not f.generated]
    if len(fields) != len(opts.fields) or not _plain_init(model, fields):
        return None
    for f in fields:
        # a relation's value is stored under its id's attribute, the instance in the field's
        # cache under its name (``ForeignKey`` and ``OneToOneField``: one column)
        if f.name != f.attname and (
            type(f) not in (related.ForeignKey, related.OneToOneField)
            or f.remote_field.parent_link
            or f.cache_name != f.name
            or [lh.attname for lh, _rh in f.related_fields] != [f.attname]
        ):
            return None
    return _NewPlan(
        fields=tuple((f.name, f.attname, f.get_default) for f in fields),
        keywords=frozenset(k for f in fields for k in (f.name, f.attname)),
        pairs=tuple((f.name, f.attname) for f in fields if f.name != f.attname),
    )


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
    params = _params(statement, objs, connection)
    queued = _Rows(statement, objs, params)
    together: list[_Rows] | None = getattr(connection, _TOGETHER, None)
    if together is not None:
        together.append(queued)
    else:
        _write([queued], connection)


def _params(statement: _Statement, objs: Sequence[Model], connection: Any) -> list[Any]:
    """The statement's parameters for ``objs``: each field's value, as Django's ``pre_save``
    and ``get_db_prep_save`` give it (the common values the short way, ``_plain``)."""
    params: list[Any] = []
    append = params.append
    now: datetime | None = None  # the time of the statement's auto_now fields (``_NOW``)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
        values = obj.__dict__
        for f, (how, types, wrap) in zip(statement.fields, statement.plain, strict=True):
            # the common values take the short way (``_plain``); the rest Django's
            if how is _NOW:
                if now is None:
                    now = timezone.now()
                values[f.attname] = now  # as ``pre_save`` sets it on the instance
                append(now)
                continue
            if how is not _DJANGO:
                value = values.get(f.attname, _DJANGO)
                if type(value) in types:
                    append(value if wrap is None or value is None else wrap(value))
                    continue
                if how is _AWARE and type(value) is datetime and value.utcoffset() is not None:
                    append(value)
                    continue
                if how is _TEXT_AS_IS and isinstance(value, str):
                    append(str.__str__(value))  # a choice (a str enum): its text
                    continue
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert: {f.name} is an expression; use the ORM")
            append(f.get_db_prep_save(value, connection=connection))
    return params


@dataclass(frozen=True, slots=True)
class _Statement:
    """The INSERT of ``insert`` for one model and number of rows, written once per database."""

    model: type[Model]
    sql: str  # INSERT … VALUES (…), … [RETURNING id]
    fields: tuple[Field[Any, Any], ...]  # the columns written, in the order of the values
    plain: tuple[tuple[Any, Any, Any], ...]  # per field, its short way (``_plain``)
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
    plain = tuple(_plain(f, connection) for f in fields)
    return _Statement(model, sql, fields, plain, not with_pk, converters)


# How ``insert`` turns a field's value into its parameter: Django's way (``pre_save``, then
# ``get_db_prep_save``), or, for values of the types listed, a short way that gives the same
# parameter. A creation writes about 120 values; Django's way took ~5 µs each under load.
_DJANGO = object()  # Django's way, always
_AS_IS = object()  # values of these types (or None) are the parameter, or wrapped in ``wrap``
_AWARE = object()  # as ``_AS_IS``; besides, an aware datetime is its own parameter
_TEXT_AS_IS = object()  # as ``_AS_IS``; besides, a str subclass (a choice) gives its text
_NOW = object()  # an ``auto_now``/``auto_now_add`` time: the statement's time, for every row

_TEXT = (fields.CharField, fields.TextField)
_INTEGERS = (
    fields.IntegerField,
    fields.BigIntegerField,
    fields.SmallIntegerField,
    fields.PositiveIntegerField,
    fields.PositiveBigIntegerField,
    fields.PositiveSmallIntegerField,
)
_AUTO = (fields.AutoField, fields.BigAutoField, fields.SmallAutoField)
_NONE = type(None)


def _plain(field: Field[Any, Any], connection: Any) -> tuple[Any, Any, Any]:
    """The short way for ``field``'s values on ``connection``'s database, as (how, types,
    wrap).

    Only on PostgreSQL, and only for Django's own field classes (a subclass may convert its
    values in its own way), where their code does nothing to values of these types: ``pre_save``
    reads the attribute (no ``auto_now``), ``get_prep_value`` keeps a ``str``, ``bool``, ``int``
    or aware ``datetime`` as it is, and the backend adapts only integers (psycopg's ``Int4``
    and its kind, so that PostgreSQL knows the parameter's type). A choice (``TextChoices``, a
    str enum) is passed as its text: psycopg would send the same text (the class's ``str``
    comes before ``Enum``), after looking up how to send each enum class, on each statement.
    ``test_rows`` compares every short way with Django's for the values it accepts."""
    if connection.vendor != "postgresql":
        return (_DJANGO, (), None)
    kind = type(field)
    ops = connection.ops
    if kind in _TEXT:
        return (_TEXT_AS_IS, (str, _NONE), None)
    if kind is fields.BooleanField:
        return (_AS_IS, (bool, _NONE), None)
    if kind is fields.DateTimeField:
        if field.auto_now or field.auto_now_add:
            return (_NOW, (), None)
        return (_AWARE, (_NONE,), None)
    if kind in _INTEGERS and hasattr(ops, "integerfield_type_map"):
        return (_AS_IS, (int, _NONE), ops.integerfield_type_map[field.get_internal_type()])
    if kind in (related.ForeignKey, related.OneToOneField):
        kind = type(field.target_field)  # the id of the row it refers to, as the target's
    if (
        kind in _AUTO
        and type(ops).validate_autopk_value is BaseDatabaseOperations.validate_autopk_value
    ):
        return (_AS_IS, (int, _NONE), None)
    return (_DJANGO, (), None)


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
    setattr(connection, _LAST_WRITE, True)
    try:
        _flush(queued, connection)
    finally:
        setattr(connection, _LAST_WRITE, False)


_LAST_WRITE = "_fairdesk_last_write"  # the block's own write, at its end, is running
_NO_TRANSACTION = "_fairdesk_no_transaction"  # a statement that needs no transaction runs


@contextmanager
def atomic_write(using: str = "default") -> Iterator[None]:
    """``transaction.atomic()`` and ``written_together()`` in one block, for a block whose
    work is writing rows: on PostgreSQL, when the block is the outermost transaction and its
    rows are its only statement, that one statement is the transaction — atomic by itself —
    and neither BEGIN nor COMMIT is sent (two round trips, and PostgreSQL's work for them).

    * Any other statement run in the block (a read, an UPDATE, a savepoint) opens the
      transaction first, as ``atomic`` would have: from there everything is as in
      ``atomic``, and the rows are written in it.
    * ``needs_no_transaction`` marks a statement that may run before without opening it
      (``core.ids.next_id``: a sequence is outside transactions).
    * ``transaction.on_commit`` callbacks run after the rows are written, as after a commit;
      an error (a constraint the rows break) leaves nothing written and runs none of them.
    * Elsewhere (SQLite, or inside another transaction) it is ``atomic`` + ``written_together``.
    """
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()  # a transaction managed by hand may be open
    ):
        with transaction.atomic(using=using), written_together(using):
            yield
        return
    with transaction.atomic(using=using):
        driver = connection.connection
        # Django has just turned autocommit off: psycopg would send BEGIN before the first
        # statement. Until a statement needs the transaction, the connection stays in
        # autocommit (nothing has run yet: no round trip either way).
        driver.autocommit = True
        opened = False

        def transaction_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal opened
            if not opened and not (
                getattr(connection, _LAST_WRITE, False)
                or (
                    getattr(connection, _NO_TRANSACTION, False)
                    and not getattr(connection, _TOGETHER, None)
                )
            ):
                driver.autocommit = False  # psycopg sends BEGIN with this statement
                opened = True
            return execute(sql, params, many, context)

        # at the end, Django's commit (or rollback) finds no transaction open and sends nothing
        with connection.execute_wrapper(transaction_first), written_together(using):
            yield


@contextmanager
def needs_no_transaction(using: str = "default") -> Iterator[None]:
    """The statements run in this block need no transaction (``atomic_write``)."""
    connection = connections[using]
    setattr(connection, _NO_TRANSACTION, True)
    try:
        yield
    finally:
        setattr(connection, _NO_TRANSACTION, False)


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
