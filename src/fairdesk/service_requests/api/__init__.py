"""Service requests in the API (mounted at /api/v1/service-requests).

Authentication: the API shell's (``fairdesk.api.auth``): an integration's bearer token, or a
signed-in user's session. Access is decided by ``selectors`` (who sees and may change what,
who may file for whom). One module per resource: ``requests`` (file, list, read),
``changes`` (the state machine, routing by hand), ``timeline``; ``schemas`` and ``rendering``
are theirs.

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated`` (neither a session nor a token), ``invalid_token``;
* 403 ``forbidden`` (seen but not yours to change, or not yours to file for), ``csrf_failed``;
* 404 ``request_not_found`` (also for a request you may not see), ``customer_not_found``,
  ``outlet_not_found``;
* 409 ``illegal_transition`` (the state machine does not allow it from the current status),
  ``cancel_after_visit``, ``already_assigned``;
* 422 ``invalid_input`` (the body or query), ``reason_required``, ``invalid_window``,
  ``device_not_owned``, ``address_not_owned``, ``product_required``,
  ``idempotency_key_reused`` (the same Idempotency-Key with a different body) ….

Creation with an ``Idempotency-Key`` header: the first call answers 201, a retry with the same key
and body answers 200 with the same request (header ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

from fairdesk.service_requests.api import changes, requests, timeline  # noqa: F401 (routes)
from fairdesk.service_requests.api.router import router

__all__ = ["router"]
