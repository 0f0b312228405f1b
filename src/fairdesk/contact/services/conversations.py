"""Conversations and the automatic assistant.

* A contact starts with the assistant (web chat) or with the agent who logged it (phone):
  ``contact_start``. The assistant answers from the brand's automatic answers (``faq_answer``).
* A person is one action away (guarantee F6): "Talk to a person" (``contact_request_human``),
  or words asking for one (``wants_human``: 人工 / 转人工 / 客服 / agent / human …), put the
  conversation in the queue at once; so does any mention of a safety hazard, which also gives it
  the safety head start.
* The customer writes (``contact_say``); the agent answering replies (``contact_reply``), says
  what the conversation is really about (``contact_set_type``) and closes it
  (``contact_close``, also the customer leaving).

Each write checks first (``check_*``, ``selectors.access_*``), then writes in one transaction,
the conversation's row locked first (``services``' lock order).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.contact import ordering
from fairdesk.contact.choices import Channel, ContactStatus, ContactType, Sender
from fairdesk.contact.models import Assignment, Contact, ContactMessage, FaqEntry
from fairdesk.contact.selectors import (
    access_agent,
    access_contact_to_answer,
    access_contact_to_close,
)
from fairdesk.contact.services.messages import (
    LANGUAGES,
    check_contact_type,
    check_length,
    check_message,
    say,
)
from fairdesk.contact.services.queue import queue_dispatch, refresh_idle
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer

#: Words that hand a conversation to a person at once (guarantee F6; published on /queue-rule/).
TRANSFER_WORDS = frozenset(
    {"人工", "转人工", "人工客服", "客服", "真人", "agent", "human", "person"}
)
# 人工 anywhere (我要人工, 找人工, 人工服务…) except in 人工智能; 客服, 真人 anywhere;
# English words as whole words (not "agenda", "humane")
_HUMAN_ZH = re.compile(r"人工(?!智能)|客服|真人|人类")
_HUMAN_EN = re.compile(r"\b(agent|human|person|operator|representative)s?\b", re.IGNORECASE)


def wants_human(text: str) -> bool:
    """Does the customer ask for a person? (Then the conversation goes to the queue at once.)"""
    text = text or ""
    return bool(_HUMAN_ZH.search(text) or _HUMAN_EN.search(text))


def faq_answer(text: str, language: str) -> str | None:
    """The first active automatic answer with a keyword in ``text``, in ``language``."""
    lowered = text.lower()
    for entry in FaqEntry.objects.filter(active=True).order_by("id"):
        words = [w.strip().lower() for w in entry.keywords.split(",") if w.strip()]
        if any(word in lowered for word in words):
            return entry.answer if language == "zh-hans" else entry.answer_en
    return None


def _check_open(contact: Contact) -> None:
    if contact.status == ContactStatus.CLOSED:
        raise DomainError(
            _("This conversation is closed; start a new one."),
            code="contact_closed",
            status=409,
        )


def check_contact_start(*, contact_type: str, channel: str, text: str) -> str:
    """The opening's type, channel and first words (stripped, which may be empty)."""
    check_contact_type(contact_type)
    if channel not in (Channel.WEB_CHAT, Channel.PHONE):
        raise DomainError(_("Unknown channel."), code="invalid_channel", status=422)
    return check_length(text)


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
    now = now or timezone.now()
    text = check_contact_start(contact_type=contact_type, channel=channel, text=text)
    agent = access_agent(agent_user) if channel == Channel.PHONE else None
    with transaction.atomic():
        contact = Contact.objects.create(
            customer=customer,
            phone=phone or (customer.phone if customer else ""),
            contact_type=contact_type,
            channel=channel,
            status=ContactStatus.BOT if channel == Channel.WEB_CHAT else ContactStatus.ASSIGNED,
            safety_hazard=ordering.looks_hazardous(text),
            product_line=product_line,
            language=language if language in LANGUAGES else "zh-hans",
            subject=text[:200],
            created_at=now,
            agent=agent,
            assigned_at=now if agent else None,
        )
        if text:
            say(contact, Sender.CUSTOMER, text, at=now)
        if agent is not None:
            Assignment.objects.create(
                contact=contact,
                agent=agent,
                at=now,
                waited_seconds=0,
                reason={"rule": "phone call answered by this agent"},
            )
        elif text:
            _assistant_turn(contact, text, now=now)
        else:
            with translation.override(contact.language):
                say(
                    contact,
                    Sender.BOT,
                    _("Hello! How can we help? You can talk to a person at any time."),
                    at=now,
                )
    return contact


