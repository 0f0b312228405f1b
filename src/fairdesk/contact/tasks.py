"""Background work of the contact centre (Huey): every minute, hand waiting contacts to agents
(callbacks join the queue when their window opens), and escalate missed callbacks and late
complaint steps.

Breaches are computed from the stored deadlines, so pages and the API are right even when this
worker is down; the worker only assigns and sends the escalation messages, each exactly once.
"""

from __future__ import annotations

# huey ships no type information (its imports are untyped: pyproject.toml): its decorator too
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fairdesk.contact.services.due import contact_process_due


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def process_contacts_due() -> dict[str, int]:
    return contact_process_due()
