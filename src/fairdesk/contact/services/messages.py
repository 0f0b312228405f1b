"""What is written in a conversation and told to the brand: the check of a customer's or an
agent's words (``check_message``), a message appended to a conversation (``say``), the type a
customer's words give it (``apply_intent``), and an escalation to every brand administrator's
inbox (``tell_brand``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from fairdesk.contact import assistant
from fairdesk.contact.choices import GREEN_TYPES, ContactStatus, ContactType, Sender
from fairdesk.contact.models import AgentProfile, Contact, ContactMessage
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.notifications.services import message_send

#: The longest message (and first words) a conversation takes.
MAX_TEXT = 2000
#: The languages a conversation is held in.
LANGUAGES = ("zh-hans", "en")


def check_message(text: str) -> str:
    """The words, stripped: 422 ``empty_message`` or ``message_too_long``."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a message first."), code="empty_message", status=422)
    check_length(text)
    return text


def check_length(text: str) -> str:
    """The words, stripped, at most ``MAX_TEXT`` long (422 ``message_too_long``); may be empty."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("A message is limited to %(n)d characters.") % {"n": MAX_TEXT},
            code="message_too_long",
            status=422,
        )
    return text


def check_contact_type(contact_type: str) -> str:
    if contact_type not in ContactType.values:
        raise DomainError(
            _("Choose what the contact is about."), code="invalid_contact_type", status=422
        )
    return contact_type


def say(
    contact: Contact,
    sender: str,
    text: str,
    *,
    at: datetime,
    agent: AgentProfile | None = None,
) -> ContactMessage:
    """Append a message to the conversation (inside the caller's transaction)."""
    return ContactMessage.objects.create(
        contact=contact, sender=sender, text=text, at=at, agent=agent
    )


#: What each intent is about, in the note that records it.
INTENT_REASONS = {
    ContactType.DOWNGRADE_CANCEL: gettext_lazy("cancelling or downgrading a plan"),
    ContactType.REFUND: gettext_lazy("a refund"),
    ContactType.COMPLAINT: gettext_lazy("a complaint"),
}


def apply_intent(contact: Contact, text: str, *, now: datetime) -> str | None:
    """The customer's words ask about a plan change, a refund or a complaint
    (``assistant.intent_in``): a contact not yet with an agent and not yet in the green channel
    becomes that type — which is all the queue rule reads — and the change is noted in the
    conversation with the reason, for the customer and the agent (inside the caller's
    transaction, the contact locked). The new type, or None when nothing changed."""
    if contact.status not in (ContactStatus.BOT, ContactStatus.QUEUED):
        return None  # with an agent: the agent says what it is about (contact_set_type)
    if contact.contact_type in GREEN_TYPES:
        return None
    intent = assistant.intent_in(text)
    if intent is None:
        return None
    before = contact.contact_type
    contact.contact_type = intent
    contact.save(update_fields=["contact_type"])
    with override(contact.language):
        say(
            contact,
            Sender.SYSTEM,
            _(
                "Type changed from “%(before)s” to “%(after)s”: the customer wrote about "
                "%(reason)s, which goes through the green channel."
            )
            % {
                "before": ContactType(before).label,
                "after": ContactType(intent).label,
                "reason": INTENT_REASONS[ContactType(intent)],
            },
            at=now,
        )
    return intent


def tell_brand(*, kind: str, subject: str, body: str, reference: str, key: str) -> None:
    """An escalation to every brand administrator's inbox, once per ``key`` and person."""
    user: Any
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
