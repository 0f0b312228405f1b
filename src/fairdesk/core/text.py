"""What text fairdesk accepts from anyone: no control characters and no invalid Unicode.

PostgreSQL cannot store a NUL (it answers an error), a lone surrogate (``"\\ud83d"`` in JSON)
cannot be encoded to UTF-8, and other control characters have no place in a name, an address or
a description. ``fairdesk.core.middleware.InputGuardMiddleware`` applies this to every request
(path, query string, form fields, JSON body) before any view runs; ``bad_text`` is the one rule.

Allowed: every character but the C0 controls other than tab, line feed and carriage return (a
browser sends a textarea's line breaks as CR LF), DEL, the C1 controls and the surrogates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: The characters refused: C0 controls but TAB, LF and CR; DEL and the C1 controls; surrogates
#: (a lone one is invalid Unicode; a pair in JSON is decoded to one character before this check).
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: A JSON string escape that may decode to a refused character: ``\u0000``–``\u001f``,
#: ``\u007f``–``\u009f`` or a surrogate. A prefilter: the parsed value is what is checked.
SUSPICIOUS_ESCAPE = re.compile(r"\\u(?:00[01][0-9a-fA-F]|00[7-9][0-9a-fA-F]|[dD][89a-fA-F])")


def bad_text(value: str) -> bool:
    """Whether ``value`` holds a refused character."""
    return BAD_CHARACTER.search(value) is not None


def bad_json_field(value: Any, path: str = "") -> str | None:
    """The first field of a parsed JSON document whose key or text holds a refused character,
    as a dotted path (``"items[0].text"``; ``""`` for the document itself), or None."""
    for where, text in _texts(value, path):
        if bad_text(text):
            return where
    return None


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    # an explicit stack: a deeply nested document must not exhaust Python's recursion
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                name = f"{where}.{key}" if where else str(key)
                stack.append((name, child))
                stack.append((name, key))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}[{i}]", child) for i, child in enumerate(item)]))
