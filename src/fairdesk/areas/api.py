"""The gazetteer and resolver in the API (mounted at /api/v1/areas).

* ``GET /resolve?q=…`` → the resolver's contract object, the same one ``fairdesk areas resolve``
  prints: ``{"input", "status", "code", "level", "name", "candidates", "note"}``, the note in the
  request's language (``Accept-Language``). ``q`` missing or blank → **422** ``q_required``; longer
  than 200 characters → **422** ``q_too_long``. Any other input is answered with 200, whatever its
  status (``not_found`` is an answer, not an error).
* ``GET /divisions/{code}`` → the division with its path and children. A code that is not 6 or 9
  digits → **422** ``invalid_code``; a retired code → **404** ``division_retired`` with the current
  successors in ``details``; any other unknown code → **404** ``division_not_found``.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from fairdesk.api.errors import ErrorOut
from fairdesk.areas.gazetteer import LEVEL_NAMES, get_gazetteer
from fairdesk.core.errors import DomainError, NotFound

router = Router()

MAX_QUERY_LENGTH = 200

Level = Literal["province", "prefecture", "county", "township"]
Status = Literal["resolved", "ambiguous", "retired", "not_found"]


class ResolutionCandidateOut(Schema):
    code: str = Field(examples=["632521"])
    level: Level
    name: str = Field(
        description="Full name, 省/地/县/乡 joined by “/”",
        examples=["青海省/海南藏族自治州/共和县"],
    )


class ResolutionOut(Schema):
    input: str = Field(description="The text asked about, as given")
    status: Status = Field(
        description="resolved: one division; ambiguous: several plausible readings (see "
        "candidates); retired: a former division, code is its current successor (or, when it "
        "has several, candidates lists them); not_found: candidates holds suggestions"
    )
    code: str | None = Field(
        description="MCA code: 6 digits, or 9 for a township", examples=["632521"]
    )
    level: Level | None
    name: str | None = Field(
        description="Full name, 省/地/县/乡 joined by “/”",
        examples=["青海省/海南藏族自治州/共和县"],
    )
    candidates: list[ResolutionCandidateOut]
    note: str | None = Field(description="The resolver's explanation, in the request's language")


class DivisionRefOut(Schema):
    code: str
    level: Level
    name: str = Field(description="The division's own name, e.g. 南山区")


class HistoryOut(Schema):
    code: str
    name: str
    level: Level | None
    start_year: int | None
    end_year: int | None
    reason: str = Field(description="As the source gives it, e.g. 弃用, 变更, 撤销镇")
    successors: list[str] = Field(description="Successor codes named by the source")


class DivisionOut(Schema):
    code: str = Field(examples=["440305"])
    level: Level
    name: str = Field(examples=["南山区"])
    full_name: str = Field(examples=["广东省/深圳市/南山区"])
    parent: str | None = Field(description="The parent's code (none for a province)")
    path: list[DivisionRefOut] = Field(description="From the province down to this division")
    children: list[DivisionRefOut] = Field(description="Direct children, by code")
    history: list[HistoryOut] = Field(description="Former names or former uses of this code")
    predecessors: list[HistoryOut] = Field(
        description="Retired divisions whose successors include this one"
    )


@router.get(
    "/resolve",
    response={200: ResolutionOut, 422: ErrorOut},
    summary="Resolve a place name / 识别地名",
)
def resolve_place(request: HttpRequest, q: str | None = None) -> dict[str, Any]:
    """Resolve free text (a place name or a whole address, the way people write it) to an
    administrative division, e.g. ``海南共和县``, ``黔东南榕江县``, ``杭州市下城区``.

    ``q``: at most 200 characters. The answer is the object ``fairdesk areas resolve`` prints.
    """
    from fairdesk.areas.resolver import resolve

    if q is None or not q.strip():
        raise DomainError(
            _("Give a place name or an address in “q”."), code="q_required", status=422
        )
    if len(q) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("“q” is too long: at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            code="q_too_long",
            status=422,
            details={"max_length": MAX_QUERY_LENGTH},
        )
    return resolve(q).as_dict(get_language() or "zh-hans")


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
    response={200: DivisionOut, 404: ErrorOut, 422: ErrorOut},
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
