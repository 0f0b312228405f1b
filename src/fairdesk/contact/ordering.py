"""The queue's one ordering rule and the choice of agent — pure functions, published as is.

The rule, in plain words (also on the public page):

1. Every waiting contact has a queue time: the moment it asked for a person, moved earlier by
   a head start for its class — 2 hours for a safety hazard (gas, electricity, fire, smoke),
   30 minutes for the green channel (complaints, downgrade or cancel, refunds), none for
   everything else (buying, upgrading, repairs, questions).
2. The contact with the earliest queue time is served first (same queue time: the higher class,
   then the earlier contact).
3. So safety comes first, then the green channel, then the rest; first come, first served within
   a class; and waiting is what raises priority: a contact can only be overtaken by contacts that
   arrived less than 2 hours after it, so nothing waits without bound.
4. The contact goes to the eligible agent (available, below their limit, with the product line
   and language) with the fewest open conversations, and among those to the one idle the
   longest (since their last conversation ended, or since they became available).

The input type, ``QueueItem``, has exactly the fields the rule may read. It has no field for
revenue, plan tier, spend or any customer value, and ``tests/test_ordering.py`` fails if one is
added (guarantee F7).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fairdesk.contact.choices import GREEN_TYPES
from fairdesk.core import safety

SAFETY, GREEN, STANDARD = 0, 1, 2
CLASS_NAMES = {SAFETY: "safety", GREEN: "green", STANDARD: "standard"}
HEAD_START = {SAFETY: timedelta(hours=2), GREEN: timedelta(minutes=30), STANDARD: timedelta(0)}

#: What marks a safety hazard: one list for the whole product (``fairdesk.core.safety``).
HAZARD_WORDS = safety.HAZARD_WORDS
looks_hazardous = safety.looks_hazardous


@dataclass(frozen=True)
class QueueItem:
    """What the ordering may know about a waiting contact. Nothing else."""

    contact_id: int
    contact_type: str
    safety_hazard: bool
    queued_at: datetime
    product_line: str = ""
    language: str = "zh-hans"


#: The fields the rule may read; adding one is a change of the published rule.
QUEUE_ITEM_FIELDS = frozenset(f.name for f in dataclasses.fields(QueueItem))


@dataclass(frozen=True)
class AgentState:
    """What the assignment may know about an agent."""

    agent_id: int
    available: bool
    active_contacts: int
    max_concurrent: int
    idle_since: datetime  # when the agent's last conversation ended (or they became available)
    product_lines: frozenset[str] = frozenset()  # empty: every product line
    languages: frozenset[str] = frozenset({"zh-hans"})


def class_of(contact_type: str, safety_hazard: bool) -> int:
    """A contact's class: safety, green or standard (by its type and the hazard flag only)."""
    if safety_hazard:
        return SAFETY
    if contact_type in GREEN_TYPES:
        return GREEN
    return STANDARD


def base_class(item: QueueItem) -> int:
    return class_of(item.contact_type, item.safety_hazard)


def queue_time(item: QueueItem) -> datetime:
    """When the contact counts as having arrived: its arrival less its class's head start."""
    return item.queued_at - HEAD_START[base_class(item)]


def sort_key(item: QueueItem, now: datetime | None = None) -> tuple[datetime, int, int]:
    """Queue time, then class, then the contact id (``now`` is not needed: the order of two
    waiting contacts never changes while they wait)."""
    return (queue_time(item), base_class(item), item.contact_id)


def order_queue(items: Iterable[QueueItem], now: datetime) -> list[QueueItem]:
    """The queue in the order it is served."""
    return sorted(items, key=lambda item: sort_key(item, now))


def eligible(agent: AgentState, item: QueueItem) -> bool:
    if not agent.available or agent.active_contacts >= agent.max_concurrent:
        return False
    if item.product_line and agent.product_lines and item.product_line not in agent.product_lines:
        return False
    return not agent.languages or item.language in agent.languages


@dataclass(frozen=True)
class Assignment:
    contact_id: int
    agent_id: int
    reason: dict[str, Any]


def assign(
    items: Iterable[QueueItem], agents: Sequence[AgentState], now: datetime
) -> list[Assignment]:
    """Hand out waiting contacts in queue order, each to the eligible agent with the fewest open
    conversations, then idle the longest.

    A contact no agent can take (skills, language) does not block the ones behind it.
    """
    pool = {agent.agent_id: agent for agent in agents}
    out: list[Assignment] = []
    for position, item in enumerate(order_queue(items, now), start=1):
        candidates = [a for a in pool.values() if eligible(a, item)]
        if not candidates:
            continue
        agent = min(candidates, key=lambda a: (a.active_contacts, a.idle_since, a.agent_id))
        out.append(
            Assignment(
                contact_id=item.contact_id,
                agent_id=agent.agent_id,
                reason={
                    "class": CLASS_NAMES[base_class(item)],
                    "head_start_minutes": int(HEAD_START[base_class(item)].total_seconds() // 60),
                    "queue_time": queue_time(item).isoformat(),
                    "position": position,
                    "waited_seconds": int(max(timedelta(0), now - item.queued_at).total_seconds()),
                    "agent_idle_seconds": int(
                        max(timedelta(0), now - agent.idle_since).total_seconds()
                    ),
                    "candidates": len(candidates),
                    "rule": (
                        "earliest queue time; the eligible agent with the fewest open "
                        "conversations, then idle the longest"
                    ),
                },
            )
        )
        pool[agent.agent_id] = dataclasses.replace(agent, active_contacts=agent.active_contacts + 1)
    return out
