"""Writes of contacts, the queue, callbacks and complaints.

Keyword-only functions; each validates first and writes in one transaction with its log entries
(messages, assignments, complaint events) and its notifications (outbox).

* A contact starts with the automatic assistant (web chat) or with the agent who logged it
  (phone). "Talk to a person" (``contact_request_human``) or typing 人工 / 转人工 / 客服 / agent /
  human puts it in the queue at once; so does any mention of a safety hazard.
* ``queue_dispatch`` hands waiting contacts to agents with ``ordering.assign`` — the published
  rule — and logs every assignment with its reason. It runs after every event that can free an
  agent or add a contact, and every minute on the worker.
* A callback's window end is a deadline; a missed callback is marked, counted and escalated once
  per level (``callbacks_escalate_due``). Complaint steps have deadlines too
  (``complaints_escalate_due``).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.contact import ordering, workflow
from fairdesk.contact.choices import (
    GREEN_CATEGORIES,
    AgentStatus,
    CallbackStatus,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ContactStatus,
    ContactType,
    Sender,
)
from fairdesk.contact.models import (
    AgentProfile,
    Assignment,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintPolicy,
    Contact,
    ContactMessage,
    FaqEntry,
)
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as _local
from fairdesk.customers.models import Customer
from fairdesk.notifications.services import message_send, message_send_to_customer

log = logging.getLogger("fairdesk.contact")

#: Words that hand a conversation to a person at once (guarantee F6; published on /queue-rule/).
TRANSFER_WORDS = frozenset(
    {"人工", "转人工", "人工客服", "客服", "真人", "agent", "human", "person"}
)
# 人工 anywhere (我要人工, 找人工, 人工服务…) except in 人工智能; 客服, 真人 anywhere;
# English words as whole words (not "agenda", "humane")
_HUMAN_ZH = re.compile(r"人工(?!智能)|客服|真人|人类")
_HUMAN_EN = re.compile(r"\b(agent|human|person|operator|representative)s?\b", re.IGNORECASE)
MAX_TEXT = 2000
CALLBACK_MIN_WINDOW = timedelta(minutes=15)
CALLBACK_MAX_AHEAD = timedelta(days=7)
CALLBACK_LEVEL2_AFTER = timedelta(hours=4)
COMPLAINT_LEVEL2_AFTER = timedelta(hours=24)
_PUNCT = re.compile(r"[\s\.,!?！？。，、~～]+")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def wants_human(text: str) -> bool:
    """Does the customer ask for a person? (Then the conversation goes to the queue at once.)"""
    text = text or ""
    return bool(_HUMAN_ZH.search(text) or _HUMAN_EN.search(text))


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a message first."), code="empty_message", status=422)
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("A message is limited to %(n)d characters.") % {"n": MAX_TEXT},
            code="message_too_long",
            status=422,
        )
    return text


def _say(contact: Contact, sender: str, text: str, *, at: datetime, agent=None) -> ContactMessage:
    return ContactMessage.objects.create(
        contact=contact, sender=sender, text=text, at=at, agent=agent
    )


def _check_type(contact_type: str) -> str:
    if contact_type not in ContactType.values:
        raise DomainError(
            _("Choose what the contact is about."), code="invalid_contact_type", status=422
        )
    return contact_type


# --------------------------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------------------------


def faq_answer(text: str, language: str) -> str | None:
    lowered = text.lower()
    for entry in FaqEntry.objects.filter(active=True).order_by("id"):
        words = [w.strip().lower() for w in entry.keywords.split(",") if w.strip()]
        if any(word in lowered for word in words):
            return entry.answer if language == "zh-hans" else entry.answer_en
    return None


def contact_start(
    *,
    contact_type: str,
    channel: str,
    customer: Customer | None = None,
    phone: str = "",
    text: str = "",
    product_line: str = "",
    language: str = "zh-hans",
    agent_user: Any = None,
    now: datetime | None = None,
) -> Contact:
    """Open a contact. Web chat starts with the assistant (or the queue, if the first words ask
    for a person or mention a hazard); a phone contact is with the agent who logs it."""
    now = _now(now)
    _check_type(contact_type)
    if channel not in (Channel.WEB_CHAT, Channel.PHONE):
        raise DomainError(_("Unknown channel."), code="invalid_channel", status=422)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        _clean_text(text)  # the same error as a message that is too long
    agent = None
    if channel == Channel.PHONE:
        agent = _agent_for(agent_user)
    with transaction.atomic():
        contact = Contact.objects.create(
            customer=customer,
            phone=phone or (customer.phone if customer else ""),
            contact_type=contact_type,
            channel=channel,
            status=ContactStatus.BOT if channel == Channel.WEB_CHAT else ContactStatus.ASSIGNED,
            safety_hazard=ordering.looks_hazardous(text),
            product_line=product_line,
            language=language if language in ("zh-hans", "en") else "zh-hans",
            subject=text[:200],
            created_at=now,
            agent=agent,
            assigned_at=now if agent else None,
        )
        if text:
            _say(contact, Sender.CUSTOMER, text, at=now)
        if agent is not None:
            Assignment.objects.create(
                contact=contact,
                agent=agent,
                at=now,
                waited_seconds=0,
                reason={"rule": "phone call answered by this agent"},
            )
        elif text:
            _bot_turn(contact, text, now=now)
        else:
            with translation.override(contact.language):
                _say(
                    contact,
                    Sender.BOT,
                    _("Hello! How can we help? You can talk to a person at any time."),
                    at=now,
                )
    return contact


def _bot_turn(contact: Contact, text: str, *, now: datetime) -> None:
    if wants_human(text) or contact.safety_hazard or ordering.looks_hazardous(text):
        if ordering.looks_hazardous(text) and not contact.safety_hazard:
            contact.safety_hazard = True
            contact.save(update_fields=["safety_hazard"])
        _to_queue(contact, now=now)
        return
    with translation.override(contact.language):
        answer = faq_answer(text, contact.language)
        if answer is None:
            answer = _(
                "I could not find an answer to that. A person can help: choose “Talk to a person”."
            )
        _say(contact, Sender.BOT, answer, at=now)


def _to_queue(contact: Contact, *, now: datetime) -> None:
    if contact.status != ContactStatus.BOT:
        return
    contact.status, contact.queued_at = ContactStatus.QUEUED, now
    contact.save(update_fields=["status", "queued_at"])
    with translation.override(contact.language):
        note = (
            _(
                "Safety first: if you smell gas or see smoke or sparks, leave the room, do not use "
                "switches, and call 119 or the gas company. An agent is on the way to this chat."
            )
            if contact.safety_hazard
            else _("Connecting you to a person. You are in the queue; your position is shown here.")
        )
        _say(contact, Sender.SYSTEM, note, at=now)
    transaction.on_commit(lambda: queue_dispatch())


def contact_say(
    *, contact: Contact, text: str, customer: Customer | None = None, now: datetime | None = None
) -> ContactMessage:
    """The customer writes: to the assistant (which may hand over) or to the agent."""
    now = _now(now)
    text = _clean_text(text)
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        if contact.status == ContactStatus.CLOSED:
            raise DomainError(
                _("This conversation is closed; start a new one."),
                code="contact_closed",
                status=409,
            )
        message = _say(contact, Sender.CUSTOMER, text, at=now)
        if contact.status == ContactStatus.BOT:
            _bot_turn(contact, text, now=now)
        elif ordering.looks_hazardous(text) and not contact.safety_hazard:
            contact.safety_hazard = True  # moves it to the front of the queue if still waiting
            contact.save(update_fields=["safety_hazard"])
    return message


def contact_request_human(*, contact: Contact, now: datetime | None = None) -> Contact:
    """The "talk to a person" action, on every screen and every assistant turn: one step."""
    now = _now(now)
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        if contact.status == ContactStatus.CLOSED:
            raise DomainError(
                _("This conversation is closed; start a new one."),
                code="contact_closed",
                status=409,
            )
        _to_queue(contact, now=now)
    return contact


def contact_reply(
    *, contact: Contact, agent_user: Any, text: str, now: datetime | None = None
) -> ContactMessage:
    now = _now(now)
    text = _clean_text(text)
    agent = _agent_for(agent_user)
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        if contact.status != ContactStatus.ASSIGNED or contact.agent_id != agent.pk:
            raise DomainError(
                _("This conversation is not yours to answer."), code="not_your_contact", status=403
            )
        return _say(contact, Sender.AGENT, text, at=now, agent=agent)


def contact_set_type(
    *, contact: Contact, agent_user: Any, contact_type: str, now: datetime | None = None
) -> Contact:
    """The agent handling a conversation says what it is really about (the customer's choice,
    or "consultation" from the one-click "talk to a person", may not fit). Recorded in the
    conversation; the type never reorders a contact that is already with an agent."""
    now = _now(now)
    _check_type(contact_type)
    agent = _agent_for(agent_user)
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        if contact.status != ContactStatus.ASSIGNED or contact.agent_id != agent.pk:
            raise DomainError(
                _("This conversation is not yours to answer."), code="not_your_contact", status=403
            )
        if contact.contact_type == contact_type:
            return contact
        before = contact.contact_type
        contact.contact_type = contact_type
        contact.save(update_fields=["contact_type"])
        with translation.override(contact.language):
            _say(
                contact,
                Sender.SYSTEM,
                _("Type changed from “%(before)s” to “%(after)s”.")
                % {
                    "before": ContactType(before).label,
                    "after": ContactType(contact_type).label,
                },
                at=now,
                agent=agent,
            )
    return contact


def contact_close(
    *, contact: Contact, agent_user: Any = None, outcome: str = "", now: datetime | None = None
) -> Contact:
    """Close a conversation (the agent, or the customer leaving). Frees the agent."""
    now = _now(now)
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        if contact.status == ContactStatus.CLOSED:
            return contact
        if agent_user is not None:
            agent = _agent_for(agent_user)
            if contact.agent_id not in (None, agent.pk):
                raise DomainError(
                    _("This conversation is not yours to close."),
                    code="not_your_contact",
                    status=403,
                )
        contact.status, contact.closed_at = ContactStatus.CLOSED, now
        contact.outcome = (outcome or "").strip()[:300]
        contact.save(update_fields=["status", "closed_at", "outcome"])
        if contact.agent_id:
            _refresh_idle(contact.agent_id, now)
        transaction.on_commit(lambda: queue_dispatch())
    return contact


# --------------------------------------------------------------------------------------------
# Agents and the queue
# --------------------------------------------------------------------------------------------


def _agent_for(user: Any) -> AgentProfile:
    profile = AgentProfile.objects.filter(user=user).first() if user is not None else None
    if profile is None:
        raise DomainError(_("You are not set up as an agent."), code="not_an_agent", status=403)
    return profile


def agent_profile_ensure(
    *, user: Any, product_lines=(), languages=("zh-hans",), max_concurrent=2, now=None
) -> AgentProfile:
    now = _now(now)
    profile, _created = AgentProfile.objects.get_or_create(
        user=user,
        defaults={
            "status_since": now,
            "idle_since": now,
            "product_lines": list(product_lines),
            "languages": list(languages),
            "max_concurrent": max_concurrent,
        },
    )
    return profile


def agent_set_status(*, agent_user: Any, status: str, now: datetime | None = None) -> AgentProfile:
    now = _now(now)
    if status not in AgentStatus.values:
        raise DomainError(_("Unknown agent status."), code="invalid_status", status=422)
    with transaction.atomic():
        agent = AgentProfile.objects.select_for_update(of=("self",)).get(
            pk=_agent_for(agent_user).pk
        )
        if agent.status != status:
            agent.status, agent.status_since = status, now
            if status == AgentStatus.AVAILABLE and not _open_count(agent.pk):
                agent.idle_since = now
            agent.save()
        transaction.on_commit(lambda: queue_dispatch())
    return agent


def _open_count(agent_id: int) -> int:
    return Contact.objects.filter(agent_id=agent_id, status=ContactStatus.ASSIGNED).count()


def _refresh_idle(agent_id: int, now: datetime) -> None:
    if not _open_count(agent_id):
        AgentProfile.objects.filter(pk=agent_id).update(idle_since=now)


def queue_item(contact: Contact) -> ordering.QueueItem:
    """The only view of a contact the ordering gets."""
    return ordering.QueueItem(
        contact_id=contact.pk,
        contact_type=contact.contact_type,
        safety_hazard=contact.safety_hazard,
        queued_at=contact.queued_at,
        product_line=contact.product_line,
        language=contact.language,
    )


def agent_state(agent: AgentProfile, open_count: int) -> ordering.AgentState:
    return ordering.AgentState(
        agent_id=agent.pk,
        available=agent.status == AgentStatus.AVAILABLE,
        active_contacts=open_count,
        max_concurrent=agent.max_concurrent,
        idle_since=agent.idle_since,
        product_lines=frozenset(agent.product_lines or ()),
        languages=frozenset(agent.languages or ()),
    )


def queue_dispatch(*, now: datetime | None = None) -> int:
    """Assign waiting contacts by the published rule; every assignment logged with its reason."""
    now = _now(now)
    with transaction.atomic():
        agents = list(
            AgentProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(status=AgentStatus.AVAILABLE)
        )
        if not agents:
            return 0
        # a callback joins the queue when its window opens (queued_at = window start)
        waiting = list(
            Contact.objects.select_for_update(of=("self",)).filter(
                status=ContactStatus.QUEUED, queued_at__lte=now
            )
        )
        if not waiting:
            return 0
        counts = {a.pk: _open_count(a.pk) for a in agents}
        states = [agent_state(a, counts[a.pk]) for a in agents]
        by_id = {c.pk: c for c in waiting}
        agents_by_id = {a.pk: a for a in agents}
        plan = ordering.assign([queue_item(c) for c in waiting], states, now)
        for item in plan:
            contact = by_id[item.contact_id]
            agent = agents_by_id[item.agent_id]
            contact.status, contact.agent, contact.assigned_at = ContactStatus.ASSIGNED, agent, now
            contact.save(update_fields=["status", "agent", "assigned_at"])
            Assignment.objects.create(
                contact=contact,
                agent=agent,
                at=now,
                waited_seconds=item.reason["waited_seconds"],
                reason=item.reason,
            )
            with translation.override(contact.language):
                _say(
                    contact,
                    Sender.SYSTEM,
                    _("%(agent)s has joined the conversation.")
                    % {"agent": agent.user.get_full_name() or agent.user.get_username()},
                    at=now,
                )
        return len(plan)


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------


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
    from fairdesk.core.phones import normalize_mobile

    now = _now(now)
    _check_type(contact_type)
    number = normalize_mobile(phone or (customer.phone if customer else ""))
    if number is None:
        raise DomainError(_("Enter a valid mobile number."), code="invalid_phone", status=422)
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
    with transaction.atomic():
        contact = Contact.objects.create(
            customer=customer,
            phone=number,
            contact_type=contact_type,
            channel=Channel.CALLBACK,
            status=ContactStatus.QUEUED,
            safety_hazard=ordering.looks_hazardous(text),
            language=language if language in ("zh-hans", "en") else "zh-hans",
            subject=(text or "").strip()[:200],
            created_at=now,
            queued_at=window_start,
        )
        if text.strip():
            _say(contact, Sender.CUSTOMER, text.strip()[:MAX_TEXT], at=now)
        callback = Callback.objects.create(
            contact=contact, phone=number, window_start=window_start, window_end=window_end
        )
        with translation.override(contact.language):
            body = _(
                "We will call you back on %(phone)s between %(start)s and %(end)s (Beijing time)."
            ) % {
                "phone": number,
                "start": _local(window_start),
                "end": _local(window_end),
            }
            message_send(
                channel="sms",
                recipient=number,
                customer=customer,
                kind="contact.callback",
                body=body,
                reference=f"C{contact.pk}",
            )
            if customer is not None:
                message_send(
                    channel="portal",
                    customer=customer,
                    kind="contact.callback",
                    subject=_("Callback booked"),
                    body=body,
                    reference=f"C{contact.pk}",
                )
    return callback


def callback_done(
    *, callback: Callback, agent_user: Any, outcome: str = "", now: datetime | None = None
) -> Callback:
    """The agent called back (late calls still count as missed in the figures)."""
    now = _now(now)
    agent = _agent_for(agent_user)
    with transaction.atomic():
        callback = (
            Callback.objects.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=callback.pk)
        )
        if callback.done_at is not None:
            return callback
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
        _refresh_idle(agent.pk, now)
        transaction.on_commit(lambda: queue_dispatch())
    return callback


def _tell_brand(*, kind: str, subject: str, body: str, reference: str, key: str) -> None:
    """An escalation to every brand administrator's inbox, once per ``key`` and person."""
    for user in roles.brand_admins():
        message_send(
            channel="portal",
            user=user,
            kind=kind,
            subject=subject,
            body=body,
            reference=reference,
            dedupe_key=f"{key}:u{user.pk}",
        )


