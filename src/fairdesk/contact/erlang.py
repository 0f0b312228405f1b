"""Erlang C staffing: how many agents answer a share of contacts within a target time.

For arrivals at rate λ (contacts per hour) with mean handle time h (seconds), the offered traffic
is A = λ·h/3600 erlangs. With N > A agents, the probability that a contact waits is Erlang C:

    C(N, A) = B(N, A) / (1 − (A/N)(1 − B(N, A)))

where B is Erlang B, computed by the stable recurrence B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)).
The share answered within t seconds is SL = 1 − C·exp(−(N − A)·t / h); the mean wait (ASA) is
C·h / (N − A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000


def erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact has to wait (1 when the agents cannot keep up)."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return b / (1 - (traffic / agents) * (1 - b))


def service_level(
    agents: int, traffic: float, handle_seconds: float, target_seconds: float
) -> float:
    if agents <= traffic:
        return 0.0
    c = erlang_c(agents, traffic)
    return 1 - c * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def average_wait(agents: int, traffic: float, handle_seconds: float) -> float:
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * handle_seconds / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    arrivals_per_hour: float
    handle_seconds: float
    traffic: float
    agents: int
    service_level: float
    wait_probability: float
    average_wait_seconds: float
    occupancy: float


def agents_needed(
    *,
    arrivals_per_hour: float,
    handle_seconds: float,
    target_share: float = 0.8,
    target_seconds: float = 20,
) -> Staffing:
    """The fewest agents that answer ``target_share`` of contacts within ``target_seconds``."""
    numbers = (arrivals_per_hour, handle_seconds, target_share, target_seconds)
    if not all(isinstance(x, int | float) and math.isfinite(x) for x in numbers):
        raise ValueError("every figure must be a finite number")
    if arrivals_per_hour < 0 or handle_seconds <= 0:
        raise ValueError("arrivals must be ≥ 0 and handle time > 0")
    if not 0 < target_share < 1 or target_seconds < 0:
        raise ValueError("the target share must be between 0 and 1, the target time ≥ 0")
    traffic = arrivals_per_hour * handle_seconds / 3600
    if traffic >= MAX_AGENTS:
        raise ValueError("more than 10,000 agents needed")
    # Erlang B by its recurrence, continued one agent at a time (linear, not quadratic)
    agents, b = 0, 1.0
    start = max(1, math.floor(traffic) + 1)
    while True:
        agents += 1
        b = traffic * b / (agents + traffic * b)
        if agents < start:
            continue
        c = b / (1 - (traffic / agents) * (1 - b))
        level = 1 - c * math.exp(-(agents - traffic) * target_seconds / handle_seconds)
        if level >= target_share:
            break
        if agents >= MAX_AGENTS:
            raise ValueError("more than 10,000 agents needed")
    return Staffing(
        arrivals_per_hour=arrivals_per_hour,
        handle_seconds=handle_seconds,
        traffic=traffic,
        agents=agents,
        service_level=service_level(agents, traffic, handle_seconds, target_seconds),
        wait_probability=erlang_c(agents, traffic),
        average_wait_seconds=average_wait(agents, traffic, handle_seconds),
        occupancy=traffic / agents if agents else 0.0,
    )
