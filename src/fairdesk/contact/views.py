"""Pages of the contact centre: the published queue rule with live public figures (no login),
and the complaint export page for auditors and brand administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fairdesk.contact import export, ordering, selectors
from fairdesk.contact.choices import GREEN_TYPES, ComplaintCategory, ContactType
from fairdesk.contact.services.conversations import TRANSFER_WORDS
from fairdesk.core.bounds import DayField
from fairdesk.core.errors import DomainError

PUBLIC_DAYS = 7


def format_duration(delta: timedelta) -> str:
    """A head start or a wait in plain words: "2 hours", "30 minutes", "1 h 20 min", "45 s"."""
    seconds = round(delta.total_seconds())
    if seconds <= 0:
        return _("none")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if seconds < 60:
        return _("%(s)d s") % {"s": secs}
    if not rest:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if not hours and not secs:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if not hours:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


def _seconds(value: float | None) -> str:
    return "—" if value is None else format_duration(timedelta(seconds=value))


def queue_rule_context(*, now: Any = None) -> dict[str, Any]:
    figures = selectors.public_figures(now=now, days=PUBLIC_DAYS)
    class_labels = {
        "safety": _("Safety hazard"),
        "green": _("Green channel"),
        "standard": _("Everything else"),
    }
    green_labels = [str(label) for value, label in ContactType.choices if value in GREEN_TYPES]
    standard_labels = [
        str(label) for value, label in ContactType.choices if value not in GREEN_TYPES
    ]
    type_labels = dict(ContactType.choices)
    return {
        "safety_head": format_duration(ordering.HEAD_START[ordering.SAFETY]),
        "green_head": format_duration(ordering.HEAD_START[ordering.GREEN]),
        "standard_head": format_duration(ordering.HEAD_START[ordering.STANDARD]),
        "max_head": format_duration(max(ordering.HEAD_START.values())),
        "green_types": green_labels,
        "standard_types": standard_labels,
        "hazard_words": list(ordering.HAZARD_WORDS),
        "transfer_words": sorted(TRANSFER_WORDS),
        "fields": sorted(ordering.QUEUE_ITEM_FIELDS),
        "figures": figures,
        "waiting": [
            {"key": key, "label": class_labels[key], "count": count}
            for key, count in figures.waiting.items()
        ],
        "waiting_total": sum(figures.waiting.values()),
        "waits": [
            {
                "contact_type": w.contact_type,
                "label": type_labels[w.contact_type],
                "green": w.contact_type in GREEN_TYPES,
                "count": w.count,
                "p50": _seconds(w.p50_seconds),
                "p95": _seconds(w.p95_seconds),
            }
            for w in figures.waits
        ],
        "callbacks": figures.callbacks,
        "missed_percent": (
            None if figures.callbacks.share is None else round(figures.callbacks.share * 100, 1)
        ),
        "days": PUBLIC_DAYS,
    }


@require_GET
@never_cache
def queue_rule(request: HttpRequest) -> HttpResponse:
    """The queue's allocation rule in plain words, and live figures anyone can check (no login)."""
    return render(request, "contact/queue_rule.html", queue_rule_context())


class ExportFilterForm(forms.Form):
    period_from = DayField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = DayField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    outlet = forms.ChoiceField(label=gettext_lazy("Outlet"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from fairdesk.network.models import Outlet

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("all")),
            *ComplaintCategory.choices,
        ]
        cast(forms.ChoiceField, self.fields["outlet"]).choices = [
            ("", _("all")),
            *((o.code, f"{o.code} · {o.name}") for o in Outlet.objects.order_by("code")),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data


@require_GET
@never_cache
def complaint_export(request: HttpRequest) -> HttpResponse:
    """Filters, CSV and JSON download links (the API export), and complaint rates per outlet.
    Auditors and brand administrators."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("customers:staff_login"))
    try:
        selectors.check_may_export_complaints(request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    form = ExportFilterForm(request.GET or None)
    today = timezone.localdate()
    period_to, period_from = today, today - timedelta(days=29)
    category = outlet = ""
    if form.is_bound and form.is_valid():
        period_to = form.cleaned_data["period_to"] or period_to
        period_from = form.cleaned_data["period_from"] or min(period_from, period_to)
        category = form.cleaned_data["category"]
        outlet = form.cleaned_data["outlet"]
    valid = not form.is_bound or form.is_valid()
    query = {"from": period_from.isoformat(), "to": period_to.isoformat()}
    if category:
        query["category"] = category
    if outlet:
        query["outlet"] = outlet
    api = "/api/v1/complaints/export"
    rows = (
        export.complaints_export(
            period_from=period_from,
            period_to=period_to,
            category=category or None,
            outlet=outlet or None,
        )
        if valid
        else []
    )
    rates = (
        export.complaint_rates_per_outlet(period_from=period_from, period_to=period_to)
        if valid
        else []
    )
    context = {
        "form": form,
        "valid": valid,
        "period_from": period_from,
        "period_to": period_to,
        "csv_url": f"{api}?{urlencode({'format': 'csv', **query})}",
        "json_url": f"{api}?{urlencode({'format': 'json', **query})}",
        "count": len(rows),
        "missed": sum(1 for r in rows if r["deadlines_missed"]),
        "rates": [
            {
                "rate": r,
                "percent": None if r.rate is None else round(r.rate * 100, 1),
            }
            for r in rates
        ],
    }
    return render(request, "contact/complaint_export.html", context)
