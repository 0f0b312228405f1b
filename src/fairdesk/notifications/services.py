"""Writing to the outbox and delivering from it.

``message_send`` is what every other app calls: it writes the message in the caller's
transaction (so a message exists if and only if the change it reports was committed) and asks
the worker to deliver it once the transaction commits. Delivery is idempotent: a message is sent
at most once by ``message_deliver``, which claims it with a conditional update.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from fairdesk.notifications.choices import Channel, MessageStatus
from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import SendError, sender_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from fairdesk.customers.models import Customer

log = logging.getLogger("fairdesk.notifications")

MAX_ATTEMPTS = 5
CLAIM_LEASE = timedelta(minutes=5)


def message_send(
    *,
    channel: str,
    kind: str,
    body: str,
    subject: str = "",
    recipient: str = "",
    customer: Customer | None = None,
    user: User | None = None,
    reference: str = "",
    dedupe_key: str | None = None,
) -> Message:
    """Put a message in the outbox and deliver it after commit.

    With a ``dedupe_key``, a second call with the same key returns the first message and sends
    nothing (an escalation or a reminder goes out exactly once, even if two workers race).
    """
    _check_channel(channel)
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    fields = dict(
        channel=channel,
        kind=kind,
        body=body,
        subject=subject,
        recipient=recipient,
        customer=customer,
        user=user,
        reference=reference,
        dedupe_key=dedupe_key or None,
    )
    if not dedupe_key:
        message = Message.objects.create(**fields)
    else:
        try:
            with transaction.atomic():  # a savepoint: a lost race must not break the caller's
                message = Message.objects.create(**fields)
        except IntegrityError:
            return Message.objects.get(dedupe_key=dedupe_key)
    _deliver_after_commit(message.pk)
    return message


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")


def message_send_to_customer(
    *,
    customer: Customer,
    kind: str,
    body: str,
    subject: str = "",
    reference: str = "",
    channels: Iterable[str] = (Channel.SMS, Channel.PORTAL),
) -> list[Message]:
    """The same message to a customer on several channels (by default an SMS to their mobile
    number and a copy in their portal inbox), written with one INSERT and delivered after
    commit like ``message_send``. An SMS has no subject: ``subject`` heads the other copies."""
    rows = []
    for channel in channels:
        _check_channel(channel)
        recipient = {Channel.SMS: customer.phone, Channel.EMAIL: customer.email}.get(channel, "")
        rows.append(
            Message(
                channel=channel,
                kind=kind,
                body=body,
                subject="" if channel == Channel.SMS else subject,
                recipient=recipient or "",
                customer=customer,
                reference=reference,
            )
        )
    messages = Message.objects.bulk_create(rows)
    for message in messages:
        _deliver_after_commit(message.pk)
    return messages


# One delivery task per transaction: a transaction that writes an SMS and a portal message costs
# the worker one task, not two. The messages of the current transaction are collected in a
# batch; each message registers an after-commit callback that enqueues the whole batch (the
# first one to run takes it, the later ones find it empty). A message whose savepoint was
# rolled back loses its own callback but may still be in the batch: delivering an id that does
# not exist does nothing. A batch belongs to one list of pending callbacks of the connection
# (``run_on_commit``: Django replaces it after each commit or rollback, and when a savepoint is
# rolled back), so a batch never outlives its transaction.
_batches = threading.local()


def _deliver_after_commit(message_id: int) -> None:
    connection = transaction.get_connection()
    current = getattr(_batches, "current", None)
    if current is None or current[0] is not connection.run_on_commit:
        current = _batches.current = (connection.run_on_commit, [])
    batch = current[1]
    batch.append(message_id)
    transaction.on_commit(lambda: _flush(batch))


def _flush(batch: list[int]) -> None:
    if batch:
        ids = list(batch)
        batch.clear()
        _enqueue(ids)


def _enqueue(message_ids: list[int]) -> None:
    from fairdesk.notifications.tasks import deliver_messages

    deliver_messages(message_ids)


def messages_deliver(*, message_ids: Iterable[int], now: datetime | None = None) -> list[Message]:
    """Hand queued messages to their channels' senders; returns those this call delivered or
    tried (with their new status), leaving out any that are not (or no longer) queued.

    The messages are claimed first, in one short transaction (queued → sending; rows another
    worker holds are skipped), so two workers that try the same message at the same moment send
    it once. A claim is a lease: if the worker dies while sending, the message may be taken
    again after ``CLAIM_LEASE``.
    """
    now = now or timezone.now()
    ids = sorted(set(message_ids))
    if not ids:
        return []
    claimable = Q(status=MessageStatus.QUEUED) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    with transaction.atomic():
        claimed = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk__in=ids, attempts__lt=MAX_ATTEMPTS)
            .order_by("pk")
        )
        if not claimed:
            return []
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    sent: dict[str, list[Message]] = {}
    for message in claimed:
        message.attempts += 1
        message.claimed_at = now
        sender = sender_for(message.channel)
        message.sender = sender.name
        try:
            sender.send(message)
        except Exception as exc:
            # a gateway's refusal (SendError) or a sender's own failure: this message stays in
            # the outbox for a later attempt, and the rest of the batch is still sent
            if not isinstance(exc, SendError):
                log.exception("sender %s failed on message %s", sender.name, message.pk)
            message.last_error = (str(exc) or type(exc).__name__)[:2000]
            message.status = (
                MessageStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MessageStatus.QUEUED
            )
            message.claimed_at = None
            Message.objects.filter(pk=message.pk).update(
                last_error=message.last_error,
                sender=message.sender,
                status=message.status,
                claimed_at=None,
            )
        else:
            sent.setdefault(sender.name, []).append(message)
    sent_at = timezone.now()
    for name, messages in sent.items():
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(
            status=MessageStatus.SENT, sent_at=sent_at, sender=name, last_error=""
        )
        for message in messages:
            message.status, message.sent_at, message.last_error = MessageStatus.SENT, sent_at, ""
    return claimed


def message_deliver(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Deliver one message (``messages_deliver``); None if it is not (or no longer) queued."""
    delivered = messages_deliver(message_ids=[message_id], now=now)
    return delivered[0] if delivered else None


def messages_retry_queued(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Deliver every message still queued (after a worker outage, or a failed attempt), and those
    whose delivery claim was abandoned.

    Only messages older than ``older_than``, so a delivery task still in flight is not raced.
    """
    now = timezone.now()
    waiting = Q(status=MessageStatus.QUEUED, created_at__lt=now - older_than) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    ids = list(
        Message.objects.filter(waiting, attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True)[
            :1000
        ]
    )
    for start in range(0, len(ids), 100):
        messages_deliver(message_ids=ids[start : start + 100])
    return len(ids)
