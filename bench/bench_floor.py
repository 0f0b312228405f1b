"""The floor of the stack: how many creations/s this machine serves when a creation does almost
nothing. Evidence for issue 3's throughput target, not a feature.

    apt-get install -y wrk
    uv run python bench/bench_floor.py                  # 20 s per endpoint, 16 connections

A creation through the API needs at least: authenticate the token (one read), then, in one
transaction, write the request, claim its Idempotency-Key and queue the customer's confirmation
(three rows). This script serves exactly that and nothing more — no routing, no SLA clocks, no
timeline, no ORM, no Ninja, no background worker — as a plain Django view (``bench/floor_app.py``)
behind fairdesk's own settings and middleware, with gunicorn started as ``fairdesk serve`` starts
it (its default workers, access log on), on a fresh PostgreSQL database. wrk then posts as fast
as the server answers (closed loop, 16 connections), and, for reference, gets ``/healthz`` (one
``SELECT 1``). Afterwards it checks that every 201 answer has its row, once.

Whatever fairdesk's real creation does on top of this floor can only make it slower: if the floor
is near 300/s, the issue's "≥ 300 creations/s with p99 < 150 ms" cannot be met on this machine
by any version of the full creation. Results: bench/results/floor.json.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from bench_requests import WRK_REPORT, bench_env, free_port, sh, wait_until_healthy  # noqa: E402

from fairdesk.cli import _gunicorn_argv, default_web_workers  # noqa: E402

WRK_POST = r"""
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  statuses = {}
end
function request()
  counter = counter + 1
  local body = '{"customer_id": ' .. math.random(1, 2000) .. ', "description": "空调不制冷"}'
  return wrk.format("POST", "/floor/create", {
    ["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("floor-RUN-%d-%d", tid, counter),
  }, body)
end
"""

WRK_POST += WRK_REPORT
WRK_GET = WRK_POST.replace(
    'return wrk.format("POST", "/floor/create", {', 'return wrk.format("GET", "/healthz", {'
)


def wrk(port: int, script: str, key: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script.replace("KEY", key).replace("RUN", f"{time.time_ns()}"))
    out = sh(
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        fh.name,
        f"http://127.0.0.1:{port}",
    )
    got = json.loads(re.search(r"^WRK (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    got["per_s"] = round(got["requests"] / got["seconds"], 1)
    return got


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    seconds = int(os.environ.get("FLOOR_SECONDS", "20"))
    connections = int(os.environ.get("FLOOR_CONNECTIONS", "16"))
    db = f"fairdesk_floor_{int(time.time())}"
    data_dir = Path(tempfile.mkdtemp(prefix="fairdesk-floor-"))
    env = bench_env(db, data_dir, DJANGO_SETTINGS_MODULE="floor_app", PYTHONPATH=str(HERE))
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
    server = None
    try:
        key = sh(sys.executable, "-c", "import floor_app; print(floor_app.setup())", env=env)
        key = key.strip().splitlines()[-1]
        port = free_port()
        workers = default_web_workers()
        # gunicorn exactly as `fairdesk serve` starts it (its default number of workers)
        server = subprocess.Popen(
            _gunicorn_argv("127.0.0.1", port, workers),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_healthy(port)
        wrk(port, WRK_POST, key, 3, connections)  # warm every worker
        create = wrk(port, WRK_POST, key, seconds, connections)
        health = wrk(port, WRK_GET, key, seconds, connections)
        check = json.loads(
            sh(sys.executable, "-c", "import floor_app; print(floor_app.check())", env=env)
            .strip()
            .splitlines()[-1]
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", db], check=False)
        shutil.rmtree(data_dir, ignore_errors=True)
    created = create["statuses"].get("201", 0)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "command": "uv run python bench/bench_floor.py",
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "floor_create": create,
        "healthz": health,
        "check": {
            **check,
            "answered_201_in_measured_run": created,
            # the warm-up's rows are in the table too; every row has a distinct key
            "ok": check["rows"] == check["distinct_keys"] and check["rows"] >= created,
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "floor.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print("| endpoint | answered/s | p50 | p99 | statuses |")
    print("|---|---:|---:|---:|---|")
    for name, r in (("floor creation (POST)", create), ("/healthz (GET)", health)):
        print(f"| {name} | {r['per_s']} | {r['p50_ms']} ms | {r['p99_ms']} ms | {r['statuses']} |")
    print(f"check: {result['check']}")
    return 0 if result["check"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
