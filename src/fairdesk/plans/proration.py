"""The one proration clock (guarantee F3): pure functions, no database.

* Periods are whole calendar months in Asia/Shanghai (a monthly plan bought on 31 January runs to
  the end of 28/29 February: the day is clamped to the month's last day).
* The unused share of a period at instant ``t`` is measured to the second:
  ``(end - t) / (end - start)``, both in whole seconds (a started second counts as used), kept as
  an exact fraction.
* An amount is ``price × share`` as an exact fraction, rounded **once** to the fen, half away from
  zero. Charges and credits go through the same function, so a charge for moving P → Q at ``t``
  and the credit for moving Q → P at ``t`` are the same number of fen.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from fractions import Fraction

from fairdesk.core.localtime import SHANGHAI


def add_months(instant: datetime, months: int) -> datetime:
    """``instant`` plus whole calendar months, counted on the Shanghai wall clock."""
    local = instant.astimezone(SHANGHAI)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(instant.tzinfo)


def _whole_seconds(delta: timedelta) -> int:
    return delta.days * 86400 + delta.seconds  # microseconds dropped: counted to the second


def unused_share(start: datetime, end: datetime, at: datetime) -> Fraction:
    """The share of ``[start, end)`` still ahead at ``at`` (0 before … 1), exact."""
    if end <= start:
        raise ValueError("a period must end after it starts")
    total = _whole_seconds(end - start)
    if at <= start:
        return Fraction(1)
    if at >= end:
        return Fraction(0)
    return Fraction(_whole_seconds(end - at), total)


def to_fen(amount: Fraction) -> int:
    """Round an exact amount to the fen: half away from zero (the one rounding rule)."""
    magnitude = abs(amount)
    rounded = int(magnitude + Fraction(1, 2))  # floor(|x| + 1/2)
    return rounded if amount >= 0 else -rounded


def prorated(price_fen: int, start: datetime, end: datetime, at: datetime) -> int:
    """The part of ``price_fen`` that belongs to the rest of the period after ``at``."""
    return to_fen(price_fen * unused_share(start, end, at))


def difference(
    old_price_fen: int, new_price_fen: int, start: datetime, end: datetime, at: datetime
) -> int:
    """Signed amount for moving from a plan at ``old`` to one at ``new`` at ``at`` within the
    same period: ``(new - old) × unused share``, rounded once. Positive: the customer pays;
    negative: the customer is credited. ``difference(p, q) == -difference(q, p)`` always."""
    return to_fen((new_price_fen - old_price_fen) * unused_share(start, end, at))


def exact_difference(
    old_price_fen: int, new_price_fen: int, start: datetime, end: datetime, at: datetime
) -> Fraction:
    """The same, unrounded (for tests and the preview's explanation)."""
    return (new_price_fen - old_price_fen) * unused_share(start, end, at)
