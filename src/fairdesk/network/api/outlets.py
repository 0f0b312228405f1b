"""Outlets: the list, one outlet, its coverage."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query

from fairdesk.api.errors import responds
from fairdesk.api.pagination import Page, page_of
from fairdesk.network import selectors
from fairdesk.network.api.router import router
from fairdesk.network.api.schemas import CoverageOut, CoveragePage, OutletFilters, OutletOut
from fairdesk.network.models import Outlet


@router.get("/outlets", response=responds(Page[OutletOut], 422), summary="Outlets / 服务网点")
def outlets(request: HttpRequest, filters: Query[OutletFilters]) -> dict[str, Any]:
    """All outlets by code, with their number of coverage rows (``limit``/``offset``)."""
    rows = selectors.outlet_list(
        status=filters.status, product_line=filters.product_line, q=filters.q
    )
    return page_of(rows, filters)


@router.get("/outlets/{code}", response=responds(OutletOut, 404), summary="One outlet / 网点详情")
def outlet_detail(request: HttpRequest, code: str) -> Outlet:
    outlet = selectors.outlet_get(code=code)
    outlet.coverage_count = outlet.coverages.count()  # type: ignore[attr-defined]
    return outlet


@router.get(
    "/outlets/{code}/coverage",
    response=responds(Page[CoverageOut], 404, 422),
    summary="An outlet's coverage / 网点服务范围",
)
def outlet_coverage(request: HttpRequest, code: str, page: Query[CoveragePage]) -> dict[str, Any]:
    """The divisions an outlet covers, by code (each covers everything inside it;
    ``limit``/``offset``)."""
    return page_of(selectors.outlet_coverage(outlet=selectors.outlet_get(code=code)), page)
