"""``fairdesk serve``: its number of gunicorn workers (``cli.default_web_workers``) and the
server's configuration (``fairdesk.gunicorn_conf``)."""

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


@pytest.mark.django_db
def test_the_server_loads_and_freezes_the_application_before_it_forks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """gunicorn loads the application in its master (``preload_app``); when it is ready, before
    it forks the workers, the URL configuration, the area index and the routing configuration's
    coverage are built, no database connection is left open, and what is there is frozen
    (gc.freeze), so the workers share it and the collector's passes skip the index's ~400,000
    objects."""
    import gc

    from django.db import connections

    from fairdesk import gunicorn_conf
    from fairdesk.areas.resolver import get_index

    closed: list[bool] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    assert gunicorn_conf.preload_app is True
    try:
        gunicorn_conf.when_ready(server=None)
        assert closed == [True]
        hit = get_index().aliases["南山区"]
        from fairdesk.core.models import Generation
        from fairdesk.service_requests.configuration import ROUTING

        loaded: list[bool] = []
        monkeypatch.setattr(
            "fairdesk.network.selectors.CoverageIndex.load", lambda: loaded.append(True)
        )
        assert Generation.objects.filter(name="routing").exists()
        ROUTING.current().get("coverage index", lambda: loaded.append(True))
        assert loaded == []  # kept by when_ready
        assert gc.get_freeze_count() >= 100_000
        assert id(hit) not in {id(o) for o in gc.get_objects()}
    finally:
        gc.unfreeze()


def test_serve_runs_gunicorn_with_its_configuration() -> None:
    from fairdesk.cli import _gunicorn_argv

    argv = _gunicorn_argv("127.0.0.1", 8123, 3)
    assert argv[argv.index("--config") + 1] == "python:fairdesk.gunicorn_conf"
    assert argv[argv.index("--workers") + 1] == "3" and "--logger-class" not in argv


def test_the_access_log_carries_no_query_string() -> None:
    """A caller search's query carries a phone number: the access log has the path alone, and
    no referrer (which has query strings too)."""
    from fairdesk import gunicorn_conf

    fmt = gunicorn_conf.access_log_format
    assert "%(U)s" in fmt
    assert not [atom for atom in ("%(r)s", "%(q)s", "%(f)s", "%({") if atom in fmt]
