"""Display helpers shared by the portal and the console: durations and local times, in words.

Times are stored in UTC and shown in Asia/Shanghai (``TIME_ZONE``); durations are rounded to the
minute and shown with their two largest units ("1 day 3 hours", "2 hours 5 minutes").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

from fairdesk.service_requests import display

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    return display.duration_words(value)


@register.filter
def promise_label(clock_type: str) -> str:
    return display.promise_label(clock_type)


@register.filter
def promise_terms(policy: Any) -> str:
    return display.promise_terms(policy)


@register.filter
def safety_advice(request: Any) -> list[str]:
    """What to do now for a safety request (``priority`` urgent), in the active language;
    empty for any other request."""
    return display.safety_advice_for(request)
