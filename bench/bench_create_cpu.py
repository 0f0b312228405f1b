"""CPU per service-request creation, in one process: what the web worker spends on one call.

    uv run python bench/bench_create_cpu.py                     # this checkout, 3 runs
    uv run python bench/bench_create_cpu.py --against 86a422a   # and another revision, alternated

The HTTP benchmark (``bench_requests.py``) measures the whole server, but on a 2-core machine its
figures move by ×1.5 from one minute to the next, and the load generator, PostgreSQL and the
Huey worker share the cores. This one isolates the web worker's share: Django's test client posts
``POST /api/v1/service-requests`` (Bearer token, a new Idempotency-Key each time) in one process,
on a fresh PostgreSQL database with the demo network and --customers customers (as
``bench_requests.py`` sets them up), with REDIS_URL set as in production. It reports the CPU time
of the process per creation (``time.process_time``) after --warm creations, and the SQL statements
of one creation.

With --against REV, the same measurement runs with that revision's ``src`` (a git worktree in a
temporary folder, put first on PYTHONPATH), in fresh processes alternated with this checkout's:
the difference between two versions is measured in the same minutes. Each version has its own
database, migrated by its own code.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from bench_requests import SETUP, bench_env, sh  # noqa: E402

MEASURE = r"""
import json, random, sys, time, uuid
import django
django.setup()
from django.db import connection
from django.test import Client
try:  # warmed up and frozen as `fairdesk serve` does before its workers fork
    from fairdesk.gunicorn_conf import when_ready
    when_ready(None)
except ImportError:  # earlier revisions froze the area index when they built it
    pass

setup = json.loads(open(sys.argv[1]).read())
warm, n = int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(int(sys.argv[4]))
client = Client(HTTP_HOST="127.0.0.1")
auth = {"HTTP_AUTHORIZATION": "Bearer " + setup["key"]}

def create():
    c = rng.choice(setup["customers"])
    body = {"kind": "repair", "description": "空调不制冷，外机有异响",
            "customer_id": c["customer_id"], "address_id": c["address_id"],
            "product_description": "壁挂式空调"}
    r = client.post("/api/v1/service-requests", body, content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex, **auth)
    assert r.status_code == 201, r.content
    return r

for _ in range(warm):
    create()
statements = []
def log(execute, sql, params, many, context):
    statements.append(sql[:120])
    return execute(sql, params, many, context)
with connection.execute_wrapper(log):  # (the test client's request resets connection.queries)
    create()
cpu0, wall0 = time.process_time(), time.perf_counter()
for _ in range(n):
    create()
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
print(json.dumps({
    "cpu_ms": round(1000 * cpu / n, 2),
    "wall_ms": round(1000 * wall / n, 2),
    "statements": statements,
}))
"""


@contextmanager
def creation_setup(
    customers: int, against: str | None, prefix: str
) -> Iterator[dict[str, tuple[Path, dict[str, str]]]]:
    """What to measure: this checkout ("now") and, with ``against``, that revision's ``src`` (a
    git worktree, first on PYTHONPATH), each with a fresh PostgreSQL database that its own code
    migrated (the two schemas may differ) and seeded with the demo network and ``customers``
    customers (as ``bench_requests.py`` sets them up): per version, the file that names them
    and the API token, and the environment. All removed afterwards."""
    fairdesk = str(Path(sys.executable).parent / "fairdesk")
    stamp = f"{int(time.time())}_{os.getpid()}"
    worktree = None
    made: list[tuple[str, Path]] = []
    versions: dict[str, tuple[Path, dict[str, str]]] = {}
    try:
        extra: dict[str, dict[str, str]] = {"now": {}}
        if against:
            worktree = Path(tempfile.mkdtemp(prefix="fairdesk-rev-")) / "tree"
            sh("git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), against)
            extra[against] = {"PYTHONPATH": str(worktree / "src")}
        for n, (name, more) in enumerate(extra.items()):
            db = f"fairdesk_cpu_{stamp}_{n}"
            data_dir = Path(tempfile.mkdtemp(prefix=prefix))
            made.append((db, data_dir))
            env = bench_env(db, data_dir, **more)
            sh("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
            print(f"{name}: database {db}: migrate + seed …", file=sys.stderr)
            sh(fairdesk, "manage", "migrate", "--noinput", env=env)
            sh(fairdesk, "manage", "seed_demo", env=env)
            setup_file = data_dir / "setup.json"
            setup_file.write_text(sh(sys.executable, "-c", SETUP, str(customers), env=env))
            versions[name] = (setup_file, env)
        yield versions
    finally:
        if worktree is not None:
            sh("git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree), check=False)
        for db, data_dir in made:
            sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", db, check=False)
            shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", help="another git revision, measured alternately")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per version")
    ap.add_argument("--warm", type=int, default=30)
    ap.add_argument("--n", type=int, default=400, help="creations measured per run")
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--out", default="create_cpu.json", help="file name in bench/results/")
    a = ap.parse_args(argv)

    with creation_setup(a.customers, a.against, "fairdesk-cpu-") as versions:
        runs: dict[str, list[dict]] = {name: [] for name in versions}
        for i in range(a.runs):
            for name, (setup_file, venv) in versions.items():
                out = sh(
                    sys.executable,
                    "-c",
                    MEASURE,
                    str(setup_file),
                    str(a.warm),
                    str(a.n),
                    str(i),
                    env=venv,
                )
                got = json.loads(out.strip().splitlines()[-1])
                runs[name].append(got)
                print(f"  {name}: {got['cpu_ms']} ms CPU per creation", file=sys.stderr)

    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "command": "uv run python bench/bench_create_cpu.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "creations_per_run": a.n,
        "versions": {
            name: {
                "cpu_ms_runs": [r["cpu_ms"] for r in rs],
                "cpu_ms_median": statistics.median(r["cpu_ms"] for r in rs),
                "wall_ms_median": statistics.median(r["wall_ms"] for r in rs),
                "statements": rs[0]["statements"],
            }
            for name, rs in runs.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / a.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print("| version | CPU ms per creation (runs) | median | statements |")
    print("|---|---|---:|---:|")
    for name, v in result["versions"].items():
        print(
            f"| {name} | {' · '.join(map(str, v['cpu_ms_runs']))} | {v['cpu_ms_median']} "
            f"| {len(v['statements'])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
