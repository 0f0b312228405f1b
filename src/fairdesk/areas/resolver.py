"""Resolve free text (how brands and customers write places) to an administrative division.

Public interface (other apps rely on it):

    resolve(text: str) -> Resolution
    resolve_many(texts) -> list[Resolution]   the same answers for a list, faster on long ones
    Resolution.status in {"resolved", "ambiguous", "retired", "not_found"}
    Resolution.code / .level ("province"|"prefecture"|"county"|"township") / .name ("省/地/县/乡")
    Resolution.candidates: list[Candidate]  (ambiguous: the readings; not_found: suggestions;
                                             retired with several successors: the successors)
    Resolution.note: str | None            (zh-hans; Resolution.note_en in English)
    Resolution.as_dict(lang="zh-hans") -> the JSON object of the CLI/API contract
    Resolution.filler: str | None          a trailing whole-area marker such as "全境"

How it reads a text (the rules, in one place)
--------------------------------------------

1. *Normalise*: Unicode NFKC (full-width letters and digits), drop white space and punctuation,
   drop a leading 中国 / 中华人民共和国. A 6- or 9-digit code is looked up as it is.
2. *Read a chain* from the first character: a sequence of names, each inside the one before it
   (codes are hierarchical, so "inside" is a prefix test). Levels may be skipped (广东南山区), a
   name may repeat its parent (上海上海市), and fillers may sit between names (直辖县, 省直辖县级
   行政区划, 市辖区). A chain may end with a whole-area marker (全境, 全域, 全市…).
3. *Names* a link may use, with a weight (lower is a stronger reading):
   - 0: the official name (南涧彝族自治县), or a province's short name (广西, 内蒙古, 黑龙江);
   - 1: an autonomous prefecture's short name with 州 (湘西州, 黔东南州);
   - 2: any other short name: the name without its suffix (榕江, 南圣, 黔东南, 海西蒙古族,
     凉山). A short name must be followed by another link, a filler or the end of the text, so a
     street name that starts like a place (白云路) is never read as that place. A township's
     short name needs a link before it (五指山市南圣), never on its own;
   - +4: a short name followed by the wrong suffix (榕江市 for 榕江县): read with a note;
   - 5: a name that is no longer in use (杭州市下城区): the answer is `retired`, with the
     current successor.
4. *Choose*: the readings that cover the most text win; among them, the lowest total weight. If
   the winners end in more than one division, the answer is `ambiguous` (朝阳区; 大理 = 大理州
   or 大理市) with the candidates; it never picks one of them silently.
5. *What is left* after the chain is street detail (科技园路1号) and is reported in the note,
   unless it looks like a division name we do not know (北京市不存在区): then `not_found`, with
   the part that was understood as a suggestion.

Answers are kept in a bounded cache per normalised text (``CACHE_SIZE``); each call still returns
its own ``Resolution`` with the caller's input.

Speed: steps 2-4 and the alias table live in ``_reader.py``, a typed, standard-library-only module
that the install compiles with mypyc (``hatch_build.py``; about twice as fast). ``_compiled.py``
loads the extension only when it was built from the current source, else the same module runs as
plain Python, with a logged warning: the answers are the same (``bench/compare_readers.py``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from fairdesk.areas._compiled import load_reader
from fairdesk.areas.gazetteer import (
    COUNTY,
    LEVEL_NAMES,
    PREFECTURE,
    PROVINCE,
    TOWNSHIP,
    Gazetteer,
    HistoricalUnit,
    get_gazetteer,
    level_of_code,
    significant_prefix,
)

RESOLVED, AMBIGUOUS, RETIRED, NOT_FOUND = "resolved", "ambiguous", "retired", "not_found"
MAX_CANDIDATES = 20
MAX_INPUT = 200


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
    """The candidate for a current division (one shared object per code: it is frozen)."""
    got = _candidates.get(code)
    if got is None:
        g = get_gazetteer()
        div = g.divisions[code]
        got = _candidates[code] = Candidate(code, LEVEL_NAMES[div.level], g.full_name(code))
    return got


# Candidates made so far, by code (at most one per current division): an ambiguous answer lists
# up to MAX_CANDIDATES of them, and building them was a third of its Python time (frozen
# dataclasses are slow to build).
_candidates: dict[str, Candidate] = {}


# --------------------------------------------------------------------------------------------
# Names (the weights, suffixes and short names are in ``_reader.py``)

# Fillers: words that name no division of their own and may sit anywhere in a chain.
FILLERS = (
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "直辖县级行政区划",
    "省直辖县级",
    "直辖县级",
    "省直辖县",
    "省直辖",
    "直辖县",
    "直辖区",
    "县级市",
    "市辖区",
    "辖区",
)

_NOISE_RE = re.compile(
    r"[\s\u3000,，、;；:：'\"“”‘’()（）\[\]【】<>《》|\\/／·・.。!！?？_\-—–~～#＃*]+"
)
_LEADING = ("中华人民共和国", "中国")
_CODE_RE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")


# The reading step (rules 2-4) lives in ``_reader.py``: compiled with mypyc when it was built
# from the current source, else the same module as plain Python (see ``_compiled.py``). It
# defines what a name denotes (``Target``: a division, or a retired unit and its successors), one
# way of naming it (``Name``), an entry of the alias table (``Hit``) and a reading state
# (``State``). The index is built with the reader of its time (``use_reader``).
_R = load_reader()


def use_reader(reader: ModuleType) -> ModuleType:
    """Read with this reader module from now on (the tests run both); returns the one before.

    The index is built again at the next call, with the reader's own classes."""
    global _R, _index
    with _index_lock:
        before, _R, _index = _R, reader, None
        _resolve_normalized.cache_clear()
    return before


