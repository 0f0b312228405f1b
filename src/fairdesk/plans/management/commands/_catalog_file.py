"""Reading a catalog file for ``plans_validate`` and ``plans_import``."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError


def read_document(path: str) -> Any:
    """The JSON document in ``path`` (``-``: standard input); exit 2 when unreadable."""
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
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            returncode=2,
        ) from exc


def problem_line(problem: dict[str, str]) -> str:
    return f"{problem['path'] or '(document)'}: {problem['message']} [{problem['code']}]"
