"""The staff outbox page: what fairdesk sent, to whom (masked) and what became of it (a
customer's own messages are ``customers.views.my_messages``).

Who may open it and what it shows is ``selectors.py``: metadata to the roles with the
``notifications.view_message`` permission; the text of messages only in the demo, where the page
says so and where no SMS gateway delivers the demo's sign-in codes.
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

from fairdesk.core.phones import mask_phone
from fairdesk.notifications.choices import Channel, MessageStatus
from fairdesk.notifications.display import mask_recipient
from fairdesk.notifications.models import Message
from fairdesk.notifications.selectors import (
    bodies_shown,
    codes_read_on_outbox,
    may_view_outbox,
    outbox_body,
)

PAGE_SIZE = 50


@require_GET
@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    """Recent messages, newest first; filter by channel, kind and status."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("customers:staff_login"))
    if not may_view_outbox(request.user):
        raise PermissionDenied(_("The outbox is for agents, brand administrators and auditors."))
    qs = Message.objects.select_related("customer").order_by("-created_at", "-id")
    filters = {key: request.GET.get(key, "").strip() for key in ("channel", "kind", "status")}
    if filters["channel"] in Channel.values:
        qs = qs.filter(channel=filters["channel"])
    if filters["status"] in MessageStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "message": m,
            "recipient": mask_recipient(m) or (mask_phone(m.customer.phone) if m.customer else "—"),
            "body": outbox_body(m, request.user),
        }
        for m in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "channels": Channel.choices,
        "statuses": MessageStatus.choices,
        "demo": bodies_shown(),
        "codes_here": codes_read_on_outbox(),
    }
    return render(request, "notifications/outbox.html", context)
