"""Background delivery of outbox messages (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from fairdesk.notifications.services import (
    delivery_gather,
    messages_deliver,
    messages_deliver_new,
    messages_retry_queued,
)


@db_task()
def deliver_new_messages(gather: float | None = None) -> None:
    """The doorbell's task (``services._ring``): every message not yet tried, after waiting
    ``gather`` seconds, as the process that queued it was promised (it rings no more until
    then). No retries of its own: what a failed run leaves queued, the next ring or the
    minute's retry delivers."""
    # a task queued by an earlier version has no ``gather``: in immediate mode (HUEY_IMMEDIATE)
    # the task runs inside the request that rang, with no wait
    messages_deliver_new(gather=delivery_gather(HUEY) if gather is None else gather)


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
