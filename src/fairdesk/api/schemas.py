"""Schemas and value types every app's API shares.

The value types bound what a request may carry, so that a number or a date the database or
Python's calendar cannot hold is a 422 ``invalid_input`` with the field named, never a 500:

* ``Id``: a row's id (path, query or body), 1 to the largest BIGINT;
* ``Day``: a day written ``YYYY-MM-DD`` between ``MIN_DAY`` and ``MAX_DAY`` (no timestamps, no
  year 1 or 9999: a day is often widened by a day or a time zone);
* ``Moment``: an ISO 8601 date and time (``2026-11-23T14:00:00+08:00``) in the same years.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from fairdesk.core.bounds import MAX_DAY, MAX_ID, MIN_DAY

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class Data(BaseModel):
    """A schema for data that is plain JSON on both sides: a request body, or an answer the
    handler builds as a dict.

    Ninja's ``Schema`` wraps every value it validates, at every level, in a ``DjangoGetter`` so
    that it can read model instances and their managers; for a dict that is only overhead. A
    ``Data`` schema is validated by pydantic alone. Use Ninja's ``Schema`` where a handler
    returns model instances.
    """


def _written_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Give a day as YYYY-MM-DD")


def _written_moment(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _MOMENT.match(value):
        return value
    raise PydanticCustomError(
        "datetime_format", "Give a date and time in ISO 8601, e.g. 2026-11-23T14:00:00+08:00"
    )


def _within_years(value: datetime) -> datetime:
    if not MIN_DAY <= value.date() <= MAX_DAY:
        raise PydanticCustomError(
            "datetime_range",
            "Give a time between {min} and {max}",
            {"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()},
        )
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[
    date,
    BeforeValidator(_written_day),
    Field(
        ge=MIN_DAY,
        le=MAX_DAY,
        description=f"YYYY-MM-DD, {MIN_DAY.isoformat()} to {MAX_DAY.isoformat()}",
    ),
]
Moment = Annotated[
    datetime,
    BeforeValidator(_written_moment),
    AfterValidator(_within_years),
    Field(description=f"ISO 8601, years {MIN_DAY.year} to {MAX_DAY.year}"),
]

__all__ = ["MAX_DAY", "MAX_ID", "MIN_DAY", "Data", "Day", "Id", "Moment"]
