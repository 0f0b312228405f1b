"""The audit trail of a subscription (``PlanEvent``, append-only): every write appends its event
in its own transaction (guarantee F10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fairdesk.plans.choices import PlanEventKind
from fairdesk.plans.models import ChangeAttempt, PlanEvent, Subscription


def event_record(
    sub: Subscription,
    kind: PlanEventKind,
    *,
    at: datetime,
    channel: str,
    actor: Any = None,
    attempt: ChangeAttempt | None = None,
    **data: Any,
) -> PlanEvent:
    """Append ``kind`` to the trail of ``sub``, with its details (``data``, plain JSON). The
    actor is kept when a signed-in user acted (None: the customer's own channel or the system)."""
    return PlanEvent.objects.create(
        subscription=sub,
        attempt=attempt,
        at=at,
        kind=kind,
        channel=channel,
        actor=recorded_actor(actor),
        data=data,
    )


def recorded_actor(actor: Any) -> Any:
    """The user kept as having acted: a signed-in user; None for fairdesk itself."""
    return actor if getattr(actor, "is_authenticated", False) else None
