"""Callbacks: promises with deadlines (guarantee F8), within the staffed hours.

* ``callback_request``: the customer picks a window (at least 15 minutes, not started, up to 7
  days ahead, inside the contact centre's staffed hours: ``selectors.callback_calendar``); the
  contact joins the queue when the window opens; the customer gets an SMS (and a portal
  message) with the number and the window.
* ``callback_cancel`` and ``callback_move``: the customer's own, while the callback is booked,
  its window has not ended and no agent has taken it (``selectors.check_callback_changeable``).
  A cancelled callback's contact leaves the queue (closed); a moved one joins it when the new
  window opens. Either is confirmed by SMS and a portal message.
* ``callback_done``: the agent called back — a late call still counts as missed.
* ``callbacks_escalate_due`` (every minute): the window's end is a deadline; a missed callback
  is marked, counted and escalated once per level (1 at the end, 2 four hours on), each level
  claimed by a conditional update so that it is sent exactly once. A cancelled callback is
  never due.

Lock order (``services``): the callback, then its contact, then the agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.contact import hours, ordering
from fairdesk.contact.choices import CallbackStatus, Channel, ContactStatus, Sender
from fairdesk.contact.models import Callback, Contact
from fairdesk.contact.selectors import (
    CALLBACK_MAX_AHEAD,
    CALLBACK_MIN_WINDOW,
    access_agent,
    callback_calendar,
    check_callback_changeable,
)
from fairdesk.contact.services.messages import (
    LANGUAGES,
    MAX_TEXT,
    apply_intent,
    check_contact_type,
    say,
    tell_brand,
)
from fairdesk.contact.services.queue import queue_dispatch, refresh_idle
from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as _local
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers.models import Customer
from fairdesk.notifications.services import message_send

CALLBACK_LEVEL2_AFTER = timedelta(hours=4)


def check_callback_window(*, window_start: datetime, window_end: datetime, now: datetime) -> None:
    """A window the centre can keep: at least 15 minutes, not started, ending within 7 days
    (422 ``invalid_window``), inside the staffed hours (422 ``outside_hours``, saying them)."""
    if window_start < now - timedelta(minutes=1) or window_end - window_start < CALLBACK_MIN_WINDOW:
        raise DomainError(
            _("Choose a window of at least 15 minutes that has not started yet."),
            code="invalid_window",
            status=422,
        )
    if window_end > now + CALLBACK_MAX_AHEAD:
        raise DomainError(
            _("Callbacks can be booked up to 7 days ahead."), code="invalid_window", status=422
        )
    calendar = callback_calendar()
    if not hours.within_hours(window_start, window_end, calendar):
        day = window_start.astimezone(calendar.tz).date()
        if not calendar.intervals_on(day):
            message = _(
                "The contact centre does not call back on %(day)s. Choose a window on another day."
            ) % {"day": day.isoformat()}
        else:
            message = _(
                "We call back between %(hours)s (Beijing time). Choose a window within these hours."
            ) % {"hours": hours.hours_text(calendar, day)}
        raise DomainError(
            message,
            code="outside_hours",
            status=422,
            details={"hours": hours.hours_text(calendar, day), "time_zone": calendar.timezone},
        )


def check_callback(
    *,
    customer: Customer | None,
    phone: str,
    window_start: datetime,
    window_end: datetime,
    contact_type: str,
    now: datetime,
) -> str:
    """The type, the number (normalised; the customer's own by default) and the window: 422
    ``invalid_contact_type``, ``invalid_phone``, ``invalid_window``, ``outside_hours``."""
    check_contact_type(contact_type)
    number = normalize_mobile(phone or (customer.phone if customer else ""))
    if number is None:
        raise DomainError(_("Enter a valid mobile number."), code="invalid_phone", status=422)
    check_callback_window(window_start=window_start, window_end=window_end, now=now)
    return number


def callback_request(
    *,
    customer: Customer | None,
    phone: str,
    window_start: datetime,
    window_end: datetime,
    contact_type: str,
    text: str = "",
    language: str = "zh-hans",
    now: datetime | None = None,
) -> Callback:
    """A callback window chosen by the customer: stored, shown, and a deadline (F8)."""
    now = now or timezone.now()
    number = check_callback(
        customer=customer,
        phone=phone,
        window_start=window_start,
        window_end=window_end,
        contact_type=contact_type,
        now=now,
    )
    with transaction.atomic():
        contact = Contact.objects.create(
            customer=customer,
            phone=number,
            contact_type=contact_type,
            channel=Channel.CALLBACK,
            status=ContactStatus.QUEUED,
            safety_hazard=ordering.looks_hazardous(text),
            language=language if language in LANGUAGES else "zh-hans",
            subject=(text or "").strip()[:200],
            created_at=now,
            queued_at=window_start,
        )
        if text.strip():
            say(contact, Sender.CUSTOMER, text.strip()[:MAX_TEXT], at=now)
            apply_intent(contact, text, now=now)
        callback = Callback.objects.create(
            contact=contact, phone=number, window_start=window_start, window_end=window_end
        )
        with translation.override(contact.language):
            _confirm(
                callback,
                contact,
                kind="contact.callback",
                subject=_("Callback booked"),
                body=_(
                    "We will call you back on %(phone)s between %(start)s and %(end)s (Beijing "
                    "time)."
                ),
            )
    return callback


def _confirm(callback: Callback, contact: Contact, *, kind: str, subject: str, body: str) -> None:
    """Tell the customer by SMS (``kind``'s template, with the window) and in the portal (inside
    the caller's transaction and language)."""
    window = {"start": _local(callback.window_start), "end": _local(callback.window_end)}
    text = body % {"phone": callback.phone, **window}
    message_send(
        channel="sms",
        recipient=callback.phone,
        customer=contact.customer,
        kind=kind,
        body=text,
        reference=f"C{contact.pk}",
        params=window,
    )
    if contact.customer is not None:
        message_send(
            channel="portal",
            customer=contact.customer,
            kind=kind,
            subject=subject,
            body=text,
            reference=f"C{contact.pk}",
        )


def _lock_changeable(callback: Callback, now: datetime) -> tuple[Callback, Contact]:
    """The callback and its contact, locked in this order, once the customer may still change
    them (``selectors.check_callback_changeable``)."""
    callback = Callback.objects.select_for_update(of=("self",)).get(pk=callback.pk)
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=callback.contact_id)
    )
    check_callback_changeable(callback, contact, now)
    return callback, contact


