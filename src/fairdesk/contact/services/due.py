"""The worker's minute (``tasks.process_contacts_due``): what is due at ``now``."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fairdesk.contact.services.callbacks import callbacks_escalate_due
from fairdesk.contact.services.complaints import complaints_escalate_due
from fairdesk.contact.services.queue import queue_dispatch


def contact_process_due(*, now: datetime | None = None) -> dict[str, int]:
    """Assign waiting contacts (callbacks whose window opened included), escalate missed
    callbacks and late complaint steps: how many of each."""
    now = now or timezone.now()
    return {
        "assigned": queue_dispatch(now=now),
        "callbacks": callbacks_escalate_due(now=now),
        "complaints": complaints_escalate_due(now=now),
    }
