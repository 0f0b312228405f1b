"""Customers in the API (mounted at /api/v1/): sign-in with a code (``signin``), the catalog
(``catalog``), my addresses and devices (``me``); ``schemas`` are theirs.

Sign-in is a session: ``POST /auth/code`` sends a code, ``POST /auth/verify`` checks it and sets
the session cookie; the ``/me/…`` endpoints then need that cookie (and, for POST, Django's CSRF
token in ``X-CSRFToken``, like every cookie-authenticated API). Errors have the one shape
``{"error": {"code", "message", "details"}}``: 401 ``not_authenticated``, 403 ``not_a_customer`` /
``csrf_failed``, 422 for bad input (``invalid_phone``, ``wrong_code``, ``invalid_serial``,
``proof_type`` …), 409 ``duplicate_serial``, 429 for limits with ``details.retry_after`` seconds.
"""

from fairdesk.customers.api import catalog, me, signin  # noqa: F401 (routes)
from fairdesk.customers.api.router import router

__all__ = ["router"]
