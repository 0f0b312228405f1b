"""One division: its path, children and history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from fairdesk.api.errors import responds
from fairdesk.areas.api.router import router
from fairdesk.areas.api.schemas import DivisionOut
from fairdesk.areas.gazetteer import LEVEL_NAMES, get_gazetteer
from fairdesk.core.errors import DomainError, NotFound


def _ref(code: str) -> dict[str, str]:
    div = get_gazetteer().divisions[code]
    return {"code": div.code, "level": div.level_name, "name": div.name}


def _history(unit: Any) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": LEVEL_NAMES.get(unit.level),
        "start_year": unit.start_year,
        "end_year": unit.end_year,
        "reason": unit.reason,
        "successors": list(unit.successors),
    }


@router.get(
    "/divisions/{code}",
    response=responds(DivisionOut, 404, 422),
    summary="One division / 行政区划详情",
)
def division_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """A division by its MCA code (6 digits, or 9 for a township): its path from the province,
    its direct children and its history."""
    g = get_gazetteer()
    if not (code.isascii() and code.isdigit() and len(code) in (6, 9)):
        raise DomainError(_("A division code has 6 or 9 digits."), code="invalid_code", status=422)
    div = g.get(code)
    if div is None:
        if code in g.history:
            successors = g.current_successors(code)
            raise NotFound(
                _("Division %(code)s is retired.") % {"code": code},
                code="division_retired",
                details={"successors": [{**_ref(c), "name": g.full_name(c)} for c in successors]},
            )
        raise NotFound(
            _("No division has the code %(code)s.") % {"code": code}, code="division_not_found"
        )
    predecessors = [u for u in g.retired if code in u.successors and u.code != code]
    predecessors.sort(key=lambda u: (u.end_year or 0, u.code))
    return {
        "code": div.code,
        "level": div.level_name,
        "name": div.name,
        "full_name": g.full_name(code),
        "parent": div.parent,
        "path": [_ref(d.code) for d in g.path(code)],
        "children": [_ref(c) for c in g.children.get(code, ())],
        "history": [_history(u) for u in g.history.get(code, ())],
        "predecessors": [_history(u) for u in predecessors],
    }
