"""gunicorn's access log for ``fairdesk serve``, with the atoms built that its format names.

gunicorn's own logger builds every atom for every request before it formats the line: one for
each request header, each response header and each WSGI environment variable (about sixty),
each copied again to escape quotes. The default format names nine of them. That was about
15–30 µs of a worker's CPU per request (docs/benchmarks.md, issue 3). This logger writes the same
lines, by gunicorn's rules for each atom, and builds only the atoms of the configured format
(``--access-logformat``), whatever it is.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.glogging import Logger

_ATOM = re.compile(r"%\(([^)]*)\)")


def _remote_addr(log: Logger, resp: Any, environ: dict, rt: Any) -> Any:
    return environ.get("REMOTE_ADDR", "-")


def _request_line(log: Logger, resp: Any, environ: dict, rt: Any) -> Any:
    return "%s %s %s" % (  # noqa: UP031 (gunicorn's own formatting of the atom)
        environ["REQUEST_METHOD"],
        environ["RAW_URI"],
        environ["SERVER_PROTOCOL"],
    )


def _status(log: Logger, resp: Any, environ: dict, rt: Any) -> Any:
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _sent_text(log: Logger, resp: Any, environ: dict, rt: Any) -> Any:
    return (getattr(resp, "sent", None) is not None and str(resp.sent)) or "-"


def _environ(key: str, default: Any = None) -> Callable[..., Any]:
    return lambda log, resp, environ, rt: environ.get(key, default)


# gunicorn.glogging.Logger.atoms (27.0), one function per atom; test_server compares the lines
# with gunicorn's own logger for every atom, so an upgrade that changes one fails there
_SIMPLE: dict[str, Callable[[Logger, Any, dict, Any], Any]] = {
    "h": _remote_addr,
    "l": lambda log, resp, environ, rt: "-",
    "u": lambda log, resp, environ, rt: log._get_user(environ) or "-",
    "t": lambda log, resp, environ, rt: log.now(),
    "r": _request_line,
    "s": _status,
    "m": _environ("REQUEST_METHOD"),
    "U": _environ("PATH_INFO"),
    "q": _environ("QUERY_STRING"),
    "H": _environ("SERVER_PROTOCOL"),
    "b": _sent_text,
    "B": lambda log, resp, environ, rt: getattr(resp, "sent", None),
    "f": _environ("HTTP_REFERER", "-"),
    "a": _environ("HTTP_USER_AGENT", "-"),
    "T": lambda log, resp, environ, rt: rt.seconds,
    "D": lambda log, resp, environ, rt: (rt.seconds * 1000000) + rt.microseconds,
    "M": lambda log, resp, environ, rt: (rt.seconds * 1000) + int(rt.microseconds / 1000),
    "L": lambda log, resp, environ, rt: "%d.%06d" % (rt.seconds, rt.microseconds),  # noqa: UP031
    "p": lambda log, resp, environ, rt: "<%s>" % os.getpid(),  # noqa: UP031
}


@functools.lru_cache(maxsize=8)
def atom_names(log_format: str) -> tuple[str, ...]:
    """The atoms a format names, each once (``%(h)s`` → ``h``, ``%({x-request-id}i)s`` → …)."""
    return tuple(dict.fromkeys(_ATOM.findall(log_format)))


def _pairs(headers: Any) -> Iterable[tuple[str, Any]]:
    headers = getattr(headers, "headers", headers)
    return headers.items() if hasattr(headers, "items") else headers


_MISSING = object()


def _last(pairs: Iterable[tuple[str, Any]], lowered: str) -> Any:
    """The value gunicorn would log for a name: the last one given, names compared in lower case."""
    found = _MISSING
    for key, value in pairs:
        if key.lower() == lowered:
            found = value
    return found


class AccessLogger(Logger):
    """gunicorn's logger, building only the atoms the access log format names."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = {}
        for name in atom_names(self.cfg.access_log_format):
            simple = _SIMPLE.get(name)
            if simple is not None:
                atoms[name] = simple(self, resp, environ, request_time)
                continue
            # ``{name}i`` (request header), ``{name}o`` (response header), ``{name}e``
            # (environment): looked up in lower case, as gunicorn's atoms are; an atom of
            # none of these forms, or not there, is logged as "-" (by the atoms' wrapper)
            lowered = name.lower()
            if len(lowered) < 3 or lowered[0] != "{" or lowered[-2] != "}":
                continue
            key, where = lowered[1:-2], lowered[-1]
            if where == "i":
                value = _last(_pairs(req), key)
            elif where == "o":
                value = _last(_pairs(resp.headers), key)
            elif where == "e":
                value = _last(environ.items(), key)
            else:
                continue
            if value is not _MISSING:
                atoms[lowered] = value
        return atoms
