"""The customer cancels or moves a callback (issue 24, item 19): only while it is booked and its
window has not ended, no agent calling yet; the queue follows (a cancelled callback's contact
leaves it, a moved one's queue time is the new window); the customer is told; the figures and
the escalation never count a cancelled callback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from fairdesk.contact.choices import AgentStatus, CallbackStatus, ContactStatus
from fairdesk.contact.models import Callback, Contact, ContactMessage
from fairdesk.contact.selectors import missed_callbacks, queue_snapshot
from fairdesk.contact.services.callbacks import (
    callback_cancel,
    callback_done,
    callback_move,
    callback_request,
    callbacks_escalate_due,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status
from fairdesk.contact.tests.conftest import API, SHANGHAI, T0, Clock, Staff, as_user, post
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def booked(customer: Customer, start: datetime | None = None) -> Callback:
    start = start or T0 + timedelta(hours=1)
    return callback_request(
        customer=customer,
        phone=customer.phone,
        window_start=start,
        window_end=start + timedelta(hours=1),
        contact_type="repair",
    )


def sms(kind: str) -> list[Message]:
    return list(Message.objects.filter(kind=kind, channel="sms").order_by("pk"))


def test_cancel_a_waiting_callback_takes_it_out_of_the_queue(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    staff("boss", roles.BRAND_ADMIN)
    callback = booked(customer)
    clock.move_to(T0 + timedelta(hours=1, minutes=5))  # the window is open: it waits
    assert queue_snapshot().entry_for(callback.contact_id) is not None
    callback_cancel(callback=callback)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CANCELLED and callback.cancelled_at is not None
    contact = Contact.objects.get(pk=callback.contact_id)
    assert contact.status == ContactStatus.CLOSED and contact.closed_at is not None
    assert queue_snapshot().entry_for(contact.pk) is None
    # the customer is told (SMS with the window, and the portal)
    (cancelled,) = sms("contact.callback_cancelled")
    assert cancelled.params == {"start": "2026-11-23 11:00", "end": "2026-11-23 12:00"}
    assert Message.objects.filter(kind="contact.callback_cancelled", channel="portal").exists()
    assert contact.messages.filter(sender="system").exists()  # the agent sees why
    # never due: not missed, not escalated, not counted
    clock.move_to(T0 + timedelta(hours=9))
    assert callbacks_escalate_due() == 0
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CANCELLED and callback.escalation_level == 0
    figures = missed_callbacks(period_from=T0, period_to=T0 + timedelta(days=1))
    assert figures.due == 0 and figures.missed == 0
    assert not Message.objects.filter(kind="contact.callback_missed").exists()
    # an agent cannot record it as made
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    with pytest.raises(DomainError) as err:
        callback_done(callback=callback, agent_user=agent)
    assert err.value.code == "callback_cancelled"


def test_move_a_callback_and_its_queue_time_follows(customer: Customer, clock: Clock) -> None:
    callback = booked(customer)
    callback_move(callback=callback, window_start=at(24, 9), window_end=at(24, 10))
    callback.refresh_from_db()
    contact = Contact.objects.get(pk=callback.contact_id)
    assert (callback.window_start, callback.window_end) == (at(24, 9), at(24, 10))
    assert contact.queued_at == at(24, 9) and contact.status == ContactStatus.QUEUED
    confirmations = sms("contact.callback")
    assert len(confirmations) == 2  # booked, then moved
    assert confirmations[-1].params == {"start": "2026-11-24 09:00", "end": "2026-11-24 10:00"}
    assert Message.objects.filter(subject__in=["Callback moved", "回电已改约"]).exists()
    # the same window again changes nothing, tells no one
    callback_move(callback=callback, window_start=at(24, 9), window_end=at(24, 10))
    assert len(sms("contact.callback")) == 2
    # the old window passes: nothing is missed; the new one is the deadline
    clock.move_to(T0 + timedelta(hours=3))
    assert callbacks_escalate_due() == 0
    assert queue_snapshot().entry_for(contact.pk) is None  # not before its new window
    clock.move_to(at(24, 9, 5))
    assert queue_snapshot().entry_for(contact.pk) is not None


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (at(24, 3), at(24, 4), "outside_hours"),
        (at(24, 9), at(24, 9, 5), "invalid_window"),
        (at(23, 9), at(23, 10), "invalid_window"),  # already started (T0 is 10:00)
        (at(30, 10), at(30, 11), "invalid_window"),  # more than 7 days ahead
    ],
)
def test_a_move_is_checked_like_a_booking(
    customer: Customer, clock: Clock, start: datetime, end: datetime, code: str
) -> None:
    callback = booked(customer)
    with pytest.raises(DomainError) as err:
        callback_move(callback=callback, window_start=start, window_end=end)
    assert err.value.code == code and err.value.status == 422
    callback.refresh_from_db()
    assert callback.window_start == T0 + timedelta(hours=1)
    assert len(sms("contact.callback")) == 1


def test_no_change_once_the_window_ended_or_an_agent_calls(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    ended = booked(customer)
    calling = booked(customer, T0 + timedelta(hours=2))
    clock.move_to(T0 + timedelta(hours=2, minutes=1))  # the first window ended, missed
    with pytest.raises(DomainError) as err:
        callback_cancel(callback=ended)
    assert err.value.code == "callback_closed" and err.value.status == 409
    with pytest.raises(DomainError) as err:
        callback_move(callback=ended, window_start=at(24, 9), window_end=at(24, 10))
    assert err.value.code == "callback_closed" and err.value.status == 409
    # the second window is open and an agent takes it: in progress
    agent = staff("agent1")
    agent_profile_ensure(user=agent)
    agent_set_status(agent_user=agent, status=AgentStatus.AVAILABLE)
    assert Contact.objects.get(pk=calling.contact_id).status == ContactStatus.ASSIGNED
    with pytest.raises(DomainError) as err:
        callback_cancel(callback=calling)
    assert err.value.code == "callback_in_progress"
    callback_done(callback=calling, agent_user=agent)
    with pytest.raises(DomainError) as err:
        callback_cancel(callback=calling)
    assert err.value.code == "callback_closed"
    assert not sms("contact.callback_cancelled")


# --- the API --------------------------------------------------------------------------------


def cancel(client: Client, pk: int) -> Any:
    return post(client, f"{API}/callbacks/{pk}/cancel")


def move(client: Client, pk: int, start: datetime, end: datetime) -> Any:
    body = {"window_start": start.isoformat(), "window_end": end.isoformat()}
    return post(client, f"{API}/callbacks/{pk}/move", body)


def test_api_cancel_and_move_by_their_customer_only(
    customer: Customer, other: Customer, staff: Staff, clock: Clock
) -> None:
    mine = booked(customer)
    me, them, agent = as_user(customer.user), as_user(other.user), as_user(staff("agent1"))
    assert cancel(them, mine.pk).json()["error"]["code"] == "callback_not_found"
    assert move(them, mine.pk, at(24, 9), at(24, 10)).status_code == 404
    assert cancel(agent, mine.pk).status_code == 403
    moved = move(me, mine.pk, at(24, 9), at(24, 10))
    assert moved.status_code == 200, moved.json()
    assert moved.json()["window_start"] == "2026-11-24T09:00:00+08:00"
    outside = move(me, mine.pk, at(24, 19), at(24, 20))
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "outside_hours"
    naive = post(
        me,
        f"{API}/callbacks/{mine.pk}/move",
        {"window_start": "2026-11-24T10:00:00", "window_end": "2026-11-24T11:00:00"},
    )
    assert naive.json()["error"]["code"] == "timezone_required"
    done = cancel(me, mine.pk)
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled" and done.json()["changeable"] is False
    assert done.json()["cancelled_at"] == "2026-11-23T10:00:00+08:00"
    again = cancel(me, mine.pk)
    assert again.status_code == 409 and again.json()["error"]["code"] == "callback_closed"
    assert cancel(me, 999999).status_code == 404
    assert ContactMessage.objects.filter(contact_id=mine.contact_id, sender="system").count() == 2


def test_openapi_documents_cancel_move_and_windows(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path, codes in {
        "/api/v1/callbacks/{callback_id}/cancel": {"200", "403", "404", "409"},
        "/api/v1/callbacks/{callback_id}/move": {"200", "403", "404", "409", "422"},
    }.items():
        operation = paths[path]["post"]
        assert codes <= set(operation["responses"]) and "contact" in operation["tags"]
    assert "outside_hours" in paths["/api/v1/callbacks"]["post"]["description"]
    assert "200" in paths["/api/v1/callbacks/windows"]["get"]["responses"]
