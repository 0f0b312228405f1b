"""Admin of the outbox: read-only (messages are written by ``message_send`` and senders), and
metadata only: the text and the template parameters of a message are shown in the demo alone,
and a sign-in code's never (``selectors.admin_body``). The recipient is masked (a search by a
whole number still finds its messages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fairdesk.core.admin import ModelAdmin, PersonalDataAdmin
from fairdesk.notifications.display import mask_recipient
from fairdesk.notifications.models import Message
from fairdesk.notifications.selectors import admin_body, admin_params


@admin.register(Message)
class MessageAdmin(PersonalDataAdmin, ModelAdmin):
    # auditors: the customer masked, no text or parameters (the demo's), no search by a number
    personal_fields = {
        "customer": "customer",
        "recipient": "phone",
        "user": "user",
        "text": "hidden",
        "template_parameters": "hidden",
    }
    list_display = [
        "created_at",
        "channel",
        "kind",
        "masked_recipient",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["channel", "status", "kind"]
    search_fields = ["recipient", "reference", "kind", "customer__phone"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "channel",
        "kind",
        "masked_recipient",
        "customer",
        "user",
        "subject",
        "text",
        "template_parameters",
        "reference",
        "dedupe_key",
        "status",
        "attempts",
        "last_error",
        "sender",
        "created_at",
        "sent_at",
    )

    @admin.display(description=_("recipient"), ordering="recipient")
    def masked_recipient(self, obj: Message) -> str:
        return mask_recipient(obj) or "—"

    @admin.display(description=_("text"))
    def text(self, obj: Message) -> str:
        return admin_body(obj)

    @admin.display(description=_("template parameters"))
    def template_parameters(self, obj: Message) -> Any:
        return admin_params(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