def _assistant_turn(contact: Contact, text: str, *, now: datetime) -> None:
    """The assistant's answer to ``text`` — or the queue, when it asks for a person or mentions
    a hazard."""
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
        say(contact, Sender.BOT, answer, at=now)


def _to_queue(contact: Contact, *, now: datetime) -> None:
    """A conversation with the assistant joins the queue (dispatched on commit)."""
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
        say(contact, Sender.SYSTEM, note, at=now)
    transaction.on_commit(lambda: queue_dispatch())


def _lock(contact: Contact) -> Contact:
    return Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)


def contact_say(
    *, contact: Contact, text: str, customer: Customer | None = None, now: datetime | None = None
) -> ContactMessage:
    """The customer writes: to the assistant (which may hand over) or to the agent."""
    now = now or timezone.now()
    text = check_message(text)
    with transaction.atomic():
        contact = _lock(contact)
        _check_open(contact)
        message = say(contact, Sender.CUSTOMER, text, at=now)
        if contact.status == ContactStatus.BOT:
            _assistant_turn(contact, text, now=now)
        elif ordering.looks_hazardous(text) and not contact.safety_hazard:
            contact.safety_hazard = True  # moves it to the front of the queue if still waiting
            contact.save(update_fields=["safety_hazard"])
    return message


def contact_request_human(*, contact: Contact, now: datetime | None = None) -> Contact:
    """The "talk to a person" action, on every screen and every assistant turn: one step."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = _lock(contact)
        _check_open(contact)
        _to_queue(contact, now=now)
    return contact


def contact_reply(
    *, contact: Contact, agent_user: Any, text: str, now: datetime | None = None
) -> ContactMessage:
    """The agent answering the conversation writes."""
    now = now or timezone.now()
    text = check_message(text)
    agent = access_agent(agent_user)
    with transaction.atomic():
        contact = access_contact_to_answer(contact_id=contact.pk, agent=agent)
        return say(contact, Sender.AGENT, text, at=now, agent=agent)


def contact_set_type(
    *, contact: Contact, agent_user: Any, contact_type: str, now: datetime | None = None
) -> Contact:
    """The agent handling a conversation says what it is really about (the customer's choice,
    or "consultation" from the one-click "talk to a person", may not fit). Recorded in the
    conversation; the type never reorders a contact that is already with an agent."""
    now = now or timezone.now()
    check_contact_type(contact_type)
    agent = access_agent(agent_user)
    with transaction.atomic():
        contact = access_contact_to_answer(contact_id=contact.pk, agent=agent)
        if contact.contact_type == contact_type:
            return contact
        before = contact.contact_type
        contact.contact_type = contact_type
        contact.save(update_fields=["contact_type"])
        with translation.override(contact.language):
            say(
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
    """Close a conversation: its agent (``agent_user``), or the customer leaving (None). Frees
    the agent; closing a closed conversation changes nothing."""
    now = now or timezone.now()
    agent = access_agent(agent_user) if agent_user is not None else None
    with transaction.atomic():
        contact = access_contact_to_close(contact_id=contact.pk, agent=agent)
        if contact.status == ContactStatus.CLOSED:
            return contact
        contact.status, contact.closed_at = ContactStatus.CLOSED, now
        contact.outcome = (outcome or "").strip()[:300]
        contact.save(update_fields=["status", "closed_at", "outcome"])
        if contact.agent_id:
            refresh_idle(contact.agent_id, now)
        transaction.on_commit(lambda: queue_dispatch())
    return contact
