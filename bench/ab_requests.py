"""Two revisions' HTTP benchmarks compared: this checkout against ``--against REV``.

    uv run python bench/ab_requests.py --against 2c750ed                 # at once, 2 rounds
    uv run python bench/ab_requests.py --against 2c750ed --alone         # one after the other
    uv run python bench/ab_requests.py --against HEAD~1 --rounds 3 -- --duration 30 --warmup 20

Each side runs ``bench_requests.py`` — its own PostgreSQL database, migrated by its own code, its
own Redis database, ``fairdesk serve`` and wrk — with this checkout's dependencies and, for the
other side, that revision's ``src`` (a git worktree) first on PYTHONPATH. On the 2-core
development machine the same code serves a third more or less from one minute to the next, so
the two sides are measured in the same minutes:

* by default both at once, sharing the cores: each serves fewer requests than it would alone,
  and the one that makes more round trips to PostgreSQL loses more to the switching between
  processes; what is compared is the two against each other;
* with ``--alone``, one after the other, the order alternating from round to round: each side's
  figures are those of a server alone on the machine, as in production.

Arguments after ``--`` go to both ``bench_requests.py`` runs (default: ``--rate 30 --duration 30
--wrk --warmup 20``). Prints one line per round and the ratios; writes the rounds to
bench/results/ab_requests.json (``ab_requests_alone.json`` with ``--alone``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DEFAULT = ["--rate", "30", "--duration", "30", "--wrk", "--warmup", "20"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed = DEFAULT
    if "--" in argv:
        cut = argv.index("--")
        argv, passed = argv[:cut], argv[cut + 1 :]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", required=True, help="the other git revision")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--alone", action="store_true", help="one side after the other, alternated")
    a = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="fairdesk-ab-"))
    tree = work / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), a.against],
        check=True,
        capture_output=True,
    )
    sides = {
        "this": dict(os.environ, BENCH_REDIS_URL="redis://127.0.0.1:6379/15"),
        "other": dict(
            os.environ,
            BENCH_REDIS_URL="redis://127.0.0.1:6379/14",
            PYTHONPATH=str(tree / "src"),
        ),
    }

    def start(side: str, i: int) -> subprocess.Popen[bytes]:
        env = sides[side]
        subprocess.run(
            ["redis-cli", "-u", env["BENCH_REDIS_URL"], "flushdb"], check=False, capture_output=True
        )
        out = work / f"{side}_{i}.json"
        return subprocess.Popen(
            [sys.executable, str(HERE / "bench_requests.py"), *passed, "--out", str(out)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def finish(side: str, i: int, process: subprocess.Popen[bytes]) -> dict[str, Any]:
        process.wait()
        data = json.loads((work / f"{side}_{i}.json").read_text())
        if process.returncode != 0 or not data["integrity"]["ok"]:
            raise SystemExit(f"round {i}, {side}: the run or its integrity check failed")
        return data

    rounds = []
    try:
        for i in range(1, a.rounds + 1):
            results: dict[str, dict[str, Any]] = {}
            if a.alone:
                order = ["this", "other"] if i % 2 else ["other", "this"]
                for side in order:
                    results[side] = finish(side, i, start(side, i))
            else:
                running = {side: start(side, i) for side in sides}
                results = {side: finish(side, i, p) for side, p in running.items()}
            this, other = (results[s]["closed_loop"] for s in ("this", "other"))
            ratio = this["ok_per_s"] / other["ok_per_s"]
            rounds.append(
                {
                    side: {
                        "closed_loop": results[side]["closed_loop"],
                        "open_loop": results[side]["open_loop"],
                    }
                    for side in ("this", "other")
                }
                | {"ratio": round(ratio, 3)}
            )
            print(
                f"round {i}: this checkout {this['ok_per_s']:.0f}/s "
                f"(p99 {this['p99_ms']:.0f} ms, gunicorn {this['cpu_ms_per_creation']['gunicorn']} "
                f"ms CPU per creation) · {a.against} {other['ok_per_s']:.0f}/s "
                f"(p99 {other['p99_ms']:.0f} ms, gunicorn "
                f"{other['cpu_ms_per_creation']['gunicorn']} ms) · ratio {ratio:.3f}"
            )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    name = "ab_requests_alone.json" if a.alone else "ab_requests.json"
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "against": a.against,
        "mode": "alone, alternated" if a.alone else "at once",
        "command": "uv run python bench/ab_requests.py " + " ".join([*argv, "--", *passed]),
        "ratios": [r["ratio"] for r in rounds],
        "rounds": rounds,
    }
    (RESULTS / name).write_text(json.dumps(summary, indent=1) + "\n")
    print(f"this checkout / {a.against}: " + " · ".join(f"{r['ratio']:.3f}" for r in rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
