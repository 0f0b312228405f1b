"""The complaint export for auditors: CSV or JSON, personal data taken out (``contact.export``).
Auditors and brand administrators."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.contact import export, selectors
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import ExportOut, ExportQuery


@router.get(
    "/complaints/export",
    auth=api_auth,
    response=responds(ExportOut, 401, 403, 422),
    summary="Complaint export for auditors / 投诉数据导出（监管）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "format=json: this body; format=csv: the same rows as CSV "
                "(UTF-8 with BOM, a header row)",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ExportOut"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }
    },
)
def export_complaints(request: ApiRequest, query: Query[ExportQuery]) -> Any:
    """Complaints received in the period, personal data taken out (no name; the customer as a
    stable pseudonym; phone numbers masked in the text), with every deadline met or missed.
    Auditors and brand administrators only (403 ``forbidden``); 422 ``invalid_format``,
    ``invalid_period``, ``invalid_category``, ``outlet_not_found``."""
    selectors.check_may_export_complaints(request.auth.user)
    period_from, period_to = export.check_export_query(
        format=query.format,
        period_from=query.period_from,
        period_to=query.period_to,
        category=query.category,
        outlet=query.outlet,
        today=timezone.localdate(),
    )
    rows = export.complaints_export(
        period_from=period_from,
        period_to=period_to,
        category=query.category or None,
        outlet=query.outlet or None,
    )
    if query.format == "json":
        return {
            "period_from": period_from,
            "period_to": period_to,
            "generated_at": timezone.localtime(),
            "count": len(rows),
            "items": rows,
        }
    response = HttpResponse(export.export_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="complaints-{period_from:%Y%m%d}-{period_to:%Y%m%d}.csv"'
    )
    return response
