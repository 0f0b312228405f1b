"""What the customer services share: their limits (settings with defaults), the cleaning of
what people type, and the 422 error of a failed check."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings

from fairdesk.core.errors import DomainError

DEFAULTS: dict[str, int] = {
    "LOGIN_CODE_TTL_SECONDS": 5 * 60,
    "LOGIN_CODE_RESEND_SECONDS": 60,
    "LOGIN_CODE_MAX_PER_HOUR": 5,
    "LOGIN_CODE_MAX_PER_IP_PER_HOUR": 20,
    "LOGIN_CODE_MAX_ATTEMPTS": 5,
    "LOGIN_LOCK_FAILURES": 10,
    "LOGIN_LOCK_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
    "DEVICE_PROOF_MAX_BYTES": 5 * 1024 * 1024,
}


def setting(name: str) -> int:
    """A limit of these services: the Django setting of that name if set, else the default."""
    return int(getattr(settings, name, DEFAULTS[name]))


def clean(text: str | None) -> str:
    """Identifiers (codes, serials, numbers): full-width letters and digits made plain, stripped."""
    return unicodedata.normalize("NFKC", text or "").strip()


def strip(text: str | None) -> str:
    """Text as people write it (names, addresses): kept as written, only stripped."""
    return (text or "").strip()


def invalid(message: str, code: str, **details: Any) -> DomainError:
    return DomainError(message, code=code, status=422, details=details or None)
