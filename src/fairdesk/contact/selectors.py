"""Reads of contacts, the queue, callbacks and complaints — and **access control, in this one
place**.

Who sees what:

* a customer: their own contacts, callbacks and complaints (another's is "not found", 404, so
  that ids cannot be probed);
* agents and brand administrators (and superusers): everything — they answer the queue and
  handle complaints;
* auditors: complaints only, through the redacted export (``complaints_export``); they may not
  open a conversation or a complaint with its personal data;
* everyone else (other staff, anonymous): nothing.

Public figures (no login): the queue's size by class, waits by contact type from the assignment
log, missed callbacks. They are counts only, never a person.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.contact import ordering, workflow
from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ContactStatus,
    ContactType,
)
from fairdesk.contact.models import (
    AgentProfile,
    Assignment,
    Callback,
    Complaint,
    ComplaintEvent,
    Contact,
)
from fairdesk.contact.services import queue_item
from fairdesk.core import roles
from fairdesk.core.errors import NotFound
from fairdesk.service_requests.selectors import Principal, principal_for

#: Mean handle time assumed when no contact has been closed yet.
DEFAULT_HANDLE_SECONDS = 300
#: The estimate of the mean handle time looks at this many recently closed contacts.
HANDLE_SAMPLE = 50

# --------------------------------------------------------------------------------------------
# Who is asking
# --------------------------------------------------------------------------------------------


def is_contact_staff(principal: Principal) -> bool:
    """Agents and brand administrators: they see every contact, callback and complaint."""
    return principal.brand_admin or principal.agent


def may_export_complaints(user: Any) -> bool:
    """Auditors and brand administrators read the (redacted) complaint export."""
    principal = principal_for(user)
    return principal.authenticated and (principal.brand_admin or principal.auditor)


def may_see_queue(user: Any) -> bool:
    return is_contact_staff(principal_for(user))


def may_plan_staffing(user: Any) -> bool:
    return roles.is_staff_member(user)


# --------------------------------------------------------------------------------------------
# Access control
# --------------------------------------------------------------------------------------------


def _own_or_all(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    principal = principal_for(user)
    if not principal.authenticated:
        return qs.none()
    if is_contact_staff(principal):
        return qs
    if principal.customer_id is not None:
        return qs.filter(customer_id=principal.customer_id)
    return qs.none()


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    return _own_or_all(Contact.objects.all(), user)


def contact_get(*, user: Any, contact_id: int) -> Contact:
    """A contact the user may see, with its messages (404 ``contact_not_found`` otherwise)."""
    contact = (
        contacts_visible_to(user)
        .select_related("agent__user", "customer")
        .prefetch_related("messages__agent__user")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise NotFound(_("There is no such conversation."), code="contact_not_found")
    return contact


def callbacks_visible_to(user: Any) -> QuerySet[Callback]:
    principal = principal_for(user)
    qs = Callback.objects.select_related("contact")
    if not principal.authenticated:
        return qs.none()
    if is_contact_staff(principal):
        return qs
    if principal.customer_id is not None:
        return qs.filter(contact__customer_id=principal.customer_id)
    return qs.none()


def complaints_visible_to(user: Any) -> QuerySet[Complaint]:
    return _own_or_all(Complaint.objects.all(), user)


def complaint_get(*, user: Any, complaint_id: int) -> Complaint:
    complaint = (
        complaints_visible_to(user)
        .select_related("customer", "outlet", "service_request", "owner")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFound(_("There is no such complaint."), code="complaint_not_found")
    return complaint


def complaint_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    return list(complaint.events.select_related("actor").order_by("at", "id"))


def complaint_role(user: Any, complaint: Complaint) -> str | None:
    """What the user is to this complaint in ``workflow`` terms (customer, brand, or nothing)."""
    principal = principal_for(user)
    if principal.customer_id is not None and principal.customer_id == complaint.customer_id:
        return workflow.CUSTOMER
    if is_contact_staff(principal):
        return workflow.BRAND
    return None


def complaint_next_statuses(
    user: Any, complaint: Complaint, *, now: datetime | None = None
) -> list[str]:
    """The statuses the user may move the complaint to now (what the services will accept)."""
    now = now or timezone.now()
    role = complaint_role(user, complaint)
    if role is None:
        return []
    out = workflow.next_statuses(complaint.status, role)
    late = complaint.due_at is not None and complaint.due_at < now
    if (
        role == workflow.CUSTOMER
        and late
        and complaint.status in workflow.OVERDUE_ESCALATION_FROM
        and ComplaintStatus.ESCALATED not in out
    ):
        out.append(ComplaintStatus.ESCALATED)
    return [str(s) for s in out]


# --------------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    contact_id: int
    position: int
    queue_class: str  # safety | green | standard
    contact_type: str
    channel: str
    safety_hazard: bool
    language: str
    product_line: str
    queued_at: datetime
    queue_time: datetime
    waited_seconds: int
    estimated_wait_seconds: int


@dataclass(frozen=True)
class QueueSnapshot:
    at: datetime
    agents_available: int
    mean_handle_seconds: int
    entries: list[QueueEntry]

    def entry_for(self, contact_id: int) -> QueueEntry | None:
        return next((e for e in self.entries if e.contact_id == contact_id), None)


def mean_handle_seconds() -> int:
    """Mean of (closed − answered) over the last ``HANDLE_SAMPLE`` closed contacts (else 300 s)."""
    rows = list(
        Contact.objects.filter(
            status=ContactStatus.CLOSED, assigned_at__isnull=False, closed_at__isnull=False
        )
        .order_by("-closed_at", "-id")
        .values_list("assigned_at", "closed_at")[:HANDLE_SAMPLE]
    )
    if not rows:
        return DEFAULT_HANDLE_SECONDS
    total = sum(max(0.0, (closed - assigned).total_seconds()) for assigned, closed in rows)
    return max(1, round(total / len(rows)))


def agents_available() -> int:
    return AgentProfile.objects.filter(status=AgentStatus.AVAILABLE).count()


def waiting_contacts(now: datetime) -> list[Contact]:
    """Contacts in the queue now (a callback joins when its window opens)."""
    return list(
        Contact.objects.filter(status=ContactStatus.QUEUED, queued_at__lte=now).only(
            "id",
            "contact_type",
            "channel",
            "safety_hazard",
            "queued_at",
            "product_line",
            "language",
        )
    )


def queue_snapshot(*, now: datetime | None = None) -> QueueSnapshot:
    """The waiting contacts in the order they are served (``ordering.order_queue``), each with
    an estimated wait = position × mean handle time ÷ max(1, agents available)."""
    now = now or timezone.now()
    contacts = {c.pk: c for c in waiting_contacts(now)}
    handle = mean_handle_seconds()
    available = agents_available()
    entries: list[QueueEntry] = []
    ordered = ordering.order_queue([queue_item(c) for c in contacts.values()], now)
    for position, item in enumerate(ordered, start=1):
        contact = contacts[item.contact_id]
        entries.append(
            QueueEntry(
                contact_id=item.contact_id,
                position=position,
                queue_class=ordering.CLASS_NAMES[ordering.base_class(item)],
                contact_type=item.contact_type,
                channel=contact.channel,
                safety_hazard=item.safety_hazard,
                language=item.language,
                product_line=item.product_line,
                queued_at=item.queued_at,
                queue_time=ordering.queue_time(item),
                waited_seconds=int(max(timedelta(0), now - item.queued_at).total_seconds()),
                estimated_wait_seconds=estimated_wait(position, handle, available),
            )
        )
    return QueueSnapshot(
        at=now, agents_available=available, mean_handle_seconds=handle, entries=entries
    )


def estimated_wait(position: int, handle_seconds: int, available: int) -> int:
    return round(position * handle_seconds / max(1, available))


def contact_queue_position(contact: Contact, *, now: datetime | None = None) -> QueueEntry | None:
    """The contact's place in the queue now (None when it is not waiting)."""
    now = now or timezone.now()
    if contact.status != ContactStatus.QUEUED or contact.queued_at is None:
        return None
    if contact.queued_at > now:
        return None
    return queue_snapshot(now=now).entry_for(contact.pk)


