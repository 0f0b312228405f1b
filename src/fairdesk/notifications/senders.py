"""How messages leave fairdesk: one small interface, one sender per channel.

``NOTIFICATION_SENDERS`` (settings) maps a channel to a dotted path. The default for every
channel is ``OutboxSender``: it delivers to the outbox itself (the staff outbox page, the
customer's portal inbox) and to the log — what the demo uses, and what a brand without an SMS
gateway still has. A real gateway (an SMS provider, SMTP) is a class with the same ``send``
method; it raises ``SendError`` when the gateway refuses, and the message stays in the outbox
marked failed, to be retried.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from fairdesk.notifications.models import Message

log = logging.getLogger("fairdesk.notifications")


class SendError(Exception):
    """The gateway did not take the message (kept, marked failed, retried later)."""


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class OutboxSender:
    """Delivers to the outbox page and the log (no external gateway)."""

    name = "outbox"

    def send(self, message: Message) -> None:
        log.info(
            "message %s [%s/%s] to %s: %s",
            message.pk,
            message.channel,
            message.kind,
            message.recipient or f"customer {message.customer_id}",
            message.body,
        )


class DjangoMailSender:
    """E-mail through Django's configured e-mail backend (SMTP in production)."""

    name = "django-mail"

    def send(self, message: Message) -> None:
        if not message.recipient:
            raise SendError("no e-mail address")
        try:
            send_mail(message.subject or message.kind, message.body, None, [message.recipient])
        except Exception as exc:
            raise SendError(str(exc)) from exc


DEFAULT_SENDER = "fairdesk.notifications.senders.OutboxSender"


def sender_for(channel: str) -> Sender:
    """The configured sender of a channel (read at call time, so tests can override it)."""
    paths = getattr(settings, "NOTIFICATION_SENDERS", {}) or {}
    sender: Sender = import_string(paths.get(channel, DEFAULT_SENDER))()
    return sender
