"""Resolve free text (how brands and customers write places) to an administrative division.

Public interface (other apps rely on it):

    resolve(text: str) -> Resolution
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
"""

from __future__ import annotations

import functools
import gc
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any

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
    g = get_gazetteer()
    div = g.divisions[code]
    return Candidate(code, LEVEL_NAMES[div.level], g.full_name(code))


# --------------------------------------------------------------------------------------------
# Names

# The 56 recognised ethnic groups, as they appear inside autonomous-area names (族 optional).
ETHNIC = sorted(
    (
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
        "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
        "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
    ).split(),
    key=len,
    reverse=True,
)
PROVINCE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("自治州", "地区", "市", "盟", "州")
COUNTY_SUFFIXES = ("自治县", "自治旗", "县", "区", "市", "旗")
SUFFIX_CHARS = frozenset("省市区县旗镇乡州盟")
# The suffixes a short name may wrongly carry, by level (a township is never written 区 or 县).
WRONG_SUFFIXES = {
    PROVINCE: frozenset("省市"),
    PREFECTURE: frozenset("市州盟"),
    COUNTY: frozenset("区县市旗"),
    TOWNSHIP: frozenset("镇乡"),
}
# What starts a street name: a short place name right before these is the street's name
# (白云路, 岳阳大道), not the place.
_STREET_HEADS = frozenset("路街道巷弄桥")
_STREET_HEADS2 = frozenset(
    (
        "大道",
        "大街",
        "东路",
        "西路",
        "南路",
        "北路",
        "中路",
        "一路",
        "二路",
        "三路",
        "广场",
        "公园",
        "花园",
        "小区",
        "新村",
        "大厦",
        "商场",
        "大桥",
        "东街",
        "西街",
        "南街",
        "北街",
        "中街",
        "港湾",
        "立交",
    )
)

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
# Whole-area markers: only at the very end of a text ("南宁市全境" = all of 南宁市).
TRAILING_FILLERS = (
    "全境",
    "全域",
    "全市",
    "全县",
    "全区",
    "全旗",
    "全省",
    "所辖区域",
    "行政区域",
    "辖区内",
    "范围内",
    "范围",
    "辖区",
)
_TRAILING_SET = frozenset(TRAILING_FILLERS)
_TRAILING_MAX = max(map(len, TRAILING_FILLERS))

W_FULL, W_PROV_SHORT, W_ZHOU, W_SHORT, W_WRONG_SUFFIX, W_RETIRED = 0, 0, 1, 2, 4, 5
W_STREET_AFTER = 1  # a short name followed by street detail rather than by the end
W_REPEAT = 6  # a parent written twice (上海上海市): the reading of last resort

# Remainders that are street detail even though they end like a division (…小区, …开发区).
_STREETISH_ENDINGS = (
    "小区",
    "园区",
    "开发区",
    "工业区",
    "景区",
    "校区",
    "社区",
    "厂区",
    "片区",
    "商业区",
    "新城区",
    "城区",
    "高新区",
    "保税区",
    "生活区",
    "住宅区",
    "花园",
    "新村",
    "村",
    "组",
)
_STREET_MARKERS = frozenset("路街巷弄号栋幢楼室单元园苑院厦场城店村组里坊桥湾门口期座层道大")
_NOISE_RE = re.compile(
    r"[\s\u3000,，、;；:：'\"“”‘’()（）\[\]【】<>《》|\\/／·・.。!！?？_\-—–~～#＃*]+"
)
_LEADING = ("中华人民共和国", "中国")
_CODE_RE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")


def _strip_ethnic(base: str) -> list[str]:
    """'黔东南苗族侗族' -> ['黔东南苗族侗族', '黔东南苗族', '黔东南']: each shorter reading."""
    out = [base]
    cur = base
    while True:
        for eth in ETHNIC:
            for token in (eth + "族", eth):
                if cur.endswith(token) and len(cur) - len(token) >= 2:
                    cur = cur[: -len(token)]
                    out.append(cur)
                    break
            else:
                continue
            break
        else:
            return out


