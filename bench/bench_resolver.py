"""Benchmark the area resolver (fairdesk) side by side with cpca, on the labelled corpus.

    uv run --group bench python bench/bench_resolver.py            # everything
    uv run --group bench python bench/bench_resolver.py --no-cpca  # fairdesk only
    uv run --group bench python bench/bench_resolver.py --runs 5 --before 7ff9a71
        # throughput: median of 5 fresh processes per engine; and the resolver of an earlier
        # commit ("before", its resolver.py from git) measured alongside, processes alternated
    uv run --group bench python bench/bench_resolver.py --corpus bench/corpus100k.jsonl \
        --scale 4.33 --n 100176 --runs 5
        # the issue's 100,000 mixed entries with none repeated: a corpus 4.33 times the size
        # (100,176 distinct labelled entries, generated when missing); the "mixed" pass is then
        # that corpus shuffled, so the answer cache cannot help at all

Measured, each heavy part in a fresh subprocess of the same interpreter:
  load        time from before ``import`` to the end of the first call (fairdesk: resolve("北京市"),
              which builds the gazetteer and the resolver index; cpca: transform(["北京市"])),
              median of --load-runs fresh processes;
  throughput  entries/s over --n (100,000) mixed entries — the corpus inputs repeated and shuffled —
              in one process after the load (fairdesk: one resolve() call per entry, from an empty
              answer cache, so about three in four entries are repeats it has seen; cpca: one
              transform() call on the whole list, its batch API); and over the distinct corpus
              entries once, each new to the process (fairdesk: cache cleared before); then
              fairdesk's batch API on the same two lists, one resolve_many() call each (its
              answers checked equal to resolve()'s, entry by entry); median of --runs fresh
              processes (1 by default), the engines alternated;
  peak RSS    peak resident memory (VmHWM; ru_maxrss elsewhere) of the process that loads and runs
              everything (load + 100k + corpus pass, the inputs held), the largest over the runs;
              taken before the answers are collected for scoring, and (fairdesk) before
              resolve_many, whose peak, with all its answers held, is reported beside it;
  accuracy    over the corpus (bench/corpus.jsonl, generated when missing).

Accuracy rules:
  fairdesk  make_corpus.is_correct: status equal; resolved/retired: code equal; ambiguous: the
            candidate codes ⊇ expected (extra readings allowed) — or, when the resolver lists its
            maximum number of candidates (a truncated list), every listed code is an expected one.
  cpca      has no ambiguous / retired / not_found status and stops at county level, so it is scored
            on the resolved + retired entries only, at county level: its adcode must equal the
            expected division's county (for a township: its county, or the prefecture for
            东莞/中山-like cities without counties; for a prefecture / province: that code). For a
            like-for-like line fairdesk is scored the same way too. On the ambiguous part we count
            how often cpca returns an answer (a non-empty adcode) — a confident single answer.
  "wrong resolved" = status resolved while the expected status is not resolved, or resolved to
            another code; counted on the ambiguous part and over the whole corpus.
Outputs: a markdown table on stdout (with fairdesk / cpca over run pairs made back to back: the
figure that survives the machine's swings), bench/results/resolver.json (--out: a name there, or
a path) and, beside it, resolver_failures.txt (named after it).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CORPUS = HERE / "corpus.jsonl"
THROUGHPUT_SEED = 7


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = mod
    spec.loader.exec_module(mod)
    return mod


def _cpca_compat() -> None:
    """cpca 0.5.5 reads its data with pkg_resources (setuptools), absent from modern venvs."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        import importlib.resources as ir
        import types

        mod = types.ModuleType("pkg_resources")
        mod.resource_stream = lambda pkg, name: ir.files(pkg).joinpath(name).open("rb")
        sys.modules["pkg_resources"] = mod


