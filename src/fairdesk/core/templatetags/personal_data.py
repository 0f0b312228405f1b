"""Template filters that show personal data as the reader may see it: ``{{ value|name:personal
}}``, where ``personal`` is the reader's ``core.masking.PersonalData`` (the view asks
``customers.selectors.personal_data_for``). Without one, the value is shown masked: a page that
forgets to say who reads it shows too little, never too much."""

from __future__ import annotations

from typing import Any

from django import template

from fairdesk.core.masking import MASKED, PersonalData

register = template.Library()


def _reader(personal: Any) -> PersonalData:
    return personal if isinstance(personal, PersonalData) else MASKED


@register.filter
def name(value: Any, personal: Any) -> str:
    return _reader(personal).name(str(value or ""))


@register.filter
def phone(value: Any, personal: Any) -> str:
    return _reader(personal).phone(str(value or ""))


@register.filter
def serial(value: Any, personal: Any) -> str:
    return _reader(personal).serial(str(value or ""))


@register.filter
def device_label(value: Any, personal: Any) -> str:
    return _reader(personal).device_label(str(value or ""))


@register.filter
def free_text(value: Any, personal: Any) -> str:
    return _reader(personal).text(str(value or ""))


@register.filter
def address(obj: Any, personal: Any) -> str:
    """An address (``text``) or a request's address (``address_text``), with its division."""
    text = getattr(obj, "address_text", None)
    if text is None:
        text = getattr(obj, "text", "")
    code = getattr(obj, "division_code", "") or ""
    return _reader(personal).address(text or "", code, getattr(obj, "division_name", "") or "")


@register.filter
def division(obj: Any, personal: Any) -> str:
    """The division name of an address or a request (down to the county when masked)."""
    code = getattr(obj, "division_code", "") or ""
    return _reader(personal).division_name(code, getattr(obj, "division_name", "") or "")
