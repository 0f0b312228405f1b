"""A discrete-event simulation (SimPy) of a peak day through the real queue rule.

Contacts arrive by type at a rate that rises to a lunchtime and an evening peak; each waits in
the queue until ``ordering.assign`` — the same function ``services.queue.queue_dispatch`` calls —
hands it to an agent; the agent handles it for a random time and takes the next. Reported per type:
how many, mean / p50 / p95 / max wait. Used by ``bench/sim_queue.py`` (the full day, figures in
docs/benchmarks.md) and by a short run in the tests.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import simpy

from fairdesk.contact import ordering
from fairdesk.contact.choices import ContactType

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai

#: Share of contacts by type on a peak day, and mean handle time in seconds.
DEFAULT_MIX: dict[str, tuple[float, float]] = {
    ContactType.BUY_UPGRADE: (0.22, 240),
    ContactType.DOWNGRADE_CANCEL: (0.14, 300),
    ContactType.REFUND: (0.08, 360),
    ContactType.COMPLAINT: (0.08, 480),
    ContactType.REPAIR: (0.33, 300),
    ContactType.CONSULTATION: (0.15, 180),
}
SAFETY_SHARE = 0.01  # of repair contacts: a gas, electrical or fire hazard


def rate_profile(hour: float) -> float:
    """Relative arrival rate over a 12-hour day (08:00–20:00): peaks at 11:00 and 19:00."""
    return 0.5 + math.exp(-((hour - 3) ** 2) / 2) + 0.8 * math.exp(-((hour - 11) ** 2) / 1.5)


@dataclass
class Result:
    waits: dict[str, list[float]] = field(default_factory=dict)
    unanswered: dict[str, int] = field(default_factory=dict)
    contacts: int = 0
    agents: int = 0

    def stats(self) -> dict[str, dict[str, float]]:
        out = {}
        for kind, waits in sorted(self.waits.items()):
            ordered = sorted(waits)
            n = len(ordered)
            out[kind] = {
                "contacts": n,
                "mean_s": round(sum(ordered) / n, 1) if n else 0.0,
                "p50_s": round(_pct(ordered, 50), 1),
                "p95_s": round(_pct(ordered, 95), 1),
                "max_s": round(ordered[-1], 1) if n else 0.0,
                "unanswered": self.unanswered.get(kind, 0),
            }
        return out


def _pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[k]


def simulate(
    *,
    contacts_per_day: int = 6000,
    agents: int = 30,
    hours: float = 12,
    seed: int = 1,
    mix: dict[str, tuple[float, float]] | None = None,
    max_concurrent: int = 1,
) -> Result:
    mix = mix or DEFAULT_MIX
    rng = random.Random(seed)
    env = simpy.Environment()
    result = Result(agents=agents)
    kinds = list(mix)
    weights = [mix[k][0] for k in kinds]
    # the mean rate so that the profile integrates to contacts_per_day over the day
    steps = 1200
    mean_profile = sum(rate_profile(hours * i / steps) for i in range(steps)) / steps
    base_rate = contacts_per_day / (hours * 3600) / mean_profile
    peak_rate = base_rate * max(rate_profile(hours * i / steps) for i in range(steps))

    waiting: dict[int, tuple[ordering.QueueItem, float]] = {}
    idle_since = {a: START for a in range(agents)}
    busy = {a: 0 for a in range(agents)}
    wake = {"event": env.event()}

    def now_dt() -> datetime:
        return START + timedelta(seconds=env.now)

    def dispatch() -> None:
        states = [
            ordering.AgentState(
                agent_id=a,
                available=True,
                active_contacts=busy[a],
                max_concurrent=max_concurrent,
                idle_since=idle_since[a],
            )
            for a in range(agents)
        ]
        items = [item for item, _handle in waiting.values()]
        for assignment in ordering.assign(items, states, now_dt()):
            item, handle = waiting.pop(assignment.contact_id)
            result.waits.setdefault(item.contact_type, []).append(
                (now_dt() - item.queued_at).total_seconds()
            )
            busy[assignment.agent_id] += 1
            env.process(handle_contact(assignment.agent_id, handle))

    def handle_contact(agent: int, handle: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(handle)
        busy[agent] -= 1
        if not busy[agent]:
            idle_since[agent] = now_dt()
        dispatch()

    def arrivals() -> Generator[simpy.Event, Any, None]:
        contact_id = 0
        while env.now < hours * 3600:
            # thinning: a Poisson process with the day's time-varying rate
            yield env.timeout(rng.expovariate(peak_rate))
            if env.now >= hours * 3600:
                break
            if rng.random() > base_rate * rate_profile(env.now / 3600) / peak_rate:
                continue
            contact_id += 1
            kind = rng.choices(kinds, weights)[0]
            hazard = kind == ContactType.REPAIR and rng.random() < SAFETY_SHARE
            handle = rng.expovariate(1 / mix[kind][1])
            waiting[contact_id] = (
                ordering.QueueItem(contact_id, kind, hazard, now_dt()),
                handle,
            )
            result.contacts += 1
            dispatch()

    env.process(arrivals())
    del wake
    env.run()  # the day ends when the last contact has been handled
    for item, _handle in waiting.values():
        result.unanswered[item.contact_type] = result.unanswered.get(item.contact_type, 0) + 1
    return result
