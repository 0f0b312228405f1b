"""Information added to an open request — by its customer (more details, a second symptom of the
same fault: rather than a second request for the same device) or by the staff who act on it.

A note is a timeline event (``note``): it changes no status and no clock, and the timeline stays
append-only.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError, Invalid
from fairdesk.service_requests.choices import FINAL_STATES, EventKind
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.selectors import (
    actor_label,
    actor_role_for,
    capacities,
    principal_for,
    signed_in_user,
)

MAX_NOTE = 2000


def check_note(*, request: ServiceRequest, actor: Any, text: str) -> str:
    """The note's text, checked: someone who acts on the request (its customer, or staff with a
    part in it — not read-only roles), an open request, 1–2000 characters."""
    if not capacities(principal_for(actor), request):
        raise DomainError(
            _("You may not add information to this request."), code="forbidden", status=403
        )
    if request.status in FINAL_STATES:
        raise DomainError(
            _("Request %(number)s is closed: file a new request instead.")
            % {"number": request.number},
            code="request_closed",
            status=409,
        )
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write what you want to add."), code="note_required")
    if len(text) > MAX_NOTE:
        raise Invalid(
            _("A note can have at most %(n)s characters.") % {"n": MAX_NOTE},
            code="note_too_long",
        )
    return text


def do_note_add(*, request: ServiceRequest, actor: Any, text: str) -> TimelineEvent:
    """Append the note to the request's timeline."""
    with transaction.atomic():
        return TimelineEvent.objects.create(
            request=request,
            at=timezone.now(),
            actor=signed_in_user(actor),
            actor_label=actor_label(actor),
            actor_role=actor_role_for(principal_for(actor), request),
            from_status=request.status,
            to_status=request.status,
            kind=EventKind.NOTE,
            reason=text,
        )


def service_request_add_note(*, request: ServiceRequest, actor: Any, text: str) -> TimelineEvent:
    """``check_note``, then ``do_note_add``."""
    text = check_note(request=request, actor=actor, text=text)
    return do_note_add(request=request, actor=actor, text=text)
