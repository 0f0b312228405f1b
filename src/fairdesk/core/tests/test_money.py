"""Money in yuan: the one formatter and parser (``core.money``), integer fen only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.core.money import parse_yuan, yuan, yuan_amount


def test_yuan_amount() -> None:
    assert yuan_amount(12345) == "123.45"
    assert yuan_amount(5) == "0.05"
    assert yuan_amount(-100) == "-1.00"
    assert yuan_amount(0) == "0.00"


def test_yuan_puts_the_sign_before_the_currency() -> None:
    assert yuan(29900) == "¥299.00"
    assert yuan(-3000) == "-¥30.00"
    assert yuan(0) == "¥0.00"


@pytest.mark.parametrize("amount", [12.5, True, "100", None])
def test_only_integer_fen_are_amounts(amount: Any) -> None:
    with pytest.raises(TypeError):
        yuan_amount(amount)
    with pytest.raises(TypeError):
        yuan(amount)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("199", 19900), ("199.5", 19950), ("199.50", 19950), ("0.01", 1), (" 15.00 ", 1500)],
)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["19.999", "-1", "1,000", "¥5", "", " ", "1e3", 199, None])
def test_parse_yuan_refuses_what_is_not_exactly_an_amount(text: Any) -> None:
    assert parse_yuan(text) is None


@given(fen=st.integers(min_value=0, max_value=999_999_999))
def test_parse_yuan_reads_what_yuan_amount_writes(fen: int) -> None:
    assert parse_yuan(yuan_amount(fen)) == fen
