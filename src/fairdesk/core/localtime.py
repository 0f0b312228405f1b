"""Instants are stored in UTC and shown on the Beijing clock: the one place that says how."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_text(instant: datetime | None) -> str:
    """``2026-11-23 18:00`` on the Beijing clock ("" for no instant)."""
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if instant else ""


def local_or_none(instant: datetime | None) -> datetime | None:
    """The same instant on the Beijing clock, for APIs (None stays None)."""
    return instant.astimezone(SHANGHAI) if instant is not None else None
