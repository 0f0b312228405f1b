"""Outlets and the areas they cover.

Division codes are stored as text: the gazetteer (``fairdesk.areas``) lives in memory, not in the
database. A coverage row stores the code, its level and its full name at the time of the import,
so that reads never need the gazetteer to show a row. No logic here: writes go through
``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fairdesk.network.choices import (
    DivisionLevel,
    ImportMode,
    LineOutcome,
    MemberRole,
    OutletStatus,
    ResolutionStatus,
)


class Outlet(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=500, blank=True)
    address_division_code = models.CharField(
        _("address division code"),
        max_length=12,
        blank=True,
        help_text=_("The administrative division the address resolved to."),
    )
    address_status = models.CharField(
        _("address resolution"),
        max_length=16,
        blank=True,
        choices=ResolutionStatus.choices,
    )
    phones = models.JSONField(_("phone numbers"), default=list, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    product_lines = models.JSONField(_("product lines served"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OutletStatus.choices,
        default=OutletStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CoverageImport(models.Model):
    """One pasted coverage list and what became of each entry (the audit record of coverage)."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="coverage_imports",
        verbose_name=_("outlet"),
    )
    raw_text = models.TextField(_("text"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    actor_name = models.CharField(_("imported by (name)"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    mode = models.CharField(_("mode"), max_length=16, choices=ImportMode.choices)
    entries_count = models.PositiveIntegerField(_("entries"), default=0)
    added_count = models.PositiveIntegerField(_("added"), default=0)
    already_covered_count = models.PositiveIntegerField(_("already covered"), default=0)
    needs_choice_count = models.PositiveIntegerField(_("need a choice"), default=0)
    unresolved_count = models.PositiveIntegerField(_("unresolved"), default=0)
    ignored_count = models.PositiveIntegerField(_("ignored"), default=0)
    removed_count = models.PositiveIntegerField(_("removed"), default=0)
    removed = models.JSONField(
        _("removed coverage"),
        default=list,
        blank=True,
        help_text=_("Coverage rows removed by a replace import: code, level, name."),
    )

    class Meta:
        verbose_name = _("coverage import")
        verbose_name_plural = _("coverage imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet.code} #{self.pk}"


class CoverageImportLine(models.Model):
    """One entry of an imported list (a line may hold several entries)."""

    coverage_import = models.ForeignKey(
        CoverageImport,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("coverage import"),
    )
    index = models.PositiveIntegerField(_("entry"))
    line_number = models.PositiveIntegerField(_("line"))
    text = models.CharField(_("text"), max_length=500)
    status = models.CharField(
        _("resolution"),
        max_length=16,
        blank=True,
        choices=ResolutionStatus.choices,
    )
    code = models.CharField(_("resolved code"), max_length=12, blank=True)
    name = models.CharField(_("resolved name"), max_length=300, blank=True)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    chosen_code = models.CharField(_("chosen code"), max_length=12, blank=True)
    division_code = models.CharField(
        _("division code"),
        max_length=12,
        blank=True,
        help_text=_("The division this entry added or found already covered."),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=LineOutcome.choices)

    class Meta:
        verbose_name = _("coverage import entry")
        verbose_name_plural = _("coverage import entries")
        ordering = ["coverage_import", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["coverage_import", "index"], name="network_import_line_unique_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.text} → {self.outcome}"


class Coverage(models.Model):
    """An outlet serves a division and everything inside it."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="coverages",
        verbose_name=_("outlet"),
    )
    division_code = models.CharField(_("division code"), max_length=12, db_index=True)
    division_level = models.PositiveSmallIntegerField(
        _("division level"), choices=DivisionLevel.choices
    )
    division_name = models.CharField(_("division"), max_length=300)
    source_line = models.CharField(_("source entry"), max_length=500, blank=True)
    source_import = models.ForeignKey(
        CoverageImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coverage import"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        ordering = ["outlet", "division_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "division_code"], name="network_coverage_unique_division"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet.code} → {self.division_name} ({self.division_code})"


class OutletMember(models.Model):
    """A staff user working at an outlet, with one role there (manager, dispatcher, technician).

    Membership is what makes a user *outlet staff*: they see and act on the service requests of
    their outlets only (``fairdesk.service_requests.selectors``). Managers also receive the
    outlet's SLA escalations.
    """

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="members", verbose_name=_("outlet")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outlet_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outlet member")
        verbose_name_plural = _("outlet members")
        ordering = ["outlet", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "user"], name="network_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.outlet.code}: {self.user} ({self.role})"
