"""Load benchmark: service-request creation through the API, on PostgreSQL, `fairdesk serve`.

    uv run python bench/bench_requests.py                      # 300 requests/s for 30 s, then max
    uv run python bench/bench_requests.py --rate 300 --duration 60 --no-max

What it does, from nothing:
  1. creates a fresh PostgreSQL database on postgres@127.0.0.1:5432 (dropped at the end unless
     --keep), migrates it and seeds the demo data (60 outlets and their coverage);
  2. creates --customers customers, each with an address resolved by the gazetteer (spread over
     the demo's covered counties, plus 10 % outside any coverage), and an API token for an
     integration;
  3. starts `fairdesk serve` (gunicorn with its default workers, `cli.default_web_workers`,
     plus the Huey worker) with REDIS_URL set, as a production install would run it;
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
from typing import Any

from fairdesk.cli import default_web_workers

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
try:
    from fairdesk.api.services import api_token_create
except ImportError:  # a revision before the API shell (ab_requests.py --against it)
    from fairdesk.service_requests.services import api_token_create
from fairdesk.areas.gazetteer import get_gazetteer, COUNTY

n = int(sys.argv[1])
rng = random.Random(7)
g = get_gazetteer()
covered = sorted({c.division_code for c in Coverage.objects.filter(division_level=COUNTY)})
uncovered = sorted(c for c, d in g.divisions.items() if d.level == COUNTY and c not in covered)
user, _ = User.objects.get_or_create(username="bench-integration", defaults={"is_staff": False})
# a token has exactly its user's rights: the integration role files for any customer (a
# revision before that role let any token do it)
from django.contrib.auth.models import Group
user.groups.add(*Group.objects.filter(name="integration"))
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


DELIVERY = r"""
import json, sys
from datetime import datetime, timezone
import django
django.setup()
from fairdesk.notifications.models import Message
start, end = (datetime.fromtimestamp(float(x), timezone.utc) for x in sys.argv[1:3])
rows = Message.objects.filter(created_at__range=(start, end), sent_at__isnull=False)
print(json.dumps(sorted((m.sent_at - m.created_at).total_seconds() for m in rows)))
"""


def bench_env(db: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's fairdesk processes: a fresh PostgreSQL database, its own
    data folder, Redis for Huey (as in production), quiet logs; ``extra`` overrides."""
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG}/{db}",
        FAIRDESK_DATA_DIR=str(data_dir),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        DJANGO_SETTINGS_MODULE="fairdesk.settings",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def wait_until_healthy(port: int) -> None:
    """Wait (up to about a minute) until the server on port answers /healthz with 200."""
    for _ in range(120):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server did not start")


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


# What every wrk script of the benchmarks ends with: the answers counted by status, and one
# "WRK {json}" line with the figures (read by ``run_wrk`` and ``bench_floor.py``).
WRK_REPORT = r"""
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %.3f, "p50_ms": %.1f, "p90_ms": %.1f, "p99_ms": %.1f, '
    .. '"max_ms": %.1f, "mean_ms": %.1f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    latency.mean / 1e3, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, table.concat(parts, ", ")))
end
"""

WRK_SCRIPT = r"""
-- generated by bench/bench_requests.py: POST /api/v1/service-requests, a new key each time
local customers = {CUSTOMERS}
local key = "{KEY}"
local threads = {}
local counter = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  statuses = {}
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  counter = counter + 1
  local c = customers[math.random(#customers)]
  local body = '{"kind":"repair","description":"空调不制冷，外机有异响","customer_id":' .. c[1]
    .. ',"address_id":' .. c[2] .. ',"product_description":"壁挂式空调"}'
  local idem = string.format("{PREFIX}-%d-%d-%d", tid, counter, math.random(1000000000))
  return wrk.format("POST", "/api/v1/service-requests", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = idem,
  }, body)
end
"""


def outbox_undelivered(db: str) -> int:
    """Messages the worker has not delivered yet (queued or being sent)."""
    sql = "SELECT count(*) FROM notifications_message WHERE status IN ('queued', 'sending')"
    return int(sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql, db).strip())


def wait_for_outbox(db: str, timeout: float = 120.0) -> dict[str, float]:
    """How many messages were still waiting for the worker when the load stopped, and how long
    it took to deliver them (every creation writes an SMS and a portal message)."""
    start = time.monotonic()
    at_end = left = outbox_undelivered(db)
    while left and time.monotonic() - start < timeout:
        time.sleep(0.2)
        left = outbox_undelivered(db)
    drain_s = round(time.monotonic() - start, 1)
    return {"undelivered_at_end": at_end, "drain_s": drain_s, "left": left}


