"""The NinjaAPI behind ``/api/v1/``: UTF-8 JSON, the docs, the one error shape. The routers of
the apps are mounted on it by ``fairdesk.urls``."""

from __future__ import annotations

from typing import Any

from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from fairdesk.api.errors import ErrorOut, install_error_handlers

#: What any operation may answer besides what it declares (``fairdesk.core.middleware.
#: InputGuardMiddleware`` and the shell's error handlers), documented on every operation.
ANY_OPERATION = {422: "invalid_input (a parameter or the body does not validate), invalid_text"}
#: … and on every operation with a body.
WITH_A_BODY = {
    400: "invalid_body (the body cannot be read: not JSON, not a form, nested too deeply)",
    413: "body_too_large",
}


class UTF8JSONRenderer(JSONRenderer):
    """Chinese names as UTF-8 text, not \\u escapes (the same JSON, smaller and readable)."""

    json_dumps_params = {"ensure_ascii": False}


class FairdeskAPI(NinjaAPI):
    """Ninja's API, whose OpenAPI schema documents the answers every operation may give."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        document_common_errors(schema)
        return schema


def document_common_errors(schema: Any) -> None:
    """Add the error answers of ``ANY_OPERATION`` and ``WITH_A_BODY`` to each operation of an
    OpenAPI ``schema`` that does not document them yet, in the one error shape."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components["ErrorOut"] = error
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            codes = dict(ANY_OPERATION)
            if "requestBody" in operation:
                codes.update(WITH_A_BODY)
            responses = operation.setdefault("responses", {})
            for status, text in codes.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": f"error.code: {text}", "content": content}


def new_api() -> NinjaAPI:
    api = FairdeskAPI(
        renderer=UTF8JSONRenderer(),
        title="fairdesk API",
        version="1",
        description="fairdesk: after-sales service, fair by construction. 公平售后服务平台。",
        urls_namespace="api-v1",
        docs_decorator=require_safe,  # the schema and its page are read: GET and HEAD only
    )
    install_error_handlers(api)
    return api
