"""The outbox: message_send (dedupe key, written with the change), and the deliverer
(messages_deliver_due: due messages oldest first, each once, failures recorded and retried
after a wait, rows another deliverer holds skipped and free again the moment it dies)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from fairdesk.core.testing import at_once
from fairdesk.notifications.models import Message
from fairdesk.notifications.services import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    message_send,
    message_send_to_customer,
    messages_deliver_due,
)
from fairdesk.notifications.tests import senders_for_tests

pytestmark = pytest.mark.django_db

RECORDING = "fairdesk.notifications.tests.senders_for_tests.RecordingSender"
FAILING = "fairdesk.notifications.tests.senders_for_tests.FailingSender"
BROKEN = "fairdesk.notifications.tests.senders_for_tests.BrokenSender"
ALL_APPS = list(django_settings.INSTALLED_APPS)


@pytest.fixture(autouse=True)
def _recorded() -> None:
    senders_for_tests.SENT.clear()


def send(**fields: Any) -> Message:
    fields.setdefault("channel", "sms")
    fields.setdefault("kind", "contact.callback_missed")
    if fields["channel"] == "sms":
        fields.setdefault("params", {"end": "2026-03-01 10:00"})
    fields.setdefault("recipient", "13800138000")
    fields.setdefault("body", "你好")
    return message_send(**fields)


def fresh(message: Message) -> Message:
    message.refresh_from_db()
    return message


def test_send_writes_a_queued_message() -> None:
    message = fresh(send(reference="SR1"))
    assert message.status == "queued" and message.attempts == 0 and message.sent_at is None
    assert message.reference == "SR1" and message.dedupe_key is None
    assert message.next_attempt_at is None


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="carrier pigeon"):
        send(channel="carrier pigeon")
    assert not Message.objects.exists()


def test_a_text_message_carries_its_template_parameters() -> None:
    """Providers send templates: an SMS is written with exactly its kind's parameters, in the
    transaction that creates it; a kind that is not a text message's, or a wrong set of
    parameters, is refused (a programming error, never a silent drop)."""
    message = fresh(send(params={"end": "2026-03-01 10:00"}))
    assert message.params == {"end": "2026-03-01 10:00"}
    with pytest.raises(ValueError, match="not a kind of text message"):
        send(kind="note")
    with pytest.raises(ValueError, match=r"takes the parameters \['end'\]"):
        send(params={})
    with pytest.raises(ValueError, match="takes the parameters"):
        send(params={"end": "x", "extra": "y"})
    assert Message.objects.count() == 1
    portal = fresh(send(channel="portal", kind="note", recipient=""))
    assert portal.params == {}


def test_dedupe_key_sends_once() -> None:
    first = send(dedupe_key="sla:SR1:onsite:breach")
    second = send(dedupe_key="sla:SR1:onsite:breach", body="another text")
    assert first.pk == second.pk
    assert Message.objects.count() == 1 and Message.objects.get().body == "你好"
    # messages without a key are never merged
    send()
    send()
    assert Message.objects.count() == 3


def test_a_rolled_back_change_leaves_no_message() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send()
        raise RuntimeError("the change failed")
    assert not Message.objects.exists()
    assert messages_deliver_due() == 0


def test_due_messages_are_sent_once_oldest_first(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(5)]
    assert messages_deliver_due(batch=3) == 3
    assert ids[:3] == senders_for_tests.SENT
    assert messages_deliver_due(batch=3) == 2
    assert messages_deliver_due() == 0
    assert ids == senders_for_tests.SENT
    message = Message.objects.get(pk=ids[0])
    assert (message.status, message.attempts, message.sender) == ("sent", 1, "recording")
    assert message.sent_at is not None and message.last_error == ""


def test_outbox_sender_is_the_default(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {}
    message = send()
    messages_deliver_due()
    assert fresh(message).sender == "outbox" and message.status == "sent"


def test_a_failure_is_recorded_and_tried_again_after_a_growing_wait(
    settings: Any, time_machine: Any
) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    message = send()
    assert messages_deliver_due() == 1
    fresh(message)
    assert (message.status, message.attempts, message.sender) == ("queued", 1, "failing-gateway")
    assert message.last_error == "gateway said no: 503 Service Unavailable"
    assert message.next_attempt_at == timezone.now() + RETRY_AFTER[0]
    # not due again before the wait is over
    assert messages_deliver_due() == 0
    for attempt in range(2, MAX_ATTEMPTS + 1):
        time_machine.shift(RETRY_AFTER[attempt - 2])
        assert messages_deliver_due() == 1
        assert fresh(message).attempts == attempt
    assert message.status == "failed" and message.next_attempt_at is None
    time_machine.shift(timedelta(days=1))
    assert messages_deliver_due() == 0  # a failed message is not tried again
    assert fresh(message).attempts == MAX_ATTEMPTS


def test_a_gateway_that_recovers_delivers_the_queued_message(
    settings: Any, time_machine: Any
) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": FAILING}
    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    message = send()
    messages_deliver_due()
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    time_machine.shift(RETRY_AFTER[0])
    assert messages_deliver_due() == 1
    fresh(message)
    assert message.status == "sent" and message.attempts == 2 and message.last_error == ""
    assert message.next_attempt_at is None


def test_each_message_goes_by_its_own_channel(settings: Any) -> None:
    """One failing gateway does not stop the others: the SMS stays queued with its error, the
    portal message is sent."""
    settings.NOTIFICATION_SENDERS = {"sms": FAILING, "portal": RECORDING}
    sms = send()
    portal = send(channel="portal", recipient="")
    assert messages_deliver_due() == 2
    assert (fresh(sms).status, sms.attempts, sms.sender) == ("queued", 1, "failing-gateway")
    assert (fresh(portal).status, portal.attempts) == ("sent", 1) and portal.sent_at is not None
    assert [portal.pk] == senders_for_tests.SENT


def test_a_sender_that_crashes_does_not_stop_the_batch(settings: Any) -> None:
    """Not only a gateway's refusal: any failure of a sender leaves that message queued with its
    error (to be tried again), and the other messages of the batch are sent."""
    settings.NOTIFICATION_SENDERS = {"sms": BROKEN, "portal": RECORDING}
    sms = send()
    portal = send(channel="portal", recipient="")
    messages_deliver_due()
    assert (fresh(sms).status, sms.attempts) == ("queued", 1)
    assert sms.last_error == "connection reset by peer" and sms.sender == "broken"
    assert fresh(portal).status == "sent" and [portal.pk] == senders_for_tests.SENT


def test_one_message_to_a_customer_on_several_channels(django_assert_num_queries: Any) -> None:
    """The SMS and the portal copy in one INSERT; an SMS has no subject."""
    from fairdesk.customers.models import Customer

    customer = Customer.objects.create(phone="13800138000", name="李雷", email="li@example.com")
    with django_assert_num_queries(1):
        rows = message_send_to_customer(
            customer=customer,
            kind="contact.complaint",
            subject="标题",
            body="正文",
            reference="TS1",
            params={"number": "TS1", "due": "2026-03-02 10:00"},
        )
    assert [(m.channel, m.recipient, m.subject) for m in rows] == [
        ("sms", "13800138000", ""),
        ("portal", "", "标题"),
    ]
    assert all(m.pk for m in rows) and Message.objects.count() == 2
    assert [m.params for m in rows] == [{"number": "TS1", "due": "2026-03-02 10:00"}, {}]


def test_the_command_once_empties_the_outbox(settings: Any) -> None:
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(120)]  # more than one batch
    call_command("deliver_messages", "--once", stdout=(out := _Out()))
    assert sorted(senders_for_tests.SENT) == ids and "120 message(s) tried" in out.text


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_deliverers_at_the_same_time_send_each_message_once(settings: Any) -> None:
    """Real concurrent transactions (PostgreSQL: rows another deliverer holds are skipped;
    SQLite: one writer at a time)."""
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    ids = [send(body=f"m{i}").pk for i in range(60)]

    def drain() -> int:
        total = 0
        while sent := messages_deliver_due(batch=7):
            total += sent
        return total

    outcomes = at_once(drain, 3)
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert sum(o for o in outcomes if isinstance(o, int)) == 60
    assert sorted(senders_for_tests.SENT) == sorted(ids)  # each once
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SQLite has one writer at a time)"
)
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_a_message_held_by_a_deliverer_is_free_the_moment_it_dies(settings: Any) -> None:
    """A deliverer that holds a message (mid-send) makes the others skip it; when its
    transaction ends without a commit — the process died — the message is taken at once, with
    no lease to wait out."""
    settings.NOTIFICATION_SENDERS = {"sms": RECORDING}
    held, other = send(body="held"), send(body="other")
    locked, release = threading.Event(), threading.Event()

    def dying_deliverer() -> None:
        try:
            with transaction.atomic():
                list(Message.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
                raise RuntimeError("killed")
        except RuntimeError:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=dying_deliverer)
    thread.start()
    assert locked.wait(10)
    assert messages_deliver_due() == 1 and [other.pk] == senders_for_tests.SENT
    release.set()
    thread.join(10)
    assert messages_deliver_due() == 1 and [other.pk, held.pk] == senders_for_tests.SENT
