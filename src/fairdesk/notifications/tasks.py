"""Background delivery of outbox messages (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from fairdesk.notifications.services import (
    DELIVERY_GATHER,
    messages_deliver,
    messages_deliver_new,
    messages_retry_queued,
)


@db_task()
def deliver_new_messages() -> None:
    """The doorbell's task (``services._ring``): every message not yet tried. No retries of its
    own: what a failed run leaves queued, the next ring or the minute's retry delivers."""
    # in immediate mode (HUEY_IMMEDIATE) the task runs inside the request that rang: no wait
    messages_deliver_new(gather=0 if HUEY.immediate else DELIVERY_GATHER)


@db_task(retries=3, retry_delay=10)
def deliver_messages(message_ids: list[int]) -> None:
    """Tasks queued by an earlier version (one per transaction) may still be waiting."""
    messages_deliver(message_ids=message_ids)


@db_task(retries=3, retry_delay=10)
def deliver_message(message_id: int) -> None:
    """Tasks queued by an earlier version (one per message) may still be waiting."""
    messages_deliver(message_ids=[message_id])


@db_periodic_task(crontab(minute="*"))
def retry_queued_messages() -> None:
    messages_retry_queued()
