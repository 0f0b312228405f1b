"""One way to page through a list: ``limit`` and ``offset`` in the query, and the answer
``{"items", "total", "limit", "offset"}`` (``total``: how many there are in all)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

from fairdesk.api.schemas import Data

T = TypeVar("T")

#: The furthest a list can be paged (a larger offset is 422, not an overflow in the database).
MAX_OFFSET = 1_000_000_000


class PageQuery(Schema):
    """The paging parameters; an endpoint's filters extend it (``Query[MyFilters]``). An
    endpoint with another default or maximum page size overrides ``limit``."""

    limit: int = Field(20, ge=1, le=100, description="How many items (a page)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip")


class Page(Data, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items there are in all")
    limit: int
    offset: int


def page_of(
    rows: QuerySet[Any] | Sequence[Any],
    query: PageQuery,
    render: Callable[[Any], Any] = lambda row: row,
) -> dict[str, Any]:
    """The page of ``rows`` that ``query`` asks for, each item made by ``render`` (a query
    for the count and one for the page; none for the page when there are no rows)."""
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = query.offset
    page = list(rows[start : start + query.limit]) if total > start else []
    return {
        "items": [render(row) for row in page],
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
    }
