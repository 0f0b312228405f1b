"""core.rows.insert writes what bulk_create would (PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from fairdesk.core.rows import insert
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message

pytestmark = pytest.mark.django_db


def fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_insert_writes_the_rows_bulk_create_would(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False)
    customer = Customer.objects.create(phone="13800138000", name="李雷")
    ours = [
        Message(channel="sms", kind="t", body="你好", recipient="13800138000", customer=customer),
        Message(channel="portal", kind="t", body="你好", subject="主题", customer=customer),
    ]
    theirs = [
        Message(channel="sms", kind="t", body="你好", recipient="13800138000", customer=customer),
        Message(channel="portal", kind="t", body="你好", subject="主题", customer=customer),
    ]
    insert(ours)
    Message.objects.bulk_create(theirs)
    for mine, django in zip(ours, theirs, strict=True):
        assert mine.pk is not None and not mine._state.adding and mine._state.db == "default"
        a, b = fields(Message.objects.get(pk=mine.pk)), fields(Message.objects.get(pk=django.pk))
        assert a.pop("id") != b.pop("id")
        assert a == b  # auto_now_add applied, defaults, foreign keys
        assert a["created_at"] == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert ours[1].pk == ours[0].pk + 1  # ids come back in the order of the rows


def test_insert_with_ids_and_constraints() -> None:
    insert([Group(id=9001, name="given id")])
    assert Group.objects.get(pk=9001).name == "given id"
    with pytest.raises(IntegrityError), transaction.atomic():
        insert([Group(name="given id")])  # unique name: the database refuses, as with the ORM
    with pytest.raises(ValueError, match="all with an id or all without"):
        insert([Group(id=9002, name="a"), Group(name="b")])
    insert([])  # nothing to write
