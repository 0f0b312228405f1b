"""Enumerations of the service network (values are stable API strings; labels are translated)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProductLine(models.TextChoices):
    AIR_CONDITIONER = "air_conditioner", _("Air conditioner")
    WATER_HEATER = "water_heater", _("Water heater")
    SAFE = "safe", _("Safe")
    SMART_HOME = "smart_home", _("Smart home")
    KITCHEN_APPLIANCE = "kitchen_appliance", _("Kitchen appliance")
    WASHING_MACHINE = "washing_machine", _("Washing machine")
    REFRIGERATOR = "refrigerator", _("Refrigerator")
    WATER_PURIFIER = "water_purifier", _("Water purifier")
    TELEVISION = "television", _("Television")


class OutletStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("outlet status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("outlet status", "Suspended")
    CLOSED = "closed", pgettext_lazy("outlet status", "Closed")


class MemberRole(models.TextChoices):
    """A person's role at an outlet (OutletMember): what they may do with its service requests."""

    MANAGER = "manager", _("Outlet manager")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")


class ResolutionStatus(models.TextChoices):
    """How the resolver read a piece of text (mirrors fairdesk.areas.resolver)."""

    RESOLVED = "resolved", pgettext_lazy("address status", "Resolved")
    AMBIGUOUS = "ambiguous", _("Ambiguous")
    RETIRED = "retired", _("Retired division")
    NOT_FOUND = "not_found", _("Not found")


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")


# The resolver and the API speak level names; the database stores level numbers.
LEVEL_NAME = {1: "province", 2: "prefecture", 3: "county", 4: "township"}
LEVEL_NUMBER = {name: number for number, name in LEVEL_NAME.items()}


class ImportMode(models.TextChoices):
    ADD = "add", _("Add to the current coverage")
    REPLACE = "replace", _("Replace the current coverage")


class LineOutcome(models.TextChoices):
    ADDED = "added", _("Added")
    ALREADY_COVERED = "already_covered", _("Already covered")
    NEEDS_CHOICE = "needs_choice", _("Needs a choice")
    UNRESOLVED = "unresolved", _("Unresolved")
    IGNORED = "ignored", _("Ignored")


# Outcomes a person has to look at before the list is complete.
ATTENTION_OUTCOMES = frozenset({LineOutcome.NEEDS_CHOICE, LineOutcome.UNRESOLVED})
