"""core.rows.insert writes what bulk_create would, alone or several models in one statement
(``written_together``), on PostgreSQL and SQLite."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from fairdesk.core import rows
from fairdesk.core.rows import insert, written_together
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message
from fairdesk.service_requests.choices import Status

pytestmark = pytest.mark.django_db


def fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def two_messages(customer: Customer) -> list[Message]:
    """An SMS and a portal copy, new (no id)."""
    return [
        Message(channel="sms", kind="t", body="你好", recipient="13800138000", customer=customer),
        Message(channel="portal", kind="t", body="你好", subject="主题", customer=customer),
    ]


def test_insert_writes_the_rows_bulk_create_would(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False)
    customer = Customer.objects.create(phone="13800138000", name="李雷")
    ours, theirs = two_messages(customer), two_messages(customer)
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
    refused = Group(name="given id")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert([refused])  # unique name: the database refuses, as with the ORM
    assert refused.pk is None and refused._state.adding  # still a new instance
    with pytest.raises(ValueError, match="all with an id or all without"):
        insert([Group(id=9002, name="a"), Group(name="b")])
    insert([])  # nothing to write


def together_statements() -> int:
    """How many statements a ``written_together`` block of inserts into three tables costs."""
    return 1 if connection.vendor == "postgresql" else 3


def test_written_together_writes_several_models_in_one_statement(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False)
    customer = Customer.objects.create(phone="13800138000", name="李雷")
    apart = two_messages(customer)
    insert(apart)
    groups = [Group(name="甲"), Group(name="乙")]
    messages = two_messages(customer)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), written_together():
        insert(groups)
        insert(messages)
        insert([Group(id=9101, name="丙")])  # an id given: nothing returned for it
    writes = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(writes) == together_statements()
    # the ids the database gave, in the order of the rows, and the rows as insert writes them
    assert [g.name for g in Group.objects.filter(pk__in=[g.pk for g in groups])] == ["甲", "乙"]
    assert Group.objects.get(pk=9101).name == "丙"
    assert messages[1].pk == messages[0].pk + 1
    for mine, alone in zip(messages, apart, strict=True):
        assert not mine._state.adding and mine._state.db == "default"
        a, b = fields(Message.objects.get(pk=mine.pk)), fields(Message.objects.get(pk=alone.pk))
        assert a.pop("id") != b.pop("id")
        assert a == b


def test_written_together_keeps_the_order_of_statements() -> None:
    """A statement run in the block first writes the inserts queued before it: a read sees
    them, and an update changes them."""
    customer = Customer.objects.create(phone="13800138001", name="韩梅梅")
    with transaction.atomic(), written_together():
        message = Message(channel="portal", kind="t", body="一", customer=customer)
        insert([message])
        assert Message.objects.filter(customer=customer).count() == 1
        assert message.pk is not None
        insert([Group(name="丁")])
        Group.objects.filter(name="丁").update(name="戊")
        with written_together():  # a nested block joins the outer one
            insert([Group(name="己")])
    assert set(
        Group.objects.filter(name__in=["丁", "戊", "己"]).values_list("name", flat=True)
    ) == {
        "戊",
        "己",
    }


def test_written_together_fails_as_a_whole_and_the_transaction_rolls_back() -> None:
    customer = Customer.objects.create(phone="13800138002", name="王五")
    Group.objects.create(name="taken")
    message = Message(channel="portal", kind="t", body="一", customer=customer)
    with pytest.raises(IntegrityError), transaction.atomic(), written_together():
        insert([message])
        insert([Group(name="taken")])  # the database refuses the block's statement
    assert not Message.objects.filter(customer=customer).exists()
    if connection.vendor == "postgresql":  # never written (SQLite wrote it, then rolled back)
        assert message.pk is None and message._state.adding
    # the connection is usable after the failure, with or without a block
    with transaction.atomic(), written_together():
        insert([Group(name="free")])
    assert Group.objects.filter(name="free").exists()


SAMPLES: dict[type, list[Any]] = {
    str: ["", "维修 50%", "x" * 300],
    bool: [True, False],
    int: [0, 42, -7, 2**31 + 5],
    datetime: [
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 16, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
    ],
}


def test_the_short_way_gives_djangos_parameters(time_machine: Any) -> None:
    """For every field of every model, the parameters ``insert`` makes are Django's
    (``pre_save`` then ``get_db_prep_save``): the same values of the same types, for each kind
    of value the short way accepts, and None."""
    time_machine.move_to(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False)
    models = [m for m in apps.get_models() if not m._meta.parents and m._meta.managed]
    short = 0
    for model in models:
        statement = rows._insert_statement(model, "default", 1, True)
        if connection.vendor != "postgresql":
            assert {how for how, _types, _wrap in statement.plain} == {rows._DJANGO}
            continue
        for round_ in range(5):
            obj = model()
            for f, (how, types, _wrap) in zip(statement.fields, statement.plain, strict=True):
                if how is rows._DJANGO:
                    continue
                short += 1
                kinds = [t for t in types if t is not type(None)]
                if how is rows._AWARE:
                    kinds = [datetime]
                values = [v for t in kinds for v in SAMPLES[t]] + [None]
                if how is rows._TEXT_AS_IS:
                    values.append(Status.NEW)  # a choice: a str enum
                setattr(obj, f.attname, values[round_ % len(values)])
            ours = rows._params(statement, [obj], connection)
            django = [
                f.get_db_prep_save(f.pre_save(obj, True), connection) for f in statement.fields
            ]
            for f, a, b in zip(statement.fields, ours, django, strict=True):
                # (psycopg's Jsonb wrapper has no ==: its content is compared)
                a, b = getattr(a, "obj", a), getattr(b, "obj", b)
                if isinstance(b, str) and type(b) is not str:  # a choice: its text, as psycopg
                    b = str.__str__(b)  # would send it (str before Enum in its classes)
                assert (type(a), a) == (type(b), b), (model.__name__, f.name)
    if connection.vendor == "postgresql":
        assert short > 100  # the short way is taken: text, flags, numbers, times, references
        with connection.cursor() as cursor:  # psycopg sends a choice as its text
            cursor.execute("SELECT %s::text, %s::text", [Status.NEW, str.__str__(Status.NEW)])
            assert cursor.fetchone() == (Status.NEW.value, Status.NEW.value)


def test_values_the_short_way_does_not_accept_go_djangos_way() -> None:
    """A lazy translation, an expression: Django's own conversion (and refusal) apply."""
    from django.db.models import F
    from django.utils.translation import gettext_lazy

    customer = Customer.objects.create(phone="13800138000")
    lazy = gettext_lazy("Service request")
    message = Message(channel="portal", kind="t", body=lazy, customer=customer)
    insert([message])
    assert Message.objects.get(pk=message.pk).body == str(lazy)
    with pytest.raises(TypeError, match="expression"):
        insert([Message(channel="portal", kind="t", body=F("subject"), customer=customer)])


