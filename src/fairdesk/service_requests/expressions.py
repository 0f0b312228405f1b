"""Database expressions the models (and so their migrations) name. A migration imports this
module by its path, so it imports nothing of the app but Django."""

from __future__ import annotations

from typing import Any

from django.db import models


class RequestNumber(models.Func):
    """A request's number: "SR", the day it was filed in Beijing time (YYMMDD) and its id,
    zero-padded to six digits (``SR261207000042``). The database computes it from the row's own
    ``created_at`` and ``id`` as it writes the row (a generated column), so the number is known
    with the id and never written twice. China has kept UTC+8 all year since 1991: SQLite adds
    eight hours, PostgreSQL converts to Asia/Shanghai; both are deterministic, as a generated
    column needs."""

    output_field = models.CharField(max_length=24)

    def __init__(self) -> None:
        super().__init__(models.F("created_at"), models.F("id"))

    # %(created)s and %(id)s are the row's columns (Django's expression templates)
    SQLITE = (
        "('SR' || substr(date(%(created)s, '+8 hours'), 3, 2)"
        " || substr(date(%(created)s, '+8 hours'), 6, 2)"
        " || substr(date(%(created)s, '+8 hours'), 9, 2)"
        " || CASE WHEN %(id)s < 1000000 THEN substr('00000' || %(id)s, -6)"
        " ELSE CAST(%(id)s AS TEXT) END)"
    )
    POSTGRESQL = (
        "('SR'"
        " || lpad(mod(extract(year from %(created)s AT TIME ZONE 'Asia/Shanghai')::integer, 100)"
        "::text, 2, '0')"
        " || lpad(extract(month from %(created)s AT TIME ZONE 'Asia/Shanghai')::integer::text,"
        " 2, '0')"
        " || lpad(extract(day from %(created)s AT TIME ZONE 'Asia/Shanghai')::integer::text,"
        " 2, '0')"
        " || CASE WHEN %(id)s < 1000000 THEN lpad(%(id)s::text, 6, '0') ELSE %(id)s::text END)"
    )

    def _as_template(
        self, template: str, compiler: Any, connection: Any
    ) -> tuple[str, tuple[Any, ...]]:
        created, id_ = (compiler.compile(e) for e in self.get_source_expressions())
        if created[1] or id_[1]:  # pragma: no cover - columns have no parameters
            raise ValueError("RequestNumber: columns only")
        sql, _params = self.as_sql(
            compiler, connection, template=template, created=created[0], id=id_[0]
        )
        return sql, ()

    def as_sqlite(
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self._as_template(self.SQLITE, compiler, connection)

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self._as_template(self.POSTGRESQL, compiler, connection)