# --------------------------------------------------------------------------------------------
# Public figures
# --------------------------------------------------------------------------------------------


def waiting_by_class(*, now: datetime | None = None) -> dict[str, int]:
    """How many contacts wait now, per class (safety, green, standard)."""
    now = now or timezone.now()
    counts = Counter(
        ordering.CLASS_NAMES[ordering.base_class(queue_item(c))] for c in waiting_contacts(now)
    )
    return {name: counts.get(name, 0) for name in ordering.CLASS_NAMES.values()}


@dataclass(frozen=True)
class MissedCallbacks:
    due: int  # callbacks whose window ended in the period
    missed: int
    share: float | None  # missed / due (None when nothing was due)


def missed_callbacks(
    *, period_from: datetime, period_to: datetime, now: datetime | None = None
) -> MissedCallbacks:
    """Callbacks whose window ended in [from, to) (and by now): how many were missed. A late
    call counts as missed; so does one not made yet (computed from the clock, not the worker)."""
    now = now or timezone.now()
    end = min(period_to, now)
    qs = Callback.objects.filter(window_end__gte=period_from, window_end__lt=end)
    due = qs.count()
    missed = (
        qs.filter(status=CallbackStatus.MISSED).count()
        + qs.filter(status=CallbackStatus.SCHEDULED, done_at__isnull=True).count()
    )
    return MissedCallbacks(due=due, missed=missed, share=(missed / due) if due else None)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in (0, 1]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class WaitFigures:
    contact_type: str
    count: int
    p50_seconds: float | None
    p95_seconds: float | None
    mean_seconds: float | None


def assignment_waits_by_type(*, period_from: datetime, period_to: datetime) -> list[WaitFigures]:
    """Waits before a person answered, per contact type, from the assignment log (one row per
    type, every type listed). Phone calls logged by the agent who took them are left out: their
    wait happened in the telephone system, not in this queue."""
    waits: dict[str, list[int]] = defaultdict(list)
    rows = (
        Assignment.objects.filter(at__gte=period_from, at__lt=period_to)
        .exclude(contact__channel=Channel.PHONE)
        .values_list("contact__contact_type", "waited_seconds")
    )
    for contact_type, waited in rows:
        waits[contact_type].append(waited)
    out = []
    for contact_type in ContactType.values:
        values = waits.get(contact_type, [])
        out.append(
            WaitFigures(
                contact_type=contact_type,
                count=len(values),
                p50_seconds=percentile(values, 0.5),
                p95_seconds=percentile(values, 0.95),
                mean_seconds=(sum(values) / len(values)) if values else None,
            )
        )
    return out


@dataclass(frozen=True)
class PublicFigures:
    at: datetime
    period_from: datetime
    period_to: datetime
    waiting: dict[str, int]
    waits: list[WaitFigures]
    callbacks: MissedCallbacks


def public_figures(*, now: datetime | None = None, days: int = 7) -> PublicFigures:
    now = now or timezone.now()
    start = now - timedelta(days=days)
    return PublicFigures(
        at=now,
        period_from=start,
        period_to=now,
        waiting=waiting_by_class(now=now),
        waits=assignment_waits_by_type(period_from=start, period_to=now),
        callbacks=missed_callbacks(period_from=start, period_to=now, now=now),
    )


def complaint_categories() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ComplaintCategory.choices]
