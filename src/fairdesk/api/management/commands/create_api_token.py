"""create_api_token NAME --user U: issue an API token for an integration; the key is shown once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairdesk.api.services import api_token_create
from fairdesk.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Issue an API token for the client NAME (created if new, acting as --user). "
        "The key is printed once; only its hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The integration's name, e.g. brand-app")
        parser.add_argument("--user", required=True, help="Username the client acts as")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user named {options['user']!r}")
        try:
            token, key = api_token_create(client_name=options["name"], user=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"API token {token.prefix}… for client {token.client.name} (acts as {user}). "
            "Keep the key now: it is not shown again."
        )
        self.stdout.write(key)