def _maxrss_mb() -> float:
    """Peak resident memory of this process. On Linux, VmHWM: ru_maxrss also counts the memory
    the parent had when it started this process (it is carried over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _mixed(inputs: list[str], n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        out.extend(inputs)
    out = out[:n]
    random.Random(THROUGHPUT_SEED).shuffle(out)
    return out


# ------------------------------------------------------------------------------------------------
# children (run in fresh processes)
# ------------------------------------------------------------------------------------------------


def _before_source(ref: str) -> str:
    return subprocess.run(
        ["git", "show", f"{ref}:src/fairdesk/areas/resolver.py"],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def child(engine: str, what: str, corpus: Path, n: int) -> dict:
    before = None
    if engine.startswith("before="):  # fairdesk's resolver.py of an earlier commit, in place
        code = compile(_before_source(engine.split("=", 1)[1]), "resolver.py (before)", "exec")
        engine = "fairdesk"
        import types

        before = types.ModuleType("fairdesk.areas.resolver")
    t0 = time.perf_counter()
    if engine == "fairdesk":
        if before is not None:
            sys.modules[before.__name__] = before
            exec(code, before.__dict__)
        from fairdesk.areas.resolver import resolve

        first = resolve("北京市")
        assert first.code == "110000", first
    else:
        _cpca_compat()
        import cpca

        cpca.transform(["北京市"])
    load_s = time.perf_counter() - t0
    out: dict = {"load_s": load_s, "rss_after_load_mb": _maxrss_mb()}
    if what == "load":
        return out
    with corpus.open(encoding="utf-8") as fh:
        inputs = [json.loads(line)["input"] for line in fh if line.strip()]
    mixed = _mixed(inputs, n)
    if engine == "fairdesk":
        from fairdesk.areas import resolver

        # every input new to the process: the answer cache cannot help
        resolver._resolve_normalized.cache_clear()
        t = time.perf_counter()
        for s in inputs:
            resolve(s)
        distinct_s = time.perf_counter() - t
        # the 100,000 mixed entries (the corpus repeated), from an empty cache
        resolver._resolve_normalized.cache_clear()
        t = time.perf_counter()
        for s in mixed:
            resolve(s)
        dt = time.perf_counter() - t
        info = resolver._resolve_normalized.cache_info()
        out["cache"] = {"hits": info.hits, "misses": info.misses, "maxsize": info.maxsize}
        # the peak of loading and reading (with the inputs held), before the answers are
        # collected for scoring (a list per entry: the benchmark's, not the resolver's)
        peak = _maxrss_mb()
        resolve_many = getattr(resolver, "resolve_many", None)  # (not in older revisions)
        if resolve_many is not None:
            from fairdesk.areas.cli import BATCH_LINES

            def in_lists(texts: list[str], size: int) -> float:
                """Entries/s through resolve_many, one call per list of size entries, each
                list's answers dropped before the next (as the command line writes them out);
                the collector's pass over the answers, which it postpones, counted in."""
                gc.collect()
                t = time.perf_counter()
                for i in range(0, len(texts), size):
                    many = resolve_many(texts[i : i + size])
                del many
                gc.collect(0)
                return len(texts) / (time.perf_counter() - t)

            out["many_batch"] = BATCH_LINES
            out["many_distinct_per_s"] = in_lists(inputs, BATCH_LINES)
            out["many_per_s"] = in_lists(mixed, BATCH_LINES)
            out["peak_rss_many_mb"] = _maxrss_mb()
            # the whole list in one call (as cpca.transform is called), all its answers held
            out["many_whole_per_s"] = in_lists(mixed, len(mixed))
            out["peak_rss_many_whole_mb"] = _maxrss_mb()
            # the same answers as one call each, entry by entry
            for s, r in zip(mixed, resolve_many(mixed), strict=True):
                one = resolve(s)
                if (r.input, r.status, r.code, r.candidates, r.name, r.note) != (
                    one.input,
                    one.status,
                    one.code,
                    one.candidates,
                    one.name,
                    one.note,
                ):
                    raise SystemExit(f"resolve_many differs from resolve on {s!r}")
        results = {}
        for s in inputs:
            r = resolve(s)
            results[s] = [r.status, r.code, [c.code for c in r.candidates], r.name, r.note]
    else:
        t = time.perf_counter()
        cpca.transform(inputs)
        distinct_s = time.perf_counter() - t
        t = time.perf_counter()
        cpca.transform(mixed)
        dt = time.perf_counter() - t
        peak = _maxrss_mb()
        df = cpca.transform(inputs)
        results = {}
        for s, code, p, c, a in zip(
            inputs, df["adcode"], df["省"], df["市"], df["区"], strict=True
        ):
            code = code if isinstance(code, str) and code else None
            name = "/".join(x for x in (p, c, a) if isinstance(x, str) and x)
            results[s] = [code, name]
    out.update(distinct_n=len(inputs), distinct_per_s=len(inputs) / distinct_s)
    out.update(n=len(mixed), seconds=dt, per_s=len(mixed) / dt, peak_rss_mb=peak, results=results)
    return out


