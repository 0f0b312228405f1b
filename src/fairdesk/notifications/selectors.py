"""Who may see the outbox, and how much of a message they see.

The outbox page and the admin show metadata — time, channel, kind, reference, masked
recipient, status, attempts, the gateway's error — to the staff whose role has the
``notifications.view_message`` permission (``core.roles``: agents, who answer "did my text
arrive?"; brand administrators, who run the gateway; auditors, who check that every change was
confirmed). The text of a message is shown only in the demo (``settings.DEMO``), where no
gateway delivers it and the outbox page is where the demo's sign-in codes are read. A sign-in
code's text is never shown outside the demo, and never in the admin (``SECRET_KINDS``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from fairdesk.core import roles
from fairdesk.core.masking import redact
from fairdesk.notifications.kinds import SECRET_KINDS
from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import has_sms_gateway

VIEW_PERMISSION = "notifications.view_message"


def may_view_outbox(user: Any) -> bool:
    """Signed-in, active, with the permission to view messages (superusers have it)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_active", False) and user.has_perm(VIEW_PERMISSION))


def bodies_shown() -> bool:
    """True in the demo only: the outbox page shows the text of messages."""
    return bool(getattr(settings, "DEMO", False))


def codes_read_on_outbox() -> bool:
    """The demo without an SMS gateway: sign-in codes are read on the outbox page."""
    return bodies_shown() and not has_sms_gateway()


def outbox_body(message: Message, user: Any = None) -> str | None:
    """The text as the outbox page shows it to ``user``: the text in the demo (redacted for
    those who read personal data masked, auditors: ``core.masking.redact``), else None (not
    shown)."""
    if not bodies_shown():
        return None
    if not roles.user_masks_personal_data(user):
        return message.body
    names = [message.customer.name] if message.customer is not None else []
    return redact(message.body, names=names)


def admin_body(message: Message) -> str:
    """The text as the admin shows it: in the demo, but never a sign-in code's."""
    if message.kind in SECRET_KINDS:
        return _("(sign-in code: never shown)")
    if bodies_shown():
        return message.body
    return _("(not shown outside the demo)")


def admin_params(message: Message) -> Any:
    """The template parameters as the admin shows them (the same rule as the text)."""
    if message.kind in SECRET_KINDS:
        return _("(sign-in code: never shown)")
    if bodies_shown():
        return message.params
    return _("(not shown outside the demo)")
