"""The gazetteer and resolver in the API (mounted at /api/v1/areas): ``resolve`` and
``divisions``, with their ``schemas``.

* ``GET /resolve?q=…`` → the resolver's contract object, the same one ``fairdesk areas resolve``
  prints: ``{"input", "status", "code", "level", "name", "candidates", "note"}``, the note in the
  request's language (``Accept-Language``). ``q`` missing or blank → **422** ``q_required``; longer
  than 200 characters → **422** ``q_too_long``. Any other input is answered with 200, whatever its
  status (``not_found`` is an answer, not an error).
* ``GET /divisions/{code}`` → the division with its path and children. A code that is not 6 or 9
  digits → **422** ``invalid_code``; a retired code → **404** ``division_retired`` with the current
  successors in ``details``; any other unknown code → **404** ``division_not_found``.
"""

from fairdesk.areas.api import divisions, resolve  # noqa: F401 (routes)
from fairdesk.areas.api.router import router

__all__ = ["router"]