def run_child(engine: str, what: str, corpus: Path, n: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        engine,
        what,
        "--corpus",
        str(corpus),
        "--n",
        str(n),
    ]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"child {engine} {what} failed")
    out = json.loads(p.stdout)
    out["process_wall_s"] = wall
    return out


# ------------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------------


class Scorer:
    def __init__(self, mc, entries):
        from fairdesk.areas.gazetteer import COUNTY, get_gazetteer

        self.mc = mc
        self.g = get_gazetteer()
        self.COUNTY = COUNTY
        self.entries = entries
        try:
            from fairdesk.areas.resolver import MAX_CANDIDATES
        except ImportError:
            MAX_CANDIDATES = None
        self.cap = MAX_CANDIDATES

    def county_code(self, code: str) -> str | None:
        """The expected division at cpca's depth: itself down to county level, else its county."""
        path = self.g.path(code)
        best = None
        for d in path:
            if d.level <= self.COUNTY:
                best = d.code
        return best

    def fairdesk_ok(self, e, got) -> bool:
        status, code, cands = got[0], got[1], got[2]
        if self.mc.is_correct(e, status, code, cands):
            return True
        # a truncated candidate list, all from the expected set
        return bool(
            e["expect_status"] == "ambiguous"
            and status == "ambiguous"
            and self.cap
            and len(cands) >= self.cap
            and set(cands) <= set(e["expect_candidates"])
        )

    def score_fairdesk(self, results: dict) -> dict:
        per_form: dict[str, Counter] = defaultdict(Counter)
        per_variant: dict[str, Counter] = defaultdict(Counter)
        failures: dict[str, list] = defaultdict(list)
        wrong_resolved_amb = wrong_resolved_all = 0
        county_ok = county_n = 0
        for e in self.entries:
            got = results[e["input"]]
            ok = self.fairdesk_ok(e, got)
            per_form[e["form"]]["n"] += 1
            per_form[e["form"]]["ok"] += ok
            per_variant[e["form"] + "/" + e["variant"]]["n"] += 1
            per_variant[e["form"] + "/" + e["variant"]]["ok"] += ok
            if not ok:
                failures[e["form"]].append((e, got))
            if got[0] == "resolved" and (
                e["expect_status"] != "resolved" or got[1] != e.get("expect_code")
            ):
                wrong_resolved_all += 1
                if e["expect_status"] == "ambiguous":
                    wrong_resolved_amb += 1
            if e["expect_status"] in ("resolved", "retired"):
                county_n += 1
                want = self.county_code(e["expect_code"])
                have = self.county_code(got[1]) if got[1] and got[1] in self.g.divisions else None
                county_ok += have == want and got[0] in ("resolved", "retired")
        n = len(self.entries)
        ok = sum(c["ok"] for c in per_form.values())
        return {
            "n": n,
            "correct": ok,
            "accuracy": ok / n,
            "per_form": {
                f: {"n": c["n"], "correct": c["ok"], "accuracy": c["ok"] / c["n"]}
                for f, c in per_form.items()
            },
            "per_variant": {
                f: {"n": c["n"], "correct": c["ok"]} for f, c in sorted(per_variant.items())
            },
            "ambiguous_part": sum(1 for e in self.entries if e["expect_status"] == "ambiguous"),
            "wrong_resolved_on_ambiguous": wrong_resolved_amb,
            "wrong_resolved_total": wrong_resolved_all,
            "county_level": {
                "n": county_n,
                "correct": county_ok,
                "accuracy": county_ok / county_n if county_n else None,
            },
            "_failures": failures,
        }

    def score_cpca(self, results: dict) -> dict:
        per_form: dict[str, Counter] = defaultdict(Counter)
        amb_n = amb_answered = amb_pick = nf_n = nf_ok = 0
        failures: dict[str, list] = defaultdict(list)
        for e in self.entries:
            code, name = results[e["input"]]
            st = e["expect_status"]
            if st in ("resolved", "retired"):
                want = self.county_code(e["expect_code"])
                ok = code == want
                per_form[e["form"]]["n"] += 1
                per_form[e["form"]]["ok"] += ok
                if not ok:
                    failures[e["form"]].append((e, want, code, name))
            elif st == "ambiguous":
                amb_n += 1
                if code:
                    amb_answered += 1
                    wants = {self.county_code(c) for c in e["expect_candidates"]}
                    amb_pick += code in wants and len(wants) > 1
            else:
                nf_n += 1
                nf_ok += code is None
        n = sum(c["n"] for c in per_form.values())
        ok = sum(c["ok"] for c in per_form.values())
        return {
            "scored": n,
            "correct": ok,
            "accuracy_county_level": ok / n if n else None,
            "per_form": {
                f: {"n": c["n"], "correct": c["ok"], "accuracy": c["ok"] / c["n"]}
                for f, c in per_form.items()
            },
            "ambiguous_part": amb_n,
            "ambiguous_answered": amb_answered,
            "ambiguous_picked_one_of_the_candidates": amb_pick,
            "not_found_part": nf_n,
            "not_found_no_answer": nf_ok,
            "_failures": failures,
        }


