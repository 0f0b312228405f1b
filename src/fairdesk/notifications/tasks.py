"""Background delivery of outbox messages (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fairdesk.notifications.services import messages_deliver, messages_retry_queued


@db_task(retries=3, retry_delay=10)
def deliver_messages(message_ids: list[int]) -> None:
    """Deliver the messages one transaction wrote (one task per transaction)."""
    messages_deliver(message_ids=message_ids)


@db_task(retries=3, retry_delay=10)
def deliver_message(message_id: int) -> None:
    """One message: tasks enqueued by an earlier version may still be waiting in the queue."""
    messages_deliver(message_ids=[message_id])


@db_periodic_task(crontab(minute="*"))
def retry_queued_messages() -> None:
    messages_retry_queued()
