"""Writing to the outbox and delivering from it.

``message_send`` is what every other app calls: it writes the message in the caller's
transaction (so a message exists if and only if the change it reports was committed) and asks
the worker to deliver it once the transaction commits. Delivery is idempotent: a message is sent
at most once by ``message_deliver``, which claims it with a conditional update.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from fairdesk.core.choices import is_value
from fairdesk.core.rows import Columns, column, columns, insert, instances, new
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
    _ring_after_commit()
    return message


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
    number and a copy in their portal inbox), written with one INSERT and delivered after
    commit like ``message_send``. An SMS has no subject: ``subject`` heads the other copies."""
    rows = []
    for channel in channels:
        _check_channel(channel)
        recipient = {Channel.SMS: customer.phone, Channel.EMAIL: customer.email}.get(channel, "")
        rows.append(
            new(
                Message,
                channel=channel,
                kind=kind,
                body=body,
                subject="" if channel == Channel.SMS else subject,
                recipient=recipient or "",
                customer=customer,
                reference=reference,
            )
        )
    insert(rows)  # one statement written once (``core.rows``): every request creation runs it
    if rows:
        _ring_after_commit()
    return rows


# The doorbell. A transaction that wrote messages rings once after it commits; ringing queues
# one delivery task unless one is already pending, and that task delivers every new message
# (status queued, never tried), however many transactions wrote them. Under load the worker
# thus runs one task per batch of messages, not one per message, and a web request makes one
# round trip to Huey's storage.
#
# "Pending" is a key in Huey's storage, set atomically with ``put_if_empty`` (Redis HSETNX,
# SQLite INSERT). The task removes it *before* it looks for messages, so a message committed
# before a ring that found the key set is always seen by the pending task. The key holds the
# time it was set: if a process died between setting it and queueing the task, the key would
# stay set and hold every later ring back, so the minute's retry (``messages_retry_queued``)
# removes a key older than ``DOORBELL_STALE``. Removing a key too early costs one more task,
# never a message: delivery claims each message once, and the retry delivers whatever a lost
# task left behind.
DOORBELL_KEY = "fairdesk.notifications.doorbell"
DOORBELL_STALE = timedelta(seconds=60)
DELIVERY_BATCH = 100
# How long the doorbell's task waits before it answers: the messages committed meanwhile ring a
# doorbell already rung, and go in the same claim. Under load a task then delivers the messages
# of several creations (about ten messages at 200 creations/s, three without the wait: the
# worker's CPU per creation fell from 2.1 to 0.6 ms); idle, a message waits this much longer.
DELIVERY_GATHER = 0.05  # seconds

# A process that has just queued the doorbell's task need not ring again for a while: that
# task was queued at ``queued_at`` and waits ``gather`` seconds before it claims, so it cannot
# claim before ``queued_at + gather``, and a transaction that commits before then has its
# messages claimed by it. Under load this saves rings (a round trip to Huey's storage each):
# with N web workers about one in N, since the others still ring until the task answers.
# Only the process's own task counts: of a task queued elsewhere it knows neither when it was
# queued nor how long it waits. Only durations are compared (``time.monotonic`` here,
# the worker's sleep there), so the worker may run on another machine. During a deploy, a
# consumer of the previous version fails on the task's argument; the minute's retry then
# delivers those messages.
_covered_until = float("-inf")  # this process's last task claims after this monotonic time
_clock = time.monotonic

_rung = threading.local()


def _ring_after_commit() -> None:
    """Ring the doorbell once when the current transaction commits (not once per message)."""
    connection = transaction.get_connection()
    if getattr(_rung, "callbacks", None) is connection.run_on_commit:
        return  # this transaction will ring already
    # ``run_on_commit`` is the connection's list of pending callbacks: Django replaces it after
    # each commit or rollback, so the marker never outlives its transaction. A rolled-back
    # savepoint drops the callback with it: the next message written registers it again.
    _rung.callbacks = connection.run_on_commit
    transaction.on_commit(_committed, robust=True)


def _committed() -> None:
    _rung.callbacks = None
    if _clock() < _covered_until:
        return  # the task this process queued claims later than now: it takes these messages
    _ring()


def delivery_gather(huey: Any) -> float:
    """How long the doorbell's task waits before it claims (none when tasks run at once)."""
    return 0.0 if huey.immediate else DELIVERY_GATHER


def _huey():  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey import HUEY

    return HUEY


def _ring() -> None:
    """Queue a delivery task unless one is pending. Never raises into the committed request:
    if Huey's storage is unreachable the messages are safe in the outbox and the retry sends
    them."""
    from fairdesk.notifications.tasks import deliver_new_messages

    global _covered_until
    huey = _huey()
    try:
        if huey.put_if_empty(DOORBELL_KEY, timezone.now().timestamp()):
            gather = delivery_gather(huey)
            queued_at = _clock()  # before the task exists: it starts later than this
            try:
                deliver_new_messages(gather)
            except Exception:
                huey.delete(DOORBELL_KEY)
                raise
            # a little short of the wait, for the clock's and the sleep's granularity
            _covered_until = queued_at + gather - 0.005
    except Exception:
        log.exception("could not queue the delivery of new messages; the retry will send them")


