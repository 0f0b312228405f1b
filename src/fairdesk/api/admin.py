"""Admin of API clients and their tokens: a token is issued by the "Issue a new token" action,
which shows the key once; only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairdesk.api.models import ApiClient, ApiToken
from fairdesk.api.services import api_token_create
from fairdesk.core.admin import ModelAdmin, TabularInline
from fairdesk.core.errors import DomainError


class ApiTokenInline(TabularInline):
    model = ApiToken
    extra = 0
    can_delete = False
    fields = ["prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tokens are issued with the "Issue a new token" action (key shown once)


@admin.register(ApiClient)
class ApiClientAdmin(ModelAdmin):
    list_display = ["name", "user", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
    inlines = [ApiTokenInline]
    actions = ["issue_token"]

    @admin.action(description=gettext_lazy("Issue a new token (the key is shown once)"))
    def issue_token(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset.select_related("user"):
            try:
                _token, key = api_token_create(client_name=client.name, user=client.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("New token for %(client)s (copy it now, it is not shown again): %(key)s")
                % {"client": client.name, "key": key},
                messages.WARNING,
            )
