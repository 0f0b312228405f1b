"""gunicorn's own CPU per request, worker class against worker class, on an answer that costs
nothing: what ``fairdesk serve``'s worker (``core.server.CorkedSyncWorker``) saves.

    uv run python bench/gunicorn_overhead.py                  # sync vs the corked worker, 3 rounds
    uv run python bench/gunicorn_overhead.py --rounds 5 --seconds 8

One gunicorn worker serves a WSGI app that answers 120 bytes of JSON; wrk (8 connections) loads
it; the worker's user and system CPU time (``/proc/PID/stat``) is divided by the requests
answered. The classes alternate, so both meet the same minutes. Needs Linux and wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = """
def app(environ, start_response):
    body = b'{"ok": true}' * 10
    start_response("201 Created", [("Content-Type", "application/json"),
                                   ("Content-Length", str(len(body)))])
    return [body]
"""
CLASSES = {"sync": "sync", "corked": "fairdesk.core.server.CorkedSyncWorker"}


def _cpu_ticks(pid: int) -> tuple[int, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # utime, stime


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return int(s.getsockname()[1])


def measure(worker_class: str, seconds: float, folder: Path) -> dict[str, float]:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), *sys.path]))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "trivial_app:app", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", worker_class, "--access-logfile", "/dev/null",
         "--logger-class", "fairdesk.core.server.AccessLogger"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        worker = int(children[0])
        url = f"http://127.0.0.1:{port}/"
        subprocess.run(["wrk", "-t1", "-c8", "-d2s", url], capture_output=True, check=True)
        user0, sys0 = _cpu_ticks(worker)
        load = ["wrk", "-t1", "-c8", f"-d{seconds:g}s", url]
        out = subprocess.run(load, capture_output=True, text=True, check=True).stdout
        user1, sys1 = _cpu_ticks(worker)
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
        return {
            "per_s": requests / seconds,
            "user_us": (user1 - user0) * tick_us / requests,
            "sys_us": (sys1 - sys0) * tick_us / requests,
        }
    finally:
        server.terminate()
        server.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=6.0)
    a = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="fairdesk-gunicorn-"))
    (folder / "trivial_app.py").write_text(APP)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in CLASSES}
    try:
        for i in range(a.rounds):
            for name, worker_class in CLASSES.items():
                got = measure(worker_class, a.seconds, folder)
                runs[name].append(got)
                print(
                    f"round {i + 1} {name}: {got['per_s']:.0f}/s, user {got['user_us']:.0f} µs, "
                    f"system {got['sys_us']:.0f} µs per request",
                    file=sys.stderr,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("| worker | requests/s | user µs per request | system µs per request |")
    print("|---|---:|---:|---:|")
    for name, rs in runs.items():
        print(
            f"| {name} | {statistics.median(r['per_s'] for r in rs):.0f} "
            f"| {statistics.median(r['user_us'] for r in rs):.0f} "
            f"| {statistics.median(r['sys_us'] for r in rs):.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
