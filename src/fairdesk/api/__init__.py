"""The API shell: what every app's API shares, written once.

* ``auth``: who is calling — an integration's bearer token or a signed-in session — as one
  typed ``Caller`` on ``request.auth`` (``ApiRequest``); ``models``/``services``: the API
  clients and their tokens;
* ``errors``: the one error shape ``{"error": {"code", "message", "details"}}`` and the
  handlers that render every error in it;
* ``pagination``: ``limit``/``offset`` with the ``total``;
* ``schemas``: ``Data``, the base of plain-JSON bodies and answers.

Each app's API is a package of its own (``<app>/api/``: schemas, rendering, one module per
resource) that builds on these; ``fairdesk.urls`` mounts the routers under ``/api/v1/``.
"""
