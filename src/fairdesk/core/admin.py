"""Building blocks of the Django admin shared by the apps.

Rows that the services write (timelines, ledgers, events, coverage lines) are shown in the admin
but never added or edited there: ``ReadOnlyAdmin`` / ``ReadOnlyInline``. ``NoAddOrChange`` is
the same without refusing deletion (customer data an administrator may remove).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.http import HttpRequest


class NoAddOrChange:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin(NoAddOrChange):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


if TYPE_CHECKING:  # the admin's classes are generic in the stubs, not at run time
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
else:
    ModelAdmin, TabularInline = admin.ModelAdmin, admin.TabularInline


class ReadOnlyInline(ReadOnlyMixin, TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class ReadOnlyAdmin(ReadOnlyMixin, ModelAdmin):
    """Viewable with the view permission; every field shown read-only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten(self.get_fields(request, obj))
