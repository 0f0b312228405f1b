"""What is written in a conversation and told to the brand: the check of a customer's or an
agent's words (``check_message``), a message appended to a conversation (``say``), and an
escalation to every brand administrator's inbox (``tell_brand``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from fairdesk.contact.choices import ContactType
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