def _answer_doorbell() -> None:
    _huey().delete(DOORBELL_KEY)


def _unstick_doorbell(now: datetime) -> None:
    """Remove a doorbell key left set by a process that died before queueing its task."""
    huey = _huey()
    rung_at = huey.get(DOORBELL_KEY, peek=True)
    if rung_at is not None and rung_at < (now - DOORBELL_STALE).timestamp():
        huey.delete(DOORBELL_KEY)


def messages_deliver_new(
    *, batch: int = DELIVERY_BATCH, gather: float = 0.0, now: datetime | None = None
) -> int:
    """Deliver every message that was never tried, oldest first, in claims of ``batch``; returns
    how many were claimed. The doorbell's task: it waits ``gather`` seconds, then answers the
    doorbell before it claims anything (see above).

    Messages that failed once (attempts > 0) wait for ``messages_retry_queued``, so a gateway
    that is down is not hammered by every new message.
    """
    if gather:
        time.sleep(gather)
    _answer_doorbell()
    claimed = 0
    while True:
        messages = _claim_never_tried(now=now, limit=batch)
        _send(messages)
        claimed += len(messages)
        if len(messages) < batch:
            return claimed


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
    claimed = _claim(claimable & Q(pk__in=ids), now=now)
    _send(claimed)
    return claimed


def _claim(claimable: Q, *, now: datetime | None = None, limit: int | None = None) -> list[Message]:
    """Take the matching messages that may still be tried (queued → sending, attempts + 1), in
    one short transaction; rows another worker holds are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        query = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(claimable, attempts__lt=MAX_ATTEMPTS)
            .order_by("pk")
        )
        claimed = list(query[:limit] if limit else query)
        if not claimed:
            return []
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    for message in claimed:
        message.status, message.claimed_at, message.attempts = (
            MessageStatus.SENDING,
            now,
            message.attempts + 1,
        )
    return claimed


def _claim_never_tried(*, now: datetime | None, limit: int) -> list[Message]:
    """``_claim`` of the messages never tried, in one statement written once (the doorbell's
    task runs it for every few creations): ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
    LOCKED) RETURNING …`` takes and changes the rows with no transaction around it, and its
    constants are in its text, so that a prepared plan can use the ``message_never_tried``
    index. The ORM's form (``_claim``) where the database cannot return updated rows."""
    if not connection.features.can_return_columns_from_insert:  # SQLite < 3.35
        return _claim(Q(status=MessageStatus.QUEUED, attempts=0), now=now, limit=limit)
    sql, cols = _never_tried_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [MessageStatus.SENDING, now or timezone.now(), limit])
        rows = cursor.fetchall()
    claimed = [instances(row, (cols,), connection)[0] for row in rows]
    claimed.sort(key=lambda message: message.pk)
    return claimed


def _mark_sent(ids: list[int], *, sender: str, sent_at: datetime) -> None:
    """Record messages as sent by ``sender``: on PostgreSQL in a statement written once, whose
    shape does not change with the number of messages (the ids as one array)."""
    if connection.vendor != "postgresql":
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENT, sent_at=sent_at, sender=sender, last_error=""
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(_sent_statement(), [MessageStatus.SENT, sent_at, sender, ids])


def _col(name: str) -> str:
    """A column of the message table, quoted, for the statements written once below."""
    return column(Message, name, connection)


@functools.cache
def _sent_statement() -> str:
    table = connection.ops.quote_name(Message._meta.db_table)
    col = _col
    return (
        f"UPDATE {table} SET {col('status')} = %s, {col('sent_at')} = %s, {col('sender')} = %s,"
        f" {col('last_error')} = '' WHERE {col('id')} = ANY(%s::bigint[])"
    )


@functools.cache
def _never_tried_statement(vendor: str) -> tuple[str, Columns]:
    """The statement of ``_claim_never_tried`` for a database vendor, and its columns."""
    table = connection.ops.quote_name(Message._meta.db_table)
    cols = columns(Message, Message._meta.db_table, connection)
    col = _col
    locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # the choices' values are fixed identifiers (letters only): quoted here as SQL literals
    assert MessageStatus.QUEUED.isalpha()
    sql = (
        f"UPDATE {table} SET {col('status')} = %s, {col('claimed_at')} = %s,"
        f" {col('attempts')} = {col('attempts')} + 1"
        f" WHERE {col('id')} IN (SELECT {col('id')} FROM {table}"
        f" WHERE {col('status')} = '{MessageStatus.QUEUED}' AND {col('attempts')} = 0"
        f" ORDER BY {col('id')} LIMIT %s{locked})"
        f" RETURNING {cols.sql}"
    )
    return sql, cols


def _send(claimed: list[Message]) -> None:
    """Hand claimed messages to their senders and record each outcome (sent, or queued again
    with the error, or failed after ``MAX_ATTEMPTS``)."""
    sent: dict[str, list[Message]] = {}
    for message in claimed:
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
        _mark_sent([m.pk for m in messages], sender=name, sent_at=sent_at)
        for message in messages:
            message.status, message.sent_at, message.last_error = MessageStatus.SENT, sent_at, ""


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
    _unstick_doorbell(now)
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
