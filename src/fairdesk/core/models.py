"""Model pieces shared by the apps (no tables here)."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnly(models.Model):
    """A row written once and never changed or deleted (audit trails, ledgers): ``save`` of an
    existing row and ``delete`` raise. Bulk updates bypass this; services never make them."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"{type(self).__name__} rows are append-only")
