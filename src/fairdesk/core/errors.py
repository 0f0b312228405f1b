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
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Invalid(DomainError):
    """Input that breaks a rule (422), with the rule's code: ``Invalid(message, code=…)``."""

    status = 422
    code = "invalid"
