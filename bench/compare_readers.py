"""The area resolver against its earlier self: same answers, and how much faster.

    uv run python bench/compare_readers.py check   # every field of every answer, ≥ 250,000 inputs
    uv run python bench/compare_readers.py speed   # distinct entries/s, side by side, one process
    uv run python bench/compare_readers.py load    # import + first call, fresh processes alternated
    uv run --group bench python bench/compare_readers.py readers --ref 8ceb74b \
        --corpus bench/corpus100k.jsonl             # the compiled reader of another revision

Three resolvers are loaded in one process, each with its own index and answer cache:
  old       ``src/fairdesk/areas/resolver.py`` as it was before the reader was split out and
            compiled (``--ref``, default: the parent of the commit that added ``_reader.py``, or
            HEAD while that is not committed), read with ``git show`` and loaded as a module;
  new       the current ``fairdesk.areas.resolver`` (the compiled reader when it is built and
            current: the output says which);
  new-pure  the current resolver with the pure-Python reader (``FAIRDESK_PURE_READER=1`` while it
            is loaded).

``check`` compares ``as_dict()`` in both languages and ``filler`` over the corpus
(bench/corpus.jsonl, generated when missing), the full path of every division, every alias alone,
random chains of aliases (skipped levels, fillers, wrong suffixes, street detail, trailing
markers, noise), retired names in context, random substrings of the corpus and random strings;
it exits 1 on any difference.

``readers`` compares two compiled readers under the current ``resolver.py``: the one built from
``_reader.py`` of ``--ref`` (compiled now with mypyc, from the bench group, into a temporary
folder) and the current one. Both indexes live in one process; the inputs (``--corpus``, each
entry once, shuffled) are read chunk by chunk, the two readers alternated within each chunk and
their order swapped from one chunk to the next, each chunk new to both. On this shared machine,
whose speed changes by ×2 from hour to hour, the ratio of the two in the same seconds is the
figure to trust; it says nothing of an earlier ``resolver.py`` (``speed`` and ``check`` do).

``speed`` times ``resolve()`` on the distinct corpus entries, each new to the resolver (answer
cache emptied before each pass), alternating the resolvers chunk by chunk so that all of them see
the same machine load, best of ``--rounds`` per chunk (the objects of the three indexes are
frozen out of the garbage collector's reach first: a process holds one index, not three). Wrap it in
``flock /tmp/fairdesk-bench.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus.jsonl"
RESOLVER = "src/fairdesk/areas/resolver.py"
READER = "src/fairdesk/areas/_reader.py"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def baseline_ref() -> str:
    """The last commit before the reader was split out (HEAD while that is not committed)."""
    added = _git("log", "--diff-filter=A", "--format=%H", "--", READER).splitlines()
    return f"{added[-1]}^" if added else "HEAD"


def load_source(name: str, source: str, path: str) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None, origin=path)
    mod = importlib.util.module_from_spec(spec)
    mod.__file__ = path
    sys.modules[name] = mod  # dataclasses look their module up
    exec(compile(source, path, "exec"), mod.__dict__)
    return mod


def load_resolvers(ref: str) -> dict[str, ModuleType]:
    old = load_source(
        "fairdesk_resolver_old", _git("show", f"{ref}:{RESOLVER}"), f"{ref}:{RESOLVER}"
    )
    from fairdesk.areas import _compiled, resolver

    new_kind = "compiled" if _compiled.why_pure is None else f"pure ({_compiled.why_pure})"
    os.environ["FAIRDESK_PURE_READER"] = "1"
    try:
        pure = load_source(
            "fairdesk_resolver_pure", (ROOT / RESOLVER).read_text("utf-8"), str(ROOT / RESOLVER)
        )
    finally:
        del os.environ["FAIRDESK_PURE_READER"]
    print(f"old: {ref}; new: {new_kind}; new-pure: {pure._R.__name__}", file=sys.stderr)
    out = {"old": old, "new": resolver, "new-pure": pure}
    for mod in out.values():
        mod.get_index()
    return out


def corpus_inputs() -> list[str]:
    if not CORPUS.exists():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py")], cwd=ROOT, check=True)
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line)["input"] for line in fh if line.strip()]


# ------------------------------------------------------------------------------------------------
# inputs


STREETS = (
    "科技园路1号",
    "人民路88号",
    "解放大道100号",
    "花园小区3栋",
    "金湖小区",
    "工业园区A区",
    "幸福村5组",
    "中山路",
    "白云路",
    "东路12号",
    "大厦1201室",
    "广场",
    "新村",
    "高新区",
    "开发区管委会",
    "不存在区",
    "某某县",
    "花园路896号",
)
FILLERS = ("直辖县", "市辖区", "省直辖县级行政区划", "县级市", "辖区", "自治区直辖县级行政区划")
TRAILING = ("全境", "全域", "全市", "全县", "全区", "所辖区域", "范围内", "辖区")
WRONG = "省市区县旗镇乡州盟"
NOISE = (" ", "　", "，", "、", "(", ")", "-", "/", "Ａ", "１", "·")


def generate(mod: ModuleType, corpus: list[str], seed: int = 20261123) -> list[str]:
    """The inputs of the differential check, distinct, in a fixed order."""
    rnd = random.Random(seed)
    g = mod.get_index().g
    index = mod.get_index()
    seen: dict[str, None] = {}

    def add(s: str) -> None:
        if s:
            seen.setdefault(s, None)

    for s in corpus:
        add(s)
    codes = sorted(g.divisions)
    for code in codes:
        add(g.full_name(code, ""))
    aliases = sorted(a for a in index.aliases if isinstance(a, str))
    for a in aliases:
        add(a)
    # aliases of each current division, by code
    by_code: dict[str, list[str]] = {}
    for a, hit in index.aliases.items():
        if not isinstance(a, str):
            continue
        for x in hit.names:
            by_code.setdefault(x.target.code, []).append(a)
    for v in by_code.values():
        v.sort()

    def chain(code: str) -> list[str]:
        path = [d.code for d in g.path(code)]
        parts: list[str] = []
        for i, c in enumerate(path):
            last = i == len(path) - 1
            if not last and rnd.random() < 0.3:
                continue  # a skipped level
            names = by_code.get(c) or [g.divisions[c].name]
            parts.append(rnd.choice(names))
            if rnd.random() < 0.08:
                parts.append(rnd.choice(FILLERS))
            if rnd.random() < 0.05:
                parts.append(rnd.choice(names))  # a name repeated
        return parts

    def noisy(s: str) -> str:
        chars = list(s)
        for _ in range(rnd.randint(1, 3)):
            chars.insert(rnd.randint(0, len(chars)), rnd.choice(NOISE))
        return "".join(chars)

    # random chains of aliases, with what people add to them
    for _ in range(80_000):
        parts = chain(rnd.choice(codes))
        r = rnd.random()
        if r < 0.15:
            parts[-1] = parts[-1] + rnd.choice(WRONG)
        elif r < 0.35:
            parts.append(rnd.choice(STREETS))
        elif r < 0.45:
            parts.append(rnd.choice(TRAILING))
        s = "".join(parts)
        if rnd.random() < 0.15:
            s = noisy(s)
        if rnd.random() < 0.05:
            s = rnd.choice(("中国", "中华人民共和国")) + s
        add(s)
    # two random places written together, and a random alias after a random place
    for _ in range(10_000):
        add("".join(chain(rnd.choice(codes))) + rnd.choice(aliases))
    # retired names in context
    retired = sorted({(u.context, u.name) for u in g.retired})
    for _ in range(8_000):
        context, name = rnd.choice(retired)
        head = context.replace("/", "") if rnd.random() < 0.6 else ""
        tail = rnd.choice(("",) * 4 + STREETS + TRAILING)
        add(head + name + tail)
    # random substrings of the corpus
    for _ in range(30_000):
        s = rnd.choice(corpus)
        i = rnd.randrange(len(s))
        add(s[i : rnd.randint(i + 1, len(s))])
    # random strings over the characters of the names
    pool = sorted({ch for a in aliases for ch in a} | set("0123456789ABCabc号路街 "))
    for _ in range(8_000):
        add("".join(rnd.choice(pool) for _ in range(rnd.randint(1, 14))))
    # codes
    for code in rnd.sample(codes, 2_000):
        add(code)
    return list(seen)


def answer(mod: ModuleType, s: str) -> tuple:
    r = mod.resolve(s)
    return (r.as_dict("zh-hans"), r.as_dict("en"), r.filler)


def check(resolvers: dict[str, ModuleType], limit: int) -> int:
    inputs = generate(resolvers["new"], corpus_inputs())
    print(f"{len(inputs):,} distinct inputs", file=sys.stderr)
    diffs = {name: 0 for name in resolvers if name != "old"}
    shown = 0
    t = time.perf_counter()
    for i, s in enumerate(inputs):
        want = answer(resolvers["old"], s)
        for name in diffs:
            got = answer(resolvers[name], s)
            if got != want:
                diffs[name] += 1
                if shown < limit:
                    shown += 1
                    print(f"DIFF [{name}] {s!r}\n  old: {want}\n  new: {got}")
        if (i + 1) % 50_000 == 0:
            print(f"  {i + 1:,} … ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    summary = {"inputs": len(inputs), "differences": diffs}
    print(json.dumps(summary))
    return 1 if any(diffs.values()) else 0


def speed(resolvers: dict[str, ModuleType], rounds: int, chunk: int) -> int:
    inputs = corpus_inputs()
    chunks = [inputs[i : i + chunk] for i in range(0, len(inputs), chunk)]
    names = list(resolvers)
    best = {name: [float("inf")] * len(chunks) for name in names}
    read_best = {name: [float("inf")] * len(chunks) for name in names}
    for mod in resolvers.values():  # warm up: the fuzzy index, the names of every division
        for s in inputs:
            mod.resolve(s)
    # Three indexes live in this process (three times the objects of a real one): keep the
    # collector's full passes over them out of the timings, for all three alike.
    gc.collect()
    gc.freeze()
    for _ in range(rounds):
        for ci, part in enumerate(chunks):
            for name in names:
                mod = resolvers[name]
                mod._resolve_normalized.cache_clear()
                t = time.perf_counter()
                for s in part:
                    mod.resolve(s)
                best[name][ci] = min(best[name][ci], time.perf_counter() - t)
                norm = [mod.normalize(s[:400])[:200] for s in part]
                index = mod.get_index()
                reader = mod._read
                t = time.perf_counter()
                for s in norm:
                    if s and not s[0].isdecimal():
                        reader(index, s)
                read_best[name][ci] = min(read_best[name][ci], time.perf_counter() - t)
    n = len(inputs)
    out = {}
    for name in names:
        total = sum(best[name])
        out[name] = {
            "resolve_us": round(total / n * 1e6, 2),
            "distinct_per_s": round(n / total),
            "read_us": round(sum(read_best[name]) / n * 1e6, 2),
        }
    base = out["old"]["distinct_per_s"]
    for name in names:
        out[name]["speedup"] = round(out[name]["distinct_per_s"] / base, 2)
    print(
        json.dumps(
            {"entries": n, "chunk": chunk, "rounds": rounds, "load": os.getloadavg(), **out},
            indent=1,
        )
    )
    return 0


def build_reader(ref: str, dest: Path) -> ModuleType:
    """The compiled reader of ``_reader.py`` at ``ref``, built into dest and loaded."""
    from fairdesk.areas import _compiled

    source = dest / "_reader.py"
    source.write_bytes(  # the same bytes as in git (their hash names the module)
        subprocess.run(
            ["git", "show", f"{ref}:{READER}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    )
    return _compiled.load_extension(_compiled.build(dest / "ext", source=source))


def readers(ref: str, corpus: Path, chunk: int, seed: int) -> int:
    """The compiled reader of ref against the current one, in one process (see the docstring)."""
    import statistics
    import tempfile

    from fairdesk.areas import _compiled, resolver

    if _compiled.why_pure is not None:
        print(f"the current compiled reader is not in use: {_compiled.why_pure}", file=sys.stderr)
        return 2
    current = _compiled.load_compiled()
    with tempfile.TemporaryDirectory(prefix="fairdesk-readers-") as tmp:
        t = time.perf_counter()
        try:
            base = build_reader(ref, Path(tmp))
        except RuntimeError as exc:  # mypyc comes with the bench group
            print(f"{exc}\n(run it with: uv run --group bench …)", file=sys.stderr)
            return 2
        print(f"built the reader of {ref} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if base.__name__ == current.__name__:
        print(f"{ref} has the same _reader.py as the working tree", file=sys.stderr)
        return 2
    indexes = {}
    for name, mod in (("ref", base), ("now", current)):
        resolver.use_reader(mod)
        try:
            indexes[name] = resolver.get_index()
        except Exception as exc:  # an older reader's table builder may not fit resolver.py
            print(f"the reader of {ref} does not fit the current resolver.py: {exc!r}")
            return 2
    # two indexes in one process: keep the collector's full passes over them out of the timings
    gc.collect()
    gc.freeze()
    with corpus.open(encoding="utf-8") as fh:
        inputs = [json.loads(line)["input"] for line in fh if line.strip()]
    random.Random(seed).shuffle(inputs)
    names = ["ref", "now"]
    took: dict[str, list[float]] = {f"{n}{k}": [] for n in names for k in ("", "_read")}
    try:
        for i in range(0, len(inputs), chunk):
            part = inputs[i : i + chunk]
            norm = [resolver.normalize(s[:400])[:200] for s in part]
            norm = [s for s in norm if s and not s[0].isdecimal()]
            names.reverse()
            for name in names:  # resolve(): the answer cache emptied, the chunk new
                resolver._index = indexes[name]
                resolver._resolve_normalized.cache_clear()
                t = time.perf_counter()
                for s in part:
                    resolver.resolve(s)
                took[name].append(time.perf_counter() - t)
            for name in reversed(names):  # the reading step alone, the other one first
                index = indexes[name]
                read, aliases, lens = index.reader.read, index.aliases, index.lens
                t = time.perf_counter()
                for s in norm:
                    read(aliases, lens, s)
                took[f"{name}_read"].append(time.perf_counter() - t)
    finally:
        resolver.use_reader(current)
    n = len(inputs)
    out: dict[str, object] = {"ref": ref, "entries": n, "chunk": chunk, "load": os.getloadavg()}
    for key, times in took.items():
        out[f"{key}_per_s"] = round(n / sum(times))
    for key in ("", "_read"):
        ratios = [b / a for a, b in zip(took[f"ref{key}"], took[f"now{key}"], strict=True)]
        out[f"time_now_over_ref{key}"] = {
            "median": round(statistics.median(ratios), 3),
            "quartiles": [round(q, 3) for q in statistics.quantiles(ratios, n=4)],
        }
    print(json.dumps(out, indent=1))
    return 0


LOAD_CHILD = """
import sys, time
t = time.perf_counter()
if sys.argv[1] == "old":
    import importlib.util
    spec = importlib.util.spec_from_loader("fairdesk_resolver_old", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    exec(compile(sys.stdin.read(), "old resolver.py", "exec"), mod.__dict__)
else:
    import fairdesk.areas.resolver as mod
assert mod.resolve("北京市").code == "110000"
print(time.perf_counter() - t)
"""


def load(ref: str, runs: int) -> int:
    """Import + first call (gazetteer and index built) in fresh processes, old and new alternated.

    The old resolver's source is read from git before the clock starts and compiled in the
    child (a few milliseconds), the new one is imported as usual."""
    old_source = _git("show", f"{ref}:{RESOLVER}")
    times: dict[str, list[float]] = {"old": [], "new": [], "new-pure": []}
    for _ in range(runs):
        for name in times:
            env = dict(os.environ)
            if name == "new-pure":
                env["FAIRDESK_PURE_READER"] = "1"
            p = subprocess.run(
                [sys.executable, "-c", LOAD_CHILD, name.split("-")[0]],
                input=old_source if name == "old" else "",
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=ROOT,
            )
            times[name].append(float(p.stdout.strip().splitlines()[-1]))
    out = {
        name: {"median_s": round(sorted(v)[len(v) // 2], 3), "best_s": round(min(v), 3)}
        for name, v in times.items()
    }
    print(json.dumps({"runs": runs, "load": os.getloadavg(), **out}, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("check", "speed", "load", "readers"))
    ap.add_argument("--ref", default=None, help="the git revision of the old resolver")
    ap.add_argument("--show", type=int, default=20, help="differences to print")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5, help="fresh processes each, for load")
    ap.add_argument("--chunk", type=int, default=None, help="500 (speed), 5000 (readers)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="for readers")
    ap.add_argument("--seed", type=int, default=7, help="the shuffle, for readers")
    a = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairdesk.settings")
    if a.what == "readers":
        if a.ref is None:
            ap.error("readers needs --ref")
        return readers(a.ref, a.corpus, a.chunk or 5000, a.seed)
    if a.what == "load":
        return load(a.ref or baseline_ref(), a.runs)
    resolvers = load_resolvers(a.ref or baseline_ref())
    if a.what == "check":
        return check(resolvers, a.show)
    return speed(resolvers, a.rounds, a.chunk or 500)


if __name__ == "__main__":
    sys.exit(main())
