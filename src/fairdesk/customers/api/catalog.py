"""The product catalog."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query

from fairdesk.api.errors import responds
from fairdesk.api.pagination import Page, page_of
from fairdesk.customers import selectors
from fairdesk.customers.api.router import router
from fairdesk.customers.api.schemas import ProductFilters, ProductModelOut


@router.get(
    "/products",
    response=responds(Page[ProductModelOut], 422),
    summary="Product catalog / 产品型号",
)
def products(request: HttpRequest, filters: Query[ProductFilters]) -> dict[str, Any]:
    """The models on sale, by product line, with their warranty terms (``limit``/``offset``;
    at most 100 a page)."""
    return page_of(selectors.product_model_list(product_line=filters.product_line), filters)
