"""The NinjaAPI behind ``/api/v1/``: UTF-8 JSON, the docs, the one error shape. The routers of
the apps are mounted on it by ``fairdesk.urls``."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from fairdesk.api.errors import install_error_handlers


class UTF8JSONRenderer(JSONRenderer):
    """Chinese names as UTF-8 text, not \\u escapes (the same JSON, smaller and readable)."""

    json_dumps_params = {"ensure_ascii": False}


def new_api() -> NinjaAPI:
    api = NinjaAPI(
        renderer=UTF8JSONRenderer(),
        title="fairdesk API",
        version="1",
        description="fairdesk: after-sales service, fair by construction. 公平售后服务平台。",
        urls_namespace="api-v1",
    )
    install_error_handlers(api)
    return api
