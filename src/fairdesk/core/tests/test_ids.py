"""next_id: the id a row will get, taken before it is written (PostgreSQL and SQLite)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from fairdesk.core.ids import next_id


@pytest.mark.django_db
def test_the_taken_id_is_written_and_never_handed_out_again() -> None:
    with transaction.atomic():
        before = Group.objects.create(name="before")
        taken = next_id(Group)
        assert taken > before.pk
        Group.objects.create(id=taken, name="taken")
        after = Group.objects.create(name="after")
        assert after.pk == taken + 1  # the database's own counter moved past it
        assert next_id(Group) == after.pk + 1


@pytest.mark.django_db
def test_an_empty_table_starts_at_one_after_the_largest_id() -> None:
    Group.objects.all().delete()
    with transaction.atomic():
        taken = next_id(Group)
        assert taken >= 1 and not Group.objects.filter(pk__gte=taken).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_sqlite_only_inside_a_transaction_that_holds_the_write_lock() -> None:
    """Outside a transaction two writers could read the same counter; PostgreSQL's sequence
    hands each caller its own id anywhere."""
    if connection.vendor == "sqlite":
        with pytest.raises(RuntimeError, match="IMMEDIATE"):
            next_id(Group)
    else:
        assert next_id(Group) != next_id(Group)
