"""deliver_messages: the outbox's deliverer, a loop (``fairdesk worker`` runs it).

It delivers what is due (``services.messages_deliver_due``) batch after batch; after a batch
that was not full (nothing more was due) it waits ``--poll`` seconds, so that under load a batch
carries the messages of many requests rather than one each. It starts with whatever was left
queued, so a restart resumes at once. SIGTERM or SIGINT stops it after the batch in hand. ``--once``
delivers what is due now and exits (for cron, or to empty the outbox by hand).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from fairdesk.notifications.services import DELIVERY_BATCH, messages_deliver_due

log = logging.getLogger("fairdesk.notifications")

#: What a failing pass waits before the next (the database restarting, say).
ERROR_PAUSE = 5.0


class Command(BaseCommand):
    help = "Deliver the outbox's messages as they become due (a loop; --once: one pass)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--poll",
            type=float,
            default=0.25,
            help="seconds between looks at the outbox when nothing is due (default 0.25)",
        )
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            total = 0
            while sent := messages_deliver_due():
                total += sent
            self.stdout.write(f"{total} message(s) tried")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
        log.info("deliverer started (polling every %.2f s)", options["poll"])
        while not stop.is_set():
            try:
                sent = messages_deliver_due(batch=DELIVERY_BATCH)
            except Exception:
                log.exception("delivery pass failed; trying again in %.0f s", ERROR_PAUSE)
                close_old_connections()  # a connection the database dropped is replaced
                stop.wait(ERROR_PAUSE)
                continue
            if sent < DELIVERY_BATCH:
                close_old_connections()  # honours CONN_MAX_AGE between waits
                stop.wait(options["poll"])
        log.info("deliverer stopped")
