"""Reads of contacts, the queue, callbacks and complaints — and **access control, in this one
place**: the API, the console, the portal and the services all ask these functions.

Who sees what:

* a customer: their own contacts, callbacks and complaints (another's is "not found", 404, so
  that ids cannot be probed);
* agents and brand administrators (and superusers): everything — they answer the queue and
  handle complaints;
* auditors: complaints only, through the redacted export (``export.complaints_export``); they
  may not open a conversation or a complaint with its personal data;
* everyone else (other staff, anonymous): nothing.

``access_*`` fetch what the caller may act on or raise the one error (each with one message);
``check_*`` raise it when the caller may not do something at all. Who may move a complaint is
``workflow``'s table; ``complaint_role`` says what the caller is to it.

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

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.contact import assistant, hours, ordering, workflow
from fairdesk.contact.choices import (
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintCategory,
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
    FaqEntry,
)
from fairdesk.core import roles
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.models import Customer
from fairdesk.service_requests.selectors import principal_for
from fairdesk.service_requests.sla import WEEKDAYS, CalendarSpec, calendar_spec

#: Mean handle time assumed when no contact has been closed yet.
DEFAULT_HANDLE_SECONDS = 300
#: The estimate of the mean handle time looks at this many recently closed contacts.
HANDLE_SAMPLE = 50
#: Staff see the callbacks of the last days (and every open one) in the API's list.
STAFF_CALLBACK_DAYS = 7
#: The API's list of callbacks is at most this long.
MAX_CALLBACKS_LISTED = 500
#: A callback window is at least this long, and ends at most this far ahead.
CALLBACK_MIN_WINDOW = timedelta(minutes=15)
CALLBACK_MAX_AHEAD = timedelta(days=7)


def _forbidden(message: str) -> DomainError:
    return DomainError(message, code="forbidden", status=403)


# --------------------------------------------------------------------------------------------
# Who is asking
# --------------------------------------------------------------------------------------------


def is_contact_staff(user: Any) -> bool:
    """Agents and brand administrators (and superusers): they see every contact, callback and
    complaint."""
    principal = principal_for(user)
    return principal.brand_admin or principal.agent


def may_export_complaints(user: Any) -> bool:
    """Auditors and brand administrators read the (redacted) complaint export."""
    principal = principal_for(user)
    return principal.authenticated and (principal.brand_admin or principal.auditor)


def check_contact_staff(user: Any) -> None:
    """The contact centre's staff pages and the live queue: agents and brand administrators."""
    if not is_contact_staff(user):
        raise _forbidden(_("Only agents and brand administrators may see this."))


def check_may_plan_staffing(user: Any) -> None:
    """The staffing calculator (Erlang C): any staff member."""
    if not roles.is_staff_member(user):
        raise _forbidden(_("Staff only."))


def check_may_export_complaints(user: Any) -> None:
    if not may_export_complaints(user):
        raise _forbidden(_("The complaint export is for auditors and brand administrators."))


def access_customer(user: Any) -> Customer:
    """The signed-in customer, acting for themself: only customers start chats, book callbacks
    and file complaints here (403 ``forbidden`` for anyone else: agents use the console)."""
    customer_id = principal_for(user).customer_id
    if customer_id is None:
        raise _forbidden(_("Only customers do this here; agents use the console."))
    return Customer.objects.get(pk=customer_id)


def agent_of(user: Any) -> AgentProfile | None:
    """The user's agent profile, if they have one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return AgentProfile.objects.filter(user=user).first()


def access_agent(user: Any) -> AgentProfile:
    """The user's agent profile (403 ``not_an_agent`` for anyone without one)."""
    profile = agent_of(user)
    if profile is None:
        raise DomainError(_("You are not set up as an agent."), code="not_an_agent", status=403)
    return profile


# --------------------------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------------------------


def _own_or_all(qs: QuerySet[Any], user: Any, customer_field: str = "customer_id") -> Any:
    principal = principal_for(user)
    if not principal.authenticated:
        return qs.none()
    if is_contact_staff(user):
        return qs
    if principal.customer_id is not None:
        return qs.filter(**{customer_field: principal.customer_id})
    return qs.none()


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    visible: QuerySet[Contact] = _own_or_all(Contact.objects.all(), user)
    return visible


