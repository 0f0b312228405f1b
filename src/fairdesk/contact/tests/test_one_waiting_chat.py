"""One waiting web chat per customer (issue 24, item 23): each click of 转人工 queued a new
contact (three waiting contacts for one customer). Asking again — the button of any page, or in
another chat — shows the place already held; racing clicks are settled by the database
constraint (PostgreSQL, threads)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from fairdesk.contact.choices import Channel, ContactStatus, ContactType, Sender
from fairdesk.contact.models import Contact
from fairdesk.contact.selectors import queue_snapshot
from fairdesk.contact.services.conversations import (
    contact_close,
    contact_request_human,
    contact_say,
    contact_start,
    contact_talk_to_person,
)
from fairdesk.contact.tests.conftest import API, T0, Clock, as_user, post, start
from fairdesk.core.testing import at_once
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def waiting(customer: Customer) -> list[Contact]:
    return list(Contact.objects.filter(customer=customer, status=ContactStatus.QUEUED))


def chat(customer: Customer, text: str = "") -> Contact:
    return contact_start(
        customer=customer,
        contact_type=ContactType.CONSULTATION,
        channel=Channel.WEB_CHAT,
        text=text,
    )


def test_the_button_clicked_three_times_queues_one_contact(
    customer: Customer, clock: Clock
) -> None:
    first, created = contact_talk_to_person(customer=customer)
    assert created and first.status == ContactStatus.QUEUED and first.queued_at == T0
    for _ in range(2):
        again, created = contact_talk_to_person(customer=customer)
        assert again.pk == first.pk and not created
    assert [c.pk for c in waiting(customer)] == [first.pk]
    assert len(queue_snapshot().entries) == 1


def test_asking_in_another_chat_shows_the_place_held(
    customer: Customer, other: Customer, clock: Clock
) -> None:
    theirs, _created = contact_talk_to_person(customer=other)
    held, _created = contact_talk_to_person(customer=customer)
    second = chat(customer, "空调不制冷")
    assert contact_request_human(contact=second).pk == held.pk
    contact_say(contact=second, text="转人工")  # asking in words: the same
    second.refresh_from_db()
    assert second.status == ContactStatus.BOT and second.queued_at is None
    notes = list(second.messages.filter(sender=Sender.SYSTEM).values_list("text", flat=True))
    assert len(notes) == 2
    assert f"C{held.pk}" in notes[0] and f"/portal/contact/chats/{held.pk}/" in notes[0]
    assert "2" in notes[0]  # its place: second, behind the other customer
    assert [c.pk for c in waiting(customer)] == [held.pk]
    assert theirs.pk != held.pk
    # first words asking for a person in a third chat: the same
    third = chat(customer, "人工")
    assert Contact.objects.get(pk=third.pk).status == ContactStatus.BOT
    assert [c.pk for c in waiting(customer)] == [held.pk]


def test_a_hazard_reported_in_another_chat_moves_the_held_place_up(
    customer: Customer, other: Customer, clock: Clock
) -> None:
    contact_talk_to_person(customer=other)
    held, _created = contact_talk_to_person(customer=customer)
    assert queue_snapshot().entry_for(held.pk).position == 2  # type: ignore[union-attr]
    second = chat(customer, "热水器有燃气味")
    held.refresh_from_db()
    assert held.safety_hazard
    assert queue_snapshot().entry_for(held.pk).position == 1  # type: ignore[union-attr]
    assert Contact.objects.get(pk=second.pk).status == ContactStatus.BOT
    assert second.messages.filter(sender=Sender.SYSTEM, text__contains="119").exists()


def test_once_the_place_is_closed_a_new_one_can_be_queued(customer: Customer, clock: Clock) -> None:
    held, _created = contact_talk_to_person(customer=customer)
    contact_close(contact=held)
    again, created = contact_talk_to_person(customer=customer)
    assert created and again.pk != held.pk
    # anonymous contacts (a visitor's, e.g. the demo's) are not keyed: each waits on its own
    for _ in range(2):
        visitor = contact_start(contact_type="consultation", channel=Channel.WEB_CHAT)
        contact_request_human(contact=visitor)
    assert Contact.objects.filter(customer=None, status=ContactStatus.QUEUED).count() == 2


def test_the_database_refuses_a_second_waiting_chat(customer: Customer, clock: Clock) -> None:
    contact_talk_to_person(customer=customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            customer=customer,
            contact_type="refund",
            channel=Channel.WEB_CHAT,
            status=ContactStatus.QUEUED,
            created_at=T0,
            queued_at=T0,
        )
    # a callback is a promise of its own, not a second place in the chat queue
    Contact.objects.create(
        customer=customer,
        contact_type="refund",
        channel=Channel.CALLBACK,
        status=ContactStatus.QUEUED,
        created_at=T0,
        queued_at=T0,
    )


def test_api_human_in_a_second_chat_answers_the_held_one(customer: Customer, clock: Clock) -> None:
    me = as_user(customer.user)
    first = start(me)
    assert post(me, f"{API}/contacts/{first['id']}/human").json()["position"] == 1
    second = start(me)
    answer = post(me, f"{API}/contacts/{second['id']}/human")
    assert answer.status_code == 200
    assert answer.json()["id"] == first["id"] and answer.json()["position"] == 1
    assert len(waiting(customer)) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SQLite has one writer at a time)"
)
def test_racing_clicks_queue_one_contact(customer: Customer) -> None:
    outcomes = at_once(lambda: contact_talk_to_person(customer=customer), 8)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    contacts = {o[0].pk for o in outcomes if not isinstance(o, BaseException)}
    assert len(contacts) == 1
    assert sum(1 for o in outcomes if not isinstance(o, BaseException) and o[1]) == 1
    assert [c.pk for c in waiting(customer)] == list(contacts)
    assert Contact.objects.filter(customer=customer).count() == 1  # no stray contact


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SQLite has one writer at a time)"
)
def test_racing_requests_from_several_chats_queue_one(customer: Customer) -> None:
    chats = [chat(customer) for _ in range(6)]
    pending = list(chats)

    def ask() -> Contact:
        return contact_request_human(contact=pending.pop())

    outcomes = at_once(ask, len(chats))
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    held = waiting(customer)
    assert len(held) == 1
    assert {o.pk for o in outcomes if isinstance(o, Contact)} == {held[0].pk}
    for contact in chats:
        contact.refresh_from_db()
        if contact.pk != held[0].pk:
            assert contact.status == ContactStatus.BOT
            assert contact.messages.filter(text__contains=f"C{held[0].pk}").exists()


def test_the_migration_keeps_each_customers_first_place(customer: Customer) -> None:
    """Waiting chats queued twice before the constraint: the customer keeps the earliest place,
    the others are closed saying where it is."""
    from datetime import timedelta

    from django.db.migrations.executor import MigrationExecutor

    before = ("contact", "0002_roles")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_contact = executor.loader.project_state([before]).apps.get_model("contact", "Contact")
    ids = [
        old_contact.objects.create(
            customer_id=customer.pk,
            contact_type="consultation",
            channel="web_chat",
            status="queued",
            created_at=T0 + timedelta(minutes=minutes),
            queued_at=T0 + timedelta(minutes=minutes),
        ).pk
        for minutes in (5, 0, 9)
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0003 and whatever follows
    first = ids[1]
    assert [c.pk for c in waiting(customer)] == [first]
    for pk in (ids[0], ids[2]):
        closed = Contact.objects.get(pk=pk)
        assert closed.status == ContactStatus.CLOSED and f"C{first}" in closed.outcome
