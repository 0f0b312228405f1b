"""Two revisions' HTTP benchmarks at the same time, on the same cores: an A/B comparison that
the machine's changing speed cannot tilt.

    uv run python bench/ab_requests.py --against d4165b9            # 2 rounds
    uv run python bench/ab_requests.py --against HEAD~1 --rounds 3 -- --duration 30 --warmup 20

(``bench_requests.py`` imports ``fairdesk.cli.default_web_workers``: REV must have it, 824a6f0
or later.) On the 2-core development machine the same code files 230 or
330 creations/s depending on the minute, so runs one after the other cannot tell a 5 % change
from the noise. Here this checkout and ``--against REV`` (a git worktree in a temporary folder,
put first on PYTHONPATH: its ``src``, this checkout's dependencies) each run
``bench_requests.py`` at once — each its own database, Redis database, ``fairdesk serve`` and
wrk — so both meet the same minutes and share the cores. Each server files fewer requests than
it would alone; what is compared is the two against each other. Arguments after ``--`` go to
both ``bench_requests.py`` runs (default: ``--rate 30 --duration 30 --wrk --warmup 20``).

Prints one line per round and the ratio; results in bench/results/ab_{this,other}_N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
    a = ap.parse_args(argv)

    tree = Path(tempfile.mkdtemp(prefix="fairdesk-ab-")) / "tree"
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
    rows = []
    try:
        for i in range(1, a.rounds + 1):
            procs = {}
            for side, env in sides.items():
                subprocess.run(
                    ["redis-cli", "-u", env["BENCH_REDIS_URL"], "flushdb"],
                    check=False,
                    capture_output=True,
                )
                out = f"ab_{side}_{i}.json"
                procs[side] = subprocess.Popen(
                    [sys.executable, str(HERE / "bench_requests.py"), *passed, "--out", out],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            results = {}
            for side, p in procs.items():
                p.wait()
                data = json.loads((RESULTS / f"ab_{side}_{i}.json").read_text())
                if p.returncode != 0 or not data["integrity"]["ok"]:
                    raise SystemExit(f"round {i}, {side}: the run or its integrity check failed")
                results[side] = data["closed_loop"]
            this, other = results["this"], results["other"]
            rows.append(this["ok_per_s"] / other["ok_per_s"])
            print(
                f"round {i}: this checkout {this['ok_per_s']:.0f}/s "
                f"(p99 {this['p99_ms']:.0f} ms, gunicorn {this['cpu_ms_per_creation']['gunicorn']} "
                f"ms CPU per creation) · {a.against} {other['ok_per_s']:.0f}/s "
                f"(p99 {other['p99_ms']:.0f} ms, gunicorn "
                f"{other['cpu_ms_per_creation']['gunicorn']} ms) · ratio {rows[-1]:.3f}"
            )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(tree.parent, ignore_errors=True)
    print(f"this checkout / {a.against}: " + " · ".join(f"{r:.3f}" for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
