"""Building blocks of the Django admin shared by the apps.

Rows that the services write (timelines, ledgers, events, coverage lines) are shown in the admin
but never added or edited there: ``ReadOnlyAdmin`` / ``ReadOnlyInline``. ``NoAddOrChange`` is
the same without refusing deletion (customer data an administrator may remove).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class NoAddOrChange:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin(NoAddOrChange):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Viewable with the view permission; every field shown read-only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.get_fields(request, obj))