def delivery_latency(env: dict[str, str], start: float, end: float) -> dict[str, Any]:
    """How long the messages written between ``start`` and ``end`` (Unix times) waited in the
    outbox: from the row's creation, in the creating transaction (a few ms before its commit),
    to its delivery. Percentiles in ms, and how many there were (call after the outbox is
    drained)."""
    waits = json.loads(sh(sys.executable, "-c", DELIVERY, str(start), str(end), env=env))
    if not waits:
        return {"messages": 0}

    def pct(p: float) -> float:
        return round(1000 * waits[min(len(waits) - 1, int(p / 100 * len(waits)))], 1)

    return {
        "messages": len(waits),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(1000 * waits[-1], 1),
    }


def cpu_seconds(server_sid: int) -> dict[str, float]:
    """CPU seconds used so far (user + system) by the server's processes (gunicorn workers and
    the background worker — Huey's consumer, the outbox's deliverer: the session of
    `fairdesk serve`), PostgreSQL, Redis and this process's
    finished children (the load generator), from /proc (Linux). Each process counts with its
    ended children (cutime, cstime): a database connection closed during a run (its
    CONN_MAX_AGE reached) is counted by the postmaster that reaped it."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, Any] = {"gunicorn": 0.0, "worker": 0.0, "postgres": 0.0, "redis": 0.0}
    per_pid: dict[int, tuple[str, float]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        sid = int(fields[3])
        used = sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime
        if sid == server_sid and "gunicorn" in cmdline:
            per_pid[int(pid)] = ("gunicorn", used)
        elif sid == server_sid and any(
            word in cmdline for word in (" worker", "run_huey", "deliver_messages")
        ):
            per_pid[int(pid)] = ("worker", used)
        elif comm.startswith("postgres"):
            per_pid[int(pid)] = ("postgres", used)
        elif comm.startswith("redis"):
            per_pid[int(pid)] = ("redis", used)
    t = os.times()
    out["load generator"] = t.children_user + t.children_system + t.user + t.system
    out["_pids"] = per_pid
    return out


def cpu_used(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds between two ``cpu_seconds`` snapshots, group by group (a process that ended in
    between moved into its parent's count of ended children; one that started counts from
    zero)."""
    used = {k: 0.0 for k in after if k != "_pids"}
    for snapshot, sign in ((after, 1), (before, -1)):
        for group, seconds in snapshot["_pids"].values():
            used[group] += sign * seconds
    used["load generator"] = after["load generator"] - before["load generator"]
    return used


