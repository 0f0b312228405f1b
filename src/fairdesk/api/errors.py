"""The API's one error shape, ``{"error": {"code", "message", "details"}}``, and the handlers
that answer every error in it, with the message in the request's language.

Domain rules raise ``fairdesk.core.errors.DomainError`` (a code, a localised message, a 4xx
status); Ninja's own errors (a body that does not validate, a body that is not JSON, a failed
authentication, Django's ``Http404``) are answered in the same shape, and so is every other
answer under ``/api/`` (``fairdesk.core.middleware.InputGuardMiddleware``: text with control
characters, a body too large, a path no operation matches, a method not allowed). ``details`` is
always an object, empty when the code and message say it all. Users' mistakes are 4xx, never 500.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fairdesk.api.schemas import Data
from fairdesk.core.errors import DomainError


class ErrorBody(Data):
    code: str = Field(description="Stable machine-readable error code, e.g. division_not_found")
    message: str = Field(description="Human-readable message, in the request's language")
    details: dict[str, Any] = Field(
        description="More about the error (the fields that failed, a limit, a wait …); "
        "an object, empty when the code and message say it all"
    )


class ErrorOut(Data):
    """The one error shape of the API (``DomainError.as_dict``)."""

    error: ErrorBody


def responds(schema: Any, *errors: int, ok: tuple[int, ...] = (200,)) -> dict[int, Any]:
    """An operation's ``response`` map: ``schema`` for each success status in ``ok``, the one
    error shape for each status in ``errors``."""
    return {**dict.fromkeys(ok, schema), **dict.fromkeys(errors, ErrorOut)}


def _error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return DomainError(message, code=code, details=details).as_dict()


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error of ``api`` in the one shape."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        body = _error("invalid_input", _("The request is not valid."), {"errors": exc.errors})
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = _error(
            "not_authenticated",
            _("Sign in, or send an API token (Authorization: Bearer <token>)."),
        )
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        body = _error("not_found", _("There is nothing here."))
        return api.create_response(request, body, status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = "invalid_body" if exc.status_code == 400 else "error"
        message = _("The request is not valid: %(detail)s") % {"detail": str(exc)}
        return api.create_response(request, _error(code, message), status=exc.status_code)
