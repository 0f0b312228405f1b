"""The published queue rule (guarantee F7): properties of ``ordering``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from fairdesk.contact import ordering
from fairdesk.contact.choices import GREEN_TYPES, ContactType
from fairdesk.contact.models import Contact
from fairdesk.contact.ordering import HEAD_START, AgentState, QueueItem, assign, order_queue

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

#: The rule may read exactly these. Adding a field is changing the published rule: do it in the
#: rule's text (ordering.py docstring, the public page) and here, never with a customer-value
#: field.
ALLOWED_FIELDS = {
    "contact_id",
    "contact_type",
    "safety_hazard",
    "queued_at",
    "product_line",
    "language",
}
FORBIDDEN_WORDS = ("revenue", "spend", "tier", "plan", "value", "vip", "ltv", "price", "paid")


def test_queue_item_has_only_the_published_fields() -> None:
    assert {f.name for f in dataclasses.fields(QueueItem)} == ALLOWED_FIELDS


def test_nothing_about_customer_value_reaches_the_queue() -> None:
    names = [f.name for f in dataclasses.fields(QueueItem)] + [
        f.name for f in Contact._meta.get_fields()
    ]
    for name in names:
        assert not any(word in name.lower() for word in FORBIDDEN_WORDS), name


items = st.builds(
    QueueItem,
    contact_id=st.integers(1, 10**6),
    contact_type=st.sampled_from(list(ContactType.values)),
    safety_hazard=st.booleans(),
    queued_at=st.integers(0, 3 * 3600).map(lambda s: NOW - timedelta(seconds=s)),
)


@given(st.lists(items, max_size=30, unique_by=lambda i: i.contact_id))
def test_order_respects_classes_then_arrival(queue: list[QueueItem]) -> None:
    ordered = order_queue(queue, NOW)
    keys = [ordering.sort_key(i, NOW) for i in ordered]
    assert keys == sorted(keys)


@given(a=items, b=items)
def test_at_equal_arrival_safety_then_green_then_the_rest(a: QueueItem, b: QueueItem) -> None:
    a = dataclasses.replace(a, contact_id=1, queued_at=NOW)
    b = dataclasses.replace(b, contact_id=2, queued_at=NOW)
    first = order_queue([b, a], NOW)[0]
    rank = ordering.base_class
    if rank(a) < rank(b):
        assert first is a
    elif rank(b) < rank(a):
        assert first is b
    else:
        assert first is a  # same class, same time: contact id


@given(green=items, sales=items)
def test_a_green_contact_never_waits_behind_a_later_sale(
    green: QueueItem, sales: QueueItem
) -> None:
    green = dataclasses.replace(green, contact_type=ContactType.REFUND, safety_hazard=False)
    sales = dataclasses.replace(sales, contact_type=ContactType.BUY_UPGRADE, safety_hazard=False)
    assume(sales.queued_at >= green.queued_at)
    assert order_queue([sales, green], NOW)[0] == green


@given(st.lists(items, min_size=1, max_size=30, unique_by=lambda i: i.contact_id), items)
def test_waiting_bounds_priority(queue: list[QueueItem], late: QueueItem) -> None:
    """A contact is only ever overtaken by contacts that arrived less than the largest head start
    (2 hours) after it: whatever arrives later goes behind it, so no wait is unbounded."""
    biggest = max(HEAD_START.values())
    for item in queue:
        later = dataclasses.replace(
            late, contact_id=10**7, queued_at=item.queued_at + biggest + timedelta(seconds=1)
        )
        ordered = order_queue([*queue, later], NOW)
        assert ordered.index(item) < ordered.index(later)


@given(st.lists(items, max_size=30, unique_by=lambda i: i.contact_id))
def test_order_never_changes_while_contacts_wait(queue: list[QueueItem]) -> None:
    assert order_queue(queue, NOW) == order_queue(queue, NOW + timedelta(hours=5))


def test_green_types_are_complaint_cancel_refund() -> None:
    assert {ContactType.COMPLAINT, ContactType.DOWNGRADE_CANCEL, ContactType.REFUND} == GREEN_TYPES


def _agent(agent_id: int, idle_minutes: int, **kw: Any) -> AgentState:
    return AgentState(
        agent_id=agent_id,
        available=kw.pop("available", True),
        active_contacts=kw.pop("active", 0),
        max_concurrent=kw.pop("max_concurrent", 1),
        idle_since=NOW - timedelta(minutes=idle_minutes),
        **kw,
    )


def test_the_agent_idle_longest_gets_the_first_contact_with_a_logged_reason() -> None:
    queue = [
        QueueItem(1, ContactType.BUY_UPGRADE, False, NOW - timedelta(minutes=1)),
        QueueItem(2, ContactType.REFUND, False, NOW),
    ]
    plan = assign(queue, [_agent(10, 5), _agent(11, 30)], NOW)
    assert [(a.contact_id, a.agent_id) for a in plan] == [(2, 11), (1, 10)]
    assert plan[0].reason["class"] == "green" and plan[0].reason["position"] == 1


def test_skills_and_capacity_are_respected_without_blocking_others() -> None:
    queue = [
        QueueItem(1, ContactType.REPAIR, False, NOW - timedelta(minutes=3), product_line="safe"),
        QueueItem(2, ContactType.REPAIR, False, NOW, product_line="air_conditioner"),
    ]
    agents = [
        _agent(10, 5, product_lines=frozenset({"air_conditioner"})),
        _agent(11, 9, available=False),
        _agent(12, 9, active=2, max_concurrent=2),
    ]
    assert [(a.contact_id, a.agent_id) for a in assign(queue, agents, NOW)] == [(2, 10)]


def test_hazard_words() -> None:
    assert ordering.looks_hazardous("家里有燃气味，热水器漏气")
    assert ordering.looks_hazardous("I smell gas near the boiler")
    assert not ordering.looks_hazardous("空调不制冷")
