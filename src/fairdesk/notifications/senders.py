"""How messages leave fairdesk: one small interface, one sender per channel.

``NOTIFICATION_SENDERS`` (settings) maps a channel to a dotted path; for text messages
``SMS_PROVIDER`` picks one of the real gateways (``sms.py``: Alibaba Cloud, Tencent Cloud). The
default for every channel is ``OutboxSender``: the message stays in the outbox (the customer's
portal inbox shows portal messages; the demo's outbox page shows the rest) and a line of
metadata goes to the log — never the text. A real gateway is a class with the same ``send``
method; it raises ``SendError`` when the gateway refuses, and the message stays in the outbox
with the error, to be retried.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from fairdesk.notifications.display import log_recipient
from fairdesk.notifications.models import Message

log = logging.getLogger("fairdesk.notifications")


class SendError(Exception):
    """The gateway did not take the message (kept, marked failed, retried later)."""


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class OutboxSender:
    """Keeps the message in the outbox (no external gateway) and logs its metadata: never its
    text, which may be a sign-in code."""

    name = "outbox"

    def send(self, message: Message) -> None:
        log.info(
            "message %s [%s/%s] to %s kept in the outbox",
            message.pk,
            message.channel,
            message.kind,
            log_recipient(message),
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
#: ``SMS_PROVIDER`` → the sender of text messages.
SMS_PROVIDERS = {
    "aliyun": "fairdesk.notifications.sms.AliyunSmsSender",
    "tencent": "fairdesk.notifications.sms.TencentSmsSender",
}


def sender_path(channel: str) -> str:
    """The dotted path of a channel's sender: ``NOTIFICATION_SENDERS``, else for text messages
    the ``SMS_PROVIDER``'s, else ``OutboxSender`` (read at call time, so tests can override it).
    An unknown ``SMS_PROVIDER`` is reported by the system checks (``checks.py``)."""
    paths = getattr(settings, "NOTIFICATION_SENDERS", {}) or {}
    if channel in paths:
        return str(paths[channel])
    provider = getattr(settings, "SMS_PROVIDER", "")
    if channel == "sms" and provider:
        return SMS_PROVIDERS.get(provider, DEFAULT_SENDER)
    return DEFAULT_SENDER


def sender_for(channel: str) -> Sender:
    """The configured sender of a channel."""
    sender: Sender = import_string(sender_path(channel))()
    return sender


def has_sms_gateway() -> bool:
    """True when text messages leave fairdesk (a gateway, not the outbox)."""
    return sender_path("sms") != DEFAULT_SENDER
