"""The reading step of the area resolver: the hot path, compiled with mypyc when it can be.

This module is the dynamic programme of ``resolver.py`` (rule 2–4 of its docstring) and the data
it reads: names (``Name``), what they denote (``Target``), an alias table entry (``Hit``) and a
reading state (``State``). It imports nothing but the standard library and is fully annotated, so
that mypyc can compile it into a C extension (see ``_compiled.py`` for how it is loaded, and
``hatch_build.py`` at the root of the project for how it is built). The same source runs
unchanged as plain Python when the extension is missing or was built from another version of this
file: the answers are the same either way (``bench/compare_readers.py``, and the tests run both).

Keep it self-contained and typed: no import from the project (mypyc would follow it), no
``Any`` in the hot loops (every untyped access is a generic, slow call in compiled code).
"""

from __future__ import annotations

from typing import Final

PROVINCE: Final = 1
PREFECTURE: Final = 2
COUNTY: Final = 3
TOWNSHIP: Final = 4
LEVEL_NAMES: Final = {  # as gazetteer.LEVEL_NAMES (checked by the tests)
    PROVINCE: "province",
    PREFECTURE: "prefecture",
    COUNTY: "county",
    TOWNSHIP: "township",
}
RESOLVED: Final = "resolved"
CODE_DIGITS: Final = 12  # the longest code (MCA codes have 6 or 9 digits; village codes 12)

# Weights of the names (the resolver's docstring, rule 3): lower is a stronger reading.
W_FULL: Final = 0
W_PROV_SHORT: Final = 0
W_ZHOU: Final = 1
W_SHORT: Final = 2
W_WRONG_SUFFIX: Final = 4
W_RETIRED: Final = 5
W_STREET_AFTER: Final = 1  # a short name followed by street detail rather than by the end
W_REPEAT: Final = 6  # a parent written twice (上海上海市): the reading of last resort

# The 56 recognised ethnic groups, as they appear inside autonomous-area names (族 optional).
ETHNIC: Final = sorted(
    (
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
        "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
        "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
    ).split(),
    key=len,
    reverse=True,
)
PROVINCE_SUFFIXES: Final = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "省",
    "市",
)
PREFECTURE_SUFFIXES: Final = ("自治州", "地区", "市", "盟", "州")
COUNTY_SUFFIXES: Final = ("自治县", "自治旗", "县", "区", "市", "旗")
TOWNSHIP_SUFFIXES: Final = ("街道", "苏木", "地区", "办事处")
# The suffixes a short name may wrongly carry, by level (a township is never written 区 or 县).
WRONG_SUFFIXES: Final = {
    PROVINCE: frozenset("省市"),
    PREFECTURE: frozenset("市州盟"),
    COUNTY: frozenset("区县市旗"),
    TOWNSHIP: frozenset("镇乡"),
}
NO_CHARS: Final[frozenset[str]] = frozenset()

