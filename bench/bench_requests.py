"""Load benchmark: service-request creation through the API, on PostgreSQL, `fairdesk serve`.

    uv run python bench/bench_requests.py                      # 300 requests/s for 30 s, then max
    uv run python bench/bench_requests.py --rate 300 --duration 60 --no-max

What it does, from nothing:
  1. creates a fresh PostgreSQL database on postgres@127.0.0.1:5432 (dropped at the end unless
     --keep), migrates it and seeds the demo data (60 outlets and their coverage);
  2. creates --customers customers, each with an address resolved by the gazetteer (spread over
     the demo's covered counties, plus 10 % outside any coverage), and an API token for an
     integration;
  3. starts `fairdesk serve` (gunicorn with its default workers: 2 × CPUs + 1, plus the Huey
     worker) with REDIS_URL set, as a production install would run it;
  4. open loop: sends POST /api/v1/service-requests at a fixed --rate for --duration seconds from
     a pool of client threads (each with its own keep-alive connection). Latency is measured from
     the moment a request was *due*, so a stalled server cannot hide its queueing (no
     coordinated omission). 5 % of the requests are retried with the same Idempotency-Key;
  5. closed loop (unless --no-max): --clients threads send as fast as the server answers, for
     --duration seconds: the maximum throughput;
  6. checks, in the database, that every request a client was told was created (201, or 200 on a
     retry) exists, exactly once per Idempotency-Key, and that no request exists that no client
     was told about.

Outputs a markdown summary on stdout and bench/results/requests.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import queue
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PG = "postgres://postgres@127.0.0.1:5432"


def sh(*args: str, env: dict | None = None, check: bool = True) -> str:
    p = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if check and p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return p.stdout


SETUP = r"""
import json, random, sys
import django
django.setup()
from django.contrib.auth.models import User
from fairdesk.customers.models import Customer
from fairdesk.customers.services import address_create
from fairdesk.network.models import Coverage
from fairdesk.service_requests.services import api_token_create
from fairdesk.areas.gazetteer import get_gazetteer, COUNTY

n = int(sys.argv[1])
rng = random.Random(7)
g = get_gazetteer()
covered = sorted({c.division_code for c in Coverage.objects.filter(division_level=COUNTY)})
uncovered = sorted(c for c, d in g.divisions.items() if d.level == COUNTY and c not in covered)
user, _ = User.objects.get_or_create(username="bench-integration", defaults={"is_staff": False})
token, key = api_token_create(client_name="bench", user=user)
out = []
for i in range(n):
    phone = f"139{i:08d}"
    customer, _ = Customer.objects.get_or_create(phone=phone, defaults={"name": f"客户{i}"})
    code = rng.choice(uncovered if rng.random() < 0.1 else covered)
    address = address_create(customer=customer, text=g.full_name(code, "") + "人民路1号")
    out.append({"customer_id": customer.pk, "address_id": address.pk})
print(json.dumps({"key": key, "customers": out}))
"""

CHECK = r"""
import json, sys
import django
django.setup()
from fairdesk.service_requests.models import ServiceRequest, IdempotencyRecord
told = json.load(open(sys.argv[1]))
numbers = list(ServiceRequest.objects.values_list("number", flat=True))
keys = {}
for r in IdempotencyRecord.objects.values("key", "service_request__number"):
    keys.setdefault(r["key"], []).append(r["service_request__number"])
