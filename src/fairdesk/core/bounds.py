"""The ranges of numbers and days fairdesk accepts from anyone, for the API's schemas
(``fairdesk.api.schemas``) and the pages' forms (``DayField``) alike: a value past them is the
user's mistake (422 or a form error), never an overflow in the database or in Python's calendar.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

#: The largest id a row can have (PostgreSQL's BIGINT, SQLite's INTEGER).
MAX_ID = 2**63 - 1
#: The days a request may name: far enough for any real date, far from the calendar's ends
#: (a filter widens a day by a day or a time zone; year 1 and 9999 would overflow).
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)


class DayField(forms.DateField):
    """A form's day, between ``MIN_DAY`` and ``MAX_DAY``."""

    default_validators = [MinValueValidator(MIN_DAY), MaxValueValidator(MAX_DAY)]