def callback_cancel(*, callback: Callback, now: datetime | None = None) -> Callback:
    """The customer cancels a booked callback: it is no longer a promise (never missed), its
    contact leaves the queue (closed), and the customer gets the confirmation. 409
    ``callback_closed``, ``callback_in_progress``."""
    now = now or timezone.now()
    with transaction.atomic():
        callback, contact = _lock_changeable(callback, now)
        callback.status, callback.cancelled_at = CallbackStatus.CANCELLED, now
        callback.save(update_fields=["status", "cancelled_at"])
        with translation.override(contact.language):
            contact.status, contact.closed_at = ContactStatus.CLOSED, now
            contact.outcome = _("Callback cancelled by the customer")
            contact.save(update_fields=["status", "closed_at", "outcome"])
            say(contact, Sender.SYSTEM, _("The customer cancelled the callback."), at=now)
            _confirm(
                callback,
                contact,
                kind="contact.callback_cancelled",
                subject=_("Callback cancelled"),
                body=_(
                    "Your callback between %(start)s and %(end)s (Beijing time) is cancelled. "
                    "You can book a new one at any time."
                ),
            )
    return callback


def callback_move(
    *,
    callback: Callback,
    window_start: datetime,
    window_end: datetime,
    now: datetime | None = None,
) -> Callback:
    """The customer moves a booked callback to another window, checked like a new one (422
    ``invalid_window``, ``outside_hours``); its contact joins the queue when the new window
    opens, and the customer gets the confirmation. Moving to the same window changes nothing.
    409 ``callback_closed``, ``callback_in_progress``."""
    now = now or timezone.now()
    check_callback_window(window_start=window_start, window_end=window_end, now=now)
    with transaction.atomic():
        callback, contact = _lock_changeable(callback, now)
        if (callback.window_start, callback.window_end) == (window_start, window_end):
            return callback
        before = f"{_local(callback.window_start)}–{_local(callback.window_end)}"
        callback.window_start, callback.window_end = window_start, window_end
        callback.save(update_fields=["window_start", "window_end"])
        contact.queued_at = window_start  # it joins the queue when the new window opens
        contact.save(update_fields=["queued_at"])
        with translation.override(contact.language):
            say(
                contact,
                Sender.SYSTEM,
                _("The customer moved the callback from %(before)s to %(after)s.")
                % {
                    "before": before,
                    "after": f"{_local(window_start)}–{_local(window_end)}",
                },
                at=now,
            )
            _confirm(
                callback,
                contact,
                kind="contact.callback",
                subject=_("Callback moved"),
                body=_(
                    "Your callback is moved: we will call you back on %(phone)s between "
                    "%(start)s and %(end)s (Beijing time)."
                ),
            )
        transaction.on_commit(lambda: queue_dispatch())
    return callback


