"""Labels of choice values, for code that runs on every request.

``instance.get_FOO_display()`` rebuilds a dict of the field's choices on every call (hashing each
one); rendering a request called it a dozen times, 5 % of a creation's CPU. ``label`` looks the
value up in the TextChoices class instead. Same answer: the label in the active language, or the
value itself when it is not one of the choices.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Choices


def label(choices: type[Choices], value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)