def waiting_chat_of(customer_id: int | None, *, exclude: int | None = None) -> Contact | None:
    """The customer's web chat waiting for a person, if any: there is at most one (the
    ``contact_one_waiting_chat_per_customer`` constraint). Anonymous contacts (no customer)
    have none: every web chat is started by a signed-in customer."""
    if customer_id is None:
        return None
    qs = Contact.objects.filter(
        customer_id=customer_id, status=ContactStatus.QUEUED, channel=Channel.WEB_CHAT
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def access_contact(*, user: Any, contact_id: int) -> Contact:
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


def faq_answer(text: str, language: str) -> str | None:
    """The brand's automatic answer to ``text`` in ``language`` (the most specific match of the
    active answers' keywords, ``assistant.best_answer``), or None."""
    entries = FaqEntry.objects.filter(active=True).order_by("id")
    pairs = [(e.keywords, e.answer if language == "zh-hans" else e.answer_en) for e in entries]
    return assistant.best_answer(text, pairs)


def is_contact_customer(user: Any, contact: Contact) -> bool:
    """Is the user the customer of this conversation?"""
    customer_id = principal_for(user).customer_id
    return contact.customer_id is not None and customer_id == contact.customer_id


def access_contact_as_customer(*, user: Any, contact_id: int) -> Contact:
    """A conversation of the user's own, as its customer: 404 ``contact_not_found`` when they may
    not see it, 403 ``forbidden`` when they see it as staff (only the customer asks for a
    person or leaves)."""
    contact = access_contact(user=user, contact_id=contact_id)
    if not is_contact_customer(user, contact):
        raise _forbidden(_("Only the customer of this conversation can ask for a person."))
    return contact


def answers(agent: AgentProfile | None, contact: Contact) -> bool:
    """Is ``agent`` the one answering this conversation now?"""
    return (
        agent is not None
        and contact.status == ContactStatus.ASSIGNED
        and contact.agent_id == agent.pk
    )


def access_contact_to_answer(*, contact_id: int, agent: AgentProfile) -> Contact:
    """The conversation ``agent`` answers, locked for the write (inside the caller's
    transaction); 403 ``not_your_contact`` when it is not with them."""
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact_id)
    if not answers(agent, contact):
        raise DomainError(
            _("This conversation is not yours to answer."), code="not_your_contact", status=403
        )
    return contact


def access_contact_to_close(*, contact_id: int, agent: AgentProfile | None) -> Contact:
    """The conversation to close, locked for the write: an agent closes only one that is theirs
    (403 ``not_your_contact``); ``agent`` None is the customer leaving."""
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact_id)
    if agent is not None and contact.agent_id != agent.pk:
        raise DomainError(
            _("This conversation is not yours to close."), code="not_your_contact", status=403
        )
    return contact


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------


def callbacks_visible_to(user: Any) -> QuerySet[Callback]:
    visible: QuerySet[Callback] = _own_or_all(
        Callback.objects.select_related("contact"), user, "contact__customer_id"
    )
    return visible


def callbacks_to_make(user: Any) -> QuerySet[Callback]:
    """The callbacks the user may see that are still owed: not made, not cancelled (missed
    ones included: a late call is still owed)."""
    return (
        callbacks_visible_to(user)
        .filter(done_at__isnull=True)
        .exclude(status=CallbackStatus.CANCELLED)
    )


def access_callback(*, user: Any, callback_id: int) -> Callback:
    """A callback the user may see (404 ``callback_not_found`` otherwise)."""
    callback = callbacks_visible_to(user).filter(pk=callback_id).first()
    if callback is None:
        raise NotFound(_("There is no such callback."), code="callback_not_found")
    return callback


def access_callback_as_customer(*, user: Any, callback_id: int) -> Callback:
    """A callback of the user's own, as its customer (who alone cancels or moves it): 404
    ``callback_not_found`` when they may not see it, 403 ``forbidden`` when they see it as
    staff."""
    callback = access_callback(user=user, callback_id=callback_id)
    customer_id = principal_for(user).customer_id
    if customer_id is None or callback.contact.customer_id != customer_id:
        raise _forbidden(_("Only the customer who booked a callback can cancel or move it."))
    return callback


def callback_missed(callback: Callback, now: datetime) -> bool:
    """Missed: marked so, or its window ended without a call — computed from the clock, so it
    shows at once, whether the worker is up or not (a late call stays missed; a cancelled
    callback was never due)."""
    if callback.status == CallbackStatus.CANCELLED:
        return False
    return callback.status == CallbackStatus.MISSED or (
        callback.done_at is None and callback.window_end < now
    )