SUFFIX_CHARS: Final = frozenset("省市区县旗镇乡州盟")
# What starts a street name: a short place name right before these is the street's name
# (白云路, 岳阳大道), not the place.
STREET_HEADS: Final = frozenset("路街道巷弄桥")
STREET_HEADS2: Final = frozenset(
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
# Whole-area markers: only at the very end of a text ("南宁市全境" = all of 南宁市).
TRAILING_FILLERS: Final = (
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
TRAILING_SET: Final = frozenset(TRAILING_FILLERS)
TRAILING_MAX: Final = 4  # max(map(len, TRAILING_FILLERS)), checked by the tests

# Remainders that are street detail even though they end like a division (…小区, …开发区).
STREETISH_ENDINGS: Final = (
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
STREET_MARKERS: Final = frozenset("路街巷弄号栋幢楼室单元园苑院厦场城店村组里坊桥湾门口期座层道大")


def code_number(code: str) -> int:
    """A code as a number that orders like its string among codes and prefixes: the digits
    padded to twelve, then the length (so that '11' sorts before '110000', and a code lies inside
    a prefix exactly when its number is within ``prefix_range``)."""
    return int(code.ljust(CODE_DIGITS, "0")) * 16 + len(code)


def prefix_range(prefix: str) -> tuple[int, int]:
    """The numbers (``code_number``) of the codes that start with prefix, as [lo, hi]."""
    return code_number(prefix), int(prefix.ljust(CODE_DIGITS, "9")) * 16 + 15


class Target:
    """What a name denotes: a current division, or a retired unit (with its current successors).

    ``scope``: code prefixes of what lies inside it; ``reach``: for a retired unit, its code and
    its successors' (it may follow a name when any of them lies inside); ``prov``: the first two
    digits of its code. A reading state is kept per (end, target, need): readings that end in the
    same place and target have the same future, only the lightest is kept (``_slot``).

    ``num``, ``lo``, ``hi``: the code and the range of the first scope prefix as numbers
    (``code_number``), kept in the object itself: "does this name lie inside?" is then two integer
    comparisons, with no string to read (the reading step is bound by memory accesses); ``multi``:
    the scope has other prefixes too (some retired units), to be checked as strings.
    """

    __slots__ = (
        "code",
        "full",
        "hi",
        "level",
        "lo",
        "multi",
        "num",
        "prov",
        "reach",
        "retired",
        "scope",
        "successors",
    )

    # (the fields the reading step reads first: mypyc lays them out in this order, so that they
    # share the object's first cache line)
    num: int
    lo: int
    hi: int
    multi: bool
    prov: str
    level: int
    code: str
    scope: tuple[str, ...]
    reach: tuple[str, ...] | None
    retired: object  # a gazetteer.HistoricalUnit, or None for a current division
    successors: tuple[str, ...]
    full: str  # the full name path "省/地/县/乡" of a current division ("" for a retired unit)

    def __init__(
        self,
        code: str,
        level: int,
        scope: tuple[str, ...],
        prov: str,
        retired: object = None,
        successors: tuple[str, ...] = (),
        full: str = "",
    ) -> None:
        self.code = code
        self.num = code_number(code)
        self.lo, self.hi = prefix_range(scope[0])
        self.multi = len(scope) > 1
        self.level = level
        self.scope = scope
        self.retired = retired
        self.successors = successors
        self.prov = prov
        self.reach = None if retired is None else (code, *successors)
        self.full = full


class Name:
    """One way of naming a target, as the reader uses it.

    ``short``: the name must be followed by another link, a filler or the end of the text;
    ``wrong``: the characters after it that make a wrong-suffix reading (榕江 + 市), all those of
    its level but the one that spells its official name (深圳 + 市: that name is read).
    """

    __slots__ = ("num", "reach", "short", "target", "weight", "wrong")

    # the target's code (``Target.num``) and reach, kept here too (and first): most names tried
    # after a state are not inside it, and this tells without reading the target or a string
    # (memory accesses fewer, in a table of 100,000 names)
    num: int
    reach: tuple[str, ...] | None
    target: Target
    weight: int
    short: bool
    wrong: frozenset[str]

    def __init__(self, target: Target, weight: int, short: bool, wrong: frozenset[str]) -> None:
        self.target = target
        self.weight = weight
        self.short = short
        self.wrong = wrong
        self.num = target.num
        self.reach = target.reach


def inside_name(x: Name, t: Target) -> bool:
    """Does the name's target (or, for a retired unit, one of its successors) lie inside t?"""
    if t.lo <= x.num <= t.hi:
        return True
    scope = t.scope
    if t.multi and x.target.code.startswith(scope):
        return True
    reach = x.reach
    if reach is None:
        return False
    for c in reach:  # noqa: SIM110 - a plain loop: no generator object in compiled code
        if c.startswith(scope):
            return True
    return False


class Hit:
    """An entry of the alias table.

    ``root``: the names usable with nothing before them; ``names``: all of them; ``by_prov``:
    the names by province code when there are many; ``has_short``: some names are short;
    ``all_short``: all of them are, and then ``quiet_wrong`` / ``quiet_street`` say what one with
    a wrong suffix, or followed by street detail, can be read as (to pass over the name when
    nothing can).
    """

    __slots__ = (
        "all_short",
        "by_prov",
        "filler",
        "has_short",
        "names",
        "quiet_street",
        "quiet_wrong",
        "root",
    )

    filler: bool
    root: tuple[Name, ...]
    names: tuple[Name, ...]
    by_prov: dict[str, tuple[Name, ...]] | None
    has_short: bool
    all_short: bool
    quiet_wrong: frozenset[str]
    quiet_street: bool

    def __init__(
        self,
        filler: bool,
        root: tuple[Name, ...],
        names: tuple[Name, ...],
        by_prov: dict[str, tuple[Name, ...]] | None,
        has_short: bool,
        all_short: bool,
        quiet_wrong: frozenset[str],
        quiet_street: bool,
    ) -> None:
        self.filler = filler
        self.root = root
        self.names = names
        self.by_prov = by_prov
        self.has_short = has_short
        self.all_short = all_short
        self.quiet_wrong = quiet_wrong
        self.quiet_street = quiet_street


class Prefix:
    """The names that start with a pair of characters: their lengths, longest first, and the
    entry of the two-character one (looked up with the pair, not again)."""

    __slots__ = ("hit2", "lengths")

    lengths: tuple[int, ...]
    hit2: Hit | None

    def __init__(self, lengths: tuple[int, ...], hit2: Hit | None) -> None:
        self.lengths = lengths
        self.hit2 = hit2


_UNSEEN: Final = Prefix((), None)  # not looked up yet
_NOTHING: Final = Prefix((), None)  # no name starts here


def _prefix_at(memo: list[Prefix], lens: dict[str, Prefix], s: str, pos: int) -> Prefix:
    """The names that start at pos (each position is looked up once per text)."""
    found = memo[pos]
    if found is _UNSEEN:
        got = lens.get(s[pos : pos + 2])
        found = _NOTHING if got is None else got
        memo[pos] = found
    return found


class State:
    """A reading of s[:end] whose last link names ``target``.

    ``need``: the last link is a short name and must be followed by something; ``wrong``: it was
    read with a wrong suffix; ``back``: the state before it; ``filler``: a filler step.
    """

    __slots__ = ("back", "end", "filler", "need", "start", "target", "weight", "wrong")

    weight: int
    target: Target
    start: int
    end: int
    need: bool
    wrong: bool
    back: State | None
    filler: bool

    def __init__(
        self,
        weight: int,
        target: Target,
        start: int,
        end: int,
        need: bool,
        wrong: bool,
        back: State | None,
        filler: bool,
    ) -> None:
        self.weight = weight
        self.target = target
        self.start = start
        self.end = end
        self.need = need
        self.wrong = wrong
        self.back = back
        self.filler = filler


_KEEP: Final = -2


def _slot(bucket: list[State], t: Target, need: bool, weight: int) -> int:
    """Where a state of weight ending in t (still needing a follower or not) goes in a bucket:
    -1 at its end (a new target), the index of the state it replaces (a lighter reading of the
    same target), or _KEEP: the state already there is as light (the first found is kept)."""
    for i, old in enumerate(bucket):
        if old.target is t and old.need == need:
            return i if weight < old.weight else _KEEP
    return -1


def _store(bucket: list[State], i: int, st: State) -> None:
    if i < 0:
        bucket.append(st)
    else:
        bucket[i] = st


def read(
    aliases: dict[str, Hit], lens: dict[str, Prefix], s: str
) -> tuple[int, list[State], str | None]:
    """All best readings of s from its first character: (covered, final states, trailing filler).

    Forward dynamic programming over positions: the states ending at a position are complete
    before any name starting there is tried. A state is kept per (end, target, need) with its
    lowest weight (the first one found among equals).
    """
    n = len(s)
    # the states ending at each position (None: none), and the positions in the order their
    # first state was found
    at: list[list[State] | None] = [None] * (n + 1)
    order: list[int] = []
    roots: set[int] | None = None  # positions reached from the start through fillers alone
    memo: list[Prefix] = [_UNSEEN] * (n + 1)
    bucket: list[State] | None
    hit: Hit | None
    # states are only ever added after pos, so those ending at pos are complete when it is read
    for pos in range(n):
        states = at[pos]
        is_root = pos == 0 or (roots is not None and pos in roots)
        if states is None and not is_root:
            continue
        prefix = _prefix_at(memo, lens, s, pos)
        for length in prefix.lengths:
            end = pos + length
            if end > n:
                continue
            hit = prefix.hit2 if length == 2 else aliases.get(s[pos:end])
            if hit is None:
                continue
            if hit.filler:
                if is_root and end < n:
                    if roots is None:
                        roots = {end}
                    else:
                        roots.add(end)
                if states:
                    bucket = at[end]
                    if bucket is None:
                        bucket = []
                        at[end] = bucket
                        order.append(end)
                    for st in states:
                        t = st.target  # need no more
                        i = _slot(bucket, t, False, st.weight)
                        if i != _KEEP:
                            _store(bucket, i, State(st.weight, t, pos, end, False, False, st, True))
                continue
            next_char = ""
            follow = True
            street = False
            if hit.has_short:
                # what follows the name: for short names
                if end < n:
                    next_char = s[end]
                    two = s[end : end + 2]
                    # can anything follow? (another name, a filler, a trailing marker)
                    follow = _prefix_at(memo, lens, s, end) is not _NOTHING or (
                        n - end <= TRAILING_MAX and s[end:] in TRAILING_SET
                    )
                    # may the name be followed by street detail? (宣城市旌德绿地公馆)
                    street = not (
                        next_char in SUFFIX_CHARS
                        or next_char in STREET_HEADS
                        or two in STREET_HEADS2
                    )
                    if (
                        hit.all_short
                        and not follow
                        and next_char not in hit.quiet_wrong
                        and not (street and hit.quiet_street and states)
                    ):
                        continue  # nothing can come of it
            elif states is None:
                # official names at the start of the text
                root = hit.root
                if root:
                    bucket = at[end]
                    if bucket is None:
                        bucket = []
                        at[end] = bucket
                        order.append(end)
                    for x in root:
                        t = x.target
                        i = _slot(bucket, t, False, x.weight)
                        if i != _KEEP:
                            _store(
                                bucket, i, State(x.weight, t, pos, end, False, False, None, False)
                            )
                continue
            elif not is_root:
                # official names only (the common case): each state, then each name inside it
                bucket = at[end]
                by_prov = hit.by_prov
                for st in states:
                    w0 = st.weight
                    prev = st.target
                    lo = prev.lo
                    hi = prev.hi
                    multi = prev.multi
                    for x in hit.names if by_prov is None else by_prov.get(prev.prov, ()):
                        num = x.num
                        if (num < lo or num > hi) and (
                            (x.reach is None and not multi) or not inside_name(x, prev)
                        ):
                            continue
                        t = x.target
                        w = x.weight
                        if num == prev.num:
                            # 上海上海市: a parent written twice, by its full name only
                            if w != W_FULL or t.level >= COUNTY:
                                continue
                            w += W_REPEAT
                        w += w0
                        if bucket is None:
                            bucket = []
                            at[end] = bucket
                            order.append(end)
                        i = _slot(bucket, t, False, w)
                        if i != _KEEP:
                            _store(bucket, i, State(w, t, pos, end, False, False, st, False))
                continue
            # (weight so far, name, the state before it) for each name that may be read here
            cands: list[tuple[int, Name, State | None]]
            if states is not None:
                if is_root:  # both a start and the end of states (rare): the general way
                    cands = _pairs_from(hit, states)
                else:
                    cands = []
                    by_prov = hit.by_prov
                    for st in states:
                        w0 = st.weight
                        prev = st.target
                        for x in hit.names if by_prov is None else by_prov.get(prev.prov, ()):
                            if not inside_name(x, prev):
                                continue
                            if x.num == prev.num:
                                # 上海上海市: a parent written twice, by its full name only
                                if x.weight != W_FULL or x.target.level >= COUNTY:
                                    continue
                                cands.append((w0 + W_REPEAT, x, st))
                            else:
                                cands.append((w0, x, st))
            else:
                # the names usable at the start, with nothing before them
                cands = [(0, x, None) for x in hit.root]
            bucket = at[end]
            for w, x, back in cands:
                t = x.target
                w += x.weight
                if x.short:
                    if follow:
                        if bucket is None:
                            bucket = []
                            at[end] = bucket
                            order.append(end)
                        i = _slot(bucket, t, True, w)
                        if i != _KEEP:
                            _store(bucket, i, State(w, t, pos, end, True, False, back, False))
                    if street and back is not None and t.level < TOWNSHIP:
                        # a short county name after its parent, then street detail
                        if bucket is None:
                            bucket = []
                            at[end] = bucket
                            order.append(end)
                        i = _slot(bucket, t, False, w + W_STREET_AFTER)
                        if i != _KEEP:
                            _store(
                                bucket,
                                i,
                                State(w + W_STREET_AFTER, t, pos, end, False, False, back, False),
                            )
                    if next_char in x.wrong:
                        b2 = at[end + 1]
                        if b2 is None:
                            b2 = []
                            at[end + 1] = b2
                            order.append(end + 1)
                        i = _slot(b2, t, False, w + W_WRONG_SUFFIX)
                        if i != _KEEP:
                            _store(
                                b2,
                                i,
                                State(
                                    w + W_WRONG_SUFFIX, t, pos, end + 1, False, True, back, False
                                ),
                            )
                else:
                    if bucket is None:
                        bucket = []
                        at[end] = bucket
                        order.append(end)
                    i = _slot(bucket, t, False, w)
                    if i != _KEEP:
                        _store(bucket, i, State(w, t, pos, end, False, False, back, False))

    # The readings that cover the most text (up to the end, or to a trailing whole-area marker),
    # then the lightest of them; in the order they were found.
    top: list[list[State]] = []  # the states covering the whole text
    for end in order:
        found = at[end]
        if found and (end == n or (n - end <= TRAILING_MAX and s[end:] in TRAILING_SET)):
            top.append(found)
    finals: list[State]
    if top:
        if len(top) == 1 and len(top[0]) == 1:
            finals = list(top[0])
        else:
            best = min([st.weight for found in top for st in found])
            finals = [st for found in top for st in found if st.weight == best]
        end = finals[0].end
        return n, finals, s[end:] if end != n else None
    for end in range(n, 0, -1):
        found = at[end]
        if found is None:
            continue
        ok = [st for st in found if not st.need]
        if ok:
            best = min([st.weight for st in ok])
            return end, [st for st in ok if st.weight == best], None
    return 0, [], None


def _pairs_from(hit: Hit, states: list[State]) -> list[tuple[int, Name, State | None]]:
    """For each target, the lightest of: the start of the text, the states it may follow."""
    found: dict[Target, tuple[int, Name, State | None]] = {}
    for x in hit.root:
        found[x.target] = (0, x, None)
    by_prov = hit.by_prov
    for st in states:
        prev = st.target
        for x in hit.names if by_prov is None else by_prov.get(prev.prov, ()):
            if not inside_name(x, prev):
                continue
            t = x.target
            w = st.weight
            if t.code == prev.code:
                if x.weight != W_FULL or t.level >= COUNTY:
                    continue
                w += W_REPEAT
            got = found.get(t)
            if got is None or w < got[0]:
                found[t] = (w, x, st)
    return list(found.values())


def effective_code(e: Target) -> str | None:
    """The current division a target stands for (None: a retired unit with several successors)."""
    if e.retired is None:
        return e.code
    return e.successors[0] if len(e.successors) == 1 else None


def group_finals(states: list[State]) -> list[State]:
    """The winning readings grouped by the division they end in: the first of each group (a
    current name rather than a retired one), in the order they were found."""
    finals: dict[str, State] = {}
    for st in states:
        e = st.target
        eff = effective_code(e)
        key = eff if eff else f"retired:{e.code}:{id(e.retired)}"
        prev = finals.get(key)
        if prev is None or (prev.target.retired is not None and e.retired is None):
            finals[key] = st
    return list(finals.values())


def noted_links(final: State) -> list[State]:
    """The links of a reading that make a note (a wrong suffix; a retired name on the way),
    from the first."""
    noted: list[State] = []
    st: State | None = final
    while st is not None:
        if not st.filler and (st.wrong or (st.target.retired is not None and st is not final)):
            noted.append(st)
        st = st.back
    noted.reverse()
    return noted


# An answer, as the resolver caches it: status, code, level, name, candidates, note, note_en,
# filler.
Answer = tuple[
    str, str | None, str | None, str | None, tuple[object, ...], str | None, str | None, str | None
]


def conclude(
    s: str,
    covered: int,
    states: list[State],
    filler: str | None,
) -> Answer | None:
    """The answer when the best readings end in one current division and make no note but
    street detail (the common case); None otherwise: the resolver then works it out (ambiguous,
    retired, wrong suffixes, not found)."""
    if not states:
        return None
    if len(states) == 1:
        final = states[0]
    else:
        finals = group_finals(states)
        if len(finals) > 1:
            return None
        final = finals[0]
    last = final.target
    if last.retired is not None:
        return None
    st: State | None = final
    while st is not None:
        if not st.filler and (st.wrong or (st.target.retired is not None and st is not final)):
            return None
        st = st.back
    note: str | None = None
    note_en: str | None = None
    if filler is None and covered < len(s):
        rest = s[covered:]
        if looks_like_division(rest):
            return None
        note = f"未用于定位的部分：「{rest}」"
        note_en = f"not used to locate: '{rest}'"
    return (RESOLVED, last.code, LEVEL_NAMES[last.level], last.full, (), note, note_en, filler)


def looks_like_division(rest: str) -> bool:
    """'不存在区' looks like the name of a division; '科技园路1号' and '金湖小区' do not."""
    for i, ch in enumerate(rest[:9]):
        if ch in STREET_MARKERS or ch.isdigit() or ch.isascii():
            return False
        if ch in SUFFIX_CHARS and i >= 1:
            head = rest[: i + 1]
            return not head.endswith(STREETISH_ENDINGS)
    return False


# ------------------------------------------------------------------------------------------------
# The alias table (built once; compiled too, for the load time)


def strip_ethnic(base: str) -> list[str]:
    """'黔东南苗族侗族' -> ['黔东南苗族侗族', '黔东南苗族', '黔东南']: each shorter reading."""
    out = [base]
    cur = base
    while True:
        found = False
        for eth in ETHNIC:
            for token in (eth + "族", eth):
                if cur.endswith(token) and len(cur) - len(token) >= 2:
                    cur = cur[: -len(token)]
                    out.append(cur)
                    found = True
                    break
            if found:
                break
        if not found:
            return out


def short_names(name: str, level: int) -> list[tuple[str, int]]:
    """Short readings of an official name with their weights (the full name is not included)."""
    out: list[tuple[str, int]] = []
    if level == TOWNSHIP:  # the bulk (38,723): dispatch on the last characters
        last = name[-1]
        if last == "镇" or last == "乡":
            if name.endswith("民族乡"):
                return [(b, W_SHORT) for b in strip_ethnic(name[:-3]) if len(b) >= 2]
            return [(name[:-1], W_SHORT)] if len(name) >= 3 else []
        for suf in TOWNSHIP_SUFFIXES:
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
            for base in strip_ethnic(name[:-3]):
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
                for base in strip_ethnic(name[: -len(suf)]):
                    out.append((base, W_SHORT))
                    out.append((base + suf[-1], W_SHORT))  # 南涧县, 莫力达瓦旗
            else:
                out.append((name[: -len(suf)], W_SHORT))
            break
    return [(n, w) for n, w in out if n != name and len(n) >= 2]


class TableBuilder:
    """Collects the names of every target, then makes the alias table (``table``)."""

    def __init__(self) -> None:
        # alias -> its names, at most one per target (the lightest; the first among equals)
        self.aliases: dict[str, list[Name]] = {}
        # level -> the character after a short name that makes its official name ("" if none)
        # -> the suffixes that make a wrong-suffix reading: a wrong suffix that spells the
        # official name (深圳 + 市) is that name, read first and lighter
        self.wrongs: dict[int, dict[str, frozenset[str]]] = {
            PROVINCE: {},
            PREFECTURE: {},
            COUNTY: {},
            TOWNSHIP: {},
        }
        self.provs: dict[str, str] = {}  # one string object per province code

    def prov(self, code: str) -> str:
        key = code[:2]
        got = self.provs.get(key)
        if got is None:
            self.provs[key] = key
            return key
        return got

    def add(self, alias: str, target: Target, weight: int, short: bool, official: str) -> None:
        wrong = NO_CHARS
        if short:
            spelled = (
                official[-1]
                if len(official) == len(alias) + 1 and official.startswith(alias)
                else ""
            )
            by_char = self.wrongs[target.level]
            got = by_char.get(spelled)
            if got is None:
                got = WRONG_SUFFIXES[target.level] - {spelled}
                by_char[spelled] = got
            wrong = got
        name = Name(target, weight, short, wrong)
        lst = self.aliases.get(alias)
        if lst is None:
            self.aliases[alias] = [name]
            return
        for i, other in enumerate(lst):
            if other.target is target:
                if weight < other.weight:
                    lst[i] = name
                return
        lst.append(name)

    def add_division(self, code: str, level: int, name: str, prefix: str, full: str) -> Target:
        """A current division: its official name and its short names. ``full``: its full name
        path, "省/地/县/乡" (the answer's ``name``)."""
        target = Target(code, level, (prefix,), self.prov(code), full=full)
        self.add(name, target, W_FULL, False, name)
        short = level != PROVINCE
        for alias, weight in short_names(name, level):
            self.add(alias, target, weight, short, name)
        return target

    def add_retired(
        self,
        code: str,
        level: int,
        name: str,
        scope: tuple[str, ...],
        unit: object,
        successors: tuple[str, ...],
    ) -> Target:
        """A name no longer in use, and its short names (all of them read as retired)."""
        target = Target(code, level, scope, self.prov(code), unit, successors)
        self.add(name, target, W_RETIRED, False, name)
        for alias, weight in short_names(name, level):
            if weight == W_FULL:
                continue
            self.add(alias, target, W_RETIRED + weight, True, name)
        return target

    def unspell(self, alias: str, names: list[Name]) -> list[Name]:
        """A short name of an alias with few names is tried after every state, its official name
        (with more than four, split by province) only after the states of its province: there
        the official name does not always come first, so every wrong suffix makes a reading."""
        out: list[Name] | None = None
        for i, x in enumerate(names):
            t = x.target
            every = WRONG_SUFFIXES[t.level]
            if x.short and len(x.wrong) < len(every):
                (c,) = every - x.wrong
                other = self.aliases.get(alias + c)
                if other is not None and len(other) > 4:
                    if out is None:
                        out = list(names)
                    out[i] = Name(t, x.weight, x.short, every)
        return names if out is None else out

    def table(self, fillers: tuple[str, ...]) -> tuple[dict[str, Hit], dict[str, Prefix]]:
        """The alias table, and the names that start with each pair of characters."""
        table: dict[str, Hit] = {}
        quiets: dict[frozenset[str], frozenset[str]] = {}
        for alias, lst in self.aliases.items():
            if len(lst) <= 4:
                lst = self.unspell(alias, lst)
            names = tuple(lst)
            n_short = 0
            township_short = False
            above_township = False
            for x in names:
                if x.short:
                    n_short += 1
                    if x.target.level == TOWNSHIP:
                        township_short = True
                if x.target.level < TOWNSHIP:
                    above_township = True
            quiet_wrong = NO_CHARS
            root = names
            if n_short:
                if township_short:
                    root = tuple([x for x in names if not (x.short and x.target.level == TOWNSHIP)])
                if n_short == len(names):
                    # every name is short: what one with a wrong suffix, or followed by street
                    # detail, can be read as (to pass over the name when nothing can)
                    union: set[str] = set()
                    for x in names:
                        union.update(x.wrong)
                    key = frozenset(union)
                    got = quiets.get(key)
                    if got is None:
                        quiets[key] = key
                        got = key
                    quiet_wrong = got
            by_prov: dict[str, tuple[Name, ...]] | None = None
            if len(names) > 4:
                groups: dict[str, list[Name]] = {}
                for x in names:
                    t = x.target
                    provs = {t.prov}
                    for c in t.successors:
                        provs.add(c[:2])
                    for p in provs:
                        group = groups.get(p)
                        if group is None:
                            groups[p] = [x]
                        else:
                            group.append(x)
                by_prov = {k: tuple(v) for k, v in groups.items()}
            table[alias] = Hit(
                False,
                root,
                names,
                by_prov,
                n_short > 0,
                n_short == len(names),
                quiet_wrong,
                n_short == len(names) and above_township,
            )
        for filler in fillers:
            table[filler] = Hit(True, (), (), None, False, False, NO_CHARS, False)
        # Lengths of the names that start with each pair of characters, longest first.
        lens: dict[str, set[int]] = {}
        for alias in table:
            pair = alias[:2]
            got_lens = lens.get(pair)
            if got_lens is None:
                lens[pair] = {len(alias)}
            else:
                got_lens.add(len(alias))
        prefixes: dict[str, Prefix] = {}
        # a few hundred different tuples of lengths: one object each, read often enough to stay
        # in the processor's caches (one memory access fewer per position read)
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        for pair, ls in lens.items():
            lengths = tuple(sorted(ls, reverse=True))
            prefixes[pair] = Prefix(shared.setdefault(lengths, lengths), table.get(pair))
        return table, prefixes
