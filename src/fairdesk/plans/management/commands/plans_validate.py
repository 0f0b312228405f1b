"""plans_validate FILE — check a plan catalog document without loading it.

Prints every problem with its path in the document, its message and its code, one per line.
Exit status: 0 when the document can be loaded, 1 when it has problems, 2 when the file cannot be
read or is not JSON.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fairdesk.plans import catalog
from fairdesk.plans.management.commands._catalog_file import problem_line, read_document


class Command(BaseCommand):
    help = "Check a plan catalog (JSON) and print every problem; exit 1 if there is any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="catalog file (JSON, UTF-8), or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        document = read_document(options["file"])
        problems = [p.as_dict() for p in catalog.validate(document)]
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem_line(problem)))
        if problems:
            self.stderr.write(f"{len(problems)} problem(s): the catalog cannot be loaded.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("OK: the catalog can be loaded."))