def callbacks_escalate_due(*, now: datetime | None = None) -> int:
    """Mark missed callbacks and escalate each exactly once per level (level 1 at the window's
    end, level 2 after four more hours); the customer is told and the miss is counted."""
    now = _now(now)
    done = 0
    for callback in (
        Callback.objects.filter(window_end__lt=now)
        .filter(done_at__isnull=True)
        .exclude(escalation_level__gte=2)
        .select_related("contact", "contact__customer")
    ):
        level = 2 if now >= callback.window_end + CALLBACK_LEVEL2_AFTER else 1
        with transaction.atomic():
            claimed = (
                Callback.objects.filter(pk=callback.pk, escalation_level__lt=level)
                .filter(done_at__isnull=True)
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
            _tell_brand(
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
                )
            done += 1
    return done


# --------------------------------------------------------------------------------------------
# Complaints
# --------------------------------------------------------------------------------------------


def complaint_policy() -> ComplaintPolicy:
    policy, _created = ComplaintPolicy.objects.get_or_create(pk=1)
    return policy


def _due_for(complaint: Complaint, status: str, now: datetime) -> datetime | None:
    policy = complaint_policy()
    if status == ComplaintStatus.RECEIVED:
        return complaint.created_at + timedelta(hours=policy.acknowledge_hours)
    if status in (ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.INVESTIGATING):
        days = policy.green_resolve_days if complaint.green else policy.resolve_days
        return now + timedelta(days=days)
    if status == ComplaintStatus.REJECTED:  # the brand must answer the rejection: a new round
        days = policy.green_resolve_days if complaint.green else policy.resolve_days
        return now + timedelta(days=days)
    if status == ComplaintStatus.RESOLVED:  # the customer's turn: accept, reject or go outside
        return now + timedelta(days=policy.customer_answer_days)
    return None


def complaint_file(
    *,
    customer: Customer,
    category: str,
    description: str,
    service_request: Any = None,
    subscription: Any = None,
    contact: Contact | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Complaint:
    now = _now(now)
    if category not in ComplaintCategory.values:
        raise DomainError(
            _("Choose what the complaint is about."), code="invalid_category", status=422
        )
    description = _clean_text(description)
    for linked, owner in ((service_request, "customer_id"), (subscription, "customer_id")):
        if linked is not None and getattr(linked, owner) != customer.pk:
            raise DomainError(_("That record is not yours."), code="not_yours", status=422)
    outlet = getattr(service_request, "outlet", None)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=f"TMP-{uuid.uuid4().hex[:16]}",  # replaced by the real number below
            customer=customer,
            category=category,
            green=category in GREEN_CATEGORIES,
            description=description,
            status=ComplaintStatus.RECEIVED,
            outlet=outlet,
            service_request=service_request,
            subscription=subscription,
            contact=contact,
            created_at=now,
        )
        complaint.number = f"TS{_local(now)[:10].replace('-', '')}{complaint.pk:05d}"
        complaint.due_at = _due_for(complaint, ComplaintStatus.RECEIVED, now)
        complaint.save(update_fields=["number", "due_at"])
        ComplaintEvent.objects.create(
            complaint=complaint,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_role=workflow.CUSTOMER
            if actor is None or getattr(actor, "pk", None) == customer.user_id
            else workflow.BRAND,
            from_status="",
            to_status=ComplaintStatus.RECEIVED,
            due_at=complaint.due_at,
        )
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            body = _(
                "Complaint %(number)s received at %(at)s. We will acknowledge it by %(due)s."
            ) % {
                "number": complaint.number,
                "at": _local(now),
                "due": _local(complaint.due_at),
            }
            message_send_to_customer(
                customer=customer,
                channels=("portal", "sms"),
                kind="contact.complaint",
                subject=_("Complaint received"),
                body=body,
                reference=complaint.number,
            )
    return complaint


def _complaint_role(actor: Any, complaint: Complaint) -> str | None:
    """The complaint's own customer, or the brand (agents, brand administrators); nobody else
    (auditors read, outlet staff and technicians are the subject of complaints, not handlers)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if actor.pk == complaint.customer.user_id:
        return workflow.CUSTOMER
    if (
        actor.is_superuser
        or actor.groups.filter(name__in=[roles.AGENT, roles.BRAND_ADMIN]).exists()
    ):
        return workflow.BRAND
    return None


def complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    actor: Any,
    note: str = "",
    outcome: str = "",
    external_body: str = "",
    external_reference: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Move a complaint one step; who may is decided by ``workflow`` (the customer answers a
    resolution and may escalate outside; staff do the rest)."""
    now = _now(now)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=complaint.pk)
        )
        role = _complaint_role(actor, complaint)
        if role is None:
            raise DomainError(_("You may not make this step."), code="forbidden", status=403)
        allowed = workflow.allowed(complaint.status, to_status)
        overdue_escalation = (
            to_status == ComplaintStatus.ESCALATED
            and complaint.status in workflow.OVERDUE_ESCALATION_FROM
            and complaint.due_at is not None
            and complaint.due_at < now
            and role == workflow.CUSTOMER
        )
        if not allowed and not overdue_escalation:
            raise DomainError(
                _("A complaint cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": ComplaintStatus(complaint.status).label,
                    "to": ComplaintStatus(to_status).label
                    if to_status in ComplaintStatus.values
                    else to_status,
                },
                code="illegal_transition",
                status=409,
            )
        if role not in allowed and not overdue_escalation:
            raise DomainError(_("You may not make this step."), code="forbidden", status=403)
        if to_status == ComplaintStatus.RESOLVED and not outcome.strip():
            raise DomainError(_("Describe the outcome."), code="outcome_required", status=422)
        if to_status == ComplaintStatus.ESCALATED and not external_body.strip():
            raise DomainError(
                _("Say where the complaint goes (for example 12315)."),
                code="external_body_required",
                status=422,
            )
        from_status = complaint.status
        complaint.status = to_status
        if to_status == ComplaintStatus.RESOLVED:
            complaint.outcome = outcome.strip()
        if to_status == ComplaintStatus.ESCALATED:
            complaint.external_body = external_body.strip()[:100]
            complaint.external_reference = external_reference.strip()[:100]
        if role == workflow.BRAND and complaint.owner_id is None:
            complaint.owner = actor
        keeps_deadline = from_status == ComplaintStatus.ACKNOWLEDGED and to_status in (
            ComplaintStatus.INVESTIGATING,
        )
        if not keeps_deadline:  # the promise made at acknowledgement stands while investigating
            complaint.due_at = _due_for(complaint, to_status, now)
            complaint.escalation_level = 0
        if to_status in workflow.CLOSED:
            complaint.closed_at = now
        complaint.save()
        ComplaintEvent.objects.create(
            complaint=complaint,
            at=now,
            actor=actor,
            actor_role=role,
            from_status=from_status,
            to_status=to_status,
            note=(note or outcome or external_body).strip(),
            due_at=complaint.due_at,
        )
        customer = complaint.customer
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            body = _("Complaint %(number)s: %(status)s.") % {
                "number": complaint.number,
                "status": ComplaintStatus(to_status).label,
            }
            if complaint.due_at and to_status in workflow.BRAND_OWES:
                body += " " + _("Next step due by %(due)s.") % {"due": _local(complaint.due_at)}
            if to_status == ComplaintStatus.RESOLVED:
                body += " " + _("Outcome: %(outcome)s. Please accept or reject it.") % {
                    "outcome": complaint.outcome
                }
            message_send(
                channel="portal",
                customer=customer,
                kind="contact.complaint",
                subject=_("Complaint update"),
                body=body,
                reference=complaint.number,
            )
    return complaint