_HASHES_KEPT = ("not a name",)  # see Index.__init__


class Index:
    """Alias table over the gazetteer, built once.

    ``aliases``: name -> ``_Hit`` (plus one key that is not a string, ``_HASHES_KEPT``);
    ``lens``: pair of characters -> ``_R.Prefix`` (likewise)."""

    def __init__(self, g: Gazetteer) -> None:
        self.g = g
        R = self.reader = _R
        b = R.TableBuilder()
        for div in g.divisions.values():
            # with its full name path, built once now rather than by the first answer needing it
            b.add_division(div.code, div.level, div.name, div.prefix, g.full_name(div.code))

        # A code and name retired more than once (舒兰县 220222: 1981-82 and 1983-92) counts by
        # its last retirement.
        latest: dict[tuple[str, str], HistoricalUnit] = {}
        for unit in g.retired:
            key = (unit.code, unit.name)
            seen = latest.get(key)
            if seen is None or (unit.end_year or 0) > (seen.end_year or 0):
                latest[key] = unit
        for unit in latest.values():
            successors = self._successors(unit)
            if successors is None:
                continue
            scope = (
                significant_prefix(unit.code, unit.level),
                *tuple(g.divisions[c].prefix for c in successors),
            )
            b.add_retired(unit.code, unit.level, unit.name, scope, unit, successors)

        # alias -> _Hit; pair of characters -> the lengths of the names starting with it
        self.aliases, self.lens = b.table(FILLERS)
        # CPython keeps the hash of each key in a dict's table only when its keys are not all
        # strings: with one key that is not, a probe that misses does not read the key object
        # (one memory access fewer per probe, on tables of 69,000 and 25,000 names; the reading
        # step is about 7 % faster). The key matches no text, the value is never read.
        self.aliases[_HASHES_KEPT] = None
        self.lens[_HASHES_KEPT] = None
        self._fuzzy: dict[str, list[str]] | None = None

    def _successors(self, unit: HistoricalUnit) -> tuple[str, ...] | None:
        """Current successors of a retired unit; None when it is not retired after all."""
        divs = self.g.divisions
        cur = divs.get(unit.code)
        if cur is not None and cur.level == unit.level:
            if cur.name == unit.name:
                return None  # the same division, still in use under this name
            return (unit.code,)  # renamed in place (襄樊市 → 襄阳市)
        found: list[str] = []
        seen: set[str] = {unit.code}
        stack = list(reversed(unit.successors))
        while stack:
            code = stack.pop()
            if code in seen:
                continue
            seen.add(code)
            if code in divs:
                if code not in found:
                    found.append(code)
                continue
            for older in self.g.history.get(code, ()):
                stack.extend(reversed(older.successors))
        same_level = [c for c in found if divs[c].level == unit.level]
        if same_level:
            found = same_level
        if len(found) > 1:
            # the successor that kept the name is the one (寻甸回族彝族自治县 moved to 昆明市)
            named = [c for c in found if divs[c].name == unit.name]
            if len(named) == 1:
                found = named
        return tuple(found)

    # ----------------------------------------------------------------------------------------
    def fuzzy(self, text: str, limit: int = 5) -> list[str]:
        """Divisions (county level and up) whose names share the most character pairs with text."""
        if self._fuzzy is None:
            index: dict[str, list[str]] = {}
            for div in self.g.divisions.values():
                if div.level == TOWNSHIP:
                    continue
                for bigram in {div.name[i : i + 2] for i in range(len(div.name) - 1)}:
                    index.setdefault(bigram, []).append(div.code)
            for common in [k for k, v in index.items() if len(v) > 200]:
                del index[common]
            self._fuzzy = index
        scores: dict[str, int] = {}
        for bigram in {text[i : i + 2] for i in range(len(text) - 1)}:
            for code in self._fuzzy.get(bigram, ()):
                scores[code] = scores.get(code, 0) + 1
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [code for code, score in ranked[:limit] if score >= 1]


