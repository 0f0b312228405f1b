"""The one proration clock (guarantee F3), as properties over random instants and prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from fairdesk.core.localtime import SHANGHAI
from fairdesk.plans.proration import (
    add_months,
    difference,
    exact_difference,
    prorated,
    to_fen,
    unused_share,
)

starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
prices = st.integers(min_value=1, max_value=10_000_000)  # up to ¥100,000 a period


@given(start=starts, months=st.sampled_from([1, 12]), share=st.floats(0, 1), p=prices, q=prices)
def test_charge_up_equals_credit_down_and_the_exact_difference(
    start: datetime, months: int, share: float, p: int, q: int
) -> None:
    """For plans P < Q and any instant t in the period: the charge for P→Q at t and the credit
    for Q→P at t are the same number of fen, within half a fen of the exact time-weighted price
    difference — so charge(P→Q) + credit(Q→P) (a credit counted as negative money) is 0, and
    each is the exact difference ± 1 fen."""
    assume(p != q)  # the same price: no change of plan, nothing to charge or credit
    p, q = min(p, q), max(p, q)
    end = add_months(start, months)
    t = start + timedelta(seconds=int((end - start).total_seconds() * share))
    assume(t < end)  # at the period's end nothing is left to charge or credit
    charge = difference(p, q, start, end, t)
    credit = -difference(q, p, start, end, t)
    exact = exact_difference(p, q, start, end, t)
    assert charge == credit >= 0
    assert abs(charge - exact) <= Fraction(1, 2)
    assert charge + (-credit) == 0


@given(
    start=starts, months=st.sampled_from([1, 12]), a=st.floats(0, 1), b=st.floats(0, 1), p=prices
)
def test_unused_share_is_monotone_and_bounded(
    start: datetime, months: int, a: float, b: float, p: int
) -> None:
    end = add_months(start, months)
    total = (end - start).total_seconds()
    t1 = start + timedelta(seconds=int(total * min(a, b)))
    t2 = start + timedelta(seconds=int(total * max(a, b)))
    assert 0 <= unused_share(start, end, t2) <= unused_share(start, end, t1) <= 1
    assert 0 <= prorated(p, start, end, t2) <= prorated(p, start, end, t1) <= p


@given(start=starts, p=prices)
def test_period_edges(start: datetime, p: int) -> None:
    end = add_months(start, 1)
    assert prorated(p, start, end, start) == p
    assert prorated(p, start, end, end) == 0
    assert prorated(p, start, end, start - timedelta(days=1)) == p


@given(x=st.fractions(min_value=-(10**9), max_value=10**9))
def test_rounding_is_symmetric_and_within_half_a_fen(x: Fraction) -> None:
    assert to_fen(-x) == -to_fen(x)
    assert abs(to_fen(x) - x) <= Fraction(1, 2)


def test_half_fen_rounds_away_from_zero() -> None:
    assert to_fen(Fraction(1, 2)) == 1
    assert to_fen(Fraction(-1, 2)) == -1
    assert to_fen(Fraction(3, 2)) == 2


def test_months_are_calendar_months_in_shanghai() -> None:
    jan31 = datetime(2027, 1, 31, 12, 0, tzinfo=SHANGHAI)
    assert add_months(jan31, 1) == datetime(2027, 2, 28, 12, 0, tzinfo=SHANGHAI)
    assert add_months(datetime(2028, 1, 31, tzinfo=SHANGHAI), 1).day == 29
    # 00:30 in Shanghai on the 1st is still the previous day in UTC: counted on the local clock
    utc = datetime(2027, 2, 28, 16, 30, tzinfo=UTC)  # 2027-03-01 00:30 Shanghai
    assert add_months(utc, 1).astimezone(SHANGHAI) == datetime(2027, 4, 1, 0, 30, tzinfo=SHANGHAI)


def test_started_second_counts_as_used() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    end = start + timedelta(seconds=100)
    assert unused_share(
        start, end, start + timedelta(seconds=10, microseconds=999_999)
    ) == Fraction(89, 100)
