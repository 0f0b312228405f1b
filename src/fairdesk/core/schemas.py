"""API schemas shared by every app's router."""

from __future__ import annotations

from ninja import Field, Schema


class ErrorBody(Schema):
    code: str = Field(description="Stable machine-readable error code, e.g. division_not_found")
    message: str = Field(description="Human-readable message, in the request's language")
    details: object | None = None


class ErrorOut(Schema):
    """The one error shape of the API (``fairdesk.core.errors.DomainError.as_dict``)."""

    error: ErrorBody
