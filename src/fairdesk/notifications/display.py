"""How a message's recipient is written where people read it (pages, admin, logs): masked."""

from __future__ import annotations

from fairdesk.core.phones import mask_phone
from fairdesk.notifications.choices import Channel
from fairdesk.notifications.models import Message


def mask_recipient(message: Message) -> str:
    """A phone number as 138****8000, an e-mail address as z***@example.com ("" for none)."""
    recipient = message.recipient or ""
    if message.channel == Channel.EMAIL and "@" in recipient:
        local, _at, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(recipient) if recipient else ""


def log_recipient(message: Message) -> str:
    """The recipient for a log line: masked, or the customer's or user's id."""
    if message.recipient:
        return mask_recipient(message)
    if message.customer_id:
        return f"customer {message.customer_id}"
    return f"user {message.user_id}" if message.user_id else "nobody"
