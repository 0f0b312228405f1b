"""Resolve free text (how brands and customers write places) to an administrative division.

Public interface (other apps rely on it):

    resolve(text: str) -> Resolution
    Resolution.status in {"resolved", "ambiguous", "retired", "not_found"}
    Resolution.code / .level ("province"|"prefecture"|"county"|"township") / .name ("省/地/县/乡")
    Resolution.candidates: list[Candidate]  (for ambiguous: the readings; for not_found: suggestions;
                                             for retired with several successors: the successors)
    Resolution.note: str | None            (zh-hans; Resolution.note_en in English)
    Resolution.as_dict(lang="zh-hans") -> the JSON object of the CLI/API contract
    Resolution.filler: str | None          a trailing whole-area marker such as "全境"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairdesk.areas.gazetteer import LEVEL_NAMES, get_gazetteer

RESOLVED, AMBIGUOUS, RETIRED, NOT_FOUND = "resolved", "ambiguous", "retired", "not_found"


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    level: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "level": self.level, "name": self.name}


@dataclass(slots=True)
class Resolution:
    input: str
    status: str
    code: str | None = None
    level: str | None = None
    name: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    note: str | None = None
    note_en: str | None = None
    filler: str | None = None

    @property
    def ok(self) -> bool:
        """A single division was found (resolved, or retired with one current successor)."""
        return self.code is not None and self.status in (RESOLVED, RETIRED)

    def as_dict(self, lang: str = "zh-hans") -> dict[str, Any]:
        return {
            "input": self.input,
            "status": self.status,
            "code": self.code,
            "level": self.level,
            "name": self.name,
            "candidates": [c.as_dict() for c in self.candidates],
            "note": self.note_en if lang.startswith("en") else self.note,
        }


def candidate(code: str) -> Candidate:
    g = get_gazetteer()
    div = g.divisions[code]
    return Candidate(code, LEVEL_NAMES[div.level], g.full_name(code))


def resolve(text: str) -> Resolution:
    raise NotImplementedError
