"""Choice values and labels, for code that runs on every request.

Django's ``Choices.values`` and ``Choices.choices`` build a new list on every access, and
``instance.get_FOO_display()`` a dict of the field's choices on every call (hashing each one);
filing a request did this about twenty times, 5 % of a creation's CPU. The helpers here compute
what they need from the TextChoices class once:

* ``label(Choices, value)``: the label in the active language, or the value itself when it is not
  one of the choices (as ``get_FOO_display``), kept per language once translated;
* ``is_value(Choices, value)``: whether it is one of the values (as ``value in Choices.values``);
* ``rank(Choices, value)``: its position in the declaration (as ``Choices.values.index(value)``),
  to sort by the declared order.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Choices
from django.utils import translation


def label(choices: type[Choices], value: Any) -> str:
    """The label of ``value`` in the active language (the value itself when it is not one)."""
    key = (choices, translation.get_language())
    texts = _texts.get(key)
    if texts is None:
        texts = _texts.setdefault(key, {})
    try:
        return texts[value]
    except KeyError:
        pass
    except TypeError:  # unhashable: not a value
        return str(value)
    lazy = _labels(choices).get(value)
    if lazy is None:
        return str(value)
    text = texts[value] = str(lazy)
    return text


# the labels' texts, by choices class and language: a label is a lazy translation, and making it
# a text looks up the active language and its catalog each time (a creation shows about twenty)
_texts: dict[tuple[type[Choices], str | None], dict[Any, str]] = {}


@functools.cache
def _labels(choices: type[Choices]) -> dict[Any, Any]:
    return {member.value: member.label for member in choices}


@functools.cache
def _ranks(choices: type[Choices]) -> dict[Any, int]:
    return {value: i for i, value in enumerate(choices.values)}


def is_value(choices: type[Choices], value: Any) -> bool:
    try:
        return value in _ranks(choices)
    except TypeError:  # unhashable: not a value
        return False


def rank(choices: type[Choices], value: Any) -> int:
    """The value's position among the choices; values that are not one come last."""
    return _ranks(choices).get(value, len(_ranks(choices)))
