"""Admin of the outbox: read-only (messages are written by ``message_send`` and senders)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fairdesk.core.admin import ModelAdmin
from fairdesk.notifications.models import Message
from fairdesk.notifications.views import mask_recipient, visible_body


@admin.register(Message)
class MessageAdmin(ModelAdmin):
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
        "recipient",
        "customer",
        "user",
        "subject",
        "text",
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
        return visible_body(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