def complaints_escalate_due(*, now: datetime | None = None) -> int:
    """Brand steps past their deadline: escalate once per level (1 at the deadline, 2 a day on)."""
    now = _now(now)
    count = 0
    for complaint in Complaint.objects.filter(
        status__in=workflow.BRAND_OWES, due_at__lt=now, escalation_level__lt=2
    ):
        level = 2 if now >= complaint.due_at + COMPLAINT_LEVEL2_AFTER else 1
        with transaction.atomic():
            if not Complaint.objects.filter(
                pk=complaint.pk, escalation_level__lt=level, status=complaint.status
            ).update(escalation_level=level):
                continue
            with translation.override(settings.LANGUAGE_CODE):
                body = _(
                    "Complaint %(number)s (%(status)s) was due by %(due)s (level %(level)d)."
                ) % {
                    "number": complaint.number,
                    "status": ComplaintStatus(complaint.status).label,
                    "due": _local(complaint.due_at),
                    "level": level,
                }
            _tell_brand(
                kind="contact.complaint_overdue",
                subject=_("Complaint overdue"),
                body=body,
                reference=complaint.number,
                key=f"complaint:{complaint.pk}:{complaint.status}:{level}",
            )
            count += 1
    return count


def contact_process_due(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's minute: assign waiting contacts, escalate missed callbacks and late
    complaints."""
    now = _now(now)
    return {
        "assigned": queue_dispatch(now=now),
        "callbacks": callbacks_escalate_due(now=now),
        "complaints": complaints_escalate_due(now=now),
    }
