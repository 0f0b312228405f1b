"""gunicorn settings and hooks for ``fairdesk serve`` and ``fairdesk demo`` (``--config
python:fairdesk.core.gunicorn_conf``). gunicorn takes each name of this module that is one of
its settings and ignores the others; imports stay inside the functions (the module is read by
gunicorn's arbiter, before Django is set up)."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once in each worker, after the application is loaded and before it takes a request, do
    what its first requests would otherwise wait for (about 1 s in all):

    * import the URL configuration, and with it every view and the API with its schemas;
    * build the area index: filing a request resolves the customer's address, the coverage page
      and API resolve theirs."""
    from django.urls import get_resolver

    from fairdesk.areas.resolver import get_index

    get_resolver().url_patterns  # noqa: B018 - imported on first use
    get_index()
