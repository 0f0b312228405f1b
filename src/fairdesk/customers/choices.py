"""Enumerations of customers and devices (values are stable API strings; labels translated)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AddressStatus(models.TextChoices):
    """How the resolver read an address (mirrors fairdesk.areas.resolver)."""

    RESOLVED = "resolved", pgettext_lazy("address status", "Resolved")
    AMBIGUOUS = "ambiguous", _("Ambiguous")
    RETIRED = "retired", _("Retired division")
    NOT_FOUND = "not_found", _("Not found")