def check_callback_changeable(callback: Callback, contact: Contact, now: datetime) -> None:
    """The customer may cancel or move a callback only while it is booked (not made, missed or
    cancelled), its window has not ended and no agent has taken it yet: 409 ``callback_closed``
    or ``callback_in_progress``."""
    reason = None
    if callback.status == CallbackStatus.CANCELLED:
        reason = _("This callback was cancelled.")
    elif callback.done_at is not None:
        reason = _("This callback has been made.")
    elif callback_missed(callback, now):
        reason = _("The window of this callback has ended.")
    if reason is not None:
        raise DomainError(
            reason + " " + _("It can no longer be cancelled or moved; book a new one."),
            code="callback_closed",
            status=409,
        )
    if contact.status != ContactStatus.QUEUED:
        raise DomainError(
            _("An agent is already calling you about this callback; it can no longer be changed."),
            code="callback_in_progress",
            status=409,
        )


def callback_changeable(callback: Callback, now: datetime) -> bool:
    """Whether the customer may cancel or move it now (``check_callback_changeable``)."""
    try:
        check_callback_changeable(callback, callback.contact, now)
    except DomainError:
        return False
    return True


def callback_calendar() -> CalendarSpec:
    """The contact centre's staffed hours for callbacks, read at call time: the intervals of
    ``CONTACT_CALLBACK_HOURS`` every day, closed on ``CONTACT_CALLBACK_CLOSED_DAYS``, in the
    site's time zone (Beijing time). ``sla.CalendarError`` for a bad setting, which the system
    check (``contact.checks``) reports at start."""
    intervals = [i for i in str(settings.CONTACT_CALLBACK_HOURS).split(",") if i.strip()]
    return calendar_spec(
        name="contact centre",
        always_open=False,
        weekly_hours={day: intervals for day in WEEKDAYS},
        holidays=settings.CONTACT_CALLBACK_CLOSED_DAYS,
        extra_workdays=(),
        timezone=settings.TIME_ZONE,
    )


def callback_window_length() -> timedelta:
    """How long the offered windows are (``CONTACT_CALLBACK_WINDOW_MINUTES``, at least 15)."""
    minutes = int(settings.CONTACT_CALLBACK_WINDOW_MINUTES)
    return max(CALLBACK_MIN_WINDOW, timedelta(minutes=minutes))


