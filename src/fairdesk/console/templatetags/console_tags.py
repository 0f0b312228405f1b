"""Template helpers of the console (and of the shared layout's navigation)."""

from __future__ import annotations

from typing import Any

from django import template

from fairdesk.console.access import is_console_user

register = template.Library()


@register.simple_tag
def console_access(user: Any) -> bool:
    """Whether the shared layout shows the console link to this user."""
    return is_console_user(user)