def test_instances_are_what_from_db_gives() -> None:
    """``instances`` makes read rows into instances without ``Model.__init__`` when that would
    only store the values: the same attributes and state as Django's ``from_db``."""
    from django.db.models.signals import post_init

    customer = Customer.objects.create(phone="13800138000", name="李雷")
    message = Message.objects.create(channel="portal", kind="t", body="你好", customer=customer)
    qn = connection.ops.quote_name
    for obj in (customer, message, Group.objects.create(name="组")):
        model = type(obj)
        cols = rows.columns(model, "x", connection)
        assert cols.plain_init
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {cols.sql} FROM {qn(model._meta.db_table)} x WHERE x.id = %s",
                [obj.pk],
            )
            row = cursor.fetchone()
        ours = rows.instances(row, [cols], connection)[0]
        django = rows.instances(row, [dataclasses.replace(cols, plain_init=False)], connection)[0]
        assert type(ours) is model
        state = {k: v for k, v in ours.__dict__.items() if k != "_state"}
        assert state == {k: v for k, v in django.__dict__.items() if k != "_state"}
        assert (ours._state.adding, ours._state.db) == (False, "default")
        assert (ours._state.adding, ours._state.db) == (django._state.adding, django._state.db)
        assert ours == obj and ours.pk == obj.pk

    cols = rows.columns(Message, "x", connection)  # kept by callers, as here
    with connection.cursor() as cursor:
        sql = f"SELECT {cols.sql} FROM notifications_message x WHERE x.id = %s"
        cursor.execute(sql, [message.pk])
        row = cursor.fetchone()
    made: list[Any] = []

    def listener(instance: Any, **kwargs: Any) -> None:
        made.append(instance)

    post_init.connect(listener, sender=Message)  # connected after the columns were made
    try:
        (read,) = rows.instances(row, [cols], connection)
        assert len(made) == 1 and made[0] is read  # Django's __init__ ran, and its signal
    finally:
        post_init.disconnect(listener, sender=Message)


