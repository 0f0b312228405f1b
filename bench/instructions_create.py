"""Instructions per service-request creation, counted by valgrind: the web worker's own work,
which the machine's changing speed does not move.

    apt-get install -y valgrind                                      # if missing
    uv run python bench/instructions_create.py --against 0cfa578     # ≈ 6–10 min

The creation is ``bench_create_cpu.py``'s (Django's test client posts ``POST
/api/v1/service-requests`` with a Bearer token and a new Idempotency-Key, on a fresh PostgreSQL
database with the demo network, Redis as Huey's storage), run under ``valgrind --tool=callgrind``
with ``PYTHONHASHSEED=0``: once with --n creations more than the other after the same warm-up.
The difference divided by --n is the instructions one creation costs. On the 2-core development
machine the CPU time of the same code moves by ×1.5 from one minute to the next; this count
moves by well under 1 %.

What it does not count: time (memory stalls), the kernel's work on the process's system calls,
PostgreSQL, Redis and gunicorn. A change that saves a round trip saves more in the HTTP benchmark
(``ab_requests.py``) than here. Under valgrind a creation takes ~0.1 s, so whatever depends on
the time between creations is not seen either.

With --against REV, that revision's ``src`` (a git worktree) is counted too, beside this
checkout's (one valgrind per core).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from bench_create_cpu import MEASURE, creation_setup  # noqa: E402


def count(env: dict[str, str], script: Path, setup: Path, warm: int, n: int) -> int:
    """The instructions of one process that does ``warm`` creations, then ``n`` more."""
    with tempfile.TemporaryDirectory(prefix="fairdesk-cg-") as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                str(script),
                str(setup),
                str(warm),
                str(n),
                "1",
            ],
            env=dict(env, PYTHONHASHSEED="0"),
            check=True,
            capture_output=True,
        )
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit("callgrind wrote no total")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", help="another git revision, counted beside this checkout")
    ap.add_argument("--warm", type=int, default=30)
    ap.add_argument("--n", type=int, default=400, help="creations counted")
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--out", default="create_instructions.json", help="file in bench/results/")
    a = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install -y valgrind")

    with creation_setup(a.customers, a.against, "fairdesk-ir-") as versions:
        script = next(iter(versions.values()))[0].parent / "measure.py"
        script.write_text(MEASURE)

        # the measuring script divides by its count: one creation in one process, --n more in
        # the other; every count in its own valgrind, one per core
        print(f"valgrind: {2 * len(versions)} processes …", file=sys.stderr)
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = {
                (name, n): pool.submit(count, venv, script, setup, a.warm, n)
                for name, (setup, venv) in versions.items()
                for n in (1, a.n + 1)
            }
            counted = {
                name: (jobs[name, 1].result(), jobs[name, a.n + 1].result()) for name in versions
            }

    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": "uv run python bench/instructions_create.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "creations_counted": a.n,
        "versions": {
            name: {
                "instructions_without": base,
                "instructions_with": total,
                "per_creation": round((total - base) / a.n),
            }
            for name, (base, total) in counted.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / a.out).write_text(json.dumps(result, indent=1) + "\n")
    print("| version | instructions per creation |")
    print("|---|---:|")
    for name, v in result["versions"].items():
        print(f"| {name} | {v['per_creation'] / 1e6:.2f} M |")
    if a.against:
        now, other = (result["versions"][k]["per_creation"] for k in ("now", a.against))
        print(f"now / {a.against}: {now / other:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
