"""Admin of the service network: outlets, their coverage (read-only) and the coverage import.

Coverage changes only through an import (paste → preview → confirm), so that every change is
recorded with who did it and what each entry became.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fairdesk.core.admin import ReadOnlyInline
from fairdesk.core.errors import DomainError
from fairdesk.core.sentences import enumeration
from fairdesk.network.choices import LineOutcome, ProductLine
from fairdesk.network.forms import CoverageImportForm, OutletAdminForm
from fairdesk.network.models import (
    Coverage,
    CoverageImport,
    CoverageImportLine,
    Outlet,
    OutletMember,
)
from fairdesk.network.services import (
    coverage_import_apply,
    coverage_import_preview,
    outlet_create,
    outlet_update,
)

IMPORT_PERMISSION = "network.add_coverageimport"


class CoverageInline(ReadOnlyInline):
    model = Coverage
    fields = readonly_fields = (
        "division_code",
        "division_level",
        "division_name",
        "source_line",
        "created_at",
    )
    verbose_name_plural = gettext_lazy("coverage (change it with “Import coverage”)")


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    form = OutletAdminForm
    list_display = [
        "code",
        "name",
        "status",
        "product_lines_display",
        "coverage_rows",
        "address_status",
    ]
    list_filter = ["status", "address_status"]
    search_fields = ["code", "name", "address"]
    readonly_fields = [
        "address_division_code",
        "address_status",
        "created_at",
        "updated_at",
        "import_link",
    ]
    fieldsets = [
        (None, {"fields": ["code", "name", "status"]}),
        (
            gettext_lazy("Contact"),
            {
                "fields": [
                    "address",
                    "address_division_code",
                    "address_status",
                    "phones",
                    "opening_hours",
                ]
            },
        ),
        (gettext_lazy("Service"), {"fields": ["product_lines", "import_link"]}),
        (pgettext_lazy("admin fieldset", "History"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [CoverageInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return ["code", *fields] if obj is not None else fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outlet]:
        return super().get_queryset(request).annotate(coverage_rows_count=Count("coverages"))

    @admin.display(description=gettext_lazy("coverage rows"), ordering="coverage_rows_count")
    def coverage_rows(self, obj: Outlet) -> int:
        return getattr(obj, "coverage_rows_count", 0)

    @admin.display(description=gettext_lazy("product lines served"))
    def product_lines_display(self, obj: Outlet) -> str:
        labels = dict(ProductLine.choices)
        return enumeration(labels.get(p, p) for p in obj.product_lines or [])

    @admin.display(description=gettext_lazy("coverage"))
    def import_link(self, obj: Outlet) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:network_outlet_import_coverage", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Import coverage"))

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        """Through the services: they validate and resolve the address."""
        data = {
            key: form.cleaned_data.get(key)
            for key in ("name", "address", "phones", "opening_hours", "product_lines", "status")
        }
        data["address"] = data["address"] or ""
        data["opening_hours"] = data["opening_hours"] or ""
        try:
            if change:
                saved = outlet_update(outlet=Outlet.objects.get(pk=obj.pk), **data)
            else:
                saved = outlet_create(code=form.cleaned_data["code"], **data)
        except DomainError as exc:
            # The form validated the shape; a domain rule said no (e.g. a duplicate code).
            raise PermissionDenied(exc.message) from exc
        obj.pk = saved.pk
        obj.refresh_from_db()

    # --- import coverage -----------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "<path:object_id>/import-coverage/",
                self.admin_site.admin_view(self.import_coverage_view),
                name="network_outlet_import_coverage",
            ),
        ]
        return custom + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        extra_context["can_import_coverage"] = request.user.has_perm(IMPORT_PERMISSION)
        return super().change_view(request, object_id, form_url, extra_context)

    def import_coverage_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Paste a list → preview each entry's outcome (choose for ambiguous ones) → confirm."""
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        outlet = get_object_or_404(Outlet, pk=object_id)
        report = None
        choices: dict[int, str] = {}
        form = CoverageImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            text, replace = form.cleaned_data["text"], form.cleaned_data["mode"] == "replace"
            choices = {
                int(key.removeprefix("choice-")): value
                for key, value in request.POST.dict().items()
                if key.startswith("choice-") and key.removeprefix("choice-").isdigit() and value
            }
            try:
                if request.POST.get("action") == "apply":
                    report = coverage_import_apply(
                        outlet=outlet,
                        text=text,
                        actor=request.user,
                        choices=choices,
                        replace=replace,
                    )
                    counts = report.counts
                    messages.success(
                        request,
                        _(
                            "Coverage imported: %(added)s added, %(already)s already covered, "
                            "%(choice)s need a choice, %(unresolved)s unresolved, "
                            "%(removed)s removed."
                        )
                        % {
                            "added": counts["added"],
                            "already": counts["already_covered"],
                            "choice": counts["needs_choice"],
                            "unresolved": counts["unresolved"],
                            "removed": counts["removed"],
                        },
                    )
                    if report.needs_attention:
                        messages.warning(
                            request, _("Some entries were not added; see the import record.")
                        )
                    assert report.record is not None
                    return HttpResponseRedirect(
                        reverse("admin:network_coverageimport_change", args=[report.record.pk])
                    )
                report = coverage_import_preview(
                    outlet=outlet, text=text, choices=choices, replace=replace
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                report = None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": outlet,
            "outlet": outlet,
            "form": form,
            "report": report,
            "choices": choices,
            "title": _("Import coverage: %(outlet)s") % {"outlet": outlet},
            "outcomes": LineOutcome,
            "has_view_permission": self.has_view_permission(request, outlet),
        }
        return TemplateResponse(request, "admin/network/outlet/import_coverage.html", context)


class CoverageImportLineInline(ReadOnlyInline):
    model = CoverageImportLine
    fields = readonly_fields = (
        "index",
        "line_number",
        "text",
        "outcome",
        "status",
        "division_code",
        "code",
        "chosen_code",
        "name",
        "candidates_display",
        "note",
    )

    @admin.display(description=gettext_lazy("candidates"))
    def candidates_display(self, obj: CoverageImportLine) -> str:
        return "；".join(f"{c.get('name')} ({c.get('code')})" for c in obj.candidates or [])


@admin.register(CoverageImport)
class CoverageImportAdmin(admin.ModelAdmin):
    """The record of every import: read-only (imports are made from an outlet's page)."""

    list_display = [
        "id",
        "outlet",
        "mode",
        "created_at",
        "actor_name",
        "entries_count",
        "added_count",
        "already_covered_count",
        "needs_choice_count",
        "unresolved_count",
        "removed_count",
    ]
    list_filter = ["mode"]
    list_select_related = ["outlet"]
    search_fields = ["outlet__code", "outlet__name", "raw_text"]
    fields = readonly_fields = (
        "outlet",
        "mode",
        "actor",
        "actor_name",
        "created_at",
        "raw_text",
        "entries_count",
        "added_count",
        "already_covered_count",
        "needs_choice_count",
        "unresolved_count",
        "ignored_count",
        "removed_count",
        "removed",
    )
    inlines = [CoverageImportLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutletMember)
class OutletMemberAdmin(admin.ModelAdmin):
    """Who works at which outlet, and as what: outlet staff see only their outlets' requests."""

    list_display = ["outlet", "user", "role", "active", "created_at"]
    list_filter = ["role", "active"]
    list_select_related = ["outlet", "user"]
    search_fields = ["outlet__code", "outlet__name", "user__username"]
    autocomplete_fields = ["outlet"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