def _short_names(name: str, level: int) -> list[tuple[str, int]]:
    """Short readings of an official name with their weights (the full name is not included)."""
    out: list[tuple[str, int]] = []
    if level == TOWNSHIP:  # the bulk (38,723): dispatch on the last characters
        last = name[-1]
        if last in "镇乡":
            if name.endswith("民族乡"):
                return [(b, W_SHORT) for b in _strip_ethnic(name[:-3]) if len(b) >= 2]
            return [(name[:-1], W_SHORT)] if len(name) >= 3 else []
        for suf in ("街道", "苏木", "地区", "办事处"):
            if name.endswith(suf):
                base = name[: -len(suf)]
                return [(base, W_SHORT)] if len(base) >= 2 else []
        return []
    if level == PROVINCE:
        for suf in PROVINCE_SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                out.append((name[: -len(suf)], W_PROV_SHORT))
                break
        return out
    if level == PREFECTURE:
        if name.endswith("自治州"):
            for base in _strip_ethnic(name[:-3]):
                out.append((base + "州", W_ZHOU))
                out.append((base, W_SHORT))
                out.append((base + "自治州", W_ZHOU))
            return [(n, w) for n, w in out if n != name]
        for suf in PREFECTURE_SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                out.append((name[: -len(suf)], W_SHORT))
                break
        return out
    for suf in COUNTY_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            if suf.startswith("自治"):
                for base in _strip_ethnic(name[: -len(suf)]):
                    out.append((base, W_SHORT))
                    out.append((base + suf[-1], W_SHORT))  # 南涧县, 莫力达瓦旗
            else:
                out.append((name[: -len(suf)], W_SHORT))
            break
    return [(n, w) for n, w in out if n != name and len(n) >= 2]


class _Target:
    """What a name denotes: a current division, or a retired unit (with its current successors).

    ``scope``: code prefixes of what lies inside it; ``reach``: for a retired unit, its code and
    its successors' (it may follow a name when any of them lies inside); ``prov``: the first two
    digits of its code. The target is the key of a reading state that ends in it (``(target,
    True)`` when that state still needs a follower): readings that end in the same place and
    target have the same future, only the lightest is kept.
    """

    __slots__ = ("code", "level", "prov", "reach", "retired", "scope", "successors")

    def __init__(
        self,
        code: str,
        level: int,
        scope: tuple[str, ...],
        prov: str,
        retired: HistoricalUnit | None = None,
        successors: tuple[str, ...] = (),
    ) -> None:
        self.code = code
        self.level = level
        self.scope = scope
        self.retired = retired
        self.successors = successors
        self.prov = prov
        self.reach = None if retired is None else (code, *successors)


# One way of naming a target, as the reader uses it: (target, weight, short, wrong suffixes).
# ``short``: the name must be followed by another link, a filler or the end of the text;
# ``wrong suffixes``: the characters after it that make a wrong-suffix reading (榕江 + 市), all
# those of its level but the one that spells its official name (深圳 + 市: that name is read).
_Name = tuple[_Target, int, bool, frozenset[str]]
# alias -> (is_filler, names usable with nothing before them, all names,
#           names by province code when there are many,
#           short names: None when there are none, () when some, and when all of them are:
#           (their wrong suffixes, whether one is above township level))
_Hit = tuple[
    bool,
    tuple[_Name, ...],
    tuple[_Name, ...],
    dict[str, tuple[_Name, ...]] | None,
    tuple[()] | tuple[frozenset[str], bool] | None,
]
_NO_CHARS: frozenset[str] = frozenset()


