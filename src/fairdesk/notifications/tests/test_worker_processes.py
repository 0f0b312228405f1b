"""The deliverer and the worker as real processes, on the test database (SQLite file or
PostgreSQL, whichever the suite runs on), sending to a local SMS gateway.

* A burst of text messages while the deliverer is killed with SIGKILL three times, each time
  while the gateway holds a message it has taken but not yet answered — the worst moment: 0
  lost, 0 sent twice as the gateway sees it (the message's id is its idempotency key, so the
  one repeat per crash is dropped by the gateway), delivery resumed at once after each restart,
  and no sign-in code or whole number in the deliverer's output.
* ``fairdesk worker`` writes each log line once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from fairdesk.notifications.models import Message
from fairdesk.notifications.services import message_send
from fairdesk.notifications.tests import fake_gateways

ALL_APPS = list(django_settings.INSTALLED_APPS)
BURST = 120
KILL_AFTER = (20, 55, 90)  # the gateway's n-th message taken: the deliverer dies holding it


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMS_", "ALIYUN_", "TENCENT_", "FAIRDESK_DEMO"))
    }
    env.update(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="fairdesk.settings", **extra)
    return env


def wait_for(condition: Any, timeout: float, what: str) -> float:
    """Wait until ``condition()``; how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_a_burst_survives_three_kill_9s_of_the_deliverer(tmp_path: Path) -> None:
    codes = {}
    ids = []
    for i in range(BURST):
        phone = f"139{i:08d}"
        if i % 3 == 0:
            code = f"{(i * 7919) % 10**6:06d}"
            message = message_send(
                channel="sms",
                kind="login_code",
                recipient=phone,
                body=f"验证码 {code}",
                params={"code": code, "minutes": 5},
            )
            codes[message.pk] = code
        else:
            message = message_send(
                channel="sms",
                kind="contact.callback",
                recipient=phone,
                body="回电",
                params={"start": "2026-03-01 10:00", "end": "2026-03-01 11:00"},
            )
        ids.append(message.pk)

    with fake_gateways.running("tencent") as gateway:
        env = process_env(**fake_gateways.gateway_environment(gateway))
        current: dict[str, subprocess.Popen[bytes]] = {}
        killed = threading.Event()

        def die_holding_it(key: str) -> None:
            if len(gateway.sent) in KILL_AFTER:
                os.kill(current["deliverer"].pid, signal.SIGKILL)
                killed.set()

        gateway.on_sent = die_holding_it
        outputs: list[IO[bytes]] = []
        resumed_after: list[float] = []
        for run in range(len(KILL_AFTER) + 1):
            output = (tmp_path / f"deliverer-{run}.log").open("wb")
            outputs.append(output)
            before = len(gateway.sent) + gateway.repeats
            killed.clear()
            current["deliverer"] = subprocess.Popen(
                [sys.executable, "-m", "fairdesk.cli", "manage", "deliver_messages"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                resumed_after.append(
                    wait_for(
                        lambda before=before: len(gateway.sent) + gateway.repeats > before,
                        60,
                        f"delivery after start {run}",
                    )
                )
                if run < len(KILL_AFTER):
                    wait_for(killed.is_set, 60, f"kill {run + 1}")
                    assert current["deliverer"].wait(10) == -signal.SIGKILL
                else:
                    wait_for(lambda: len(gateway.sent) == BURST, 60, "the whole burst")
            finally:
                if current["deliverer"].poll() is None:
                    current["deliverer"].send_signal(signal.SIGTERM)
                    current["deliverer"].wait(15)
        for log in outputs:
            log.close()

        # 0 lost: the gateway took every message, each under its own id
        assert sorted(gateway.sent) == sorted(str(pk) for pk in ids)
        # 0 sent twice: each crash repeated at most the one message the gateway was holding,
        # and the gateway dropped that repeat by its key
        assert gateway.repeats <= len(KILL_AFTER)
        assert gateway.bad_signatures == 0
    # every message marked sent once (the killed transactions left nothing behind)
    assert set(Message.objects.filter(pk__in=ids).values_list("status", "attempts")) == {
        ("sent", 1)
    }
    # resumed at once after every restart: the time it takes a process to start, no lease
    # (the claim that this replaced waited about two minutes)
    assert max(resumed_after) < 30, resumed_after
    # the deliverer's output carries no code, no whole number
    text = "".join((tmp_path / f"deliverer-{run}.log").read_text() for run in range(4))
    assert "deliverer started" in text
    assert not [code for code in codes.values() if code in text]
    assert not re.search(r"139\d{8}", text)


@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_the_worker_writes_each_log_line_once(tmp_path: Path) -> None:
    """Huey's consumer and the deliverer both log through the one root handler (settings'
    LOGGING): before, Huey's own handler wrote each of its lines a second time."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "fairdesk.cli", "worker"],
        env=process_env(FAIRDESK_DATA_DIR=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []

    def read() -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            lines.append(line.decode(errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(
            lambda: (
                any("Huey consumer started" in line for line in lines)
                and any("deliverer started" in line for line in lines)
            ),
            60,
            "the worker's start",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        reader.join(10)
    assert sum("Huey consumer started" in line for line in lines) == 1, lines
    assert sum("deliverer started" in line for line in lines) == 1, lines
