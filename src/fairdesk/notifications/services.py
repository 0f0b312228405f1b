"""Writing to the outbox and delivering from it.

``message_send`` (and ``message_send_to_customer``) is what every other app calls: it writes
the message in the caller's transaction, so a message exists if and only if the change it
reports was committed. Nothing is queued elsewhere: the outbox table is the queue.

A text message carries its template parameters (``params``, see ``kinds.py``): SMS providers
send approved templates, so the parameters are written with the message, in the same
transaction.

The deliverer (``messages_deliver_due``, run in a loop by ``fairdesk worker``: the
``deliver_messages`` command) takes the due messages one at a time, oldest first, each in its
own transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` of one row — a row another deliverer holds
is skipped, so any number of deliverers send each message once — its sender, and the outcome
recorded, committed before the next message is taken. A deliverer that dies holds no claim
afterwards: its transaction rolls back, the row is free at once, and the next deliverer (or the
same one, restarted) takes it immediately. So a crash can repeat at most the one message that
was with the gateway when the process died, and that one goes again with the same idempotency
key (the message's id: Alibaba Cloud's ``OutId``, Tencent Cloud's ``SessionContext``): never
lost, and never twice for a gateway that drops a repeated key. A message whose sender failed is
kept queued with the error and tried again after a growing wait (``RETRY_AFTER``), at most
``MAX_ATTEMPTS`` times, then marked failed. Once a sign-in code has left the outbox (sent or
failed), its text and parameters are removed from the table, except in the demo.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fairdesk.core.choices import is_value
from fairdesk.notifications.choices import Channel, MessageStatus
from fairdesk.notifications.kinds import REMOVED, SECRET_KINDS, check_sms_params
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
    params: Mapping[str, object] | None = None,
) -> Message:
    """Put a message in the outbox; the deliverer sends it once the transaction commits.

    A text message (``channel="sms"``) takes its kind's template parameters (``kinds.SMS_KINDS``:
    ``ValueError`` when they do not match); the other channels ignore ``params``. With a
    ``dedupe_key``, a second call with the same key returns the first message and sends nothing
    (an escalation or a reminder goes out exactly once, even if two workers race).
    """
    _check_channel(channel)
    values = check_sms_params(kind, params) if channel == Channel.SMS else {}
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    fields = dict(
        channel=channel,
        kind=kind,
        body=body,
        params=values,
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
    params: Mapping[str, object] | None = None,
) -> list[Message]:
    """The same message to a customer on several channels (by default an SMS to their mobile
    number and a copy in their portal inbox), written with one INSERT. An SMS has no subject:
    ``subject`` heads the other copies; it carries the template ``params`` (``message_send``)."""
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
                params=check_sms_params(kind, params) if channel == Channel.SMS else {},
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
    """Deliver up to ``batch`` due messages, oldest first, each in its own transaction (see the
    module's docstring); returns how many were tried. Rows another deliverer holds are
    skipped."""
    now = now or timezone.now()
    tried = 0
    while tried < batch and message_deliver_next(now=now):
        tried += 1
    return tried


def message_deliver_next(*, now: datetime) -> bool:
    """Take the oldest due message no other deliverer holds, hand it to its channel's sender and
    record the outcome, in one transaction; False when none was due."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(due_messages(now))
            .order_by("pk")
            .first()
        )
        if message is None:
            return False
        sender = sender_for(message.channel)
        if _send(message, sender):
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.next_attempt_at = None
        _record(message, sender)
    return True


def _record(message: Message, sender: Sender) -> None:
    message.attempts += 1
    message.sender = sender.name
    fields = ["status", "attempts", "sender", "last_error", "next_attempt_at", "sent_at"]
    if (
        message.kind in SECRET_KINDS
        and message.status != MessageStatus.QUEUED
        and not settings.DEMO
    ):
        # it has left: no one is to read a sign-in code from the outbox afterwards
        message.body, message.params = REMOVED, {}
        fields += ["body", "params"]
    message.save(update_fields=fields)


def _send(message: Message, sender: Sender) -> bool:
    """Hand one message to its sender: True when it went out; else the failure is set on the
    message (queued again with the error and the time of the next attempt, or failed after
    ``MAX_ATTEMPTS``)."""
    try:
        sender.send(message)
    except Exception as exc:
        # a gateway's refusal (SendError) or a sender's own failure
        if not isinstance(exc, SendError):
            log.exception("sender %s failed on message %s", sender.name, message.pk)
        message.last_error = (str(exc) or type(exc).__name__)[:2000]
        if message.attempts + 1 >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
        else:
            wait = RETRY_AFTER[min(message.attempts + 1, len(RETRY_AFTER)) - 1]
            message.next_attempt_at = timezone.now() + wait
        return False
    return True