def run_wrk(
    port: int, key: str, customers: list[dict], clients: int, duration: float, prefix: str = "wrk"
) -> dict:
    """Closed loop with wrk (a load generator in C: it leaves the 2 cores to the server). Its
    Idempotency-Keys start with ``prefix``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or run without --wrk)")
    table = ", ".join(f"{{{c['customer_id']}, {c['address_id']}}}" for c in customers)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        script = (
            WRK_SCRIPT.replace("{CUSTOMERS}", "{" + table + "}")
            .replace("{KEY}", key)
            .replace("{PREFIX}", prefix)
        )
        fh.write(script + WRK_REPORT)
    out = sh(
        wrk,
        "-t2",
        f"-c{clients}",
        f"-d{int(duration)}s",
        "--timeout",
        "10s",
        "-s",
        fh.name,
        f"http://127.0.0.1:{port}",
    )
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    r = json.loads(line[4:])
    ok = r["statuses"].get("201", 0) + r["statuses"].get("200", 0)
    return {
        "tool": "wrk",
        "clients": clients,
        "sent": r["requests"],
        "answered_ok": ok,
        "created_201": r["statuses"].get("201", 0),
        "statuses": r["statuses"],
        "socket_errors": r["socket_errors"],
        "seconds": r["seconds"],
        "ok_per_s": ok / r["seconds"],
        **{k: r[k] for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")},
    }


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
    ap.add_argument(
        "--wrk",
        action="store_true",
        help="closed loop with wrk (C) instead of Python threads: the clients' own CPU is small",
    )
    ap.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds of wrk load before the closed loop, not measured: every worker has then "
        "met most customers' divisions once (its routing answers kept), as a server that has "
        "run for a while has",
    )
    ap.add_argument("--keep", action="store_true", help="keep the database and data folder")
    ap.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: fairdesk serve's)"
    )
    ap.add_argument("--out", default="requests.json", help="file name in bench/results/")
    a = ap.parse_args(argv)

    fairdesk = shutil.which("fairdesk") or str(Path(sys.executable).parent / "fairdesk")
    db = f"fairdesk_bench_{int(time.time())}_{os.getpid()}"  # two may run at once (ab_requests)
    data_dir = Path(tempfile.mkdtemp(prefix="fairdesk-bench-"))
    env = bench_env(db, data_dir)
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
            [fairdesk, "serve", "--port", str(port)]
            + (["--workers", str(a.workers)] if a.workers else []),
            # no SMS gateway on purpose: the outbox keeps the text messages (their delivery is
            # measured); a variable, which an older revision (ab_requests.py) ignores
            env=dict(env, FAIRDESK_WITHOUT_SMS="true"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_healthy(port)
        workers = a.workers or default_web_workers()
        # warm every worker
        run_closed(port, setup["key"], setup["customers"], workers, 3, seed=1000)
        print(f"open loop: {a.rate:g}/s for {a.duration:g} s …", file=sys.stderr)
        open_started = time.time()
        open_r = run_open(port, setup["key"], setup["customers"], a.rate, a.duration, a.threads)
        open_ended = time.time()
        wait_for_outbox(db)
        open_r["commit_to_sent"] = delivery_latency(env, open_started, open_ended)
        closed_r = None
        if a.warmup and not a.no_max:
            print(f"warm-up: {a.clients} clients for {a.warmup:g} s …", file=sys.stderr)
            if a.wrk:
                run_wrk(port, setup["key"], setup["customers"], a.clients, a.warmup, "warm")
            else:
                run_closed(port, setup["key"], setup["customers"], a.clients, a.warmup, seed=3000)
        if not a.no_max:
            print(f"closed loop: {a.clients} clients for {a.duration:g} s …", file=sys.stderr)
            before = cpu_seconds(server.pid)
            if a.wrk:
                closed_r = run_wrk(port, setup["key"], setup["customers"], a.clients, a.duration)
            else:
                closed_r = run_closed(
                    port, setup["key"], setup["customers"], a.clients, a.duration, seed=2000
                )
            used = cpu_used(before, cpu_seconds(server.pid))
            # CPU milliseconds per answered creation, by process (where the 2 cores went)
            closed_r["cpu_ms_per_creation"] = {
                k: round(1000 * v / max(1, closed_r["answered_ok"]), 2) for k, v in used.items()
            }
            # the worker may still be delivering the run's messages: its CPU until it is done
            closed_r["outbox"] = wait_for_outbox(db)
            drained = cpu_used(before, cpu_seconds(server.pid))["worker"]
            closed_r["outbox"]["worker_cpu_ms_per_creation_until_delivered"] = round(
                1000 * drained / max(1, closed_r["answered_ok"]), 2
            )

        # wrk cannot tell which key got which number: its requests are checked in the database
        # (one request per key, the number of requests created = the 201 answers)
        told = open_r.pop("_told") + (closed_r.pop("_told", []) if closed_r else [])
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
        if closed_r and closed_r.get("tool") == "wrk":
            wrk_keys = [k for k in state["keys"] if k.startswith("wrk-")]
            check["wrk_created_201"] = closed_r["created_201"]
            check["wrk_keys_in_db"] = len(wrk_keys)
            # wrk stops counting at the end of the run: the requests of its clients still in
            # flight then were created (keys in the database) but not counted as answered
            check["wrk_in_flight_at_the_end"] = len(wrk_keys) - closed_r["created_201"]
        check["undelivered_messages"] = (
            closed_r["outbox"]["left"] if closed_r else wait_for_outbox(db)["left"]
        )
        ok = (
            check["undelivered_messages"] == 0
            and 0 <= check.get("wrk_in_flight_at_the_end", 0) <= a.clients
            and check["keys_with_two_numbers"] == 0
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
            f"max {o['max_ms']:.0f} ms, statuses {o['statuses']}; "
            f"commit to sent {o['commit_to_sent']}"
        )
        if closed_r:
            c = closed_r
            print(
                f"closed loop {a.clients} clients: {c['ok_per_s']:.0f} creations/s, "
                f"p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms, statuses {c['statuses']}; "
                f"CPU ms per creation {c['cpu_ms_per_creation']}; outbox {c['outbox']}"
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
