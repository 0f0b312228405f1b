"""The contact centre's staffing calculator (Erlang C): how many agents answer a share of
contacts within a target time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fairdesk.console.access import staff_required
from fairdesk.console.contact_views import _base, duration_text
from fairdesk.contact import erlang, selectors
from fairdesk.core.errors import DomainError


class StaffingForm(forms.Form):
    """The Erlang C calculator's inputs (the share as a percentage)."""

    arrivals_per_hour = forms.FloatField(
        label=gettext_lazy("Contacts per hour"), min_value=0, max_value=100_000, initial=120
    )
    handle_seconds = forms.FloatField(
        label=gettext_lazy("Mean handle time (seconds)"), min_value=1, max_value=86_400, initial=300
    )
    target_percent = forms.FloatField(
        label=gettext_lazy("Target: share answered in time (%)"),
        min_value=1,
        max_value=99.9,
        initial=80,
    )
    target_seconds = forms.FloatField(
        label=gettext_lazy("Target: answered within (seconds)"),
        min_value=0,
        max_value=86_400,
        initial=20,
    )


@require_http_methods(["GET"])
@never_cache
@staff_required
def staffing(request: HttpRequest) -> HttpResponse:
    """How many agents answer a share of contacts within a target time (Erlang C)."""
    try:
        selectors.check_may_plan_staffing(request.user)
    except DomainError as exc:
        forbidden = {"message": exc.message}
        return render(request, "console/forbidden.html", forbidden, status=exc.status)
    form = StaffingForm(request.GET or None)
    result = None
    error = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                staffing_result = erlang.agents_needed(
                    arrivals_per_hour=data["arrivals_per_hour"],
                    handle_seconds=data["handle_seconds"],
                    target_share=data["target_percent"] / 100,
                    target_seconds=data["target_seconds"],
                )
            except ValueError:
                error = _(
                    "No staffing meets this target (more than 10,000 agents would be needed)."
                )
                status = 422
            else:
                result = {
                    "s": staffing_result,
                    "service_level": f"{staffing_result.service_level * 100:.1f}%",
                    "wait_probability": f"{staffing_result.wait_probability * 100:.1f}%",
                    "asa": duration_text(staffing_result.average_wait_seconds),
                    "occupancy": f"{staffing_result.occupancy * 100:.1f}%",
                    "traffic": f"{staffing_result.traffic:.2f}",
                }
        else:
            status = 422
    context: dict[str, Any] = {
        **_base(request, "contact_staffing"),
        "form": form,
        "result": result,
        "error": error,
    }
    return render(request, "console/staffing.html", context, status=status)
