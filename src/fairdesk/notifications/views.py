"""The staff outbox page: every message, recipients masked (a customer's own messages are
``customers.views.my_messages``).

In the demo no SMS gateway is configured: the ``OutboxSender`` delivers text messages to the
outbox itself, so the staff outbox page is where sign-in codes are read. When a real gateway
delivers them, the page hides the text of sign-in codes (staff never need them).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fairdesk.core import roles
from fairdesk.core.phones import mask_phone
from fairdesk.notifications.choices import Channel, MessageStatus
from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import OutboxSender, sender_for

PAGE_SIZE = 50
SECRET_KINDS = frozenset({"login_code"})


def mask_recipient(message: Message) -> str:
    """A phone number as 138****8000, an e-mail address as z***@example.com."""
    recipient = message.recipient or ""
    if message.channel == Channel.EMAIL and "@" in recipient:
        local, _at, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(recipient) if recipient else ""


def codes_delivered_here() -> bool:
    """True when no SMS gateway is configured: the outbox is where text messages end up."""
    return isinstance(sender_for(Channel.SMS), OutboxSender)


def visible_body(message: Message, show_codes: bool | None = None) -> str:
    """The text as staff may see it: a sign-in code only when the outbox is its delivery."""
    if message.kind not in SECRET_KINDS:
        return message.body
    if show_codes is None:
        show_codes = codes_delivered_here()
    return message.body if show_codes else _("(sign-in code: sent by the SMS gateway, not shown)")


@require_GET
@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    """Recent messages, newest first; filter by channel, kind and status. Staff only."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("customers:staff_login"))
    if not roles.is_staff_member(request.user):
        raise PermissionDenied(_("The outbox is for staff."))
    qs = Message.objects.select_related("customer").order_by("-created_at", "-id")
    filters = {key: request.GET.get(key, "").strip() for key in ("channel", "kind", "status")}
    if filters["channel"] in Channel.values:
        qs = qs.filter(channel=filters["channel"])
    if filters["status"] in MessageStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    show_codes = codes_delivered_here()
    rows = [
        {
            "message": m,
            "recipient": mask_recipient(m) or (mask_phone(m.customer.phone) if m.customer else "—"),
            "body": visible_body(m, show_codes),
        }
        for m in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "channels": Channel.choices,
        "statuses": MessageStatus.choices,
        "show_codes": show_codes,
    }
    return render(request, "notifications/outbox.html", context)
