"""Money: amounts are integer fen (1 yuan = 100 fen) everywhere; this module is the one place
that writes them as yuan, and reads yuan typed by a person.

* ``yuan_amount(12345)`` → ``"123.45"``: the amount alone, for JSON strings (``…_yuan`` in the
  API), catalog files and messages whose wording puts the ``¥`` itself;
* ``yuan(12345)`` → ``"¥123.45"`` (``yuan(-3000)`` → ``"-¥30.00"``): an amount on a page;
* ``parse_yuan("199.5")`` → ``19950``: yuan as text, at most two decimals (the admin, catalog
  files); None when the text is not exactly such an amount.

Never a float: a float cannot hold 0.10 exactly, and fen are counted, not measured.
"""

from __future__ import annotations

import re

FEN_PER_YUAN = 100
#: Yuan as text: up to 7 digits, then at most two decimals ("199", "199.5", "199.50").
YUAN_RE = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


def _check_fen(fen: int) -> int:
    # bool is an int to Python, and a float would round: neither is an amount in fen
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"an amount in fen is an int, not {type(fen).__name__}")
    return fen


def yuan_amount(fen: int) -> str:
    """``12345`` → ``"123.45"``, ``5`` → ``"0.05"``, ``-100`` → ``"-1.00"`` (CNY to the fen)."""
    fen = _check_fen(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def yuan(fen: int) -> str:
    """``12345`` → ``"¥123.45"``; a negative amount puts its sign first: ``"-¥30.00"``."""
    fen = _check_fen(fen)
    return ("-¥" if fen < 0 else "¥") + yuan_amount(abs(fen))


def parse_yuan(text: object) -> int | None:
    """Yuan as text → fen: ``"199"`` → 19900, ``" 199.5 "`` → 19950; None for anything else
    (a number that is not text, more than two decimals, a sign, a thousands separator)."""
    if not isinstance(text, str) or not YUAN_RE.match(text.strip()):
        return None
    whole, _sep, cents = text.strip().partition(".")
    return int(whole) * FEN_PER_YUAN + int((cents + "00")[:2])
