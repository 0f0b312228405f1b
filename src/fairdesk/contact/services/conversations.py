"""Conversations and the automatic assistant.

* A contact starts with the assistant (web chat) or with the agent who logged it (phone):
  ``contact_start``. The assistant answers from the brand's automatic answers
  (``selectors.faq_answer``).
* A person is one action away (guarantee F6): "Talk to a person" (``contact_request_human``,
  or ``contact_talk_to_person`` from any page), or words asking for one (``wants_human``: 人工 /
  转人工 / 客服 / agent / human …), put the conversation in the queue at once; so does any
  mention of a safety hazard, which also gives it the safety head start.
* A customer waits in **one** web chat at a time (the ``contact_one_waiting_chat_per_customer``
  constraint): asking again, from any page or in another chat, shows the place already held
  instead of queueing a second contact (the other chat stays with the assistant and says
  where the place is). Racing clicks are settled by the constraint.
* What the customer writes may ask about a plan change, a refund or a complaint
  (``assistant.intent_in``): the conversation then becomes that green-channel type, noted in
  it with the reason (``messages.apply_intent``).
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

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from fairdesk.contact import ordering
from fairdesk.contact.choices import Channel, ContactStatus, ContactType, Sender
from fairdesk.contact.models import Assignment, Contact, ContactMessage
from fairdesk.contact.selectors import (
    access_agent,
    access_contact_to_answer,
    access_contact_to_close,
    contact_queue_position,
    faq_answer,
    waiting_chat_of,
)
from fairdesk.contact.services.messages import (
    LANGUAGES,
    apply_intent,
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


#: What to do at once, told to a customer who mentions a hazard.
SAFETY_NOTE = gettext_noop(
    "Safety first: if you smell gas or see smoke or sparks, leave the room, do not use "
    "switches, and call 119 or the gas company. An agent is on the way to this chat."
)


def wants_human(text: str) -> bool:
    """Does the customer ask for a person? (Then the conversation goes to the queue at once.)"""
    text = text or ""
    return bool(_HUMAN_ZH.search(text) or _HUMAN_EN.search(text))


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
            if agent is None:
                apply_intent(contact, text, now=now)
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


def _assistant_turn(contact: Contact, text: str, *, now: datetime) -> Contact:
    """The assistant's answer to ``text`` — or the queue, when it asks for a person or mentions
    a hazard. The contact the customer waits in (``_to_queue``), or ``contact``."""
    if wants_human(text) or contact.safety_hazard or ordering.looks_hazardous(text):
        if ordering.looks_hazardous(text) and not contact.safety_hazard:
            contact.safety_hazard = True
            contact.save(update_fields=["safety_hazard"])
        return _to_queue(contact, now=now)
    with translation.override(contact.language):
        answer = faq_answer(text, contact.language)
        if answer is None:
            answer = _(
                "I could not find an answer to that. A person can help: choose “Talk to a person”."
            )
        say(contact, Sender.BOT, answer, at=now)
    return contact


def _queue_note(contact: Contact, *, now: datetime) -> None:
    with translation.override(contact.language):
        note = (
            _(SAFETY_NOTE)
            if contact.safety_hazard
            else _("Connecting you to a person. You are in the queue; your position is shown here.")
        )
        say(contact, Sender.SYSTEM, note, at=now)
    transaction.on_commit(lambda: queue_dispatch())


def _already_waiting(contact: Contact, held: Contact, *, now: datetime) -> Contact:
    """``contact`` stays with the assistant and says where the customer's place is: ``held``,
    their waiting chat (which moves up if ``contact`` reported a hazard). Returns ``held``."""
    if contact.safety_hazard and not held.safety_hazard:
        # the held place moves up (an UPDATE of that row only: this conversation, locked first,
        # is never waited for by anyone holding the held one)
        Contact.objects.filter(pk=held.pk).update(safety_hazard=True)
        held.safety_hazard = True
    entry = contact_queue_position(held, now=now)
    with translation.override(contact.language):
        if contact.safety_hazard:
            say(contact, Sender.SYSTEM, _(SAFETY_NOTE), at=now)
        note = _(
            "You are already waiting for a person in another conversation (C%(id)s): it keeps "
            "your place in the queue. Continue there: %(link)s"
        ) % {"id": held.pk, "link": reverse("portal:chat", args=[held.pk])}
        if entry is not None:
            note += " " + _("You are number %(position)d in the queue.") % {
                "position": entry.position
            }
        say(contact, Sender.SYSTEM, note, at=now)
    return held


def _to_queue(contact: Contact, *, now: datetime) -> Contact:
    """A conversation with the assistant joins the queue (dispatched on commit) — unless its
    customer already waits in another web chat: then that one is the customer's place, and it
    is returned. The contact the customer waits in."""
    if contact.status != ContactStatus.BOT:
        return contact
    held = waiting_chat_of(contact.customer_id, exclude=contact.pk)
    if held is not None and contact.channel == Channel.WEB_CHAT:
        return _already_waiting(contact, held, now=now)
    contact.status, contact.queued_at = ContactStatus.QUEUED, now
    try:
        with transaction.atomic():  # a savepoint: a racing click may have queued a twin first
            contact.save(update_fields=["status", "queued_at"])
    except IntegrityError:
        contact.status, contact.queued_at = ContactStatus.BOT, None
        held = waiting_chat_of(contact.customer_id, exclude=contact.pk)
        if held is None:
            raise
        return _already_waiting(contact, held, now=now)
    _queue_note(contact, now=now)
    return contact


def _lock(contact: Contact) -> Contact:
    return Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)


def contact_say(
    *, contact: Contact, text: str, customer: Customer | None = None, now: datetime | None = None
) -> ContactMessage:
    """The customer writes: to the assistant (which may hand over) or to the agent. Words about
    a plan change, a refund or a complaint move a contact not yet with an agent to that type."""
    now = now or timezone.now()
    text = check_message(text)
    with transaction.atomic():
        contact = _lock(contact)
        _check_open(contact)
        message = say(contact, Sender.CUSTOMER, text, at=now)
        apply_intent(contact, text, now=now)
        if contact.status == ContactStatus.BOT:
            _assistant_turn(contact, text, now=now)
        elif ordering.looks_hazardous(text) and not contact.safety_hazard:
            contact.safety_hazard = True  # moves it to the front of the queue if still waiting
            contact.save(update_fields=["safety_hazard"])
    return message


def contact_request_human(*, contact: Contact, now: datetime | None = None) -> Contact:
    """The "talk to a person" action, on every screen and every assistant turn: one step. The
    contact the customer waits in: this one, or the web chat that already holds their place
    (asking again never queues a second one)."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = _lock(contact)
        _check_open(contact)
        return _to_queue(contact, now=now)


def contact_talk_to_person(
    *,
    customer: Customer,
    contact_type: str = ContactType.CONSULTATION,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> tuple[Contact, bool]:
    """The "talk to a person" button of every page: the customer's waiting web chat if there is
    one (its place kept), else a new one, in the queue at once (as ``contact_type``; the agent
    sets the real type). Racing clicks get the same contact (the constraint decides). The
    contact, and whether it is new."""
    now = now or timezone.now()
    check_contact_type(contact_type)
    held = waiting_chat_of(customer.pk)
    if held is not None:
        return held, False
    with transaction.atomic():
        contact = Contact(
            customer=customer,
            phone=customer.phone,
            contact_type=contact_type,
            channel=Channel.WEB_CHAT,
            status=ContactStatus.QUEUED,
            language=language if language in LANGUAGES else "zh-hans",
            created_at=now,
            queued_at=now,
        )
        try:
            with transaction.atomic():  # a savepoint: a racing click may have queued one first
                contact.save(force_insert=True)
        except IntegrityError:
            held = waiting_chat_of(customer.pk)
            if held is None:
                raise
            return held, False
        _queue_note(contact, now=now)
    return contact, True


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
