"""Model pieces shared by the apps, and the generations of the configurations a process keeps in
memory (``generations``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Generation(models.Model):
    """A value the database replaces, by triggers, whenever a table of a configuration changes
    (``core.generations``). Nothing else writes it."""

    name = models.CharField(_("configuration"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("generation"))

    class Meta:
        verbose_name = _("configuration generation")
        verbose_name_plural = _("configuration generations")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