class Index:
    """Alias table over the gazetteer, built once."""

    def __init__(self, g: Gazetteer) -> None:
        self.g = g
        # alias -> its names, at most one per target: a tuple, or a list once there are several
        aliases: dict[str, Any] = {}
        # level -> the character after a short name that makes its official name (or None) ->
        # the suffixes that make a wrong-suffix reading: a wrong suffix that spells the official
        # name (深圳 + 市) is that name, read first and lighter
        wrongs: dict[int, dict[str | None, frozenset[str]]] = {lvl: {} for lvl in WRONG_SUFFIXES}

        def add(alias: str, target: _Target, weight: int, short: bool, official: str) -> None:
            wrong = _NO_CHARS
            if short:
                spelled = (
                    official[-1]
                    if len(official) == len(alias) + 1 and official.startswith(alias)
                    else None
                )
                by_char = wrongs[target.level]
                wrong = by_char.get(spelled)  # type: ignore[assignment]
                if wrong is None:
                    wrong = by_char[spelled] = WRONG_SUFFIXES[target.level] - {spelled}
            name = (target, weight, short, wrong)
            lst = aliases.get(alias)
            if lst is None:
                aliases[alias] = (name,)
                return
            for i, other in enumerate(lst):
                if other[0] is target:
                    if weight < other[1]:
                        lst = aliases[alias] = list(lst)
                        lst[i] = name
                    return
            if type(lst) is tuple:
                aliases[alias] = [*lst, name]
            else:
                lst.append(name)

        provs: dict[str, str] = {}
        for div in g.divisions.values():
            code, level = div.code, div.level
            target = _Target(code, level, (div.prefix,), provs.setdefault(code[:2], code[:2]))
            add(div.name, target, W_FULL, False, div.name)
            for alias, weight in _short_names(div.name, level):
                add(alias, target, weight, level != PROVINCE, div.name)

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
            prov = provs.setdefault(unit.code[:2], unit.code[:2])
            target = _Target(unit.code, unit.level, scope, prov, unit, successors)
            add(unit.name, target, W_RETIRED, False, unit.name)
            for alias, weight in _short_names(unit.name, unit.level):
                if weight == W_FULL:
                    continue
                add(alias, target, W_RETIRED + weight, True, unit.name)

        self.aliases: dict[str, _Hit] = {}
        table = self.aliases
        quiets: dict[tuple[frozenset[str], bool], tuple[frozenset[str], bool]] = {}
        for alias, lst in aliases.items():
            if len(lst) <= 4:
                lst = _unspell(alias, lst, aliases)
            names: tuple[_Name, ...] = lst if type(lst) is tuple else tuple(lst)
            n_short = sum(x[2] for x in names)
            shorts: tuple[()] | tuple[frozenset[str], bool] | None = None
            root = names
            if n_short:
                if any(x[2] and x[0].level == TOWNSHIP for x in names):
                    root = tuple(x for x in names if not (x[2] and x[0].level == TOWNSHIP))
                shorts = ()
                if n_short == len(names):
                    # every name is short: what one with a wrong suffix, or followed by street
                    # detail, can be read as (to pass over the name when nothing can)
                    quiet = (
                        frozenset().union(*(x[3] for x in names)),
                        any(x[0].level < TOWNSHIP for x in names),
                    )
                    shorts = quiets.setdefault(quiet, quiet)
            by_prov: dict[str, tuple[_Name, ...]] | None = None
            if len(names) > 4:
                groups: dict[str, list[_Name]] = {}
                for x in names:
                    t = x[0]
                    for prov in {t.prov, *(c[:2] for c in t.successors)}:
                        groups.setdefault(prov, []).append(x)
                by_prov = {k: tuple(v) for k, v in groups.items()}
            table[alias] = (False, root, names, by_prov, shorts)
        for filler in FILLERS:
            self.aliases[filler] = (True, (), (), None, None)
        # Lengths of the names that start with each pair of characters, longest first.
        lens: dict[str, set[int]] = {}
        for alias in self.aliases:
            lens.setdefault(alias[:2], set()).add(len(alias))
        self.lens = {k: tuple(sorted(v, reverse=True)) for k, v in lens.items()}
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


def get_index() -> Index:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                # Hundreds of thousands of small objects and no garbage: the cyclic collector
                # would only slow the build down (by half); one full pass afterwards moves them
                # all to the oldest generation at once, where the collections made while texts
                # are read do not go over them again.
                enabled = gc.isenabled()
                gc.disable()
                try:
                    _index = Index(get_gazetteer())
                finally:
                    if enabled:
                        gc.enable()
                        gc.collect()
    return _index


# --------------------------------------------------------------------------------------------
# Reading


