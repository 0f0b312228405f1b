"""Pages of the service network: "which outlet serves my address?"."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fairdesk.core.errors import DomainError
from fairdesk.network.forms import CoverageLookupForm
from fairdesk.network.selectors import coverage_for


def coverage_lookup(params: QueryDict) -> dict[str, Any]:
    """The lookup of a page's query string (``address``, or a candidate's ``code``): the form
    (with the reason when the input is refused), the answer (``coverage_for``) and whether
    anything was asked. Shared by this page and the home page's "is my address covered?"."""
    submitted = "address" in params or "code" in params
    form = CoverageLookupForm(params if submitted else None)
    answer = None
    if submitted and form.is_valid():
        address, code = form.cleaned_data["address"], form.cleaned_data["code"]
        try:
            if code:
                answer = coverage_for(code=code)
            elif address:
                answer = coverage_for(address=address)
            else:
                form.add_error("address", _("Enter an address, for example 广西南宁市良庆区."))
        except DomainError as exc:
            form.add_error("address" if not code else None, exc.message)
    return {"form": form, "answer": answer, "submitted": submitted}


@require_GET
@vary_on_headers("HX-Request")
def coverage(request: HttpRequest) -> HttpResponse:
    """The lookup form; with a query, the answer. HTMX requests get the answer alone."""
    context = coverage_lookup(request.GET)
    if getattr(request, "htmx", False):
        return render(request, "network/_coverage_result.html", context)
    return render(request, "network/coverage.html", context)
