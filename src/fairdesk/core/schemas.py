"""API schemas shared by every app's router."""

from __future__ import annotations

from ninja import Field, Schema
from pydantic import BaseModel


class Data(BaseModel):
    """A schema for data that is plain JSON on both sides: a request body, or a response the view
    renders as a dict.

    Ninja's ``Schema`` wraps every value it validates, at every level, in a ``DjangoGetter`` so
    that it can read model instances and their managers; for a dict that is pure overhead (it
    was most of the 130 µs a service request's answer took to validate). A ``Data`` schema is
    validated by pydantic alone. Use ``Schema`` where a view returns model instances.
    """


class ErrorBody(Schema):
    code: str = Field(description="Stable machine-readable error code, e.g. division_not_found")
    message: str = Field(description="Human-readable message, in the request's language")
    details: object | None = None


class ErrorOut(Schema):
    """The one error shape of the API (``fairdesk.core.errors.DomainError.as_dict``)."""

    error: ErrorBody
