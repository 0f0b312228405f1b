"""One error type for domain rules, rendered the same way by the API, the CLI and the pages."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A user's mistake or a broken rule: a specific, localised message and a 4xx status."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details: dict[str, Any] = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "details"}}``: ``details`` is always an object (empty
        when the code and message say it all)."""
        return {"error": {"code": self.code, "message": str(self.message), "details": self.details}}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Invalid(DomainError):
    """Input that breaks a rule (422), with the rule's code: ``Invalid(message, code=…)``."""

    status = 422
    code = "invalid"
