"""The outbox: message_send (dedupe key, after-commit delivery), message_deliver (claim once,
failures recorded), and the retry of queued messages."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from fairdesk.core.testing import at_once
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import (
    MAX_ATTEMPTS,
    message_deliver,
    message_send,
    messages_retry_queued,
)
from fairdesk.notifications.tests import senders_for_tests

pytestmark = pytest.mark.django_db

RECORDING = "fairdesk.notifications.tests.senders_for_tests.RecordingSender"
FAILING = "fairdesk.notifications.tests.senders_for_tests.FailingSender"


@pytest.fixture(autouse=True)
def _recorded() -> None:
    senders_for_tests.SENT.clear()


def send(**fields: Any) -> Message:
    fields.setdefault("channel", "sms")
    fields.setdefault("kind", "test")
    fields.setdefault("recipient", "13800138000")
    fields.setdefault("body", "你好")
    return message_send(**fields)


def test_send_writes_a_queued_message() -> None:
    message = send(reference="SR1")
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0 and message.sent_at is None
    assert message.reference == "SR1" and message.dedupe_key is None


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="carrier pigeon"):
        send(channel="carrier pigeon")
    assert not Message.objects.exists()


def test_dedupe_key_sends_once() -> None:
    first = send(dedupe_key="sla:SR1:onsite:breach")
    second = send(dedupe_key="sla:SR1:onsite:breach", body="another text")
    assert first.pk == second.pk
    assert Message.objects.count() == 1 and Message.objects.get().body == "你好"
    # messages without a key are never merged
    send()
    send()
    assert Message.objects.count() == 3


def test_delivery_is_enqueued_only_after_commit(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    from huey.contrib.djhuey import HUEY

    immediate = HUEY.immediate
    HUEY.immediate = True  # the task runs in-process, as with HUEY_IMMEDIATE=true
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message = send()
            assert senders_for_tests.SENT == []  # nothing before the commit
        assert len(callbacks) == 1
    finally:
        HUEY.immediate = immediate
    message.refresh_from_db()
    assert [message.pk] == senders_for_tests.SENT and message.status == "sent"


def test_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                send()
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert callbacks == [] and not Message.objects.exists()


def test_deliver_twice_sends_once(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    message = send()
    delivered = message_deliver(message_id=message.pk)
    assert delivered is not None and delivered.status == "sent"
    assert delivered.sender == "recording" and delivered.sent_at is not None
    assert delivered.attempts == 1 and delivered.last_error == ""
    assert message_deliver(message_id=message.pk) is None
    assert [message.pk] == senders_for_tests.SENT
    assert Message.objects.get().attempts == 1


def test_outbox_sender_is_the_default(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {}
    message = send()
    assert message_deliver(message_id=message.pk).sender == "outbox"  # type: ignore[union-attr]


def test_failing_sender_records_attempts_and_error(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    message = send()
    first = message_deliver(message_id=message.pk)
    assert first is not None
    assert first.status == "queued" and first.attempts == 1
    assert first.last_error == "gateway said no: 503 Service Unavailable"
    assert first.sender == "failing-gateway" and first.sent_at is None
    for _ in range(MAX_ATTEMPTS - 1):
        last = message_deliver(message_id=message.pk)
    assert last is not None and last.status == "failed" and last.attempts == MAX_ATTEMPTS
    # a failed message is not tried again
    assert message_deliver(message_id=message.pk) is None
    assert Message.objects.get().attempts == MAX_ATTEMPTS


def test_a_gateway_that_recovers_delivers_the_queued_message(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    message = send()
    message_deliver(message_id=message.pk)
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    delivered = message_deliver(message_id=message.pk)
    assert delivered is not None and delivered.status == "sent" and delivered.attempts == 2
    assert delivered.last_error == ""


def test_retry_queued_takes_only_older_messages(settings: Any, time_machine: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    old = send()
    time_machine.shift(timedelta(minutes=5))
    new = send()
    assert messages_retry_queued() == 1
    assert [old.pk] == senders_for_tests.SENT
    new.refresh_from_db()
    assert new.status == "queued"


@pytest.mark.django_db
def test_a_claimed_message_is_not_sent_again_until_its_lease_expires() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from fairdesk.notifications.services import CLAIM_LEASE, message_deliver

    message = Message.objects.create(channel="sms", kind="t", body="x", recipient="13800000001")
    # a worker claimed it and is still sending
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=now, attempts=1)
    assert message_deliver(message_id=message.pk, now=now + timedelta(seconds=30)) is None
    assert Message.objects.get().attempts == 1
    # the worker died: after the lease the message is taken again and sent
    again = message_deliver(message_id=message.pk, now=now + CLAIM_LEASE + timedelta(seconds=1))
    assert again is not None and again.status == "sent" and again.attempts == 2


def test_one_ring_per_transaction(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SMS and a portal message written together ring the doorbell once, after commit."""
    from fairdesk.notifications import services

    rings: list[None] = []
    monkeypatch.setattr(services, "_ring", lambda: rings.append(None))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send()
        send(channel="portal", recipient="")
        assert rings == []
    assert len(rings) == 1
    # the next transaction rings again
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert len(rings) == 2