# ------------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
    }


def _hit_rate(m: dict) -> str:
    c = m.get("cache") or {}
    total = c.get("hits", 0) + c.get("misses", 0)
    return f"hit rate {100 * c['hits'] / total:.0f} %" if total else "off"


def fmt_pct(x):
    return "—" if x is None else f"{100 * x:.2f} %"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="resolver benchmark (fairdesk vs cpca)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--n", type=int, default=100_000, help="entries for the throughput run")
    ap.add_argument("--load-runs", type=int, default=3)
    ap.add_argument("--no-cpca", action="store_true")
    ap.add_argument(
        "--runs", type=int, default=1, help="fresh processes per engine for the throughput runs"
    )
    ap.add_argument(
        "--before", metavar="REF", help="also measure the resolver of this git revision"
    )
    ap.add_argument(
        "--scale", type=float, default=1.0, help="corpus size when it is generated (1.0: 24,200)"
    )
    ap.add_argument("--out", default="resolver.json", help="file name in bench/results/")
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "WHAT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child:
        print(json.dumps(child(a.child[0], a.child[1], a.corpus, a.n), ensure_ascii=False))
        return 0

    mc = _load_make_corpus()
    if not a.corpus.exists():
        print(f"generating {a.corpus} …", file=sys.stderr)
        mc.write(mc.generate(scale=a.scale), a.corpus)
    entries = mc.load(a.corpus)
    # the same input may not appear twice with different labels
    assert len({e["input"] for e in entries}) == len(entries)

    engines = ["fairdesk"] + ([] if a.no_cpca else ["cpca"])
    if a.before:
        engines.insert(0, f"before={a.before}")
    # fresh processes, the engines alternated (the machine's load changes from minute to minute)
    loads: dict[str, list[dict]] = {eng: [] for eng in engines}
    runs: dict[str, list[dict]] = {eng: [] for eng in engines}
    for _ in range(a.load_runs):
        for eng in engines:
            loads[eng].append(run_child(eng, "load", a.corpus, a.n))
    for i in range(a.runs):
        for eng in engines:
            run = run_child(eng, "run", a.corpus, a.n)
            if i:  # the answers are scored from the first run
                del run["results"]
            runs[eng].append(run)
    measured: dict[str, dict] = {}
    for eng in engines:
        ls, rs = loads[eng], runs[eng]
        key = "before" if eng.startswith("before=") else eng
        measured[key] = {
            "load_s": statistics.median(x["load_s"] for x in ls),
            "load_runs_s": [round(x["load_s"], 3) for x in ls],
            "load_process_wall_s": statistics.median(x["process_wall_s"] for x in ls),
            "rss_after_load_mb": statistics.median(x["rss_after_load_mb"] for x in ls),
            "throughput_n": rs[0]["n"],
            "throughput_s": statistics.median(x["seconds"] for x in rs),
            "per_s": statistics.median(x["per_s"] for x in rs),
            "per_s_runs": [round(x["per_s"]) for x in rs],
            "distinct_n": rs[0]["distinct_n"],
            "distinct_per_s": statistics.median(x["distinct_per_s"] for x in rs),
            "distinct_per_s_runs": [round(x["distinct_per_s"]) for x in rs],
            "cache": rs[0].get("cache"),
            "peak_rss_mb": max(x["peak_rss_mb"] for x in rs),
        }
        if all("many_per_s" in x for x in rs):  # fairdesk's resolve_many (one call, the list)
            measured[key] |= {
                "many_per_s": statistics.median(x["many_per_s"] for x in rs),
                "many_per_s_runs": [round(x["many_per_s"]) for x in rs],
                "many_distinct_per_s": statistics.median(x["many_distinct_per_s"] for x in rs),
                "many_distinct_per_s_runs": [round(x["many_distinct_per_s"]) for x in rs],
                "peak_rss_many_mb": max(x["peak_rss_many_mb"] for x in rs),
                "many_batch": rs[0]["many_batch"],
                "many_whole_per_s": statistics.median(x["many_whole_per_s"] for x in rs),
                "many_whole_per_s_runs": [round(x["many_whole_per_s"]) for x in rs],
                "peak_rss_many_whole_mb": max(x["peak_rss_many_whole_mb"] for x in rs),
            }
        measured[key] |= {
            "results": rs[0]["results"],
        }
        if key == "before":
            measured[key]["ref"] = a.before
        m = measured[key]
        many = (
            f" (resolve_many in lists of {m['many_batch']:,}: {m['many_per_s']:,.0f} /s, "
            f"distinct {m['many_distinct_per_s']:,.0f} /s, peak {m['peak_rss_many_mb']:.0f} MB; "
            f"one list: {m['many_whole_per_s']:,.0f} /s, peak {m['peak_rss_many_whole_mb']:.0f} MB)"
            if "many_per_s" in m
            else ""
        )
        print(
            f"{eng}: load {m['load_s']:.3f} s, {m['per_s']:,.0f} entries/s, "
            f"distinct {m['distinct_per_s']:,.0f} /s, peak {m['peak_rss_mb']:.0f} MB{many}",
            file=sys.stderr,
        )

    sc = Scorer(mc, entries)
    fd = sc.score_fairdesk(measured["fairdesk"].pop("results"))
    cp = sc.score_cpca(measured["cpca"].pop("results")) if "cpca" in measured else None

    comp = mc.composition(entries)
    forms = list(mc.QUOTAS)
    lines = []
    lines.append(
        f"Corpus: {len(entries):,} entries ({a.corpus.name}); throughput on "
        f"{a.n:,} mixed entries; machine: {machine()['cpus']} CPUs, "
        f"Python {machine()['python']}"
    )
    lines.append("")
    lines.append("| | fairdesk | cpca | target |")
    lines.append("|---|---:|---:|---|")
    f, c = measured["fairdesk"], measured.get("cpca")

    def col(key, fmt):
        return fmt(c[key]) if c else "—"

    lines.append(
        f"| index load (import + first call) | {f['load_s']:.2f} s | "
        f"{col('load_s', lambda x: f'{x:.2f} s')} | ≤ 1 s |"
    )
    mixed = "the corpus repeated" if a.n > len(entries) else "the corpus shuffled, none repeated"
    if "many_per_s" in f:
        lines.append(
            f"| throughput, {a.n:,} mixed entries ({mixed}) in lists: fairdesk `resolve_many`, "
            f"lists of {f['many_batch']:,} (as `fairdesk areas resolve` reads a file); cpca "
            f"`transform`, one list | {f['many_per_s']:,.0f} /s | "
            f"{col('per_s', lambda x: f'{x:,.0f} /s')} | ≥ 50,000 /s |"
        )
        lines.append(
            f"| the same, fairdesk `resolve_many` on the whole list at once | "
            f"{f['many_whole_per_s']:,.0f} /s | | |"
        )
    lines.append(
        f"| throughput, {a.n:,} mixed entries ({mixed}): fairdesk one `resolve` call each "
        f"(answer cache {_hit_rate(f)}) | {f['per_s']:,.0f} /s | "
        f"{col('per_s', lambda x: f'{x:,.0f} /s')} | ≥ 50,000 /s |"
    )
    if c:
        # The machine's speed swings by ×2 from hour to hour, for both engines alike: the ratio of
        # two runs made one after the other is the figure that carries from one day to the next.
        def ratio(key: str) -> float:
            pairs = zip(f[key], c[key], strict=True)
            return statistics.median(x / y for x, y in pairs)

        many_ratio = ""
        if "many_per_s" in f:
            pairs = zip(f["many_per_s_runs"], c["per_s_runs"], strict=True)
            many_ratio = f"`resolve_many` {statistics.median(x / y for x, y in pairs):.2f}; "
            pairs = zip(f["many_whole_per_s_runs"], c["per_s_runs"], strict=True)
            many_ratio += f"whole list {statistics.median(x / y for x, y in pairs):.2f}; "
        lines.append(
            f"| throughput, fairdesk / cpca (median over the run pairs, each pair back to back) "
            f"| {many_ratio}one call each: mixed {ratio('per_s_runs'):.2f}, "
            f"distinct {ratio('distinct_per_s_runs'):.2f} | 1 | |"
        )
    lines.append(
        f"| throughput, {f['distinct_n']:,} distinct entries (each new to the process) | "
        f"{f['distinct_per_s']:,.0f} /s | {col('distinct_per_s', lambda x: f'{x:,.0f} /s')} | |"
    )
    lines.append(
        f"| peak RSS (load + all runs) | {f['peak_rss_mb']:.0f} MB | "
        f"{col('peak_rss_mb', lambda x: f'{x:.0f} MB')} | ≤ 150 MB |"
    )
    if "many_per_s" in f:
        lines.append(
            f"| peak RSS after `resolve_many` in lists / on the whole list, its {a.n:,} answers "
            f"held at once | {f['peak_rss_many_mb']:.0f} / {f['peak_rss_many_whole_mb']:.0f} MB "
            "| | |"
        )
    lines.append(
        f"| accuracy, whole corpus (status + code) | {fmt_pct(fd['accuracy'])} | "
        f"n/a (no status) | ≥ 99.9 % |"
    )
    lines.append(
        f"| accuracy, resolved + retired part, county level | "
        f"{fmt_pct(fd['county_level']['accuracy'])} | "
        f"{fmt_pct(cp['accuracy_county_level']) if cp else '—'} | |"
    )
    amb = fd["ambiguous_part"]
    lines.append(
        f"| ambiguous part ({amb:,}): wrong `resolved` / single answer | "
        f"{fd['wrong_resolved_on_ambiguous']} | "
        f"{cp['ambiguous_answered'] if cp else '—'} | 0 |"
    )
    lines.append(f"| wrong `resolved` answers, whole corpus | {fd['wrong_resolved_total']} | — | |")
    if cp:
        lines.append(
            f"| not_found part ({cp['not_found_part']}): no answer | "
            f"{fd['per_form'].get('not_found', {}).get('correct', 0)} | "
            f"{cp['not_found_no_answer']} | |"
        )
    lines.append("")
    lines.append(
        "| form | entries | resolved / ambiguous / retired / not_found | fairdesk | "
        "cpca (county level, resolved + retired) |"
    )
    lines.append("|---|---:|---|---:|---:|")
    for form in forms:
        cc = comp.get(form, {})
        mix = " / ".join(
            str(cc.get(s, 0)) for s in ("resolved", "ambiguous", "retired", "not_found")
        )
        fa = fd["per_form"].get(form)
        ca = cp["per_form"].get(form) if cp else None
        lines.append(
            f"| {form} | {sum(cc.values()):,} | {mix} | "
            f"{fmt_pct(fa['accuracy']) if fa else '—'} | "
            f"{fmt_pct(ca['accuracy']) if ca else '—'} |"
        )
    if "before" in measured:
        b = measured["before"]
        bd = sc.score_fairdesk(b.pop("results"))
        bd.pop("_failures")
        b["accuracy"] = bd
        lines.append("")
        lines.append(
            f"Side by side with the resolver of {a.before} (fresh processes alternated; "
            f"throughput: median of {a.runs}, load: median of {a.load_runs}):"
        )
        lines.append("")
        lines.append(f"| | before ({a.before}) | now | ratio |")
        lines.append("|---|---:|---:|---:|")
        lines.append(
            f"| index load | {b['load_s']:.2f} s | {f['load_s']:.2f} s | "
            f"{f['load_s'] / b['load_s']:.2f} |"
        )
        for label, k in (
            (f"{a.n:,} mixed entries", "per_s"),
            (f"{f['distinct_n']:,} distinct entries", "distinct_per_s"),
        ):
            lines.append(f"| {label} | {b[k]:,.0f} /s | {f[k]:,.0f} /s | ×{f[k] / b[k]:.2f} |")
        lines.append(f"| peak RSS | {b['peak_rss_mb']:.0f} MB | {f['peak_rss_mb']:.0f} MB | |")
        lines.append(f"| accuracy | {fmt_pct(bd['accuracy'])} | {fmt_pct(fd['accuracy'])} | |")
    table = "\n".join(lines)
    print(table)

    RESULTS.mkdir(exist_ok=True)
    fd_fail, cp_fail = fd.pop("_failures"), (cp.pop("_failures") if cp else {})
    out = {
        "machine": machine(),
        "command": "uv run --group bench python bench/bench_resolver.py "
        + " ".join(argv or sys.argv[1:]),
        "corpus": {
            "path": str(a.corpus.relative_to(HERE.parent))
            if a.corpus.is_relative_to(HERE.parent)
            else str(a.corpus),
            "entries": len(entries),
            "composition": comp,
        },
        "throughput_entries": a.n,
        "fairdesk": {**measured["fairdesk"], "accuracy": fd},
        "before": measured.get("before"),
        "cpca": ({**measured["cpca"], "accuracy": cp} if cp else None),
        "table_md": table,
    }
    out_json = RESULTS / a.out
    out_failures = out_json.with_name(
        out_json.stem.replace("resolver", "resolver_failures", 1) + ".txt"
    )  # beside the JSON (--out may be a path elsewhere)
    out_json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with out_failures.open("w", encoding="utf-8") as fh:
        fh.write("fairdesk failures (up to 50 per form): input | expected | got\n")
        for form in forms:
            fl = fd_fail.get(form, [])
            fh.write(
                f"\n## {form}: {len(fl)} failing of {fd['per_form'].get(form, {}).get('n', 0)}\n"
            )
            by_variant = Counter(e["variant"] for e, _ in fl)
            if by_variant:
                fh.write(
                    "   by variant: "
                    + ", ".join(f"{k} {v}" for k, v in by_variant.most_common())
                    + "\n"
                )
            for e, got in fl[:50]:
                exp = e["expect_status"] + (" " + e["expect_code"] if e.get("expect_code") else "")
                if e.get("expect_candidates"):
                    exp += (
                        " "
                        + ",".join(e["expect_candidates"][:8])
                        + ("…" if len(e["expect_candidates"]) > 8 else "")
                    )
                want_name = sc.g.full_name(e["expect_code"]) if e.get("expect_code") else ""
                cands = ",".join(got[2][:6]) + ("…" if len(got[2]) > 6 else "")
                fh.write(
                    f"{e['input']!r} [{e['variant']}] | {exp} {want_name} | {got[0]} "
                    f"{got[1] or ''} {got[3] or ''} [{cands}] note={got[4]!r}\n"
                )
        if cp_fail:
            fh.write(
                "\n\ncpca misses (first 15 per form): input | expected county-level code | "
                "cpca adcode name\n"
            )
            for form in forms:
                fl = cp_fail.get(form, [])
                fh.write(f"\n## {form}: {len(fl)}\n")
                for e, want, code, name in fl[:15]:
                    fh.write(f"{e['input']!r} | {want} | {code} {name}\n")
    print(
        f"\nwrote {out_json} and {out_failures}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
