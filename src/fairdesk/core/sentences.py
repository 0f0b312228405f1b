"""Sentences put together in either language, punctuated once.

English joins sentences with a space; Chinese ends a sentence with a full-width stop and writes
the next one straight after it ("已处理，待您确认。处理结果：…"). And a text someone wrote (an
outcome, a note) ends with its own stop more often than not, so a translated sentence that
quotes it before its own stop ("处理结果：%(outcome)s。") would end twice ("…已更换。。").

* ``sentences(*parts)`` joins translated sentences: a space after a part that ends in a
  half-width character, none after one that ends in a full-width one (a Chinese stop or
  character);
* ``clause(text)`` is a text without its final stop, to be quoted inside a sentence;
* ``enumeration(items)`` lists items the reader's way ("空调、冰箱", "Fridge, TV").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import pgettext

#: A part that ends in a full-width character: a CJK stop, bracket or quote, or a Han character.
FULL_WIDTH_END = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]\s*$")
#: The stops that end a sentence, in both widths.
FINAL_STOPS = re.compile(r"[\s。．.！!？?；;]+$")


def sentences(*parts: object) -> str:
    """``parts`` (translated sentences; empty ones left out) as one text."""
    out = ""
    for part in parts:
        text = str(part).strip() if part is not None else ""
        if not text:
            continue
        if out and not FULL_WIDTH_END.search(out):
            out += " "
        out += text
    return out


def clause(text: object) -> str:
    """``text`` without the stops it ends with ("已更换压缩机。" → "已更换压缩机")."""
    return FINAL_STOPS.sub("", str(text).strip())


def enumeration(items: Iterable[object]) -> str:
    """``items`` as a list in a sentence, with the active language's separator."""
    return pgettext("enumeration", ", ").join(str(item) for item in items)