def _sample_values(model: Any, round_: int, related: dict[Any, Any]) -> dict[str, Any]:
    """Keyword arguments for ``model(...)``: some fields left to their defaults, the others
    given by name or attname, related instances given as instances, as ids, or None."""
    values: dict[str, Any] = {}
    for i, f in enumerate(model._meta.concrete_fields):
        pick = (i + round_) % 4
        if pick == 0:
            continue  # the default
        if f.is_relation:
            target = related.get(f.related_model)
            if pick == 1 and target is not None:
                values[f.name] = target
            elif pick == 2 and target is not None:
                values[f.attname] = target.pk
            elif f.null:
                values[f.name] = None
            continue
        internal = f.get_internal_type()
        if internal in ("CharField", "TextField", "SlugField", "EmailField"):
            values[f.attname] = f"值{round_}"
        elif internal == "BooleanField":
            values[f.attname] = bool(round_ % 2)
        elif "Integer" in internal or internal in ("AutoField", "BigAutoField"):
            values[f.attname] = 7 + round_
        elif internal == "DateTimeField":
            values[f.attname] = datetime(2026, 3, 1, 8, round_, tzinfo=UTC)
        elif f.null:
            values[f.attname] = None
    return values


def test_new_makes_the_instance_django_makes() -> None:
    """``new`` against ``Model(**values)`` for every model: the same attributes, related
    instances in the same cache, the same state; and Django's own path where ``new`` does not
    apply (an unknown keyword, a field given twice, a receiver of ``post_init``)."""
    from django.contrib.auth.models import User
    from django.db.models.signals import post_init

    customer = Customer.objects.create(phone="13800138000", name="李雷")
    user = User.objects.create(username="new-test")
    related: dict[Any, Any] = {Customer: customer, User: user}
    made = 0
    for model in apps.get_models():
        if rows._new_plan(model) is None:
            continue
        for round_ in range(4):
            values = _sample_values(model, round_, related)
            ours, django = rows.new(model, **values), model(**values)
            assert type(ours) is model
            keys = set(ours.__dict__) | set(django.__dict__)
            for key in keys - {"_state"}:
                a, b = ours.__dict__.get(key, "missing"), django.__dict__.get(key, "missing")
                if callable(getattr(model._meta.get_field(key), "default", None)) and key != "id":
                    continue  # a callable default (a new uuid, now): made twice, compared below
                assert (type(a), a) == (type(b), b), (model.__name__, key)
            # (the fields' cache is made when first used: Django's path may have made it)
            for state in (ours._state, django._state):
                assert set(vars(state)) <= {"db", "adding", "fields_cache"}
            assert (ours._state.adding, ours._state.db, ours._state.fields_cache) == (
                django._state.adding,
                django._state.db,
                django._state.fields_cache,
            ), model.__name__
            made += 1
    assert made > 40  # most models qualify: the request's rows, messages, users, ...

    with pytest.raises(TypeError, match="unexpected keyword"):
        rows.new(Message, channel="sms", colour="red")
    both = rows.new(Message, customer=customer, customer_id=customer.pk, body="x")
    assert both.customer_id == customer.pk  # Django's path
    seen: list[Any] = []

    def listener(instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(listener, sender=Message)
    try:
        made_now = rows.new(Message, channel="sms", body="x")
        assert seen == [made_now]  # Django's __init__ ran, with its signal
    finally:
        post_init.disconnect(listener, sender=Message)


# ``atomic_write`` as the outermost transaction: tests that are not themselves in one
# (serialized_rollback, as the suite's other transactional tests: see customers/test_login)
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL: one statement is the transaction"
)


