"""Background work of service requests (Huey): SLA escalation every minute; old idempotency
keys forgotten daily; requests resolved a week ago (AUTO_CLOSE_RESOLVED_DAYS) closed.

Breach itself is computed from stored deadlines (``selectors``), so pages and the API are right
even when this worker is down; the worker only sends the escalation messages, each exactly once.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fairdesk.service_requests.services.escalation import sla_escalate_due
from fairdesk.service_requests.services.intake import idempotency_records_prune
from fairdesk.service_requests.services.transitions import resolved_requests_autoclose


@db_periodic_task(crontab(minute="*"))
def escalate_sla_breaches() -> int:
    return sla_escalate_due()


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_idempotency_records() -> int:
    return idempotency_records_prune()


@db_periodic_task(crontab(minute="*/10"))
def autoclose_resolved_requests() -> int:
    return resolved_requests_autoclose()