def normalize(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = _NOISE_RE.sub("", s)
    if "办" in s:
        s = s.replace("街道办事处", "街道").replace("街道办", "街道")
    for lead in _LEADING:
        if s.startswith(lead) and len(s) > len(lead):
            s = s[len(lead) :]
            break
    return s


# A state is a reading of s[:end] whose last link names ``target``:
#   (weight, target, start, end, need, wrong, back, is_filler)
# ``need``: the last link is a short name and must be followed by something; ``wrong``: it was
# read with a wrong suffix; ``back``: the state before it; ``is_filler``: a filler step.
_State = tuple[int, _Target, int, int, bool, bool, Any, bool]


def _links(state: _State) -> list[_State]:
    out: list[_State] = []
    st: _State | None = state
    while st is not None:
        if not st[7]:
            out.append(st)
        st = st[6]
    out.reverse()
    return out


def _read(index: Index, s: str) -> tuple[int, list[_State], str | None]:
    """All best readings of s from its first character: (covered, final states, trailing filler).

    Forward dynamic programming over positions: the states ending at a position are complete
    before any name starting there is tried. A state is kept per (end, target, need) with its
    lowest weight (the first one found among equals).
    """
    n = len(s)
    aliases, lens = index.aliases, index.lens
    at: dict[int, dict[Any, _State]] = {}
    roots: set[int] | None = None  # positions reached from the start through fillers alone
    todo = [0]  # positions to read from, a heap (states are only ever added after pos)
    last = -1
    while todo:
        pos = heappop(todo)
        if pos == last:
            continue
        last = pos
        ls = lens.get(s[pos : pos + 2])
        if ls is None:
            continue
        states = at.get(pos)
        is_root = pos == 0 or (roots is not None and pos in roots)
        if not (states or is_root):
            continue
        for length in ls:
            end = pos + length
            if end > n:
                continue
            hit = aliases.get(s[pos:end])
            if hit is None:
                continue
            is_filler, root_names, names, by_prov, shorts = hit
            if is_filler:
                if is_root and end < n:
                    if roots is None:
                        roots = {end}
                    else:
                        roots.add(end)
                    heappush(todo, end)
                if states:
                    bucket = at.get(end)
                    if bucket is None:
                        bucket = at[end] = {}
                        if end < n:
                            heappush(todo, end)
                    for st in states.values():
                        t = st[1]  # need no more
                        old = bucket.get(t)
                        if old is None or st[0] < old[0]:
                            bucket[t] = (st[0], t, pos, end, False, False, st, True)
                continue
            if shorts is not None:
                # what follows the name: for short names
                if end < n:
                    next_char = s[end]
                    two = s[end : end + 2]
                    # can anything follow? (another name, a filler, a trailing marker)
                    follow = two in lens or (n - end <= _TRAILING_MAX and s[end:] in _TRAILING_SET)
                    # may the name be followed by street detail? (宣城市旌德绿地公馆)
                    street = not (
                        next_char in SUFFIX_CHARS
                        or next_char in _STREET_HEADS
                        or two in _STREET_HEADS2
                    )
                    if (
                        shorts
                        and not follow
                        and next_char not in shorts[0]
                        and not (street and shorts[1] and states)
                    ):
                        continue  # nothing can come of it
                else:
                    next_char, follow, street = "", True, False
            if shorts is None and not states:
                # official names at the start of the text
                if root_names:
                    bucket = at.get(end)
                    if bucket is None:
                        bucket = at[end] = {}
                        if end < n:
                            heappush(todo, end)
                    for x in root_names:
                        t = x[0]
                        old = bucket.get(t)
                        if old is None or x[1] < old[0]:
                            bucket[t] = (x[1], t, pos, end, False, False, None, False)
                continue
            if states and shorts is None and not is_root:
                # official names only (the common case): each state, then each name inside it
                bucket = at.get(end)
                for st in states.values():
                    w0, prev = st[0], st[1]
                    scope = prev.scope
                    for x in names if by_prov is None else by_prov.get(prev.prov, ()):
                        t, w = x[0], x[1]
                        code = t.code
                        if not code.startswith(scope):
                            if t.reach is None:
                                continue  # not inside
                            for c in t.reach:
                                if c.startswith(scope):
                                    break
                            else:
                                continue  # a retired unit: nor any of its successors inside
                        if code == prev.code:
                            # 上海上海市: a parent written twice, by its full name only
                            if w != W_FULL or t.level >= COUNTY:
                                continue
                            w += W_REPEAT
                        w += w0
                        if bucket is None:
                            bucket = at[end] = {}
                            if end < n:
                                heappush(todo, end)
                        old = bucket.get(t)
                        if old is None or w < old[0]:
                            bucket[t] = (w, t, pos, end, False, False, st, False)
                continue
            # (weight so far, name, the state before it) for each name that may be read here
            cands: list[tuple[int, _Name, _State | None]] | None
            if states:
                if is_root:  # both a start and the end of states (rare): the general way
                    cands = _pairs_from(root_names, states, names, by_prov)
                else:
                    cands = []
                    for st in states.values():
                        w0, prev = st[0], st[1]
                        scope = prev.scope
                        for x in names if by_prov is None else by_prov.get(prev.prov, ()):
                            t = x[0]
                            if not t.code.startswith(scope):
                                if t.reach is None:
                                    continue  # not inside
                                for c in t.reach:
                                    if c.startswith(scope):
                                        break
                                else:
                                    continue  # a retired unit: nor any of its successors inside
                            if t.code == prev.code:
                                # 上海上海市: a parent written twice, by its full name only
                                if x[1] != W_FULL or x[0].level >= COUNTY:
                                    continue
                                cands.append((w0 + W_REPEAT, x, st))
                            else:
                                cands.append((w0, x, st))
            else:
                cands = None  # the names usable at the start, with nothing before them
            bucket = at.get(end)
            for item in root_names if cands is None else cands:
                if cands is None:
                    w, (t, weight, short, wrong), back = 0, item, None
                else:
                    w, (t, weight, short, wrong), back = item
                w += weight
                if short:
                    if follow:
                        if bucket is None:
                            bucket = at[end] = {}
                            if end < n:
                                heappush(todo, end)
                        k = (t, True)
                        old = bucket.get(k)
                        if old is None or w < old[0]:
                            bucket[k] = (w, t, pos, end, True, False, back, False)
                    if street and back is not None and t.level < TOWNSHIP:
                        # a short county name after its parent, then street detail
                        if bucket is None:
                            bucket = at[end] = {}
                            heappush(todo, end)
                        old = bucket.get(t)
                        if old is None or w + W_STREET_AFTER < old[0]:
                            bucket[t] = (w + W_STREET_AFTER, t, pos, end, False, False, back, False)
                    if next_char in wrong:
                        b2 = at.get(end + 1)
                        if b2 is None:
                            b2 = at[end + 1] = {}
                            if end + 1 < n:
                                heappush(todo, end + 1)
                        old = b2.get(t)
                        if old is None or w + W_WRONG_SUFFIX < old[0]:
                            b2[t] = (w + W_WRONG_SUFFIX, t, pos, end + 1, False, True, back, False)
                else:
                    if bucket is None:
                        bucket = at[end] = {}
                        if end < n:
                            heappush(todo, end)
                    old = bucket.get(t)
                    if old is None or w < old[0]:
                        bucket[t] = (w, t, pos, end, False, False, back, False)

    # The readings that cover the most text (up to the end, or to a trailing whole-area marker),
    # then the lightest of them; in the order they were found.
    top: list[dict[Any, _State]] = []  # the states covering the whole text
    for end, states in at.items():
        if states and (end == n or (n - end <= _TRAILING_MAX and s[end:] in _TRAILING_SET)):
            top.append(states)
    if top:
        if len(top) == 1 and len(top[0]) == 1:
            finals = list(top[0].values())
        else:
            best = min(st[0] for states in top for st in states.values())
            finals = [st for states in top for st in states.values() if st[0] == best]
        end = finals[0][3]
        return n, finals, s[end:] if end != n else None
    for end in sorted(at, reverse=True):
        ok = [st for st in at[end].values() if not st[4]]
        if ok:
            best = min(st[0] for st in ok)
            return end, [st for st in ok if st[0] == best], None
    return 0, [], None


def _pairs_from(
    root_names: tuple[_Name, ...],
    states: dict[Any, _State],
    names: tuple[_Name, ...],
    by_prov: dict[str, tuple[_Name, ...]] | None,
) -> list[tuple[int, _Name, _State | None]]:
    """For each target, the lightest of: the start of the text, the states it may follow."""
    found: dict[_Target, tuple[int, _Name, _State | None]] = {}
    for x in root_names:
        found[x[0]] = (0, x, None)
    for st in states.values():
        prev = st[1]
        scope = prev.scope
        for x in names if by_prov is None else by_prov.get(prev.prov, ()):
            for c in x[0].reach or (x[0].code,):
                if c.startswith(scope):
                    break
            else:
                continue
            w = st[0]
            if x[0].code == prev.code:
                if x[1] != W_FULL or x[0].level >= COUNTY:
                    continue
                w += W_REPEAT
            got = found.get(x[0])
            if got is None or w < got[0]:
                found[x[0]] = (w, x, st)
    return list(found.values())


def _unspell(alias: str, names: Any, aliases: dict[str, Any]) -> Any:
    """A short name of an alias with few names is tried after every state, its official name
    (with more than four, split by province) only after the states of its province: there the
    official name does not always come first, so every wrong suffix makes a reading."""
    out = None
    for i, x in enumerate(names):
        t, w, short, wrong = x
        if short and len(wrong) < len(WRONG_SUFFIXES[t.level]):
            (c,) = WRONG_SUFFIXES[t.level] - wrong
            if len(aliases.get(alias + c, ())) > 4:
                if out is None:
                    out = list(names)
                out[i] = (t, w, short, WRONG_SUFFIXES[t.level])
    return names if out is None else out


def _looks_like_division(rest: str) -> bool:
    """'不存在区' looks like the name of a division; '科技园路1号' and '金湖小区' do not."""
    for i, ch in enumerate(rest[:9]):
        if ch in _STREET_MARKERS or ch.isdigit() or ch.isascii():
            return False
        if ch in SUFFIX_CHARS and i >= 1:
            head = rest[: i + 1]
            return not head.endswith(_STREETISH_ENDINGS)
    return False


def _effective_code(e: _Target) -> str | None:
    if e.retired is None:
        return e.code
    return e.successors[0] if len(e.successors) == 1 else None


def resolve(text: str) -> Resolution:
    """Read one place written as people write it (see the module docstring for the rules)."""
    raw = text if isinstance(text, str) else str(text)
    status, code, level, name, cands, note, note_en, filler = _resolve_normalized(
        normalize(raw[: MAX_INPUT * 2])[:MAX_INPUT]
    )
    # a fresh object: callers may change what they get without touching the cached answer
    return Resolution(raw, status, code, level, name, list(cands), note, note_en, filler)


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

    covered, states, filler = _read(index, s)
    if not states:
        return _not_found(s, index)
    g = index.g

    if len(states) == 1:
        final = states[0]
    else:
        # Group the winning readings by the division they end in.
        finals: dict[str, _State] = {}
        for st in states:
            e = st[1]
            eff = _effective_code(e)
            key = eff or f"retired:{e.code}:{id(e.retired)}"
            prev = finals.get(key)
            if prev is None or (prev[1].retired is not None and e.retired is None):
                finals[key] = st
        if len(finals) > 1:
            codes = sorted({(_effective_code(st[1]) or st[1].code) for st in finals.values()})
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
        final = next(iter(finals.values()))

    last = final[1]
    notes_zh: list[str] = []
    notes_en: list[str] = []
    # the links read with a wrong suffix, and the retired names on the way, from the first
    noted: list[_State] = []
    st: _State | None = final
    while st is not None:
        if not st[7] and (st[5] or (st[1].retired is not None and st is not final)):
            noted.append(st)
        st = st[6]
    for link in reversed(noted):
        e, start, end, wrong = link[1], link[2], link[3], link[5]
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
        if _looks_like_division(rest):
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
    g = index.g
    year = unit.end_year or "?"
    why = f"（{unit.reason}" + (f"，{unit.source}" if unit.source else "") + "）"
    if len(successors) == 1:
        code = successors[0]
        div = g.divisions[code]
        full = g.full_name(code, "")
        notes_zh.insert(
            0,
            f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，现为{full}（{code}）",
        )
        notes_en.insert(
            0,
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; "
            f"today it is {full} ({code})",
        )
        return _answer(
            RETIRED,
            code,
            LEVEL_NAMES[div.level],
            g.full_name(code),
            note="；".join(notes_zh),
            note_en="; ".join(notes_en),
            filler=filler,
        )
    if successors:
        cands = tuple(candidate(c) for c in successors[:MAX_CANDIDATES])
        notes_zh.insert(
            0,
            f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，"
            f"其区域现分属 {len(successors)} 个区划，请选择",
        )
        notes_en.insert(
            0,
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; its "
            f"area now belongs to {len(successors)} divisions: choose one",
        )
    else:
        anc = _nearest_current(unit.code, unit.level, g)
        cands = (candidate(anc),) if anc else ()
        notes_zh.insert(
            0, f"「{unit.name}」（{unit.code}）已于 {year} 年停用{why}，资料未载明接替的区划"
        )
        notes_en.insert(
            0,
            f"'{unit.name}' ({unit.code}) is no longer in use since {year}; the "
            "sources do not name its successor",
        )
    return _answer(
        RETIRED,
        candidates=cands,
        note="；".join(notes_zh),
        note_en="; ".join(notes_en),
        filler=filler,
    )


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


def _not_found(s: str, index: Index, understood: _Target | None = None, rest: str = "") -> _Answer:
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