def test_a_rolled_back_savepoint_does_not_hold_back_the_other_messages(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """The savepoint took the first message's ring with it; the kept message rings again."""
    from fairdesk.notifications import services

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    rings: list[None] = []
    monkeypatch.setattr(services, "_ring", lambda: rings.append(None))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                send(body="undone")
                raise RuntimeError
        except RuntimeError:
            pass
        kept = send(body="kept")
    assert len(rings) == 1
    assert services.messages_deliver_new() == 1
    assert [kept.pk] == senders_for_tests.SENT
    assert Message.objects.get().body == "kept"


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Huey with an empty in-memory storage that queues tasks (not immediate): what the web
    process sees of the worker's queue."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    from fairdesk.notifications import services

    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage(HUEY.name))
    # the time until which this process's last task covers its commits: none queued yet
    monkeypatch.setattr(services, "_covered_until", float("-inf"))
    return HUEY


def run_pending(huey: Any) -> int:
    """Run the queued tasks as the consumer would, but on the test's database connection (the
    task wrapper closes connections outside immediate mode)."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey._immediate = True
        try:
            huey.execute(task)
        finally:
            huey._immediate = False
        ran += 1
    return ran


def test_the_doorbell_queues_one_task_for_all_new_messages(
    django_capture_on_commit_callbacks: Any, settings: Any, queue: Any
) -> None:
    """While a delivery task is pending, more commits queue nothing; the task delivers every
    message written until it ran, and the next commit queues a new one."""
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING, "portal": RECORDING}
    ids = []
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            ids.append(send(body=f"m{i}").pk)
            ids.append(send(channel="portal", recipient="", body=f"p{i}").pk)
    assert queue.pending_count() == 1
    assert run_pending(queue) == 1
    assert ids == senders_for_tests.SENT
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
    with django_capture_on_commit_callbacks(execute=True):
        later = send(body="later")
    assert queue.pending_count() == 1
    run_pending(queue)
    assert [*ids, later.pk] == senders_for_tests.SENT


def test_the_process_that_queued_the_task_rings_no_more_until_it_claims(
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    queue: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The task it queued waits DELIVERY_GATHER before it claims: commits before then need no
    ring (no round trip to Huey's storage) and are delivered by it; later ones ring again."""
    from fairdesk.notifications import services

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    now = [1000.0]
    monkeypatch.setattr(services, "_clock", lambda: now[0])
    asked: list[str] = []
    put_if_empty = queue.put_if_empty

    def put_if_empty_counted(key: str, value: Any) -> Any:
        asked.append(key)
        return put_if_empty(key, value)

    monkeypatch.setattr(queue, "put_if_empty", put_if_empty_counted)

    def commit(body: str) -> int:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return send(body=body).pk

    ids = [commit("m0")]
    assert asked == [services.DOORBELL_KEY] and queue.pending_count() == 1
    (task,) = queue.pending()
    assert task.args == (services.DELIVERY_GATHER,)  # the wait the process counts on
    now[0] += 0.02
    ids.append(commit("m1"))
    now[0] += 0.02  # 40 ms after the task was queued: still covered
    ids.append(commit("m2"))
    assert len(asked) == 1 and queue.pending_count() == 1
    now[0] += 0.03  # past the wait: the task may have claimed already, so this one rings
    ids.append(commit("m3"))
    assert len(asked) == 2 and queue.pending_count() == 1  # (the key is still set)
    started = time.monotonic()
    assert run_pending(queue) == 1
    assert time.monotonic() - started >= services.DELIVERY_GATHER  # the task did wait
    assert ids == senders_for_tests.SENT


