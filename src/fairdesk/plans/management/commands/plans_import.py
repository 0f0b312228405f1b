"""plans_import FILE — load a plan catalog document (``services.catalog_import``).

Everything is validated first: a document with any problem changes nothing, its problems are
printed (path, message, code) and the exit status is 1. Otherwise plans and offers are upserted
by code (those missing from the document are taken off sale, never deleted), and a plan whose
price differs gets a price change after the notice period — never a new price now. Prints what
was loaded. Exit status 2 when the file cannot be read or is not JSON.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fairdesk.core.errors import DomainError
from fairdesk.plans.management.commands._catalog_file import problem_line, read_document
from fairdesk.plans.services.catalog import catalog_import


class Command(BaseCommand):
    help = "Load a plan catalog (JSON): all or nothing; price changes only with notice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="catalog file (JSON, UTF-8), or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        document = read_document(options["file"])
        try:
            counts = catalog_import(document=document)
        except DomainError as exc:
            for problem in exc.details.get("problems", []):
                self.stdout.write(self.style.ERROR(problem_line(problem)))
            self.stderr.write(str(exc.message))
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['families']} families, {counts['plans']} plans, "
                f"{counts['offers']} retention offers loaded; "
                f"{counts['price_changes']} price changes announced (with notice)"
            )
        )
