"""How service requests are put into words for people: pages, messages, the admin."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _


def format_duration(delta: timedelta) -> str:
    """45 min / 24 h / 2 h 05 min / 5 d 3 h (in the active language)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, mins = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": mins}
    if hours < 100:
        if not mins:
            return _("%(h)d h") % {"h": hours}
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
