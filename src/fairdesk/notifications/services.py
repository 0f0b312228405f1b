"""Writing to the outbox and delivering from it.

``message_send`` is what every other app calls: it writes the message in the caller's
transaction (so a message exists if and only if the change it reports was committed) and asks
the worker to deliver it once the transaction commits. Delivery is idempotent: a message is sent
at most once by ``message_deliver``, which claims it with a conditional update.
"""

from __future__ import annotations

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
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
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
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from fairdesk.notifications.tasks import deliver_message

    deliver_message(message_id)


def message_deliver(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Hand one queued message to its channel's sender; None if it is not (or no longer) queued.

    The message is claimed first with one conditional UPDATE (queued → sending), so two workers
    that try the same message at the same moment send it once. A claim is a lease: if the worker
    dies while sending, the message may be taken again after ``CLAIM_LEASE``.
    """
    now = now or timezone.now()
    claimable = Q(status=MessageStatus.QUEUED) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    claimed = Message.objects.filter(claimable, pk=message_id, attempts__lt=MAX_ATTEMPTS).update(
        status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    message = Message.objects.get(pk=message_id)
    sender = sender_for(message.channel)
    try:
        sender.send(message)
    except SendError as exc:
        failed = message.attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message_id).update(
            last_error=str(exc)[:2000],
            sender=sender.name,
            status=MessageStatus.FAILED if failed else MessageStatus.QUEUED,
            claimed_at=None,
        )
    else:
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), sender=sender.name, last_error=""
        )
    message.refresh_from_db()
    return message


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
    for pk in ids:
        message_deliver(message_id=pk)
    return len(ids)
