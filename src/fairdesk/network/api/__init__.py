"""The service network in the API (mounted at /api/v1/): coverage lookup (``coverage``) and
outlets (``outlets``); ``schemas`` are theirs.

Error contract (the API shell, ``fairdesk.api.errors``, renders every ``DomainError`` as
``{"error": {code, message, details}}``):

* ``GET /coverage`` with neither ``address`` nor ``code`` (or blank ones): **422**
  ``address_required``; with both: 422 ``address_and_code``; an unknown ``code``: **404**
  ``division_not_found``.
* An ``address`` that does not resolve to one division (ambiguous, unknown, retired with several
  successors) is **not** an error: **200** with ``covered: false``, no outlets, and the resolution
  in ``division`` (its ``status``, ``note`` and ``candidates``, which can be asked for by ``code``).
* An unknown outlet code: **404** ``outlet_not_found``.
* Lists page with ``limit``/``offset`` and answer ``{items, total, limit, offset}``.
"""

from fairdesk.network.api import coverage, outlets  # noqa: F401 (routes)
from fairdesk.network.api.router import router

__all__ = ["router"]
