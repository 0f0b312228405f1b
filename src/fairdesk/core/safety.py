"""Safety hazards in what a customer says: how they are recognised and what to do at once.

One list of words for every place that reads a customer's words — the contact centre's queue
(``contact.ordering``: a hazard gets the safety head start), the assistant, and filing a service
request (a hazard makes it urgent, with its own shorter promise and an immediate alert). What
marks a hazard is a leak, a smell, smoke, fire, sparks or a shock — not the mere name of a fuel
or appliance (燃气热水器 is not a hazard, 燃气味 is).

``safety_advice`` says what to do now, for the kinds of hazard the words name (or in general):
shown to the customer at once (the confirmation, the request's page) and in the agent's script.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

GAS, ELECTRICAL, FIRE, OTHER = "gas", "electrical", "fire", "other"

#: Words per kind of hazard (Chinese, as customers write them).
HAZARDS: dict[str, tuple[str, ...]] = {
    GAS: (
        "燃气味",
        "煤气味",
        "天然气味",
        "闻到燃气",
        "闻到煤气",
        "闻到天然气",
        "漏气",
        "燃气泄漏",
        "煤气泄漏",
    ),
    ELECTRICAL: ("漏电", "触电", "火花", "打火花"),
    FIRE: ("冒烟", "起火", "着火", "冒火", "爆炸", "烧焦味", "焦糊味"),
    OTHER: ("泄漏",),
}

#: Every hazard word, in one tuple (the contact centre's published rule shows them).
HAZARD_WORDS: tuple[str, ...] = tuple(word for words in HAZARDS.values() for word in words)

_ENGLISH: dict[str, re.Pattern[str]] = {
    GAS: re.compile(r"\b(gas leak|leaking gas|smell(s|ing)? (of )?gas|gas smell)\b", re.IGNORECASE),
    ELECTRICAL: re.compile(r"\b(sparks|sparking|electric shock|shocked)\b", re.IGNORECASE),
    FIRE: re.compile(
        r"\b(smoke|smoking|on fire|fire|flames?|burning smell|smell(s|ing)? burning)\b",
        re.IGNORECASE,
    ),
}


#: A word right after one of these is denied, not reported: 打不着火 (will not light), 没有燃气味.
NEGATIONS = ("不", "没", "没有", "无", "未")


def _says(text: str, word: str) -> bool:
    """Whether ``text`` says ``word`` without denying it just before."""
    start = text.find(word)
    while start != -1:
        if not text[max(0, start - 2) : start].endswith(NEGATIONS):
            return True
        start = text.find(word, start + 1)
    return False


def hazards_in(text: str | None) -> list[str]:
    """The kinds of hazard the text names (``GAS``, ``ELECTRICAL``, ``FIRE``, ``OTHER``), in
    that order; empty when it names none."""
    text = text or ""
    found = []
    for kind, words in HAZARDS.items():
        pattern = _ENGLISH.get(kind)
        if any(_says(text, word) for word in words) or (
            pattern is not None and pattern.search(text)
        ):
            found.append(kind)
    if OTHER in found and len(found) > 1:
        found.remove(OTHER)  # 燃气泄漏 also contains 泄漏
    return found


def looks_hazardous(text: str | None) -> bool:
    """Whether the text names a safety hazard."""
    return bool(hazards_in(text))


def safety_advice(text: str | None = None) -> list[str]:
    """What to do now, in the active language: one line per kind of hazard the text names, or
    the general line when it names none (a request marked urgent by the caller)."""
    lines = {
        GAS: lambda: _(
            "Gas: close the gas valve, open doors and windows, do not touch switches, plugs or "
            "flames and do not phone from inside; leave, and from outside call the gas "
            "company's emergency line or 119."
        ),
        ELECTRICAL: lambda: _(
            "Electricity: switch off the power at the main switch (not with wet hands) and do "
            "not touch the appliance; if someone has had a shock, cut the power before helping "
            "and call 120; if there is fire, call 119."
        ),
        FIRE: lambda: _(
            "Smoke or fire: cut the power if you can do so safely; if there are flames or thick "
            "smoke, leave at once and call 119; never put water on an electrical fire."
        ),
    }
    kinds = [kind for kind in hazards_in(text) if kind in lines]
    if not kinds:
        return [
            _(
                "Stop using the appliance and switch it off at the plug or the main switch; if "
                "anyone is in danger, leave and call 119."
            )
        ]
    return [lines[kind]() for kind in kinds]