def test_tasks_run_at_once_promise_no_wait(
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    queue: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In immediate mode (HUEY_IMMEDIATE) the task claims inside the ring: every commit rings
    and is delivered at once."""
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    monkeypatch.setattr(queue, "_immediate", True)
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            send(body=f"m{i}")
        assert len(senders_for_tests.SENT) == i + 1


def test_the_new_messages_are_claimed_in_batches_oldest_first(settings: Any) -> None:
    from fairdesk.notifications.services import messages_deliver_new

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(5)]
    assert messages_deliver_new(batch=2) == 5
    assert ids == senders_for_tests.SENT
    assert messages_deliver_new(batch=2) == 0


def test_a_message_that_failed_once_waits_for_the_retry(settings: Any, time_machine: Any) -> None:
    """The doorbell delivers only messages never tried: a gateway that refused is not asked
    again by every new message, but by the minute's retry."""
    from fairdesk.notifications.services import messages_deliver_new

    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    failed = send(body="refused")
    assert messages_deliver_new() == 1
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    fresh = send(body="fresh")
    assert messages_deliver_new() == 1
    assert [fresh.pk] == senders_for_tests.SENT
    time_machine.shift(timedelta(minutes=5))
    assert messages_retry_queued() == 1
    assert [fresh.pk, failed.pk] == senders_for_tests.SENT
    assert Message.objects.get(pk=failed.pk).attempts == 2


def test_a_stuck_doorbell_is_freed_by_the_retry(
    django_capture_on_commit_callbacks: Any, settings: Any, queue: Any, time_machine: Any
) -> None:
    """A process that set the key and died before queueing its task would hold every later
    ring back: the minute's retry removes a key older than DOORBELL_STALE (and sends what
    waited); a fresh key is left alone."""
    from django.utils import timezone

    from fairdesk.notifications import services

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    queue.put(services.DOORBELL_KEY, timezone.now().timestamp())  # the dead process's key
    with django_capture_on_commit_callbacks(execute=True):
        waiting = send()
    assert queue.pending_count() == 0  # held back
    time_machine.shift(services.DOORBELL_STALE / 2)
    messages_retry_queued()
    assert queue.get(services.DOORBELL_KEY, peek=True) is not None  # not stale yet
    time_machine.shift(timedelta(minutes=3))
    assert messages_retry_queued() == 1  # the waiting message, by the retry itself
    assert [waiting.pk] == senders_for_tests.SENT
    assert queue.get(services.DOORBELL_KEY, peek=True) is None
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert queue.pending_count() == 1  # rings work again


def test_an_unreachable_queue_does_not_fail_the_committed_change(
    django_capture_on_commit_callbacks: Any,
    queue: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The change and its message are committed; if Huey's storage is down the ring is logged
    and the retry sends the message later. A failed enqueue releases the key it set."""
    from fairdesk.notifications import services

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    with (
        mock.patch.object(queue.storage, "put_if_empty", down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = send()
    assert "could not queue" in caplog.text
    assert Message.objects.get(pk=message.pk).status == "queued"
    caplog.clear()
    with (
        mock.patch.object(queue.storage, "enqueue", down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send()
    assert "could not queue" in caplog.text and queue.pending_count() == 0
    assert queue.get(services.DOORBELL_KEY, peek=True) is None  # released for the next ring


def test_a_batch_delivers_each_message_by_its_own_channel(settings: Any) -> None:
    """One failing gateway does not stop the others: the SMS stays queued with its error, the
    portal message is sent."""
    from fairdesk.notifications.services import messages_deliver

    settings.NOTIFICATION_SENDERS = {"sms": FAILING, "portal": RECORDING}
    sms = send()
    portal = send(channel="portal", recipient="")
    delivered = {m.pk: m for m in messages_deliver(message_ids=[sms.pk, portal.pk, sms.pk])}
    assert set(delivered) == {sms.pk, portal.pk}
    assert delivered[sms.pk].status == "queued" and delivered[sms.pk].attempts == 1
    assert delivered[portal.pk].status == "sent" and delivered[portal.pk].sender == "recording"
    sms.refresh_from_db()
    portal.refresh_from_db()
    assert (sms.status, sms.attempts, sms.sender) == ("queued", 1, "failing-gateway")
    assert sms.last_error == "gateway said no: 503 Service Unavailable"
    assert (portal.status, portal.attempts) == ("sent", 1) and portal.sent_at is not None
    assert [portal.pk] == senders_for_tests.SENT


@pytest.mark.django_db(transaction=True, available_apps=list(django_settings.INSTALLED_APPS))
def test_two_workers_delivering_the_same_batch_send_each_message_once(settings: Any) -> None:
    """Real concurrent transactions (PostgreSQL: rows another worker holds are skipped)."""
    from fairdesk.notifications.services import messages_deliver

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(30)]
    outcomes = at_once(lambda: messages_deliver(message_ids=ids), 3)
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert sorted(senders_for_tests.SENT) == sorted(ids)  # each once
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_sender_that_crashes_does_not_stop_the_batch(settings: Any) -> None:
    """Not only a gateway's refusal: any failure of a sender leaves that message queued with its
    error (to be tried again), and the other messages of the batch are sent."""
    from fairdesk.notifications.services import messages_deliver

    settings.NOTIFICATION_SENDERS = {
        "sms": "fairdesk.notifications.tests.senders_for_tests.BrokenSender",
        "portal": RECORDING,
    }
    sms = send()
    portal = send(channel="portal", recipient="")
    messages_deliver(message_ids=[sms.pk, portal.pk])
    sms.refresh_from_db()
    portal.refresh_from_db()
    assert (sms.status, sms.attempts, sms.claimed_at) == ("queued", 1, None)
    assert sms.last_error == "connection reset by peer" and sms.sender == "broken"
    assert portal.status == "sent" and [portal.pk] == senders_for_tests.SENT


def test_one_message_to_a_customer_on_several_channels(
    django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The SMS and the portal copy in one INSERT, one ring; an SMS has no subject."""
    from fairdesk.customers.models import Customer
    from fairdesk.notifications import services

    customer = Customer.objects.create(phone="13800138000", name="李雷", email="li@example.com")
    rings: list[None] = []
    monkeypatch.setattr(services, "_ring", lambda: rings.append(None))
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        django_assert_num_queries(1),
    ):
        sms, portal = services.message_send_to_customer(
            customer=customer, kind="t", subject="您的申请", body="已受理", reference="SR1"
        )
    assert (sms.channel, sms.recipient, sms.subject) == ("sms", "13800138000", "")
    assert (portal.channel, portal.recipient, portal.subject) == ("portal", "", "您的申请")
    assert {m.body for m in (sms, portal)} == {"已受理"} and portal.customer_id == customer.pk
    assert len(rings) == 1
    (mail,) = services.message_send_to_customer(
        customer=customer, kind="t", subject="主题", body="正文", channels=("email",)
    )
    assert (mail.recipient, mail.subject) == ("li@example.com", "主题")
    with pytest.raises(ValueError, match="fax"):
        services.message_send_to_customer(customer=customer, kind="t", body="x", channels=["fax"])


@pytest.mark.parametrize("returning", [True, False], ids=["one-statement", "orm"])
def test_the_doorbell_claims_the_oldest_never_tried_messages(
    returning: bool, monkeypatch: Any
) -> None:
    """``_claim_never_tried``: one UPDATE … RETURNING where the database can return the rows
    it changed, the ORM's claim where it cannot; the same messages, claimed the same way."""
    from datetime import UTC, datetime

    from django.db import connection

    from fairdesk.notifications.services import _claim_never_tried

    fresh = [send(body=f"m{i}", subject=f"s{i}") for i in range(3)]
    tried = send(body="failed once")
    Message.objects.filter(pk=tried.pk).update(attempts=1)
    for status in ("sending", "sent", "failed"):
        Message.objects.filter(pk=send(body=status).pk).update(status=status)
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", returning)

    claimed = _claim_never_tried(now=now, limit=2)
    assert [m.pk for m in claimed] == [fresh[0].pk, fresh[1].pk]
    for message in claimed:
        stored = Message.objects.get(pk=message.pk)
        assert (stored.status, stored.attempts, stored.claimed_at) == ("sending", 1, now)
        # the instance is the row as the ORM reads it, every field
        for field in Message._meta.concrete_fields:
            assert getattr(message, field.attname) == getattr(stored, field.attname), field.name
        assert message._state.adding is False and message._state.db == "default"
    assert [m.pk for m in _claim_never_tried(now=now, limit=2)] == [fresh[2].pk]
    assert _claim_never_tried(now=now, limit=2) == []
    assert Message.objects.get(pk=tried.pk).status == "queued"


def test_the_doorbells_delivery_is_two_statements(settings: Any) -> None:
    """The claim and the record of what was sent; no transaction of its own around them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fairdesk.notifications.services import messages_deliver_new

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(4)]
    with CaptureQueriesContext(connection) as queries:
        assert messages_deliver_new() == 4
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE", "UPDATE"]
    assert ids == senders_for_tests.SENT
    assert set(Message.objects.values_list("status", "attempts", "sender")) == {
        ("sent", 1, "recording")
    }


@pytest.mark.django_db(transaction=True, available_apps=list(django_settings.INSTALLED_APPS))
def test_doorbell_tasks_at_the_same_time_send_each_new_message_once(settings: Any) -> None:
    """Real concurrent claims of the messages never tried (PostgreSQL: FOR UPDATE SKIP LOCKED
    in the statement; SQLite: one writer at a time)."""
    from fairdesk.notifications.services import messages_deliver_new

    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(40)]
    counts = at_once(lambda: messages_deliver_new(batch=3), 3)
    assert not [c for c in counts if isinstance(c, BaseException)]
    assert sum(c for c in counts if isinstance(c, int)) == 40
    assert sorted(senders_for_tests.SENT) == sorted(ids)  # each once
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