@pytest.fixture
def sent(monkeypatch: Any) -> list[bytes]:
    """The commands psycopg sends by itself (BEGIN, COMMIT, ROLLBACK)."""
    from psycopg._connection_base import BaseConnection

    commands: list[bytes] = []
    real = BaseConnection._exec_command

    def recorded(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        commands.append(command if isinstance(command, bytes) else str(command).encode())
        return real(self, command, *args, **kwargs)

    monkeypatch.setattr(BaseConnection, "_exec_command", recorded)
    return commands


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_write_of_rows_alone_sends_no_begin_or_commit(sent: list[bytes]) -> None:
    from fairdesk.core.ids import next_id

    customer = Customer.objects.create(phone="13800138000")
    after: list[int] = []
    sent.clear()
    with CaptureQueriesContext(connection) as queries, rows.atomic_write():
        pk = next_id(Message)  # a sequence: opens no transaction
        insert([Message(id=pk, channel="portal", kind="t", body="一", customer=customer)])
        insert(two_messages(customer))
        transaction.on_commit(lambda: after.append(Message.objects.count()))
    assert sent == []  # neither BEGIN nor COMMIT
    # (Django's log lists its BEGIN and COMMIT; psycopg sent neither, above)
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements[:-1] == ["BEGIN", "SELECT", "WITH", "COMMIT"]  # nextval, the rows
    assert after == [3]  # the callback ran once the rows were in
    assert Message.objects.filter(pk=pk).exists()
    assert connection.connection.autocommit and not connection.in_atomic_block


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_write_with_another_statement_is_a_transaction(sent: list[bytes]) -> None:
    customer = Customer.objects.create(phone="13800138000")
    sent.clear()
    with pytest.raises(RuntimeError), rows.atomic_write():
        insert(two_messages(customer))
        assert Customer.objects.count() == 1  # a read: the transaction opens before it
        raise RuntimeError("after the rows were written, inside the block")
    assert sent[0].startswith(b"BEGIN") and b"ROLLBACK" in sent
    assert Message.objects.count() == 0  # rolled back with the block
    sent.clear()
    with rows.atomic_write():
        insert(two_messages(customer))
        Customer.objects.filter(pk=customer.pk).update(name="李雷")
    assert sent[0].startswith(b"BEGIN") and b"COMMIT" in sent
    assert Message.objects.count() == 2


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_write_refused_leaves_nothing_and_runs_no_callback() -> None:
    insert([Group(id=9001, name="taken")])
    called: list[int] = []
    with pytest.raises(IntegrityError), rows.atomic_write():
        insert([Group(name="new one")])
        insert([Group(name="taken")])  # the unique name: the one statement fails as a whole
        transaction.on_commit(lambda: called.append(1))
    assert called == []
    names = Group.objects.filter(name__in=["taken", "new one"]).values_list("name", flat=True)
    assert list(names) == ["taken"]  # the connection works on
