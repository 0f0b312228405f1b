"""roles_sync: re-apply the role groups and permissions of fairdesk.core.roles (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from fairdesk.core.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = "Create or update the role groups and give each exactly its listed permissions."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        sync_roles(using=options["database"])
        for role, perms in ROLE_PERMISSIONS.items():
            self.stdout.write(f"{role}: {len(perms)} permissions")
