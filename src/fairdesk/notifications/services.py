"""Writing to the outbox and delivering from it.

``message_send`` (and ``message_send_to_customer``) is what every other app calls: it writes
the message in the caller's transaction, so a message exists if and only if the change it
reports was committed. Nothing is queued elsewhere: the outbox table is the queue.

The deliverer (``messages_deliver_due``, run in a loop by ``fairdesk worker``: the
``deliver_messages`` command) takes the messages that are due, oldest first, with
``SELECT … FOR UPDATE SKIP LOCKED`` — rows another deliverer holds are skipped, so any number
of deliverers send each message once — hands each to its channel's sender and records the
outcome, all in one transaction. A deliverer that dies mid-batch holds no claim afterwards: its
transaction rolls back, the rows are free at once, and the next deliverer (or the same one,
restarted) takes them immediately. A message whose sender failed is kept queued with the error
and tried again after a growing wait (``RETRY_AFTER``), at most ``MAX_ATTEMPTS`` times, then
marked failed. The cost of this design: a deliverer killed after a gateway took a message but
before its transaction committed sends that message again (at least once, never lost).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from fairdesk.core.choices import is_value
from fairdesk.notifications.choices import Channel, MessageStatus
from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import Sender, SendError, sender_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from fairdesk.customers.models import Customer

log = logging.getLogger("fairdesk.notifications")

MAX_ATTEMPTS = 5
#: How long a message waits after its n-th failed attempt before the next one.
RETRY_AFTER = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
DELIVERY_BATCH = 50


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
    """Put a message in the outbox; the deliverer sends it once the transaction commits.

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
        return Message.objects.create(**fields)
    try:
        with transaction.atomic():  # a savepoint: a lost race must not break the caller's
            return Message.objects.create(**fields)
    except IntegrityError:
        return Message.objects.get(dedupe_key=dedupe_key)


def _check_channel(channel: str) -> None:
    if not is_value(Channel, channel):
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
    number and a copy in their portal inbox), written with one INSERT. An SMS has no subject:
    ``subject`` heads the other copies."""
    rows = []
    addresses: dict[str, str] = {Channel.SMS: customer.phone, Channel.EMAIL: customer.email}
    for channel in channels:
        _check_channel(channel)
        recipient = addresses.get(channel, "")
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
    return Message.objects.bulk_create(rows)


def due_messages(now: datetime) -> Q:
    """The messages to try now: queued, with attempts left, not waiting after a failure."""
    return Q(status=MessageStatus.QUEUED, attempts__lt=MAX_ATTEMPTS) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def messages_deliver_due(*, batch: int = DELIVERY_BATCH, now: datetime | None = None) -> int:
    """Deliver up to ``batch`` due messages, oldest first, in one transaction (see the module's
    docstring); returns how many were tried. Rows another deliverer holds are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        messages = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(due_messages(now))
            .order_by("pk")[:batch]
        )
        sent: dict[str, list[int]] = {}
        for message in messages:
            sender = sender_for(message.channel)
            if _send(message, sender):
                sent.setdefault(sender.name, []).append(message.pk)
        sent_at = timezone.now()
        for name, ids in sent.items():  # one UPDATE per sender for the messages that went out
            Message.objects.filter(pk__in=ids).update(
                status=MessageStatus.SENT,
                sender=name,
                sent_at=sent_at,
                attempts=F("attempts") + 1,
                last_error="",
                next_attempt_at=None,
            )
    return len(messages)


def _send(message: Message, sender: Sender) -> bool:
    """Hand one message to its sender: True when it went out; else the failure is recorded
    (queued again with the error and the time of the next attempt, or failed after
    ``MAX_ATTEMPTS``) and the rest of the batch goes on."""
    try:
        sender.send(message)
    except Exception as exc:
        # a gateway's refusal (SendError) or a sender's own failure
        if not isinstance(exc, SendError):
            log.exception("sender %s failed on message %s", sender.name, message.pk)
        message.attempts += 1
        message.sender = sender.name
        message.last_error = (str(exc) or type(exc).__name__)[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
        else:
            wait = RETRY_AFTER[min(message.attempts, len(RETRY_AFTER)) - 1]
            message.next_attempt_at = timezone.now() + wait
        message.save(
            update_fields=["status", "attempts", "sender", "last_error", "next_attempt_at"]
        )
        return False
    return True
