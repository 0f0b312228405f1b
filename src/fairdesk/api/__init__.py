"""The API shell: what every app's API shares, written once.

* ``auth``: who is calling — an integration's bearer token or a signed-in session — as one
  typed ``Caller`` on ``request.auth`` (``ApiRequest``); ``models``/``services``: the API
  clients and their tokens;
* ``errors``: the one error shape ``{"error": {"code", "message", "details"}}`` and the
  handlers that render every error in it;
* ``pagination``: ``limit``/``offset`` with the ``total``;
* ``schemas``: ``Data``, the base of plain-JSON bodies and answers, and the bounded value types
  ``Id``, ``Day``, ``Moment`` (a number or date out of range is a 422, never an overflow);
* ``app``: the NinjaAPI, whose OpenAPI schema documents the errors every operation may give.

What text is accepted at all (no control characters, valid Unicode) and every non-JSON answer
under ``/api/`` are handled before and after the API by ``fairdesk.core.middleware.
InputGuardMiddleware``.

Each app's API is a package of its own (``<app>/api/``: schemas, rendering, one module per
resource) that builds on these; ``fairdesk.urls`` mounts the routers under ``/api/v1/``.
"""