_index: Index | None = None
_index_lock = threading.Lock()

_gc_lock = threading.Lock()
_gc_pauses = 0  # how many callers are in _gc_paused now
_gc_was_enabled = False  # whether the collector ran before the first of them came in


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the resolver makes many lasting objects and no
    reference cycles: building the index, reading a long list at once (``resolve_many``).

    The collector runs when more objects have been made than freed since its last pass; each
    pass goes over the objects made since, and every so often over all of them. Objects that
    last (the index while it is built; a list's answers) only make it go over them again and
    again. Nothing here makes a cycle, so nothing waits to be collected meanwhile. Callers in
    other threads may overlap: the collector runs again when the last one leaves, if it ran
    before the first one came (a program that turned it off keeps it off)."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def get_index() -> Index:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                # Hundreds of thousands of small objects that last as long as the process, and
                # no garbage: the collector would only slow the build down (by half). A server
                # builds the index before it forks its workers and freezes it there (gc.freeze,
                # ``core.gunicorn_conf``), so that the collector's full passes skip it.
                with _gc_paused():
                    _index = Index(get_gazetteer())
    return _index


# --------------------------------------------------------------------------------------------
# Reading


def normalize(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    if not s.isalnum():  # the noise is neither letters nor digits (most texts have none)
        s = _NOISE_RE.sub("", s)
    if "办" in s:
        s = s.replace("街道办事处", "街道").replace("街道办", "街道")
    for lead in _LEADING:
        if s.startswith(lead) and len(s) > len(lead):
            s = s[len(lead) :]
            break
    return s


def _links(state: Any) -> list[Any]:  # for debugging: the links of a reading
    """The links of a reading, from the first (fillers left out)."""
    out: list[Any] = []
    st = state
    while st is not None:
        if not st.filler:
            out.append(st)
        st = st.back
    out.reverse()
    return out


def _read(index: Index, s: str) -> tuple[int, list[Any], str | None]:
    """All best readings of s from its first character: (covered, final states, trailing
    filler). See ``_reader.read``."""
    found: tuple[int, list[Any], str | None] = index.reader.read(index.aliases, index.lens, s)
    return found


def _key(raw: str) -> str:
    """The text as it is read (and its answer cached): normalised, at most MAX_INPUT long."""
    return normalize(raw[: MAX_INPUT * 2])[:MAX_INPUT]


def _resolution(raw: str, answer: _Answer) -> Resolution:
    """The caller's own object for an answer: callers may change what they get (its list of
    candidates too) without touching the answer, which is cached or shared."""
    status, code, level, name, cands, note, note_en, filler = answer
    return Resolution(raw, status, code, level, name, list(cands), note, note_en, filler)


def resolve(text: str) -> Resolution:
    """Read one place written as people write it (see the module docstring for the rules)."""
    raw = text if isinstance(text, str) else str(text)
    return _resolution(raw, _resolve_normalized(_key(raw)))


def resolve_many(texts: Iterable[str]) -> list[Resolution]:
    """Read many places: for each text, in order, the answer ``resolve`` gives it.

    Faster than one ``resolve`` call per text on long lists (the command line reads its input
    this way):

    * each distinct text is read once, and the distinct texts are read in sorted order. Texts
      that begin with the same names then come one after another, and the index entries they
      use are still in the processor's caches when the next one needs them. Reading is bound
      by fetching those entries from memory: an entry read again while cached is read twice as
      fast;
    * the garbage collector is paused meanwhile (``_gc_paused``);
    * the answer cache of ``resolve`` is left alone: a long list would only push out what it
      holds.

    On 100,000 distinct texts in random order, in lists of 10,000, this is about 1.1-1.2 times
    as fast as one ``resolve`` call each (docs/benchmarks.md, "Decisions"). A list's answers
    are all held at once: for very long inputs, pass lists of some thousands.
    """
    raws = [t if isinstance(t, str) else str(t) for t in texts]
    read = _resolve_normalized.__wrapped__
    with _gc_paused():
        keys = [_key(raw) for raw in raws]
        answers = {key: read(key) for key in sorted(set(keys))}
        return [_resolution(raw, answers[key]) for raw, key in zip(raws, keys, strict=True)]


# Lists of addresses repeat the same places over and over (a coverage list, a day's requests):
# answers are kept per normalised text. About 0.3 KB an entry, so at most ~10 MB.
CACHE_SIZE = 32_768

# An answer, as cached: the fields of a Resolution after ``input``, candidates as a tuple.
_Answer = tuple[
    str,
    str | None,
    str | None,
    str | None,
    tuple[Candidate, ...],
    str | None,
    str | None,
    str | None,
]


def _answer(
    status: str,
    code: str | None = None,
    level: str | None = None,
    name: str | None = None,
    candidates: tuple[Candidate, ...] = (),
    note: str | None = None,
    note_en: str | None = None,
    filler: str | None = None,
) -> _Answer:
    return (status, code, level, name, candidates, note, note_en, filler)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _resolve_normalized(s: str) -> _Answer:
    index = _index or get_index()
    if not s:
        return _answer(NOT_FOUND, note="输入为空", note_en="The input is empty.")
    if s[0].isdecimal() and _CODE_RE.match(s):
        return _resolve_code(s, index)

    R = index.reader
    covered, states, filler = R.read(index.aliases, index.lens, s)
    if not states:
        return _not_found(s, index)
    g = index.g
    done: _Answer | None = R.conclude(s, covered, states, filler)
    if done is not None:  # one current division, no note but street detail (the common case)
        return done

    if len(states) == 1:
        final = states[0]
    else:
        # Group the winning readings by the division they end in.
        finals = R.group_finals(states)
        if len(finals) > 1:
            eff = R.effective_code
            codes = sorted({(eff(st.target) or st.target.code) for st in finals})
            shown = codes[:MAX_CANDIDATES]
            cands = tuple(
                candidate(c) if c in g.divisions else _retired_candidate(c, index) for c in shown
            )
            more = len(codes) - len(shown)
            zh = f"「{s[:covered]}」有 {len(codes)} 种可能，请补充上级地名"
            en = f"'{s[:covered]}' can mean {len(codes)} places; add the province or city."
            if more:
                zh += f"（仅列出前 {len(shown)} 个）"
                en += f" (first {len(shown)} listed)"
            return _answer(AMBIGUOUS, candidates=cands, note=zh, note_en=en)
        final = finals[0]

    last = final.target
    notes_zh: list[str] = []
    notes_en: list[str] = []
    # the links read with a wrong suffix, and the retired names on the way, from the first
    for link in R.noted_links(final):
        e, start, end, wrong = link.target, link.start, link.end, link.wrong
        if wrong:
            official = g.divisions[e.code].name if e.retired is None else e.retired.name
            notes_zh.append(f"「{s[start:end]}」按「{official}」识别")
            notes_en.append(f"read '{s[start:end]}' as '{official}'")
        if e.retired is not None and link is not final:
            succ = "、".join(g.divisions[c].name for c in e.successors) or "—"
            notes_zh.append(f"「{e.retired.name}」已于 {e.retired.end_year} 年变更为{succ}")
            notes_en.append(f"'{e.retired.name}' was changed in {e.retired.end_year} ({succ})")

    rest = s[covered:] if filler is None else ""
    if rest:
        if R.looks_like_division(rest):
            return _not_found(s, index, understood=last, rest=rest)
        notes_zh.append(f"未用于定位的部分：「{rest}」")
        notes_en.append(f"not used to locate: '{rest}'")

    if last.retired is None:
        code = last.code
        return (
            RESOLVED,
            code,
            LEVEL_NAMES[last.level],
            g.full_name(code),
            (),
            "；".join(notes_zh) if notes_zh else None,
            "; ".join(notes_en) if notes_en else None,
            filler,
        )
    return _retired(last.retired, last.successors, index, notes_zh, notes_en, filler)


def _retired_candidate(code: str, index: Index) -> Candidate:
    for unit in index.g.history.get(code, ()):
        return Candidate(code, LEVEL_NAMES[unit.level], f"{unit.context}/{unit.name}".strip("/"))
    return Candidate(code, LEVEL_NAMES[level_of_code(code)], code)


def _retired(
    unit: HistoricalUnit,
    successors: tuple[str, ...],
    index: Index,
    notes_zh: list[str],
    notes_en: list[str],
    filler: str | None,
) -> _Answer:
    code, level, name, cands, zh, en = _retired_head(unit, successors, index.g)
    notes_zh.insert(0, zh)
    notes_en.insert(0, en)
    return _answer(
        RETIRED,
        code,
        level,
        name,
        cands,
        note="；".join(notes_zh),
        note_en="; ".join(notes_en),
        filler=filler,
    )


_RetiredHead = tuple[str | None, str | None, str | None, tuple[Candidate, ...], str, str]
# The part of a retired answer that depends on the unit alone (its successor, the first note),
# by id(unit): the units live as long as the gazetteer, which is never replaced; the unit is kept
# with it and checked, so an id reused by another object cannot match.
_retired_heads: dict[int, tuple[HistoricalUnit, tuple[str, ...], _RetiredHead]] = {}


def _retired_head(unit: HistoricalUnit, successors: tuple[str, ...], g: Gazetteer) -> _RetiredHead:
    """What a retired unit's answer says first: (code, level, name, candidates, note, note_en)
    (code, level and name of its one successor; candidates when there are several or none)."""
    got = _retired_heads.get(id(unit))
    if got is not None and got[0] is unit and got[1] == successors:
        return got[2]
    year = unit.end_year or "?"
    why = f"（{unit.reason}" + (f"，{unit.source}" if unit.source else "") + "）"
    head: _RetiredHead
    if len(successors) == 1:
        code = successors[0]
        full = g.full_name(code, "")
        head = (
            code,
            LEVEL_NAMES[g.divisions[code].level],
            g.full_name(code),
            (),
            f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，现为{full}（{code}）",
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; "
            f"today it is {full} ({code})",
        )
    elif successors:
        head = (
            None,
            None,
            None,
            tuple(candidate(c) for c in successors[:MAX_CANDIDATES]),
            f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，"
            f"其区域现分属 {len(successors)} 个区划，请选择",
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; its "
            f"area now belongs to {len(successors)} divisions: choose one",
        )
    else:
        anc = _nearest_current(unit.code, unit.level, g)
        head = (
            None,
            None,
            None,
            (candidate(anc),) if anc else (),
            f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，资料未载明接替的区划",
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; the "
            "sources do not name its successor",
        )
    _retired_heads[id(unit)] = (unit, successors, head)
    return head


def _nearest_current(code: str, level: int, g: Gazetteer) -> str | None:
    for lvl in (COUNTY, PREFECTURE, PROVINCE):
        if lvl >= level:
            continue
        probe = significant_prefix(code, lvl).ljust(6, "0")
        if probe in g.divisions:
            return probe
    return None


def _resolve_code(s: str, index: Index) -> _Answer:
    g = index.g
    code = s[:9] if len(s) == 12 and s.endswith("000") else s
    if len(s) == 12 and code[6:9] == "000":
        code = code[:6]
    div = g.divisions.get(code)
    if div is not None:
        return _answer(RESOLVED, code, LEVEL_NAMES[div.level], g.full_name(code))
    for unit in g.history.get(code, ()):
        successors = index._successors(unit)
        if successors is not None:
            return _retired(unit, successors, index, [], [], None)
    return _answer(
        NOT_FOUND,
        note=f"区划代码 {code} 不存在",
        note_en=f"There is no division with the code {code}.",
    )


def _not_found(s: str, index: Index, understood: Any = None, rest: str = "") -> _Answer:
    g = index.g
    codes: list[str] = []
    if understood is not None:
        base = (
            understood.successors[0]
            if understood.retired and understood.successors
            else (understood.code)
        )
        if base in g.divisions:
            codes.append(base)
            kids = g.children.get(base, ())
            head = rest[:6]
            scored = sorted(
                ((sum(ch in head for ch in g.divisions[k].name), k) for k in kids),
                key=lambda x: (-x[0], x[1]),
            )
            codes.extend(k for score, k in scored[:4] if score > 0)
        known = g.full_name(base, "") if base in g.divisions else ""
        zh = f"未能识别「{rest}」；已识别的部分：{known}"
        en = f"Could not read '{rest}'; understood so far: {base}"
    else:
        codes = index.fuzzy(s)
        zh = f"未找到「{s}」对应的行政区划"
        en = f"No administrative division matches '{s}'."
    return _answer(NOT_FOUND, candidates=tuple(candidate(c) for c in codes), note=zh, note_en=en)
