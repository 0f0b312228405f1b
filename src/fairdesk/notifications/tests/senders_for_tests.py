"""Senders used by the tests through ``settings.NOTIFICATION_SENDERS``."""

from __future__ import annotations

from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import SendError

SENT: list[int] = []


class FailingSender:
    name = "failing-gateway"

    def send(self, message: Message) -> None:
        raise SendError("gateway said no: 503 Service Unavailable")


class RecordingSender:
    name = "recording"

    def send(self, message: Message) -> None:
        SENT.append(message.pk)


class BrokenSender:
    """A sender with a bug of its own (not a gateway refusal)."""

    name = "broken"

    def send(self, message: Message) -> None:
        raise RuntimeError("connection reset by peer")
