"""Building blocks of the Django admin shared by the apps.

Rows that the services write (timelines, ledgers, events, coverage lines) are shown in the admin
but never added or edited there: ``ReadOnlyAdmin`` / ``ReadOnlyInline``. ``NoAddOrChange`` is
the same without refusing deletion (customer data an administrator may remove).

Personal data is shown masked to those who read it masked (auditors): ``PersonalDataAdmin``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest

from fairdesk.core import masking, roles
from fairdesk.core.phones import mask_phone


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


# --------------------------------------------------------------------------------------------
# Personal data, masked for those who read it masked
# --------------------------------------------------------------------------------------------


def _customer_label(customer: Any) -> str:
    if customer is None:
        return "—"
    return f"{masking.mask_name(customer.name) or '—'} ({mask_phone(customer.phone)})"


_MOBILE_IN_TEXT = re.compile(r"1[3-9]\d{9}")

#: How each kind of personal field is shown masked: from the object and the field's name.
MASKS: dict[str, Callable[[Any, str], str]] = {
    "name": lambda obj, f: masking.mask_name(getattr(obj, f) or ""),
    "phone": lambda obj, f: mask_phone(getattr(obj, f) or ""),
    "email": lambda obj, f: masking.mask_email(getattr(obj, f) or ""),
    "serial": lambda obj, f: masking.mask_serial(getattr(obj, f) or ""),
    "text": lambda obj, f: masking.redact(getattr(obj, f) or ""),
    "address": lambda obj, f: masking.mask_address(
        getattr(obj, f) or "",
        getattr(obj, "division_code", "") or "",
        getattr(obj, "division_name", "") or "",
    ),
    "division_code": lambda obj, f: masking.division_code_text(getattr(obj, f) or ""),
    "division_name": lambda obj, f: masking.division_text(
        getattr(obj, "division_code", "") or "", getattr(obj, f) or "", "/"
    ),
    "customer": lambda obj, f: _customer_label(getattr(obj, "customer", None)),
    "device": lambda obj, f: masking.mask_device_label(str(getattr(obj, "device", None) or "")),
    "device_label": lambda obj, f: masking.mask_device_label(getattr(obj, f) or ""),
    "hidden": lambda obj, f: "—",
    # a customer's user is named c<mobile number>
    "user": lambda obj, f: _MOBILE_IN_TEXT.sub(
        lambda m: mask_phone(m.group(0)), str(getattr(obj, f, None) or "—")
    ),
}
MASKED_PREFIX = "masked__"


class PersonalDataAdmin:
    """A model admin (or inline) that shows personal data masked to those who read it masked
    (auditors: ``core.roles.user_masks_personal_data``). ``personal_fields`` maps each field or
    display of personal data to its kind (``MASKS``): for them, it is shown through a masked
    display of the same label instead, and the admin's search looks only at the fields not
    listed in ``personal_fields`` (nor their lookups), so that a whole number or name cannot be
    probed."""

    personal_fields: dict[str, str] = {}

    def masks(self, request: HttpRequest) -> bool:
        return roles.user_masks_personal_data(request.user)

    def _masked(self, request: HttpRequest, names: Sequence[Any]) -> list[Any]:
        if not self.masks(request):
            return list(names)
        return [
            f"{MASKED_PREFIX}{n}" if isinstance(n, str) and n in self.personal_fields else n
            for n in names
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._masked(request, super().get_fields(request, obj))  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._masked(
            request,
            super().get_readonly_fields(request, obj),  # type: ignore[misc]
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._masked(request, super().get_list_display(request))  # type: ignore[misc]

    def get_list_display_links(self, request: HttpRequest, list_display: Sequence[Any]) -> Any:
        links = super().get_list_display_links(request, list_display)  # type: ignore[misc]
        return self._masked(request, links) if links else links

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = super().get_search_fields(request)  # type: ignore[misc]
        if not self.masks(request):
            return fields
        personal = set(self.personal_fields)
        return [f for f in fields if not set(f.lstrip("^=@").split("__")) & personal]

    def __getattr__(self, name: str) -> Any:
        """``masked__<field>``: the masked display of a personal field, with its label."""
        if not name.startswith(MASKED_PREFIX):
            raise AttributeError(name)
        field = name.removeprefix(MASKED_PREFIX)
        kind = self.personal_fields.get(field)
        if kind is None:
            raise AttributeError(name)
        mask = MASKS[kind]

        def display(obj: Any) -> str:
            return mask(obj, field) or "—"

        display.short_description = _label(self, field)  # type: ignore[attr-defined]
        return display


def _label(model_admin: Any, field: str) -> Any:
    """The label of a field or of a display method of ``model_admin``."""
    method = getattr(type(model_admin), field, None)
    if method is not None:
        return getattr(method, "short_description", field)
    try:
        return model_admin.model._meta.get_field(field).verbose_name
    except FieldDoesNotExist:
        return field