def callback_done(
    *, callback: Callback, agent_user: Any, outcome: str = "", now: datetime | None = None
) -> Callback:
    """The agent called back (late calls still count as missed in the figures)."""
    now = now or timezone.now()
    agent = access_agent(agent_user)
    with transaction.atomic():
        callback = (
            Callback.objects.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=callback.pk)
        )
        if callback.done_at is not None:
            return callback
        if callback.status == CallbackStatus.CANCELLED:
            raise DomainError(
                _("The customer cancelled this callback."), code="callback_cancelled", status=409
            )
        if now > callback.window_end:  # late: done, but the promise was broken and counts so
            callback.status = CallbackStatus.MISSED
            callback.missed_at = callback.missed_at or callback.window_end
        else:
            callback.status = CallbackStatus.DONE
        callback.done_at, callback.done_by = now, agent
        callback.save()
        contact = callback.contact
        contact.status, contact.agent, contact.closed_at = ContactStatus.CLOSED, agent, now
        contact.assigned_at = contact.assigned_at or now
        contact.outcome = (outcome or "").strip()[:300]
        contact.save()
        refresh_idle(agent.pk, now)
        transaction.on_commit(lambda: queue_dispatch())
    return callback


def callbacks_escalate_due(*, now: datetime | None = None) -> int:
    """Mark missed callbacks and escalate each exactly once per level (level 1 at the window's
    end, level 2 after four more hours); the customer is told and the miss is counted. How many
    levels were sent."""
    now = now or timezone.now()
    done = 0
    for callback in (
        Callback.objects.filter(window_end__lt=now)
        .filter(done_at__isnull=True)
        .exclude(status=CallbackStatus.CANCELLED)
        .exclude(escalation_level__gte=2)
        .select_related("contact", "contact__customer")
    ):
        level = 2 if now >= callback.window_end + CALLBACK_LEVEL2_AFTER else 1
        with transaction.atomic():
            claimed = (
                Callback.objects.filter(pk=callback.pk, escalation_level__lt=level)
                .filter(done_at__isnull=True)
                .exclude(status=CallbackStatus.CANCELLED)
                .update(
                    escalation_level=level,
                    status=CallbackStatus.MISSED,
                    missed_at=callback.missed_at or callback.window_end,
                )
            )
            if not claimed:
                continue
            contact = callback.contact
            with translation.override(settings.LANGUAGE_CODE):
                body = _(
                    "Callback C%(id)s to %(phone)s was due by %(end)s and has not been made "
                    "(level %(level)d)."
                ) % {
                    "id": contact.pk,
                    "phone": callback.phone,
                    "end": _local(callback.window_end),
                    "level": level,
                }
            tell_brand(
                kind="contact.callback_missed",
                subject=_("Missed callback"),
                body=body,
                reference=f"C{contact.pk}",
                key=f"callback:{callback.pk}:{level}",
            )
            if callback.escalation_level == 0:  # also when the worker jumps straight to level 2
                with translation.override(contact.language):
                    apology = _(
                        "We missed the callback we promised by %(end)s. This is recorded and "
                        "escalated; an agent will call you as soon as possible."
                    ) % {"end": _local(callback.window_end)}
                message_send(
                    channel="sms",
                    recipient=callback.phone,
                    customer=contact.customer,
                    kind="contact.callback_missed",
                    body=apology,
                    reference=f"C{contact.pk}",
                    dedupe_key=f"callback:{callback.pk}:customer",
                    params={"end": _local(callback.window_end)},
                )
            done += 1
    return done
