"""``make demo`` installs what the demo runs: the project without the dev group (pytest,
Playwright, ruff, mypy…), which ``make test`` and ``make lint`` keep."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def dry_run(target: str) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target, "UV=uv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("uv sync", "uv run", "uv pip"))
    ]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_demo_installs_no_development_tools() -> None:
    commands = dry_run("demo")
    assert commands, "make demo runs no uv command"
    assert all("--no-dev" in command for command in commands), commands
    assert any(command.startswith("uv sync --locked --no-dev") for command in commands)
    assert commands[-1].startswith("uv run --locked --no-dev fairdesk demo")
    # the tests and the linters keep the dev group
    assert dry_run("sync") == ["uv sync --locked --inexact"]
