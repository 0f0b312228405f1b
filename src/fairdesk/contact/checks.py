"""System checks of the contact centre: are the staffed hours for callbacks usable?

``callback_hours`` (every check run: ``fairdesk manage check``, and ``migrate``, which
``fairdesk serve`` runs before it starts): ``CONTACT_CALLBACK_HOURS`` must be intervals such as
``08:30-18:00``, ``CONTACT_CALLBACK_CLOSED_DAYS`` ISO dates, and
``CONTACT_CALLBACK_WINDOW_MINUTES`` at least 15 — otherwise no callback could be offered.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

HINT = "See docs/contact.md (Callbacks) for the contact centre's variables."


@register()
def callback_hours(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from fairdesk.contact.selectors import callback_calendar
    from fairdesk.service_requests.sla import CalendarError

    errors: list[CheckMessage] = []
    try:
        callback_calendar()
    except CalendarError as exc:
        errors.append(
            Error(
                f"CONTACT_CALLBACK_HOURS or CONTACT_CALLBACK_CLOSED_DAYS is not usable: {exc} "
                f"(CONTACT_CALLBACK_HOURS={settings.CONTACT_CALLBACK_HOURS!r})",
                hint=HINT,
                id="contact.E001",
            )
        )
    if int(settings.CONTACT_CALLBACK_WINDOW_MINUTES) < 15:
        errors.append(
            Error(
                "CONTACT_CALLBACK_WINDOW_MINUTES must be at least 15 (a callback window is at "
                f"least 15 minutes), got {settings.CONTACT_CALLBACK_WINDOW_MINUTES!r}.",
                hint=HINT,
                id="contact.E002",
            )
        )
    return errors
