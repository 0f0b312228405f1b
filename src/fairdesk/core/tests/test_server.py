"""The access log of ``fairdesk serve`` writes gunicorn's lines (``core.server``)."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from fairdesk.cli import _gunicorn_argv
from fairdesk.core.server import AccessLogger, atom_names

FORMATS = [
    Config().access_log_format,  # gunicorn's default
    "%(h)s %(l)s %(u)s %(t)s %(r)s %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s %(f)s %(a)s "
    "%(T)s %(D)s %(M)s %(L)s %(p)s",
    '%({x-request-id}i)s %({X-Forwarded-For}i)s %({x-dup}i)s "%({User-Agent}i)s"',
    "%({content-type}o)s %({X-Frame-Options}o)s %({absent}o)s",
    "%({remote_port}e)s %({SERVER_NAME}e)s %({none_here}e)s %({wsgi.url_scheme}e)s",
    "%(nonsense)s %({x}z)s %({}i)s %(h)s%(h)s %({broken)s",
]


def _request():
    headers = [
        ("HOST", "localhost:8000"),
        ("USER-AGENT", 'wrk "bench"'),
        ("X-REQUEST-ID", "r-42"),
        ("X-FORWARDED-FOR", "10.0.0.1"),
        ("X-DUP", "first"),
        ("X-DUP", "second"),
        ("AUTHORIZATION", "Basic YWdlbnQ6c2VjcmV0"),  # agent:secret
    ]
    req = SimpleNamespace(headers=headers)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/api/v1/service-requests?x=1",
        "PATH_INFO": "/api/v1/service-requests",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "51234",
        "SERVER_NAME": "localhost",
        "NONE_HERE": None,
        "wsgi.url_scheme": "http",
        "HTTP_USER_AGENT": 'wrk "bench"',
        "HTTP_AUTHORIZATION": "Basic YWdlbnQ6c2VjcmV0",
    }
    resp = SimpleNamespace(
        status="201 Created",
        sent=1234,
        headers=[("Content-Type", "application/json"), ("X-Frame-Options", "DENY")],
    )
    return resp, req, environ, timedelta(seconds=1, microseconds=23456)


def _line(logger_class: type[Logger], log_format: str, monkeypatch: pytest.MonkeyPatch) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", log_format)
    logger = logger_class(cfg)
    monkeypatch.setattr(logger, "now", lambda: "[06/Dec/2026:20:38:18 +0000]")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    logger.access_log.propagate = False
    logger.access(*_request())
    return stream.getvalue()


@pytest.mark.parametrize("log_format", FORMATS)
def test_the_same_line_as_gunicorns_logger(log_format, monkeypatch):
    ours = _line(AccessLogger, log_format, monkeypatch)
    assert ours == _line(Logger, log_format, monkeypatch)
    assert ours.strip() and "Traceback" not in ours


def test_the_default_line_reads_as_expected(monkeypatch):
    line = _line(AccessLogger, FORMATS[0], monkeypatch)
    assert line == (
        '127.0.0.1 - agent [06/Dec/2026:20:38:18 +0000] "POST /api/v1/service-requests?x=1 '
        'HTTP/1.1" 201 1234 "-" "wrk \\"bench\\""\n'
    )


def test_only_the_named_atoms_are_built():
    cfg = Config()
    logger = AccessLogger(cfg)
    resp, req, environ, rt = _request()
    assert set(logger.atoms(resp, req, environ, rt)) == set(atom_names(cfg.access_log_format))
    assert atom_names("%(h)s %(h)s %({X-Id}i)s") == ("h", "{X-Id}i")


def test_serve_runs_gunicorn_with_this_logger():
    argv = _gunicorn_argv("127.0.0.1", 8000, 2)
    assert argv[argv.index("--logger-class") + 1] == "fairdesk.core.server.AccessLogger"
    cfg = Config()
    cfg.set("logger_class", "fairdesk.core.server.AccessLogger")
    assert cfg.logger_class is AccessLogger


def test_each_worker_builds_the_area_index_before_it_takes_requests(monkeypatch):
    from fairdesk.areas import resolver
    from fairdesk.core import gunicorn_conf

    argv = _gunicorn_argv("127.0.0.1", 8000, 2)
    assert argv[argv.index("--config") + 1] == "python:fairdesk.core.gunicorn_conf"
    cfg = Config()
    cfg.set("post_worker_init", gunicorn_conf.post_worker_init)
    assert cfg.post_worker_init is gunicorn_conf.post_worker_init
    # the module's public names are gunicorn settings, nothing else
    public = {name for name in vars(gunicorn_conf) if not name.startswith("_")}
    assert public - {"annotations", "Any"} <= set(cfg.settings)
    monkeypatch.setattr(resolver, "_index", None)
    gunicorn_conf.post_worker_init(None)
    assert resolver._index is not None
