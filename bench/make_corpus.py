"""Generate the labelled corpus for the area resolver benchmark (bench/corpus.jsonl).

    uv run python bench/make_corpus.py               # writes bench/corpus.jsonl (seed 20251231)
    uv run python bench/make_corpus.py --scale 0.02  # a small slice (≈ 500 entries)

This file is the source of truth: the corpus is a deterministic function of the seed, the scale
and the official tables (the gazetteer: MCA 2025-12-31 table + the county/township history
shipped in ``fairdesk/areas/data``). Nothing here calls the resolver: labels are computed by an
independent matcher (class ``Truth``) written for this file.

Entry (one JSON object a line):
    {"input", "form", "variant", "expect_status",
     "expect_code"        — for resolved / retired (the current successor for retired),
     "expect_candidates"  — for ambiguous: every current division consistent with the input}

LABEL RULES
===========
Names a division can be written with ("aliases"):
  exact   full official name (any level); province short name (广西, 内蒙古, 黑龙江, 北京 … =
          the name without 省/市/自治区/特别行政区 and trailing ethnic words); prefecture short
          names: without 市/地区/盟; for 自治州: the stem without 自治州 and ethnic words (黔东南,
          凉山, 海西), the stem + 州 (湘西州), and the stem + a leading part of the ethnic words
          (海西蒙古族, 黔东南苗族侗族); an autonomous county as stem + 县/旗 (漾濞县 for
          漾濞彝族自治县). Fillers that name no division: 省直辖县级行政区划,
          自治区直辖县级行政区划, 直辖县级行政区划, 省直辖县, 直辖县, 市辖区.
  stem    a county or township name without its suffix (县/市/区/旗; 镇/乡/街道), ≥ 2
          characters left: 榕江 (榕江县), 南圣 (南圣镇), 漾濞 (漾濞彝族自治县); none for 民族乡
          names. Only entries of the noise / suffix-less forms use them, after the name of an
          ancestor ("in context").
  wsfx    a county name with another of 县/市/区 as suffix (榕江市 for 榕江县). Noise only.
  hist    a name in the history tables (county level 1981–2024, townships 2014–2023), placed
          by its province/prefecture (counties) or by its county code (townships).

Readings. A reading of an input is a chain of divisions d1 ⊇ d2 ⊇ … ⊇ dk (each one inside the
previous one, levels may be skipped, a name may repeat the division before it: 衡阳市衡阳) whose
aliases, concatenated in order (fillers anywhere), spell the whole division part of the input
(street entries: the input minus the synthetic street part, which is checked to contain no name
of anything below the division). The reading's answer is dk (the deepest named).
Precedence: exact readings of current divisions; if there are none, readings whose last name is
a historical name (→ retired); if none, readings using stem/wsfx aliases (noise entries only).

Labels.
  resolved   the readings give exactly one current division;
  ambiguous  they give several: expect_candidates is that whole set (the rule applies to every
             form: a no_province entry whose prefecture + county exists twice is ambiguous);
  retired    no current reading, the last name is historical in that context, and every such
             historical unit leads to the same single current division — computed by following
             the successor links in the CSVs with year checks, and required to agree with
             ``Gazetteer.current_successors`` — and no current sibling with the same stem is
             another division (otherwise dropped). Except: when the old name is the start of
             the successor's current name (真如镇 → 真如镇街道, 赣县 → 赣县区, the same division),
             that is still how people write it, and the entry is labelled resolved;
  not_found  no reading of any kind, no substring of the input is an alias of anything (≥ 2
             chars) or a historical name — except the few "context + invented division" entries
             (北京市不存在区, variant context_invented), whose invented part contains no name.
The labels are computed twice, by a component matcher (matching the components this generator
put in against every division's ancestor chain) and by a segmentation matcher (all ways of
cutting the input into aliases); an entry is kept only when both agree. Entries of the noise /
suffix-less / retired forms are kept only when their label is unique (resolved / retired);
spaces and full-width noise is only added where NFKC + removing whitespace gives back the clean
input; a stem / wrong-suffix slip that is also a historical name (昆明市东川市: the former 东川市,
not only a slip for 东川区) is dropped. Dropped entries are counted by reason.

Scoring (``is_correct``; used by bench_resolver.py and the test):
  resolved / retired: status equal and code equal;
  ambiguous: status ambiguous and the candidate codes ⊇ expect_candidates (extra readings allowed);
  not_found: status not_found.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from fairdesk.areas.gazetteer import (
    COUNTY,
    DATA_DIR,
    PREFECTURE,
    PROVINCE,
    TOWNSHIP,
    Gazetteer,
    get_gazetteer,
)

SEED = 20251231
HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus.jsonl"

# entries per form at scale 1.0
QUOTAS = {
    "full": 3200,
    "short_province": 2800,
    "no_province": 2800,
    "autonomous_prefecture": 2000,
    "direct": 1400,
    "township_no_suffix": 2000,
    "street": 3000,
    "noise": 3000,
    "retired": 2000,
    "ambiguous": 1600,
    "not_found": 400,
}

ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
FILLERS = (
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "直辖县级行政区划",
    "省直辖县",
    "直辖县",
    "市辖区",
)
COUNTY_SUFFIXES = ("县", "市", "区")

ROADS = (
    "科技园路",
    "人民路",
    "建设路",
    "解放路",
    "胜利路",
    "文化路",
    "学府路",
    "工业大道",
    "滨江路",
    "光明路",
    "幸福路",
    "东风路",
    "青年路",
    "健康路",
    "育才路",
    "花园路",
    "府前路",
    "站前路",
    "环城路",
    "迎宾大道",
    "世纪大道",
    "创业路",
    "振兴路",
    "团结路",
    "友谊路",
    "民主路",
    "跃进路",
    "园林路",
    "北京路",
    "上海路",
    "南京路",
    "经一路",
    "纬二路",
    "发展大道",
)
ESTATES = (
    "阳光小区",
    "幸福家园",
    "锦绣花园",
    "翠湖小区",
    "金色家园",
    "碧水华庭",
    "万科城",
    "绿地公馆",
    "书香苑",
    "丽景湾",
    "枫林小区",
    "和谐家园",
    "紫荆园",
    "怡景花园",
)
FOREIGN = (
    "东京都新宿区",
    "纽约市曼哈顿区",
    "伦敦市威斯敏斯特区",
    "巴黎市第十五区",
    "火星市奥林匹斯区",
    "大阪府堺市",
    "洛杉矶市好莱坞区",
    "柏林市米特区",
    "首尔特别市钟路区",
    "悉尼市邦迪区",
    "莫斯科市阿尔巴特区",
    "曼谷市是隆区",
    "新加坡裕廊西",
    "温哥华市列治文区",
    "墨尔本市卡尔顿区",
    "开罗市吉萨区",
    "罗马市特拉斯提弗列区",
    "月球市静海区",
    "金星市麦克斯韦区",
    "亚特兰蒂斯城",
    "abc",
    "test",
    "N/A",
    "12345",
    "qwerty",
    "unknown",
    "xxx",
    "？？？",
    "-",
    "无",
    "不详",
    "地址不详",
    "见备注",
    "同上",
    "待定",
    "Springfield",
    "Gotham City",
    "Hogwarts",
    "Baker Street 221B",
    "Main St 1",
)
INVENTED = (
    "不存在",
    "奥林匹斯",
    "乌有",
    "子虚",
    "虚构",
    "无名氏",
    "测试",
    "梦幻",
    "仙境",
    "蓬莱仙",
    "桃花源记",
    "火星",
    "冥王",
    "银河",
    "哈利波",
    "霍格沃",
    "纳尼亚",
    "乌托邦",
    "香格里拉拉",
    "阿卡迪",
    "艾泽拉",
    "中土",
    "瓦坎达",
    "潘多拉",
)
NONSENSE_CHARS = "噫吁嚱鳌龘齉爩麤靐鬱纛饕餮魑魅魍魉犇骉淼焱垚鑫嫑嘦巭槑"
COMMON_CHARS = (
    "的是了我不人们这一他有来个说上到大和你为子要时出么过以后下得着那就也能心会去好看天起还想发"
    "成只如事把对生里作手自都年可但没现前些所同日面经因什样进回部其从意当并外老由开己问明很最"
)
GENERIC_NAMES = ("城区", "郊区", "市区", "矿区", "新区")
DIV_SUFFIXES = ("区", "县", "市", "镇", "乡")


# --------------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------------


def strip_ethnic(s: str) -> tuple[str, list[str]]:
    """Remove trailing ethnic words; returns (stem, the removed words in reading order)."""
    removed: list[str] = []
    changed = True
    while changed:
        changed = False
        for e in sorted(ETHNIC, key=len, reverse=True):
            for tok in (e + "族", e if len(e) >= 2 else None):
                if tok and s.endswith(tok) and len(s) - len(tok) >= 2:
                    s = s[: -len(tok)]
                    removed.insert(0, tok)
                    changed = True
                    break
            if changed:
                break
    return s, removed


def province_short(name: str) -> str:
    for suf in ("特别行政区", "自治区", "省", "市"):
        if name.endswith(suf):
            return strip_ethnic(name[: -len(suf)])[0]
    return name


def prefecture_shorts(name: str) -> list[str]:
    """Short forms of a prefecture name (full name excluded), most common first."""
    if name.endswith("自治州"):
        body = name[:-3]
        stem, words = strip_ethnic(body)
        out = [stem, stem + "州"]
        for k in range(1, len(words) + 1):
            out.append(stem + "".join(words[:k]))
        return [s for s in out if s != name]
    for suf in ("地区", "盟", "市"):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return [name[: -len(suf)]]
    return []


def county_stem(name: str) -> str | None:
    if "自治" in name or name.endswith(("林区", "矿区", "特区", "新区")):
        return None
    if name[-1] in "县市区旗" and len(name) >= 3:
        return name[:-1]
    return None


def autonomous_short(name: str) -> str | None:
    """漾濞县 for 漾濞彝族自治县, 莫力达瓦旗 for 莫力达瓦达斡尔族自治旗."""
    for suf, short in (("自治县", "县"), ("自治旗", "旗")):
        if name.endswith(suf):
            stem = strip_ethnic(name[: -len(suf)])[0]
            if len(stem) >= 2 and stem != name[: -len(suf)]:
                return stem + short
    return None


def township_stem(name: str) -> str | None:
    if name.endswith("族乡") or "民族" in name:
        return None
    if name.endswith("街道") and len(name) >= 4:
        return name[:-2]
    if name[-1] in "镇乡" and len(name) >= 3:
        return name[:-1]
    return None


def spoken_stem(name: str) -> str | None:
    """A township stem people write (not 天山路 for 天山路街道: that reads as a road)."""
    st = township_stem(name)
    if st and not st.endswith(("路", "街", "道", "巷", "村", "里", "口", "场", "园", "区")):
        return st
    return None


def normalize(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _compat_variants() -> dict[str, list[str]]:
    """CJK characters and the compatibility / Kangxi-radical characters NFKC maps to them."""
    out: dict[str, list[str]] = {}
    for cp in list(range(0x2E80, 0x2FE0)) + list(range(0xF900, 0xFB00)):
        ch = chr(cp)
        n = unicodedata.normalize("NFKC", ch)
        if n != ch and len(n) == 1:
            out.setdefault(n, []).append(ch)
    return out


# --------------------------------------------------------------------------------------------------
# the independent matcher
# --------------------------------------------------------------------------------------------------


class HistUnit:
    __slots__ = ("code", "context", "finals", "level", "name", "open", "pctx")

    def __init__(self, code, level, name, context, finals, pctx, open_=False):
        self.open = open_  # context only partly known: anything below it is accepted
        self.code = code
        self.level = level
        self.name = name
        self.context = context  # tuple of current division codes (a root path), None = unknown
        self.finals = finals  # frozenset of current codes, or None when uncertain
        self.pctx = pctx  # the codes to build an input with (province[, prefecture|county path])


class Truth:
    """Readings of an input against the gazetteer, by the rules in the module docstring."""

    def __init__(self, g: Gazetteer):
        self.g = g
        self.exact: dict[str, list[str]] = defaultdict(list)
        self.stem: dict[str, list[str]] = defaultdict(list)
        self.wsfx: dict[str, list[str]] = defaultdict(list)
        self.pshort: dict[str, str] = {}
        self.fshorts: dict[str, list[str]] = {}
        for code, d in g.divisions.items():
            self.exact[d.name].append(code)
            if d.level == PROVINCE:
                s = province_short(d.name)
                self.pshort[code] = s
                if s != d.name:
                    self.exact[s].append(code)
            elif d.level == PREFECTURE:
                self.fshorts[code] = prefecture_shorts(d.name)
                for s in self.fshorts[code]:
                    self.exact[s].append(code)
            elif d.level == COUNTY:
                auto = autonomous_short(d.name)
                if auto:
                    self.exact[auto].append(code)
                    self.stem[auto[:-1]].append(code)
                st = county_stem(d.name)
                if st:
                    self.stem[st].append(code)
                    for suf in COUNTY_SUFFIXES:
                        if suf != d.name[-1]:
                            self.wsfx[st + suf].append(code)
            else:
                st = township_stem(d.name)
                if st:
                    self.stem[st].append(code)
        for dct in (self.exact, self.stem, self.wsfx):
            for k, v in dct.items():
                dct[k] = sorted(set(v))
        self.hist: dict[str, list[HistUnit]] = defaultdict(list)
        self.disagreements: list[tuple[str, str, object, object]] = []
        self._load_history()
        self.maxlen = max(len(k) for d in (self.exact, self.stem, self.wsfx, self.hist) for k in d)
        self.maxlen = max(self.maxlen, max(len(f) for f in FILLERS))

    # ---- history -------------------------------------------------------------------------------
    def _load_history(self) -> None:
        g = self.g
        rows = list(csv.DictReader((DATA_DIR / "county_history.csv").open(encoding="utf-8-sig")))
        by_code: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_code[r["代码"]].append(r)
        yr = lambda s: int(s) if s else None  # noqa: E731

        def in_use_since(code):
            for r in by_code.get(code, ()):
                if r["状态"] == "在用":
                    return yr(r["启用时间"])
            return None

        def succ_codes(raw):
            return [
                p.split("[", 1)[0].strip() for p in raw.split(";") if p.split("[", 1)[0].strip()
            ]

        def follow_county(code, year, depth=0):
            if depth > 12:
                return None
            if code in g.divisions:
                since = in_use_since(code)
                if since is None or since <= year:
                    return {code}
            out = set()
            active = [
                r
                for r in by_code.get(code, ())
                if r["状态"] != "在用"
                and (yr(r["启用时间"]) or 0) <= year <= (yr(r["变更/弃用时间"]) or 9999)
            ]
            if not active:
                return None
            for r in active:
                nxt = succ_codes(r["新代码"])
                if not nxt:
                    return None
                for s in nxt:
                    if s == code and r["变更/弃用时间"] and int(r["变更/弃用时间"]) <= year:
                        return None
                    f = follow_county(s, yr(r["变更/弃用时间"]) or year, depth + 1)
                    if f is None:
                        return None
                    out |= f
            return out

        prov_by_name = {d.name: c for c, d in g.divisions.items() if d.level == PROVINCE}
        for r in rows:
            if r["状态"] == "在用":
                continue
            code, name = r["代码"], r["名称"]
            level = {"省级": PROVINCE, "地级": PREFECTURE}.get(r["级别"], COUNTY)
            end = yr(r["变更/弃用时间"])
            finals = None
            nxt = succ_codes(r["新代码"])
            if nxt and end:
                acc: set[str] | None = set()
                for s in nxt:
                    f = follow_county(s, end)
                    if f is None:
                        acc = None
                        break
                    acc |= f
                finals = frozenset(acc) if acc else None
            if finals is not None:
                theirs = g.current_successors(code)
                if sorted(theirs) != sorted(finals):
                    self.disagreements.append(("county", code + name, sorted(finals), theirs))
                    finals = None
            prov = prov_by_name.get(r["一级行政区"])
            open_ = False
            ctx: tuple[str, ...] | None = None
            pctx = None
            if prov:
                pref_name = r["二级行政区"]
                if level == COUNTY and pref_name and pref_name != "直辖":
                    pref = next(
                        (
                            c
                            for c in g.children.get(prov, ())
                            if g.divisions[c].level == PREFECTURE
                            and g.divisions[c].name == pref_name
                        ),
                        None,
                    )
                    if pref:
                        ctx = (prov, pref)
                        pctx = (prov, pref)
                    else:
                        ctx = (prov,)  # prefecture renamed since: context only partly known
                        open_ = True
                else:
                    ctx = (prov,)
                    pctx = (prov,)
            self.hist[name].append(HistUnit(code, level, name, ctx, finals, pctx, open_))

        # townships: follow (code, name) pairs through the yearly change tables
        trows = list(
            csv.DictReader((DATA_DIR / "township_changes_2014_2023.csv").open(encoding="utf-8"))
        )
        supplement = {}
        with (DATA_DIR / "township_successors.csv").open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                supplement[r["old_code"]] = (r["successor_code"], r["successor_name"])
        pairs: dict[tuple[str, str], list[tuple[int, str, str]]] = defaultdict(list)
        for r in trows:
            oc, on = r["old_code"].strip(), r["old_name"].strip()
            if len(oc) != 9 or not on:
                continue
            nc, nn = r["new_code"].strip(), r["new_name"].strip()
            if nc == oc and nn == on:
                continue
            if not nc and oc in supplement:
                nc, nn = supplement[oc]
            pairs[(oc, on)].append((int(r["year"]), nc, nn))

        def is_current(code, name):
            d = g.divisions.get(code)
            return d is not None and d.name == name

        def follow_twp(code, name, year, depth=0):
            if depth > 12:
                return None
            out = set()
            steps = [s for s in pairs.get((code, name), ()) if s[0] >= year]
            if not steps:
                return None
            for y, nc, nn in steps:
                if not nc or not nn:
                    return None
                if is_current(nc, nn) and not any(
                    s[0] >= y for s in pairs.get((nc, nn), ()) if (nc, nn) != (code, name)
                ):
                    out.add(nc)
                    continue
                if (nc, nn) == (code, name):
                    return None
                f = follow_twp(nc, nn, y, depth + 1)
                if f is None:
                    return None
                out |= f
            return out

        for (oc, on), steps in pairs.items():
            if is_current(oc, on):
                continue  # the pair is in use today (a later change brought it back)
            first = min(s[0] for s in steps)
            f = follow_twp(oc, on, first)
            finals = frozenset(f) if f else None
            if finals is not None:
                theirs = g.current_successors(oc)
                if sorted(theirs) != sorted(finals):
                    self.disagreements.append(("township", oc + on, sorted(finals), theirs))
                    finals = None
            parent = oc[:6]
            ctx = None
            if parent in g.divisions:
                since = in_use_since(parent)
                if since is not None and since <= first:
                    ctx = tuple(d.code for d in g.path(parent))
            self.hist[on].append(HistUnit(oc, TOWNSHIP, on, ctx, finals, ctx))

    # ---- matchers ---------------------------------------------------------------------------
    def _lookup(self, surface: str, kind: str, noise: bool) -> list[str]:
        out = list(self.exact.get(surface, ()))
        if noise and kind == "stem":
            out += self.stem.get(surface, ())
        if noise and kind == "wsfx":
            out += self.wsfx.get(surface, ())
        return out

    def _chain_ok(self, comp_sets: list[set[str]], final: str) -> bool:
        # the names before the last one, in order, each on the final's path (the final included:
        # a name may repeat the division before it, 衡阳市衡阳 = 衡阳市 twice)
        path = [d.code for d in self.g.path(final)]
        i = 0
        for cands in comp_sets:
            while i < len(path) and path[i] not in cands:
                i += 1
            if i == len(path):
                return False
        return True

    def components_current(self, comps, noise=False) -> set[str]:
        comps = [(s, k) for s, k in comps if k != "filler"]
        if not comps:
            return set()
        sets = [set(self._lookup(s, k, noise)) for s, k in comps]
        return {f for f in sets[-1] if self._chain_ok(sets[:-1], f)}

    def components_retired(self, comps) -> list[HistUnit]:
        comps = [(s, k) for s, k in comps if k != "filler"]
        if not comps:
            return []
        out = []
        ctx_sets = [set(self._lookup(s, k, False)) for s, k in comps[:-1]]
        for u in self.hist.get(comps[-1][0], ()):
            if u.context is None:
                out.append(u)  # unknown context: consistent with anything (conservative)
                continue
            path = list(u.context)
            i, ok = 0, True
            for cands in ctx_sets:
                while i < len(path) and path[i] not in cands:
                    i += 1
                if i == len(path):
                    # an open context accepts a name of anything below its known part
                    ok = u.open and any(self.g.is_ancestor(path[-1], c) for c in cands)
                    if not ok:
                        break
                    continue
            if ok:
                out.append(u)
        return out

    def segment(self, text: str, noise: bool = False) -> tuple[set[str], list[HistUnit]]:
        """All readings of the whole text: (current finals, historical units as last name)."""
        n = len(text)
        states: dict[int, set] = defaultdict(set)
        states[0].add(None)
        finals: set[str] = set()
        units: list[HistUnit] = []
        is_anc = self.g.is_ancestor
        for pos in range(n):
            lasts = states.get(pos)
            if not lasts:
                continue
            for L in range(1, min(self.maxlen, n - pos) + 1):
                s = text[pos : pos + L]
                end = pos + L
                codes = list(self.exact.get(s, ()))
                if noise:
                    codes += self.stem.get(s, ())
                    codes += self.wsfx.get(s, ())
                hist = self.hist.get(s, ()) if end == n else ()
                filler = s in FILLERS
                if not codes and not hist and not filler:
                    continue
                for last in lasts:
                    if filler:
                        states[end].add(last)
                    for c in codes:
                        if last is None or last == c or is_anc(last, c):
                            states[end].add(c)
                    for u in hist:
                        if (
                            u.context is None
                            or last is None
                            or last in u.context
                            or (u.open and is_anc(u.context[-1], last))
                        ):
                            units.append(u)
        for last in states.get(n, ()):
            if last is not None:
                finals.add(last)
        return finals, units

    # ---- labelling --------------------------------------------------------------------------
    def label(self, comps, kinds_unique=False) -> tuple[dict | None, str]:
        """Label the input spelled by comps [(surface, kind)]; (label, reason-if-dropped)."""
        text = "".join(s for s, _ in comps)
        noisy = any(k in ("stem", "wsfx") for _, k in comps)
        hist = comps[-1][1] == "hist"
        if any(k in ("stem", "wsfx") and s in self.hist for s, k in comps):
            # 东川市 (a slip for 东川区) is also the name of the former city: not a clean slip
            return None, "noise_equals_historical_name"
        cur = self.components_current(comps)
        seg_cur, seg_units = self.segment(text)
        if cur != seg_cur:
            return None, "segmentation_disagrees"
        if cur:
            if noisy or hist:
                return None, "exact_reading_exists"
            if len(cur) == 1:
                return {"expect_status": "resolved", "expect_code": next(iter(cur))}, ""
            if kinds_unique:
                return None, "not_unique"
            return {"expect_status": "ambiguous", "expect_candidates": sorted(cur)}, ""
        units = self.components_retired(comps)
        if {id(u) for u in units} != {id(u) for u in seg_units}:
            return None, "segmentation_disagrees_hist"
        if units:
            if not hist:
                return None, "historical_reading_exists"
            if any(u.finals is None for u in units):
                return None, "successor_uncertain"
            finals = set().union(*(u.finals for u in units))
            if len(finals) != 1:
                return None, "successor_not_unique"
            final = next(iter(finals))
            # a current sibling with the same stem that is not the successor: a suffix slip reading
            ctx = [c for c in self.components_current(comps[:-1])] if len(comps) > 1 else []
            old = comps[-1][0]
            st = county_stem(old) or township_stem(old)
            if st:
                for c in self.stem.get(st, ()):
                    if c != final and (not ctx or any(self.g.is_ancestor(a, c) for a in ctx)):
                        return None, "stem_sibling"
            now = self.g.divisions[final].name
            if now != old and now.startswith(old):
                # 真如镇 → 真如镇街道, 赣县 → 赣县区: the old name is still the short form of the
                # same division's current name, so it reads as that division (resolved)
                return {"expect_status": "resolved", "expect_code": final}, ""
            return {"expect_status": "retired", "expect_code": final}, ""
        if hist:
            return None, "no_historical_reading"
        if not noisy:
            return None, "no_reading"
        cur = self.components_current(comps, noise=True)
        seg_cur, _ = self.segment(text, noise=True)
        if cur != seg_cur:
            return None, "segmentation_disagrees_noise"
        if len(cur) == 1:
            return {"expect_status": "resolved", "expect_code": next(iter(cur))}, ""
        return None, "noise_not_unique" if cur else "no_reading"

    def names_in(self, text: str, below: list[str] | None = None, minlen: int = 2) -> bool:
        """True if some substring of text is an alias (exact/hist anywhere; stem of a division
        below one of ``below``, or anywhere when below is None)."""
        n = len(text)
        for i in range(n):
            for L in range(minlen, min(self.maxlen, n - i) + 1):
                s = text[i : i + L]
                if s in self.exact or s in self.hist or s in self.wsfx:
                    return True
                if s in self.stem:
                    if below is None:
                        return True
                    for c in self.stem[s]:
                        if any(b == c or self.g.is_ancestor(b, c) for b in below):
                            return True
        return False


# --------------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, seed: int = SEED, scale: float = 1.0, g: Gazetteer | None = None):
        self.g = g or get_gazetteer()
        self.t = Truth(self.g)
        self.rng = random.Random(seed)
        self.scale = scale
        self.seen: set[str] = set()
        self.entries: list[dict] = []
        self.dropped: Counter = Counter()
        self.compat = _compat_variants()
        # street parts that name no place anywhere (a stem below the division is checked per entry)
        self.roads = [x for x in ROADS if not self.t.names_in(x, [])]
        self.estates = [x for x in ESTATES if not self.t.names_in(x, [])]
        g = self.g
        self.provinces = sorted(c[:2] for c, d in g.divisions.items() if d.level == PROVINCE)
        self.by_level_prov: dict[int, dict[str, list[str]]] = {
            lv: defaultdict(list) for lv in (PROVINCE, PREFECTURE, COUNTY, TOWNSHIP)
        }
        for c in sorted(g.divisions):
            d = g.divisions[c]
            self.by_level_prov[d.level][c[:2]].append(c)

    # ---- helpers ----------------------------------------------------------------------------
    def quota(self, form: str) -> int:
        return max(1, round(QUOTAS[form] * self.scale))

    def full_comps(self, code: str) -> list[tuple[str, str]]:
        return [(d.name, "full") for d in self.g.path(code)]

    def street(self) -> str:
        r = self.rng
        k = r.random()
        n = r.randint(1, 999)
        if k < 0.4:
            return f"{r.choice(self.roads)}{n}号"
        if k < 0.7:
            room = f"{r.randint(1, 30)}{r.randint(1, 4):02d}"
            return f"{r.choice(self.roads)}{n}号{r.randint(1, 30)}栋{room}室"
        if k < 0.85:
            return r.choice(self.estates)
        return f"{r.choice(self.roads)}{n}号{r.choice(self.estates)}"

    def add(
        self,
        form: str,
        variant: str,
        comps,
        tail: str = "",
        *,
        unique: bool = False,
        text: str | None = None,
        only: str | None = None,
    ) -> bool:
        """Label and keep an entry; text overrides the spelled input (noise)."""
        clean = "".join(s for s, _ in comps) + tail
        inp = clean if text is None else text
        if inp in self.seen or not inp:
            self.dropped[f"{form}:duplicate"] += 1
            return False
        lab, why = self.t.label(comps, kinds_unique=unique)
        if lab is None:
            self.dropped[f"{form}:{why}"] += 1
            return False
        if only and lab["expect_status"] != only:
            self.dropped[f"{form}:not_{only}"] += 1
            return False
        if tail:
            below = [lab["expect_code"]] if "expect_code" in lab else lab["expect_candidates"]
            if self.t.names_in(tail, below):
                self.dropped[f"{form}:street_names_a_place"] += 1
                return False
        if text is not None and normalize(text) != normalize(clean):
            self.dropped[f"{form}:noise_not_nfkc"] += 1
            return False
        e = {"input": inp, "form": form, "variant": variant}
        e.update(lab)
        self.seen.add(inp)
        self.entries.append(e)
        return True

    def round_robin(self, form: str, items_by_prov: dict[str, list], make) -> None:
        """Pick items province by province (shuffled), make(item) adds 0/1 entry, until quota."""
        want = self.quota(form)
        start = len([e for e in self.entries if e["form"] == form])
        pools = {p: list(items_by_prov.get(p, ())) for p in self.provinces}
        for p in self.provinces:
            self.rng.shuffle(pools[p])
        got = start
        while got - start < want and any(pools.values()):
            for p in self.provinces:
                if not pools[p]:
                    continue
                if make(pools[p].pop()):
                    got += 1
                    if got - start >= want:
                        break

    def pick_target(self, prov: str, allow_top: bool = True) -> str | None:
        r = self.rng.random()
        lv = (
            TOWNSHIP
            if r < 0.45
            else COUNTY
            if r < 0.9
            else PREFECTURE
            if r < 0.97 or not allow_top
            else PROVINCE
        )
        pool = self.by_level_prov[lv].get(prov) or self.by_level_prov[COUNTY].get(prov)
        if not pool:
            pool = self.by_level_prov[PROVINCE].get(prov)
        return self.rng.choice(pool) if pool else None

    def targets(self, n_per_prov: int, allow_top=True) -> dict[str, list[str]]:
        out = {}
        for p in self.provinces:
            out[p] = [c for c in (self.pick_target(p, allow_top) for _ in range(n_per_prov)) if c]
        return out

    # ---- forms ------------------------------------------------------------------------------
    def form_full(self):
        per = self.quota("full") // len(self.provinces) * 3 + 10
        self.round_robin(
            "full", self.targets(per), lambda c: self.add("full", "path", self.full_comps(c))
        )

    def short_comps(self, code: str) -> list[tuple[str, str]]:
        comps = self.full_comps(code)
        prov = self.g.path(code)[0].code
        return [(self.t.pshort[prov], "pshort"), *comps[1:]]

    def form_short_province(self):
        per = self.quota("short_province") // len(self.provinces) * 3 + 10
        # a bare short province name that is also a prefecture short (海南, 吉林) is left out:
        # ambiguous by the rules, though most readers mean the province
        self.round_robin(
            "short_province",
            self.targets(per),
            lambda c: self.add(
                "short_province",
                "path",
                self.short_comps(c),
                only="resolved" if len(c) == 6 and c.endswith("0000") else None,
            ),
        )

    def form_no_province(self):
        per = self.quota("no_province") // len(self.provinces) * 3 + 10
        items = {
            p: [c for c in v if self.g.divisions[c].level >= COUNTY]
            for p, v in self.targets(per, allow_top=False).items()
        }

        def make(c):
            comps = self.full_comps(c)[1:]
            path = self.g.path(c)
            variant = "path"
            if (
                path[1].level == PREFECTURE
                and not path[1].name.endswith("自治州")
                and self.t.fshorts.get(path[1].code)
                and self.rng.random() < 0.3
            ):
                comps[0] = (self.t.fshorts[path[1].code][0], "fshort")
                variant = "prefecture_short"
            return self.add("no_province", variant, comps)

        self.round_robin("no_province", items, make)

    def form_autonomous(self):
        g = self.g
        items = defaultdict(list)
        for pref in sorted(
            c for c, d in g.divisions.items() if d.level == PREFECTURE and d.name.endswith("自治州")
        ):
            shorts = self.t.fshorts[pref]
            for c in g.descendants(pref):
                for s in shorts:
                    items[pref[:2]].append((pref, s, c))
        r = self.rng

        def make(item):
            pref, s, c = item
            comps = [(s, "fshort")] + [(d.name, "full") for d in g.path(c) if d.level > PREFECTURE]
            shorts = self.t.fshorts[pref]
            variant = (
                "stem"
                if s == shorts[0]
                else "stem_zhou"
                if s == shorts[0] + "州"
                else "ethnic_partial"
            )
            x = r.random()
            if x < 0.15:
                comps.insert(0, (g.divisions[pref[:2] + "0000"].name, "full"))
                variant += "+province"
            elif x < 0.3:
                comps.insert(0, (self.t.pshort[pref[:2] + "0000"], "pshort"))
                variant += "+province_short"
            return self.add("autonomous_prefecture", variant, comps)

        self.round_robin("autonomous_prefecture", items, make)

    def form_direct(self):
        g = self.g
        items = defaultdict(list)
        direct = sorted(
            c
            for c, d in g.divisions.items()
            if d.level == COUNTY
            and g.divisions[d.parent].level == PROVINCE
            and c[:2] not in ("11", "12", "31", "50")
        )
        for c in direct:
            prov = g.divisions[c].parent
            pname = g.divisions[prov].name
            filler = "自治区直辖县级行政区划" if pname.endswith("自治区") else "省直辖县级行政区划"
            name = g.divisions[c].name
            vs = [
                ("zhixiaxian", [("直辖县", "filler"), (name, "full")]),
                ("province+zhixiaxian", [(pname, "full"), ("直辖县", "filler"), (name, "full")]),
                ("nbs", [(pname, "full"), (filler, "filler"), (name, "full")]),
                (
                    "nbs_short",
                    [(self.t.pshort[prov], "pshort"), (filler, "filler"), (name, "full")],
                ),
                ("county", [(name, "full")]),
                ("province+county", [(pname, "full"), (name, "full")]),
            ]
            if name == "济源市":
                vs += [
                    ("shixiaqu", [(name, "full"), ("市辖区", "filler")]),
                    ("province+shixiaqu", [(pname, "full"), (name, "full"), ("市辖区", "filler")]),
                ]
            for v in vs:
                items[c[:2]].append(v)
            for t in g.children.get(c, ()):
                tn = g.divisions[t].name
                for v in (
                    ("county+township", [(name, "full"), (tn, "full")]),
                    ("province+county+township", [(pname, "full"), (name, "full"), (tn, "full")]),
                    ("zhixiaxian+township", [("直辖县", "filler"), (name, "full"), (tn, "full")]),
                    (
                        "nbs+township",
                        [(pname, "full"), (filler, "filler"), (name, "full"), (tn, "full")],
                    ),
                ):
                    items[c[:2]].append(v)
        # prefectures with townships directly below (东莞, 中山, 儋州, 嘉峪关, 大兴安岭, 海西)
        for t in sorted(
            c
            for c, d in g.divisions.items()
            if d.level == TOWNSHIP and g.divisions[d.parent].level == PREFECTURE
        ):
            pref = g.divisions[t].parent
            pn, tn = g.divisions[pref].name, g.divisions[t].name
            prov = pref[:2] + "0000"
            vs = [
                ("city+township", [(pn, "full"), (tn, "full")]),
                (
                    "province+city+township",
                    [(g.divisions[prov].name, "full"), (pn, "full"), (tn, "full")],
                ),
                (
                    "province_short+city+township",
                    [(self.t.pshort[prov], "pshort"), (pn, "full"), (tn, "full")],
                ),
            ]
            for s in self.t.fshorts.get(pref, ())[:1]:
                vs.append(("city_short+township", [(s, "fshort"), (tn, "full")]))
            for v in vs:
                items[t[:2]].append(v)
        self.round_robin("direct", items, lambda v: self.add("direct", v[0], v[1]))

    def form_township_no_suffix(self):
        g = self.g
        items = defaultdict(list)
        for t in self.by_level_prov[TOWNSHIP].values():
            for c in t:
                if spoken_stem(g.divisions[c].name):
                    items[c[:2]].append(c)
        r = self.rng

        def make(c):
            d = g.divisions[c]
            path = g.path(c)
            x = r.random()
            parent = path[-2]
            if x < 0.5 or parent.level == PROVINCE:
                ctx = [(parent.name, "full")]
                variant = "parent"
                if parent.level == PROVINCE:
                    ctx = [(p.name, "full") for p in path[:-1]]
            elif x < 0.8:
                ctx = [(p.name, "full") for p in path[1:-1]] or [(parent.name, "full")]
                variant = "no_province"
            else:
                ctx = [(p.name, "full") for p in path[:-1]]
                variant = "full"
            return self.add(
                "township_no_suffix", variant, [*ctx, (spoken_stem(d.name), "stem")], unique=True
            )

        self.round_robin("township_no_suffix", items, make)

    def form_street(self):
        per = self.quota("street") // len(self.provinces) * 3 + 10
        items = {
            p: [c for c in v if self.g.divisions[c].level >= COUNTY]
            for p, v in self.targets(per, allow_top=False).items()
        }
        r = self.rng

        def make(c):
            x = r.random()
            if x < 0.5:
                comps, variant = self.full_comps(c), "full"
            elif x < 0.75:
                comps, variant = self.short_comps(c), "province_short"
            else:
                comps, variant = self.full_comps(c)[1:], "no_province"
            return self.add("street", variant, comps, self.street())

        self.round_robin("street", items, make)

    def form_noise(self):
        g = self.g
        r = self.rng
        per = self.quota("noise") // len(self.provinces) * 3 + 10
        items = {
            p: [c for c in v if g.divisions[c].level >= COUNTY]
            for p, v in self.targets(per, allow_top=False).items()
        }

        def base(c):
            x = r.random()
            if x < 0.4:
                return self.full_comps(c)
            if x < 0.7:
                return self.short_comps(c)
            return self.full_comps(c)[1:] or self.full_comps(c)

        def make(c):
            comps = base(c)
            kind = r.choice(
                (
                    "spaces",
                    "spaces",
                    "fullwidth",
                    "compat_char",
                    "missing_suffix",
                    "missing_suffix",
                    "wrong_suffix",
                    "wrong_suffix",
                )
            )
            if kind in ("missing_suffix", "wrong_suffix"):
                idx = [
                    i
                    for i, (s, k) in enumerate(comps)
                    if i > 0
                    and k == "full"
                    and g.divisions.get(self.code_of(c, s)) is not None
                    and g.divisions[self.code_of(c, s)].level == COUNTY
                    and county_stem(s)
                ]
                if not idx:
                    return False
                i = idx[0]
                s = comps[i][0]
                st = county_stem(s)
                comps = list(comps)
                if kind == "missing_suffix":
                    comps[i] = (st, "stem")
                else:
                    comps[i] = (st + r.choice([x for x in COUNTY_SUFFIXES if x != s[-1]]), "wsfx")
                tail = ""
                if r.random() < 0.2:
                    tail = self.street()
                return self.add("noise", kind, comps, tail, unique=True)
            tail = self.street() if r.random() < 0.4 else ""
            parts = [s for s, _ in comps] + ([tail] if tail else [])
            if kind == "spaces":
                sep = [r.choice((" ", " ", "  ", "\u3000", "")) for _ in parts]
                text = "".join(p + sp for p, sp in zip(parts, sep, strict=True))
                if r.random() < 0.3:
                    text = " " + text
                text = text.rstrip() + (" " if r.random() < 0.2 else "")
                if normalize(text) == "".join(parts) and text == "".join(parts):
                    text = parts[0] + " " + "".join(parts[1:])
            elif kind == "fullwidth":
                if not tail:
                    tail = f"{r.choice(self.roads)}{r.randint(1, 999)}号"
                    parts.append(tail)
                wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in tail)
                text = "".join(parts[:-1]) + r.choice(("", "\u3000")) + wide
            else:  # compat_char: a Kangxi radical / compatibility ideograph for a CJK character
                text = "".join(parts)
                pos = [i for i, ch in enumerate(text[: len(text) - len(tail)]) if ch in self.compat]
                if not pos:
                    return False
                i = r.choice(pos)
                text = text[:i] + r.choice(self.compat[text[i]]) + text[i + 1 :]
            return self.add("noise", kind, comps, tail, unique=False, text=text)

        self.round_robin("noise", items, make)

    def code_of(self, target: str, name: str) -> str | None:
        for d in self.g.path(target):
            if d.name == name:
                return d.code
        return None

    def form_retired(self):
        g = self.g
        t = self.t
        items = defaultdict(list)
        for name in sorted(t.hist):
            for u in t.hist[name]:
                if u.finals is None or len(u.finals) != 1 or not u.pctx:
                    continue
                if u.name in GENERIC_NAMES:
                    continue  # 银川市城区: also reads as "the urban area of 银川"
                if u.level == COUNTY:
                    ctx = [g.divisions[c] for c in u.pctx]
                    if len(ctx) == 2:
                        vs = [
                            ("county:prefecture", [(ctx[1].name, "full")]),
                            (
                                "county:province+prefecture",
                                [(ctx[0].name, "full"), (ctx[1].name, "full")],
                            ),
                            (
                                "county:province_short+prefecture",
                                [(t.pshort[ctx[0].code], "pshort"), (ctx[1].name, "full")],
                            ),
                        ]
                    else:
                        vs = [
                            ("county:province", [(ctx[0].name, "full")]),
                            ("county:province_short", [(t.pshort[ctx[0].code], "pshort")]),
                        ]
                elif u.level == TOWNSHIP:
                    ctx = [g.divisions[c] for c in u.pctx]
                    vs = [
                        ("township:parent", [(ctx[-1].name, "full")]),
                        ("township:full", [(d.name, "full") for d in ctx]),
                    ]
                    if len(ctx) == 3:
                        vs.append(
                            ("township:prefecture+county", [(d.name, "full") for d in ctx[1:]])
                        )
                else:
                    continue
                for v, comps in vs:
                    items[u.code[:2]].append((v, [*comps, (u.name, "hist")]))
        self.round_robin(
            "retired", items, lambda it: self.add("retired", it[0], it[1], unique=True)
        )

    def form_ambiguous(self):
        g = self.g
        t = self.t
        r = self.rng
        want = self.quota("ambiguous")
        groups: dict[str, list] = defaultdict(list)
        by_name: dict[tuple[int, str], list[str]] = defaultdict(list)
        for c in sorted(g.divisions):
            d = g.divisions[c]
            by_name[(d.level, d.name)].append(c)
        for (lv, name), codes in sorted(by_name.items()):
            if len(codes) < 2:
                continue
            if lv == COUNTY:
                groups["county_bare"].append([(name, "full")])
                for _ in range(3):
                    groups["county_bare+street"].append(([(name, "full")], "street"))
            if lv == TOWNSHIP:
                groups["township_bare"].append([(name, "full")])
            # shared context: province (counties), prefecture / county / province (townships)
            seen_ctx = set()
            for c in codes:
                for anc in g.path(c)[:-1]:
                    inside = [x for x in codes if g.is_ancestor(anc.code, x)]
                    if len(inside) < 2 or anc.code in seen_ctx:
                        continue
                    seen_ctx.add(anc.code)
                    key = f"{LEVELS[lv]}_in_{LEVELS[anc.level]}"
                    groups[key].append([(anc.name, "full"), (name, "full")])
                    if anc.level == PROVINCE:
                        groups[key + "_short"].append(
                            [(t.pshort[anc.code], "pshort"), (name, "full")]
                        )
        # a short name shared by several provinces / prefectures, followed by a name found in two
        short_owners: dict[str, list[str]] = defaultdict(list)
        for code, s in t.pshort.items():
            short_owners[s].append(code)
        for code, ss in t.fshorts.items():
            for s in ss:
                short_owners[s].append(code)
        for s, owners in sorted(short_owners.items()):
            if len(owners) < 2:
                continue
            names: dict[str, set[str]] = defaultdict(set)
            for o in owners:
                for x in g.descendants(o):
                    names[g.divisions[x].name].add(o)
            for n, os_ in sorted(names.items()):
                if len(os_) >= 2:
                    groups["shared_short"].append([(s, "pshort"), (n, "full")])
        plan = [
            ("county_bare", 1.0),
            ("county_bare+street", 1.0),
            ("shared_short", 1.0),
            ("county_in_province", 1.0),
            ("county_in_province_short", 1.0),
        ]
        for name, _ in plan:
            pool = groups.get(name, [])
            for it in pool:
                if isinstance(it, tuple):
                    self.add("ambiguous", name, it[0], self.street(), only="ambiguous")
                else:
                    self.add("ambiguous", name, it, only="ambiguous")
        # the most widely shared township names (城关镇 …) always go in, bare
        shared = sorted(
            ((len(v), n) for (lv, n), v in by_name.items() if lv == TOWNSHIP), reverse=True
        )
        for _, name in shared[:30]:
            self.add("ambiguous", "township_bare", [(name, "full")], only="ambiguous")
        rest = [
            "township_in_county",
            "township_in_prefecture",
            "township_in_province",
            "township_in_province_short",
            "township_bare",
        ]
        pools = {k: list(groups.get(k, [])) for k in rest}
        for k in rest:
            r.shuffle(pools[k])
        have = lambda: sum(1 for e in self.entries if e["form"] == "ambiguous")  # noqa: E731
        n = have()
        while n < want and any(pools.values()):
            for k in rest:
                if pools[k] and n < want:
                    comps = pools[k].pop()
                    tail = self.street() if r.random() < 0.15 else ""
                    if self.add(
                        "ambiguous", k + ("+street" if tail else ""), comps, tail, only="ambiguous"
                    ):
                        n += 1

    def form_not_found(self):
        r = self.rng
        want = self.quota("not_found")
        n0 = len(self.entries)

        def add_nf(text, variant, check=True):
            if text in self.seen:
                return False
            if check and (
                self.t.names_in(normalize(text), None)
                or self.t.segment(normalize(text), noise=True) != (set(), [])
            ):
                self.dropped["not_found:names_a_place"] += 1
                return False
            self.seen.add(text)
            self.entries.append(
                {
                    "input": text,
                    "form": "not_found",
                    "variant": variant,
                    "expect_status": "not_found",
                }
            )
            return True

        for f in FOREIGN:
            add_nf(f, "foreign_or_junk")
        # context + invented division (北京市不存在区): the invented part names nothing
        provs = [p + "0000" for p in self.provinces if self.g.children.get(p + "0000")]
        k = 0
        while k < max(1, want // 6) and len(self.entries) - n0 < want:
            k += 1
            p = r.choice(provs)
            inv = r.choice(INVENTED) + r.choice(DIV_SUFFIXES)
            if self.t.names_in(inv, None, minlen=2) or inv in self.t.hist:
                self.dropped["not_found:invented_names_a_place"] += 1
                continue
            ctx = self.g.divisions[p].name
            if r.random() < 0.5:
                kids = [c for c in self.g.children[p]]
                ctx += self.g.divisions[r.choice(kids)].name
            text = ctx + inv
            if self.t.segment(text, noise=True) != (set(), []):
                continue
            add_nf(text, "context_invented", check=False)
        tries = 0
        while len(self.entries) - n0 < want and tries < want * 50:
            tries += 1
            a = "".join(r.choice(NONSENSE_CHARS) for _ in range(r.randint(2, 3)))
            b = "".join(r.choice(NONSENSE_CHARS) for _ in range(r.randint(2, 3)))
            x = r.random()
            if x < 0.3:
                a = "".join(r.choice(COMMON_CHARS) for _ in range(2))
                b = "".join(r.choice(COMMON_CHARS) for _ in range(2))
                text = a + r.choice(("市", "县")) + b + r.choice(DIV_SUFFIXES)
            elif x < 0.6:
                text = a + r.choice(("市", "州", "县")) + b + r.choice(DIV_SUFFIXES)
            elif x < 0.8:
                text = a + b + r.choice(DIV_SUFFIXES) + f"{r.randint(1, 99)}号"
            else:
                text = "".join(
                    r.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                    for _ in range(r.randint(3, 12))
                )
            add_nf(text, "nonsense")

    def generate(self) -> list[dict]:
        self.form_full()
        self.form_short_province()
        self.form_no_province()
        self.form_autonomous()
        self.form_direct()
        self.form_township_no_suffix()
        self.form_street()
        self.form_noise()
        self.form_retired()
        self.form_ambiguous()
        self.form_not_found()
        out = []
        for e in self.entries:
            o = {
                "input": e["input"],
                "form": e["form"],
                "variant": e["variant"],
                "expect_status": e["expect_status"],
            }
            if e.get("expect_code"):
                o["expect_code"] = e["expect_code"]
            if e.get("expect_candidates"):
                o["expect_candidates"] = e["expect_candidates"]
            out.append(o)
        return out


LEVELS = {PROVINCE: "province", PREFECTURE: "prefecture", COUNTY: "county", TOWNSHIP: "township"}


def generate(seed: int = SEED, scale: float = 1.0, *, stats: dict | None = None) -> list[dict]:
    """The corpus as a list of entries (deterministic in seed and scale)."""
    gen = Generator(seed, scale)
    entries = gen.generate()
    if stats is not None:
        stats["dropped"] = dict(sorted(gen.dropped.items()))
        stats["history_disagreements"] = gen.t.disagreements
    return entries


def load(path: Path = CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write(entries: list[dict], path: Path = CORPUS) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")


def is_correct(entry: dict, status: str, code: str | None, candidates) -> bool:
    """The accuracy rule (see the module docstring); candidates: iterable of codes."""
    want = entry["expect_status"]
    if status != want:
        return False
    if want in ("resolved", "retired"):
        return code == entry["expect_code"]
    if want == "ambiguous":
        return set(entry["expect_candidates"]) <= set(candidates)
    return True


def composition(entries: list[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        out[e["form"]][e["expect_status"]] += 1
    return {f: dict(c) for f, c in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=CORPUS)
    ap.add_argument("--verbose", action="store_true", help="print dropped-entry counts")
    a = ap.parse_args(argv)
    stats: dict = {}
    entries = generate(a.seed, a.scale, stats=stats)
    write(entries, a.out)
    print(f"{len(entries)} entries → {a.out}")
    comp = composition(entries)
    for f in QUOTAS:
        print(f"  {f:24} {sum(comp.get(f, {}).values()):6}  {comp.get(f, {})}")
    if a.verbose:
        print("dropped:", json.dumps(stats["dropped"], ensure_ascii=False, indent=1))
        print(
            f"history: {len(stats['history_disagreements'])} units where the CSV successor "
            "chain and Gazetteer.current_successors disagree (never used as labels)"
        )
        for d in stats["history_disagreements"][:20]:
            print("  ", d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
