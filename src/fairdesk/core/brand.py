"""The brand customers meet: its name and its service hotline, from the settings (``BRAND_NAME``,
``BRAND_HOTLINE``; README: Configuration), read when asked, never at import time.

Templates have it as ``brand`` (the context processor ``fairdesk.core.context_processors.brand``);
the error pages, which use no context processor, are given it by their handlers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

_NOT_DIALLED = re.compile(r"[^\d+]")


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    #: as customers read it ("400-820-0000"); empty: the brand has published none here
    hotline: str
    #: the demo's made-up brand and number (the pages say so)
    demo: bool

    @property
    def hotline_dial(self) -> str:
        """The number for a ``tel:`` link: digits (and a leading +) only."""
        return _NOT_DIALLED.sub("", self.hotline)


def current_brand() -> Brand:
    return Brand(
        name=str(getattr(settings, "BRAND_NAME", "") or "fairdesk"),
        hotline=str(getattr(settings, "BRAND_HOTLINE", "") or ""),
        demo=bool(getattr(settings, "DEMO", False)),
    )
