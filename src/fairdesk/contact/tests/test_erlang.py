from __future__ import annotations

import math

import pytest

from fairdesk.contact.erlang import agents_needed, erlang_c, service_level


def test_textbook_example() -> None:
    """200 contacts an hour, 3-minute handle time (10 erlangs), 80 % within 20 s: 14 agents,
    wait probability 0.1741, service level 0.8883 (the worked example of callcentrehelper.com's
    Erlang C article; 13 agents fall just short)."""
    staffing = agents_needed(arrivals_per_hour=200, handle_seconds=180)
    assert staffing.agents == 14
    assert staffing.traffic == pytest.approx(10)
    assert erlang_c(14, 10) == pytest.approx(0.1741, abs=5e-4)
    assert service_level(14, 10, 180, 20) == pytest.approx(0.8883, abs=5e-4)
    assert 0.79 < service_level(13, 10, 180, 20) < 0.8  # just short: 14 are needed


def test_not_enough_agents_never_meets_the_level() -> None:
    assert erlang_c(10, 10) == 1 and service_level(9, 10, 180, 20) == 0


def test_more_agents_only_help() -> None:
    levels = [service_level(n, 10, 180, 20) for n in range(11, 25)]
    assert levels == sorted(levels) and levels[-1] > 0.99


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        agents_needed(arrivals_per_hour=10, handle_seconds=0)
    with pytest.raises(ValueError):
        agents_needed(arrivals_per_hour=10, handle_seconds=60, target_share=1.5)
    assert math.isfinite(agents_needed(arrivals_per_hour=0, handle_seconds=60).average_wait_seconds)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arrivals_per_hour": math.inf, "handle_seconds": 60},
        {"arrivals_per_hour": math.nan, "handle_seconds": 60},
        {"arrivals_per_hour": 10, "handle_seconds": math.nan},
        {"arrivals_per_hour": 10**9, "handle_seconds": 600},
    ],
)
def test_impossible_figures_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        agents_needed(**kwargs)


def test_large_loads_are_quick_and_consistent() -> None:
    staffing = agents_needed(arrivals_per_hour=60_000, handle_seconds=300)  # 5,000 erlangs
    assert staffing.agents > 5000 and staffing.service_level >= 0.8
