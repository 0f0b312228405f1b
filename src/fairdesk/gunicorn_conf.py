"""gunicorn settings and hooks of ``fairdesk serve`` and ``fairdesk demo`` (``--config
python:fairdesk.gunicorn_conf``). gunicorn takes each name of this module that is one of its
settings and ignores the others; imports stay inside the hooks."""

from __future__ import annotations

from typing import Any

# The application is loaded once, in the master, before it forks the workers: they share its
# memory (copy on write) and none loads it on its first request.
preload_app = True

# The access log: the path without its query string and no referrer (a caller search's query
# carries a phone number; logs carry no phone number, code or token), the status, the size and
# the time taken in seconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'


def when_ready(server: Any) -> None:
    """In the master, after the application is loaded and before the workers fork, do what
    every worker's first requests would otherwise wait for, once for all of them:

    * import the URL configuration, and with it every view and the API with its schemas;
    * build the area index (filing a request resolves the customer's address);
    * read the active outlets' coverage (``service_requests.configuration.warm_up``): the
      workers keep it while the routing configuration is unchanged;
    * freeze what is there (``gc.freeze``): the collector's passes in the workers no longer go
      over these few hundred thousand lasting objects, and copy on write keeps them shared.

    No database connection is left open to be shared by the forked workers."""
    import gc

    from django.db import DatabaseError, connections
    from django.urls import get_resolver

    from fairdesk.areas.resolver import get_index
    from fairdesk.service_requests.configuration import warm_up

    get_resolver().url_patterns  # noqa: B018 - imported on first use
    get_index()
    try:
        warm_up()
    except DatabaseError:  # the database is not up yet: each worker reads it when it needs it
        server.log.warning("the routing configuration was not read before the workers forked")
    connections.close_all()
    gc.collect()
    gc.freeze()
