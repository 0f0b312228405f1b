"""Template context every page shares (settings only: no database, nothing that can fail)."""

from __future__ import annotations

from django.http import HttpRequest

from fairdesk.core.brand import Brand, current_brand


def brand(request: HttpRequest) -> dict[str, Brand]:
    """``brand``: the brand's name and hotline (``fairdesk.core.brand``)."""
    return {"brand": current_brand()}
