"""Background delivery of outbox messages (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fairdesk.notifications.services import message_deliver, messages_retry_queued


@db_task(retries=3, retry_delay=10)
def deliver_message(message_id: int) -> None:
    message_deliver(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def retry_queued_messages() -> None:
    messages_retry_queued()
