"""import_coverage OUTLET_CODE FILE [--replace] [--choose INDEX=CODE ...] [--dry-run]

Imports an outlet's free-text coverage list (FILE, or - for standard input) and prints what became
of every entry. Exit status: 0 when every entry was added, already covered or ignored; 1 when some
entry needs attention (ambiguous without a choice, or unresolved) — those are recorded, not added;
2 for a usage error (unknown outlet, bad choice, empty list).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairdesk.core.errors import DomainError
from fairdesk.network.choices import LineOutcome
from fairdesk.network.selectors import outlet_get
from fairdesk.network.services import ImportReport, coverage_import_apply, coverage_import_preview

MARK: dict[str, str] = {
    LineOutcome.ADDED: "+",
    LineOutcome.ALREADY_COVERED: "=",
    LineOutcome.NEEDS_CHOICE: "?",
    LineOutcome.UNRESOLVED: "!",
    LineOutcome.IGNORED: "-",
}


class Command(BaseCommand):
    help = "Import an outlet's free-text coverage list (FILE, or - for standard input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("outlet_code")
        parser.add_argument("file", help="text file (UTF-8), or - for standard input")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the outlet's coverage with this list (default: add)",
        )
        parser.add_argument(
            "--choose",
            action="append",
            default=[],
            metavar="INDEX=CODE",
            help="choose a candidate for an entry that needs a choice "
            "(repeatable), e.g. --choose 3=632521",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only show what would happen (no changes)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as fh:
                    text = fh.read()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}", returncode=2) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason})", returncode=2) from exc

        choices: dict[int, str] = {}
        for item in options["choose"]:
            index, sep, code = item.partition("=")
            if not sep or not index.strip().isdigit() or not code.strip():
                raise CommandError(
                    f"--choose {item!r}: expected INDEX=CODE, e.g. 3=632521", returncode=2
                )
            choices[int(index)] = code.strip()

        try:
            outlet = outlet_get(code=options["outlet_code"])
            kwargs = {
                "outlet": outlet,
                "text": text,
                "choices": choices,
                "replace": options["replace"],
            }
            if options["dry_run"]:
                report = coverage_import_preview(**kwargs)
            else:
                report = coverage_import_apply(**kwargs, actor_name="import_coverage")
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from exc

        self.print_report(report, dry_run=options["dry_run"])
        if report.needs_attention:
            sys.exit(1)

    def print_report(self, report: ImportReport, *, dry_run: bool) -> None:
        out = self.stdout
        for r in report.entries:
            target = f"{r.division_code} {r.division_name}" if r.division_code else ""
            line = (
                f"{MARK[r.outcome]} #{r.index} L{r.entry.line_number} {r.entry.text}"
                f"  →  {r.outcome}" + (f"  {target}" if target else "")
            )
            styles: dict[str, Callable[[str], str]] = {
                LineOutcome.ADDED: self.style.SUCCESS,
                LineOutcome.NEEDS_CHOICE: self.style.WARNING,
                LineOutcome.UNRESOLVED: self.style.ERROR,
            }
            style = styles.get(r.outcome, lambda s: s)
            out.write(style(line))
            if r.note:
                out.write(f"      {r.note}")
            if r.candidates and not r.division_code:
                label = "candidates" if r.outcome == LineOutcome.NEEDS_CHOICE else "suggestions"
                for c in r.candidates:
                    out.write(f"      {label}: --choose {r.index}={c['code']}  {c['name']}")
        for row in report.removed:
            out.write(self.style.WARNING(f"x removed {row['code']} {row['name']}"))
        counts = report.counts
        summary = (
            f"{'(dry run) ' if dry_run else ''}{report.outlet.code}: {counts['entries']} entries — "
            f"{counts['added']} added, {counts['already_covered']} already covered, "
            f"{counts['needs_choice']} need a choice, {counts['unresolved']} unresolved, "
            f"{counts['ignored']} ignored, {counts['removed']} removed"
        )
        out.write(summary)
        if report.needs_attention:
            self.stderr.write(
                f"{counts['needs_choice'] + counts['unresolved']} entries need attention "
                "(not added); use --choose INDEX=CODE or correct the list."
            )
