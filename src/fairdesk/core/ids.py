"""The id a new row will get, taken before the row is written.

A service request's number is made from its id ("SR" + date + id). Writing the row first and its
number afterwards costs an UPDATE of the row just inserted — on PostgreSQL a second entry in
every index of the table. Instead the id is taken first and the row is written once, with it:

* PostgreSQL: ``nextval`` of the id column's sequence, as the INSERT itself would (a sequence is
  outside transactions: in a ``core.rows.atomic_write`` block it opens none), or, with
  ``next_id_sql``, taken by a read that runs anyway before the write;
* SQLite: the table's AUTOINCREMENT counter (``sqlite_sequence``) plus one, read inside the
  transaction that will insert the row. fairdesk opens SQLite transactions IMMEDIATE, so that
  transaction already holds the database's write lock: no other writer can read the same
  counter before the row is in, and inserting the id moves the counter on.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

from fairdesk.core.rows import needs_no_transaction


def next_id_sql(model: type[Model], connection: Any) -> str | None:
    """A SELECT-list expression that takes the id for a new row of ``model``, so that a read
    the caller makes anyway brings it (one round trip fewer than ``next_id``); None where an id
    cannot be taken outside the transaction that inserts the row (SQLite). Each row the read
    returns takes one id; the caller writes the row with it, or leaves a gap in the ids, as a
    refused INSERT would."""
    if connection.vendor != "postgresql":
        return None
    table, column = model._meta.db_table, model._meta.pk.column
    if "'" in table + column:
        raise ValueError(f"next_id_sql: unexpected quote in {table}.{column}")
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"


def next_id(model: type[Model], using: str = "default") -> int:
    """The id for a new row of ``model``, to be inserted in the current transaction."""
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # a sequence is outside transactions: this opens none (``core.rows.atomic_write``)
            with needs_no_transaction(using):
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            if not connection.in_atomic_block or connection.transaction_mode != "IMMEDIATE":
                raise RuntimeError(
                    "next_id on SQLite needs an IMMEDIATE transaction (it holds the write lock)"
                )
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row is None:  # nothing inserted yet: AUTOINCREMENT would start after the max
                cursor.execute(
                    f"SELECT max({connection.ops.quote_name(column)}) FROM "
                    f"{connection.ops.quote_name(table)}"
                )
                row = cursor.fetchone()
            return int(row[0] or 0) + 1
    raise NotImplementedError(f"next_id: database {connection.vendor!r} is not supported")