print(json.dumps({"numbers": numbers, "keys": keys}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: dict, idem: str) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(
                    "POST",
                    "/api/v1/service-requests",
                    body=data,
                    headers={**self.headers, "Idempotency-Key": idem},
                )
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, (json.loads(raw) if raw else {})
            except (ConnectionError, http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def make_body(rng: random.Random, customers: list[dict]) -> dict:
    c = rng.choice(customers)
    return {
        "kind": "repair",
        "description": "空调不制冷，外机有异响",
        "customer_id": c["customer_id"],
        "address_id": c["address_id"],
        "product_description": "壁挂式空调",
    }


def run_open(
    port: int, key: str, customers: list[dict], rate: float, duration: float, threads: int
) -> dict:
    """Send at a fixed rate; latency from the due time."""
    jobs: queue.Queue = queue.Queue()
    results: list[tuple[float, int, str, str | None]] = []
    last_done: list[float] = []
    lock = threading.Lock()
    rng = random.Random(11)
    total = int(rate * duration)
    start = time.perf_counter() + 0.5
    plan = []
    for i in range(total):
        due = start + i / rate
        body = make_body(rng, customers)
        idem = str(uuid.UUID(int=rng.getrandbits(128)))
        plan.append((due, body, idem))
        if rng.random() < 0.05:  # a client retry of the same request, a little later
            plan.append((due + 0.2, body, idem))
    plan.sort(key=lambda p: p[0])
    for p in plan:
        jobs.put(p)

    def worker() -> None:
        client = Client(port, key)
        while True:
            try:
                due, body, idem = jobs.get_nowait()
            except queue.Empty:
                return
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                status, data = client.post(body, idem)
            except Exception:
                status, data = 0, {}
            done = time.perf_counter()
            with lock:
                results.append((done - due, status, idem, data.get("number")))
                last_done.append(done)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    # the run lasts from the first due time to the last answer (longer than --duration when the
    # server falls behind): throughput is what was answered in that time
    wall = max(last_done) - start if last_done else duration
    return summarize(results, elapsed_hint=wall, sent=len(plan))


def run_closed(
    port: int, key: str, customers: list[dict], clients: int, duration: float, seed: int
) -> dict:
    results: list[tuple[float, int, str, str | None]] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(port, key)
        while time.perf_counter() < stop_at:
            body = make_body(rng, customers)
            idem = str(uuid.UUID(int=rng.getrandbits(128)))
            t = time.perf_counter()
            try:
                status, data = client.post(body, idem)
            except Exception:
                status, data = 0, {}
            with lock:
                results.append((time.perf_counter() - t, status, idem, data.get("number")))

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(seed + i,)) for i in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return summarize(results, elapsed_hint=time.perf_counter() - t0, sent=len(results))


def summarize(results, *, elapsed_hint: float, sent: int) -> dict:
    lat = sorted(r[0] for r in results if r[1] in (200, 201))
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r[1])] = statuses.get(str(r[1]), 0) + 1
    created = sum(1 for r in results if r[1] == 201)

    def pct(p: float) -> float | None:
        if not lat:
            return None
        return 1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))]

    return {
        "sent": sent,
        "answered_ok": len(lat),
        "created_201": created,
        "statuses": statuses,
        "seconds": elapsed_hint,
        "ok_per_s": len(lat) / elapsed_hint if elapsed_hint else None,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": 1000 * lat[-1] if lat else None,
        "mean_ms": 1000 * statistics.fmean(lat) if lat else None,
        "_told": [(r[2], r[3]) for r in results if r[1] in (200, 201)],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=300.0, help="requests/s in the open-loop run")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=64, help="client threads, open loop")
    ap.add_argument("--clients", type=int, default=16, help="client threads, closed loop")
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--no-max", action="store_true", help="skip the closed-loop run")
    ap.add_argument("--keep", action="store_true", help="keep the database and data folder")
    ap.add_argument("--out", default="requests.json", help="file name in bench/results/")
    a = ap.parse_args(argv)

    fairdesk = shutil.which("fairdesk") or str(Path(sys.executable).parent / "fairdesk")
    db = f"fairdesk_bench_{int(time.time())}"
    data_dir = Path(tempfile.mkdtemp(prefix="fairdesk-bench-"))
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG}/{db}",
        FAIRDESK_DATA_DIR=str(data_dir),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        DJANGO_SETTINGS_MODULE="fairdesk.settings",
        LOG_LEVEL="WARNING",
    )
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
    server = None
    try:
        print(f"database {db}: migrate + seed …", file=sys.stderr)
        sh(fairdesk, "manage", "migrate", "--noinput", env=env)
        sh(fairdesk, "manage", "seed_demo", env=env)
        setup = json.loads(sh(sys.executable, "-c", SETUP, str(a.customers), env=env))
        port = free_port()
        print(f"fairdesk serve on :{port} …", file=sys.stderr)
        server = subprocess.Popen(
            [fairdesk, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(120):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("server did not start")
        workers = (os.cpu_count() or 1) * 2 + 1
        # warm every worker
        run_closed(port, setup["key"], setup["customers"], workers, 3, seed=1000)
        print(f"open loop: {a.rate:g}/s for {a.duration:g} s …", file=sys.stderr)
        open_r = run_open(port, setup["key"], setup["customers"], a.rate, a.duration, a.threads)
        closed_r = None
        if not a.no_max:
            print(f"closed loop: {a.clients} clients for {a.duration:g} s …", file=sys.stderr)
            closed_r = run_closed(
                port, setup["key"], setup["customers"], a.clients, a.duration, seed=2000
            )

        told = open_r.pop("_told") + (closed_r.pop("_told") if closed_r else [])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(told, fh)
        state = json.loads(sh(sys.executable, "-c", CHECK, fh.name, env=env))
        numbers = state["numbers"]
        by_key: dict[str, set[str]] = {}
        for key, number in told:
            by_key.setdefault(key, set()).add(number)
        in_db = set(numbers)
        check = {
            "requests_in_db": len(numbers),
            "distinct_numbers": len(in_db),
            "keys_told_created": len(by_key),
            "keys_with_two_numbers": sum(1 for v in by_key.values() if len(v) > 1),
            "told_but_missing": sum(1 for v in by_key.values() for n in v if n not in in_db),
            "keys_with_several_requests_in_db": sum(
                1 for v in state["keys"].values() if len(set(v)) > 1
            ),
        }
        # the warm-up's requests exist too: every request in the DB has an idempotency record
        check["in_db_without_key"] = len(in_db - {n for v in state["keys"].values() for n in v})
        ok = (
            check["keys_with_two_numbers"] == 0
            and check["told_but_missing"] == 0
            and check["keys_with_several_requests_in_db"] == 0
            and check["distinct_numbers"] == check["requests_in_db"]
        )
        out = {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "gunicorn_workers": workers,
            },
            "command": "uv run python bench/bench_requests.py " + " ".join(argv or sys.argv[1:]),
            "open_loop": {"rate": a.rate, "duration": a.duration, **open_r},
            "closed_loop": closed_r,
            "integrity": {**check, "ok": ok},
        }
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / a.out).write_text(json.dumps(out, indent=1) + "\n")
        o = open_r
        print(
            f"open loop {a.rate:g}/s × {a.duration:g} s: {o['answered_ok']}/{o['sent']} ok "
            f"({o['ok_per_s']:.0f}/s), p50 {o['p50_ms']:.0f} ms, p99 {o['p99_ms']:.0f} ms, "
            f"max {o['max_ms']:.0f} ms, statuses {o['statuses']}"
        )
        if closed_r:
            c = closed_r
            print(
                f"closed loop {a.clients} clients: {c['ok_per_s']:.0f} creations/s, "
                f"p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms, statuses {c['statuses']}"
            )
        print(f"integrity: {json.dumps(check)} → {'OK' if ok else 'FAILED'}")
        return 0 if ok else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not a.keep:
            sh(
                "dropdb",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--if-exists",
                "--force",
                db,
                check=False,
            )
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