def callback_windows(*, now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """The callback windows a customer may choose now: within the staffed hours, not started,
    ending within 7 days (``hours.windows``)."""
    return hours.windows(
        callback_calendar(),
        now=now or timezone.now(),
        length=callback_window_length(),
        ahead=CALLBACK_MAX_AHEAD,
        shortest=CALLBACK_MIN_WINDOW,
    )


def callback_hours_text() -> str:
    """The staffed hours in words ("08:30–18:00"), for the pages and the API."""
    return hours.hours_text(callback_calendar())


def access_callback_list(*, user: Any, now: datetime) -> QuerySet[Callback]:
    """The callbacks the API lists, by the end of their window: a customer's own; for agents and
    brand administrators every open one and those of the last 7 days (403 ``forbidden`` for
    anyone else)."""
    staff = is_contact_staff(user)
    if not staff and principal_for(user).customer_id is None:
        raise _forbidden(_("You have no callbacks here."))
    qs = callbacks_visible_to(user).order_by("window_end", "id")
    if staff:
        qs = qs.filter(window_end__gte=now - timedelta(days=STAFF_CALLBACK_DAYS)) | qs.filter(
            done_at__isnull=True, status=CallbackStatus.SCHEDULED
        )
    return qs


# --------------------------------------------------------------------------------------------
# Complaints
# --------------------------------------------------------------------------------------------


def complaints_visible_to(user: Any) -> QuerySet[Complaint]:
    visible: QuerySet[Complaint] = _own_or_all(Complaint.objects.all(), user)
    return visible


def access_complaint(*, user: Any, complaint_id: int) -> Complaint:
    """A complaint the user may see (404 ``complaint_not_found`` otherwise: also an auditor,
    who reads the redacted export instead)."""
    complaint = (
        complaints_visible_to(user)
        .select_related("customer", "outlet", "service_request", "owner")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFound(_("There is no such complaint."), code="complaint_not_found")
    return complaint


def access_complaint_list(user: Any) -> QuerySet[Complaint]:
    """The complaints the user may list: a customer's own, everything for agents and brand
    administrators (403 ``forbidden`` for anyone else: auditors use the export)."""
    if not is_contact_staff(user) and principal_for(user).customer_id is None:
        raise _forbidden(_("Auditors read complaints through the export."))
    return complaints_visible_to(user)


@dataclass(frozen=True)
class ComplaintLinks:
    """The records a new complaint is about (each may be None)."""

    service_request: Any = None
    subscription: Any = None
    contact: Contact | None = None


def access_complaint_links(
    *,
    user: Any,
    customer: Customer,
    service_request_number: str | None = None,
    subscription_id: int | None = None,
    contact_id: int | None = None,
) -> ComplaintLinks:
    """The service request (by number), subscription and conversation a complaint names: 422
    ``service_request_not_found``, ``subscription_not_found``, or ``contact_not_found`` (a
    conversation of the customer's own, that the user may see). Whether the request and the
    subscription are the customer's is the filing's check (``not_yours``)."""
    from fairdesk.plans.models import Subscription
    from fairdesk.service_requests.models import ServiceRequest

    service_request = subscription = contact = None
    if service_request_number:
        service_request = ServiceRequest.objects.filter(number=service_request_number).first()
        if service_request is None:
            raise DomainError(
                _("There is no such service request."),
                code="service_request_not_found",
                status=422,
            )
    if subscription_id is not None:
        subscription = Subscription.objects.filter(pk=subscription_id).first()
        if subscription is None:
            raise DomainError(
                _("There is no such subscription."), code="subscription_not_found", status=422
            )
    if contact_id is not None:
        contact = contacts_visible_to(user).filter(pk=contact_id, customer_id=customer.pk).first()
        if contact is None:
            raise DomainError(
                _("There is no such conversation."), code="contact_not_found", status=422
            )
    return ComplaintLinks(service_request, subscription, contact)


def complaint_categories() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ComplaintCategory.choices]


def complaint_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    return list(complaint.events.select_related("actor").order_by("at", "id"))


def complaint_role(user: Any, complaint: Complaint) -> str | None:
    """What the user is to this complaint in ``workflow`` terms: its own customer, the brand
    (agents, brand administrators), or nothing (auditors read; outlet staff and technicians are
    the subject of complaints, not their handlers)."""
    principal = principal_for(user)
    if principal.customer_id is not None and principal.customer_id == complaint.customer_id:
        return workflow.CUSTOMER
    if is_contact_staff(user):
        return workflow.BRAND
    return None


def brand_late(complaint: Complaint, now: datetime) -> bool:
    """The brand owes the next step and its deadline has passed."""
    return (
        complaint.status in workflow.BRAND_OWES
        and complaint.due_at is not None
        and complaint.due_at < now
    )


def complaint_next_statuses(
    user: Any, complaint: Complaint, *, now: datetime | None = None
) -> list[str]:
    """The statuses the user may move the complaint to now (what the services will accept)."""
    role = complaint_role(user, complaint)
    if role is None:
        return []
    late = brand_late(complaint, now or timezone.now())
    return [str(s) for s in workflow.next_statuses(complaint.status, role, late=late)]


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


def queue_item(contact: Contact) -> ordering.QueueItem:
    """The only view of a waiting contact the ordering gets."""
    if contact.queued_at is None:
        raise ValueError(f"contact {contact.pk} is not in the queue")
    return ordering.QueueItem(
        contact_id=contact.pk,
        contact_type=contact.contact_type,
        safety_hazard=contact.safety_hazard,
        queued_at=contact.queued_at,
        product_line=contact.product_line,
        language=contact.language,
    )


def queue_class(contact: Contact) -> str:
    """safety, green or standard: the contact's class under the published rule."""
    return ordering.CLASS_NAMES[ordering.class_of(contact.contact_type, contact.safety_hazard)]


def agent_state(agent: AgentProfile, open_count: int) -> ordering.AgentState:
    """The only view of an agent the choice of agent gets."""
    return ordering.AgentState(
        agent_id=agent.pk,
        available=agent.status == AgentStatus.AVAILABLE,
        active_contacts=open_count,
        max_concurrent=agent.max_concurrent,
        idle_since=agent.idle_since,
        product_lines=frozenset(agent.product_lines or ()),
        languages=frozenset(agent.languages or ()),
    )


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
    total = sum(
        max(0.0, (closed - assigned).total_seconds())
        for assigned, closed in rows
        if assigned is not None and closed is not None  # filtered on: for the type checker
    )
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
    counts = Counter(queue_class(c) for c in waiting_contacts(now))
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
    call counts as missed; so does one not made yet (computed from the clock, not the worker).
    A cancelled callback was never due."""
    now = now or timezone.now()
    end = min(period_to, now)
    qs = Callback.objects.filter(window_end__gte=period_from, window_end__lt=end).exclude(
        status=CallbackStatus.CANCELLED
    )
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
