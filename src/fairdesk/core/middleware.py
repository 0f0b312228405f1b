"""The site-wide middleware of fairdesk: the methods a page answers (``PageMethodsMiddleware``),
the language (``LocaleMiddleware``) and the checks every request's input passes before any view
(``InputGuardMiddleware``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.core.text import BAD_CHARACTER, SUSPICIOUS_ESCAPE, bad_json_field, bad_text


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, without pinning unprefixed URLs to ``LANGUAGE_CODE``.

    ``fairdesk.urls`` offers shareable ``/en/…`` links through ``i18n_patterns(…,
    prefix_default_language=False)``. Django then takes every URL *without* a prefix to be in the
    default language, whatever the visitor asked for, which would make the admin, the API and the
    pages Chinese-only. Here the language is the URL's prefix when it has one, else the visitor's
    choice (the language cookie set by the switcher, then ``Accept-Language``), else
    ``LANGUAGE_CODE``. Responses are unchanged (``Vary: Accept-Language`` and the 404 redirect).
    """

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_request(request, check_path=True)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InputGuardMiddleware:
    """Every request's text, checked once before any view: the path, the query string, the form
    fields (and the names of file fields) and a JSON body hold no refused character
    (``fairdesk.core.text``: control characters but tab and line breaks, invalid Unicode), and
    the body is within ``DATA_UPLOAD_MAX_MEMORY_SIZE``. A new page or API operation cannot
    forget it.

    Under ``/api/`` a refusal is the API's error shape: 422 ``invalid_text`` (``details``: the
    field and where it is), 400 ``invalid_body`` (a body too deeply nested to read, a form or
    a query string that cannot be read), 413 ``body_too_large``; and every other answer under
    ``/api/`` that is not JSON — Django's 404 for a path no operation matches, a 405, a 500 — is
    answered in the same shape. Elsewhere a refusal is a short page in the visitor's language,
    400 or 413. Nothing is changed by a request that is refused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith(API_PREFIX)
        try:
            check_request_text(request, api=api)
        except DomainError as refused:
            return refusal(request, refused, api=api)
        response = self.get_response(request)
        if api and response.status_code >= 400 and not is_json(response):
            return api_error_for(request, response)
        return response


def check_request_text(request: HttpRequest, *, api: bool) -> None:
    """Raise ``DomainError`` (422 ``invalid_text``, 400 ``invalid_body``, 413 ``body_too_large``)
    for a request that holds refused text or a body too large to read."""
    if bad_text(request.path_info):
        raise _invalid_text(
            _("The address (path) contains a character that is not allowed."), "path"
        )
    content_type = request.content_type or ""
    try:
        for key, values in request.GET.lists():
            for value in (key, *values):
                if bad_text(value):
                    raise _invalid_field(key, "query")
        if content_type in FORM_TYPES:
            if request.method == "POST":
                _check_form(request)
        elif content_type == "application/json" or content_type.endswith("+json") or api:
            _check_json(request)
    except RequestDataTooBig as exc:
        raise DomainError(
            _("The request is too large: at most %(size)s of data besides files.")
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            code="body_too_large",
            status=413,
            details={"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        ) from exc
    except (MultiPartParserError, SuspiciousOperation, BadRequest, UnreadablePostError) as exc:
        raise DomainError(
            _("The request could not be read: %(reason)s") % {"reason": exc},
            code="invalid_body",
            status=400,
        ) from exc


def _check_form(request: HttpRequest) -> None:
    for key, values in request.POST.lists():
        for value in (key, *values):
            if bad_text(value):
                raise _invalid_field(key, "form")
    for key in request.FILES:  # a file's own name is never kept (files are stored by uuid)
        if bad_text(key):
            raise _invalid_field(key, "form")


def _check_json(request: HttpRequest) -> None:
    body = request.body
    if not body:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid_text(_("The request body is not valid UTF-8 text."), "body") from exc
    raw_bad = bad_text(text)
    try:  # read here too, so that a document nested too deeply is a 400, not a RecursionError
        document = json.loads(text, strict=False)
    except RecursionError as exc:
        raise DomainError(
            _("The request body is nested too deeply."), code="invalid_body", status=400
        ) from exc
    except ValueError:
        if raw_bad:
            raise _invalid_text(
                _("The request body contains a character that is not allowed."), "body"
            ) from None
        return  # not JSON: the API answers 400 invalid_body
    if not raw_bad and not SUSPICIOUS_ESCAPE.search(text):
        return  # the common case: no character or escape that could decode to a refused one
    field = bad_json_field(document)
    if field:
        raise _invalid_field(field, "body")
    if field is not None:
        raise _invalid_text(_("The request body contains a character that is not allowed."), "body")


def _invalid_field(field: str, where: str) -> DomainError:
    field = BAD_CHARACTER.sub("\ufffd", field)  # the name itself may hold the character
    return _invalid_text(
        _(
            "“%(field)s” contains a character that is not allowed (a control character or "
            "invalid Unicode); tabs and line breaks are fine."
        )
        % {"field": field},
        where,
        field=field,
    )


def _invalid_text(message: str, where: str, *, field: str | None = None) -> DomainError:
    details: dict[str, Any] = {"in": where}
    if field is not None:
        details["field"] = field
    return DomainError(message, code="invalid_text", status=422, details=details)


def is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def refusal(request: HttpRequest, refused: DomainError, *, api: bool) -> HttpResponse:
    """The answer to a refused request: the API's error shape, or a short page."""
    if api:
        return api_response(refused)
    status = 400 if refused.status == 422 else refused.status  # a page's bad input is a 400
    return render(request, "core/refused.html", {"message": refused.message}, status=status)


def api_response(error: DomainError) -> JsonResponse:
    return JsonResponse(
        error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


def api_error_for(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error under ``/api/`` that Django answered itself (no operation matched the path, the
    method is not allowed, the server failed…), in the API's error shape."""
    status = response.status_code
    error: DomainError
    if status == 404:
        error = DomainError(
            _("No API operation has the path %(path)s.") % {"path": request.path},
            code="not_found",
            status=404,
        )
    elif status == 405:
        allowed = [m.strip() for m in str(response.get("Allow", "")).split(",") if m.strip()]
        error = DomainError(
            _("%(method)s is not allowed here; allowed: %(allowed)s.")
            % {"method": request.method, "allowed": ", ".join(allowed)},
            code="method_not_allowed",
            status=405,
            details={"allowed": allowed},
        )
    elif status >= 500:
        error = DomainError(
            _("Something went wrong on our side; please try again later."),
            code="server_error",
            status=status,
        )
    else:
        error = DomainError(
            _("The request could not be handled (HTTP %(status)d).") % {"status": status},
            code="bad_request" if status == 400 else "error",
            status=status,
        )
    answer = api_response(error)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            answer[header] = response[header]
    return answer


#: What a page (anything outside the API) answers; the API's operations declare their own.
PAGE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")


class PageMethodsMiddleware:
    """Pages answer GET, HEAD, POST and OPTIONS only: any other method (PUT, PATCH, DELETE…) is
    405 before a view runs, so that no page, the admin's included, treats it as a read and no
    form is ever submitted with it. The API (``/api/``) answers its own 405s, in its error
    shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in PAGE_METHODS and not request.path_info.startswith(API_PREFIX):
            return HttpResponseNotAllowed(PAGE_METHODS)
        return self.get_response(request)
