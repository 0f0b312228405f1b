"""``fairdesk check-production``: every missing piece of a production install, each with how to
fix it; exit status 1 when anything is missing, 0 when nothing is.

It runs Django's system checks with the deployment checks and the database checks — Django's
own (``check --deploy``), fairdesk's (``fairdesk.site.checks``) and any an app registers with
``deploy=True`` — and prints the warnings and errors that are not silenced.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import run_checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fairdesk.site.checks import GUIDE, django_hint, missing


class Command(BaseCommand):
    help = "Report every missing piece of a production install, with how to fix it."
    requires_system_checks: list[str] = []  # it runs them itself, and reports them its way

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lang",
            choices=["zh-hans", "en"],
            default="zh-hans",
            help="language of fairdesk's messages (Django's own are in English)",
        )
        parser.add_argument(
            "--database",
            default="default",
            help="the database to look into (demo data, administrators); default: default",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            messages = missing(
                run_checks(include_deployment_checks=True, databases=[options["database"]])
            )
            messages.sort(key=lambda m: (-m.level, m.id or ""))
            if not messages:
                self.stdout.write(
                    self.style.SUCCESS(
                        _("Nothing is missing: this install is ready for production.")
                    )
                )
                return
            self.stdout.write(
                ngettext(
                    "%(n)d thing is missing before this install is ready for production:",
                    "%(n)d things are missing before this install is ready for production:",
                    len(messages),
                )
                % {"n": len(messages)}
            )
            for message in messages:
                self.stdout.write("")
                self.stdout.write(self.style.ERROR(f"✗ [{message.id}] {message.msg}"))
                hint = message.hint or django_hint(message.id or "")
                if hint:
                    self.stdout.write(f"    {_('How to fix')}: {hint}")
            self.stdout.write("")
            self.stdout.write(_("The deployment guide: %(guide)s") % {"guide": GUIDE})
            raise CommandError(
                _("Not ready for production: %(n)d missing.") % {"n": len(messages)}, returncode=1
            )
