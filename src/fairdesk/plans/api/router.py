"""The plans API's one router (mounted at /api/v1/, tag "plans"); each resource's module adds its
operations to it, declaring them with ``answers``."""

from __future__ import annotations

from typing import Any

from ninja import Router

from fairdesk.api.errors import responds

router = Router(tags=["plans"])

#: What every authenticated operation may answer 401 with.
UNAUTHENTICATED = "not_authenticated, invalid_token"


def answers(schema: Any, errors: dict[int, str], *, ok: tuple[int, ...] = (200,)) -> dict[str, Any]:
    """An authenticated operation's ``response`` (the shell's ``responds``) and the error codes
    it answers per status in its OpenAPI description (401 is added: every one may answer it)."""
    codes = {401: UNAUTHENTICATED, **errors}
    return {
        "response": responds(schema, *sorted(codes), ok=ok),
        "openapi_extra": {
            "responses": {
                status: {"description": f"error.code: {text}"}
                for status, text in sorted(codes.items())
            }
        },
    }
