"""Who is calling the API: one authentication for every app.

An operation declares ``auth=api_auth``: the caller is an integration with a bearer token
(``Authorization: Bearer <key>``, ``services.api_token_authenticate``), or a signed-in user's
session (the portal and the console; unsafe methods need Django's CSRF token). Either way the
handler gets one typed ``Caller`` as ``request.auth`` (annotate the request as ``ApiRequest``):
the user the call acts as and, for a token, its client. A token has exactly its user's rights;
what a caller may see or do is decided by the apps' ``access_*`` selectors, never here.

Failures answer in the one error shape: 401 ``invalid_token`` (a malformed header, an unknown,
revoked or inactive token), 401 ``not_authenticated`` (neither), 403 ``csrf_failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from fairdesk.api.services import api_token_authenticate
from fairdesk.core.errors import DomainError

if TYPE_CHECKING:
    from fairdesk.api.models import ApiClient

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the active user the call acts as and, when a bearer token was sent, the
    integration (``client``) it belongs to."""

    user: Any
    client: ApiClient | None = None

    @property
    def integration(self) -> bool:
        return self.client is not None


class ApiRequest(HttpRequest):
    """An authenticated API request, for type checking: ``request.auth`` is the ``Caller``."""

    auth: Caller


class BearerToken(HttpBearer):
    """``Authorization: Bearer <key>``: an integration acting as its user."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        header = request.headers.get(self.header)
        if not header:
            return None  # no token: the session may still authenticate
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise DomainError(
                _("Send the token as “Authorization: Bearer <token>”."),
                code="invalid_token",
                status=401,
            )
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        found = api_token_authenticate(key=token)
        if found is None:
            raise DomainError(
                _("The API token is not valid, or it was revoked."),
                code="invalid_token",
                status=401,
            )
        return Caller(user=found.client.user, client=found.client)


def check_session_csrf(request: HttpRequest) -> None:
    """An unsafe call that rides on the session cookie carries Django's CSRF token
    (``X-CSRFToken``) and, when the browser sends one, an ``Origin`` of this site (or of
    ``CSRF_TRUSTED_ORIGINS``); else 403 ``csrf_failed``. ``SessionCookie`` calls it for every
    authenticated write; an operation without ``api_auth`` that changes the session (signing
    out) calls it itself."""
    if request.method not in SAFE_METHODS and check_csrf(request) is not None:
        raise DomainError(
            _("The form has expired (CSRF check failed): reload the page and try again."),
            code="csrf_failed",
            status=403,
        )


class SessionCookie(APIKeyCookie):
    """The signed-in user's session, CSRF-checked for unsafe methods. Last in ``api_auth``:
    when it fails, the call is not authenticated."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Caller:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            raise DomainError(
                _("Sign in, or send an API token (Authorization: Bearer <token>)."),
                code="not_authenticated",
                status=401,
            )
        check_session_csrf(request)
        return Caller(user=user)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return None  # pragma: no cover - __call__ decides


api_auth = [BearerToken(), SessionCookie()]
