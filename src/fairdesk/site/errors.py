"""The error pages (``handler400``, ``handler403``, ``handler404``, ``handler500`` and
``CSRF_FAILURE_VIEW``): a short page in the visitor's language, with the site's look and a way
back home, and nothing of the error's inside — no traceback, no path tried, no exception text
(but a refusal's own message, which our code writes for the visitor).

They are built to work when the rest does not: the template is rendered without the request, so
no context processor runs (the user, the session, the messages: each may need the database that
just failed), no URL is resolved and no database is read; the stylesheet's address is looked up
with a fallback. If even that fails, a fixed page in both languages is the answer.

Under ``/api/`` the answer is the API's error shape, ``{"error": {"code", "message",
"details"}}``, never HTML (the API answers its own errors in it; these are the ones Django
answers before or around it: a path no operation has, a failure outside a handler).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _

from fairdesk.core.brand import current_brand

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

#: The answer when even the error page cannot be rendered (both languages: no translation ran).
FALLBACK = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>出错了 · Error</title></head><body><main><h1>出错了 · Something went wrong</h1>"
    "<p>请稍后再试。Please try again in a few minutes.</p>"
    '<p><a href="/">返回首页 · Back to the home page</a></p></main></body></html>'
)


def is_api(request: HttpRequest) -> bool:
    return str(getattr(request, "path_info", "") or "").startswith(API_PREFIX)


def api_error(code: str, message: str, status: int) -> JsonResponse:
    """The API's error shape (as ``fairdesk.core.errors.DomainError.as_dict``)."""
    body = {"error": {"code": code, "message": message, "details": {}}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _stylesheet() -> str:
    try:
        return static("fairdesk/site.css")
    except Exception:  # a manifest without the file: the unhashed copy is served as well
        return "/static/fairdesk/site.css"


def error_page(template: str, status: int, **context: Any) -> HttpResponse:
    """``template`` rendered with no request (so no context processor), or the fixed page."""
    html: str
    try:
        context.update(brand=current_brand(), stylesheet=_stylesheet())
        html = render_to_string(template, context)
    except Exception:
        logger.exception("the error page %s could not be rendered", template)
        html = FALLBACK
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("bad_request", _("The request could not be read."), 400)
    return error_page("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403. A refusal our code raised with a message for the visitor (``PermissionDenied("The
    outbox is for agents…")``) shows it; Django's own have none."""
    message = ""
    if isinstance(exception, PermissionDenied) and exception.args:
        message = str(exception.args[0])
    if is_api(request):
        return api_error("forbidden", message or _("You may not do this."), 403)
    return error_page("403.html", 403, message=message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404, without the exception's text (Django's says which model or which URL patterns)."""
    if is_api(request):
        return api_error("not_found", _("There is nothing here."), 404)
    return error_page("404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(
            "server_error", _("Something went wrong on our side; please try again later."), 500
        )
    return error_page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old page, cookies blocked, another site): a
    403 that says what to do, not Django's English page with the reason's internals."""
    if is_api(request):
        return api_error(
            "csrf_failed",
            _("The form has expired (CSRF check failed): reload the page and try again."),
            403,
        )
    return error_page("403.html", 403, csrf=True)
