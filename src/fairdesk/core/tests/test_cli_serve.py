"""``fairdesk serve``'s number of gunicorn workers (``cli.default_web_workers``)."""

from __future__ import annotations

import os

import pytest

from fairdesk.cli import build_parser, default_web_workers


def test_one_worker_per_cpu_and_one_more_unless_web_concurrency_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert default_web_workers() == (os.cpu_count() or 1) + 1
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_web_workers() == 2  # one long request never holds the whole server
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_web_workers() == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_web_workers() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_web_workers() == 9
    monkeypatch.setenv("WEB_CONCURRENCY", " 7 ")
    assert default_web_workers() == 7
    # --workers wins over both; parsing never reads the variable (other commands never fail)
    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    assert build_parser().parse_args(["serve", "--workers", "4"]).workers == 4
    assert build_parser().parse_args(["serve"]).workers is None
    assert build_parser().parse_args(["manage", "check"]).command == "manage"


@pytest.mark.parametrize(("value", "message"), [("many", "whole number"), ("0", "at least 1")])
def test_a_wrong_web_concurrency_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(SystemExit, match=message):
        default_web_workers()
