"""Signing in with a one-time code: ask for a code, verify it (the session starts), sign out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from fairdesk.api.auth import check_session_csrf
from fairdesk.api.errors import ErrorOut, responds
from fairdesk.core.errors import DomainError
from fairdesk.customers import services
from fairdesk.customers.api.router import router
from fairdesk.customers.api.schemas import CodeIn, CodeSentOut, CustomerOut, VerifyIn
from fairdesk.customers.http import client_ip
from fairdesk.customers.models import Customer


def _same_origin_only(request: HttpRequest) -> None:
    """Sign-in CSRF guard. There is no session (so no CSRF token) before signing in, but a
    browser always says where a request comes from: a cross-site ``Origin`` or
    ``Sec-Fetch-Site: cross-site`` is refused, so another site cannot sign a visitor in to an
    account of its choosing. Apps and scripts send neither header and are not affected."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site", "")
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    if site == "cross-site" or (origin is not None and origin not in allowed):
        raise DomainError(
            _("Sign-in requests must come from fairdesk's own pages or an app."),
            code="csrf_failed",
            status=403,
        )


@router.post(
    "/auth/code",
    response=responds(CodeSentOut, 403, 422, 429, ok=(202,)),
    summary="Send a sign-in code / 发送登录验证码",
    tags=["auth"],
)
def auth_code(request: HttpRequest, payload: CodeIn) -> Status[Any]:
    """Send a six-digit code by text message (valid 5 minutes). Limits: one a minute and five an
    hour per number, twenty an hour per IP; over a limit, 429 with ``details.retry_after``.
    Refused (403 ``csrf_failed``) when a browser says the request comes from another site."""
    _same_origin_only(request)
    row = services.login_code_request(phone=payload.phone, ip=client_ip(request))
    return Status(
        202,
        {
            "phone": row.phone,
            "expires_at": row.expires_at,
            "resend_after": services.setting("LOGIN_CODE_RESEND_SECONDS"),
        },
    )


@router.post(
    "/auth/verify",
    response=responds(CustomerOut, 403, 422, 429),
    summary="Sign in with the code / 验证码登录",
    tags=["auth"],
)
def auth_verify(request: HttpRequest, payload: VerifyIn) -> Customer:
    """Check the code and start a session (cookie). The first sign-in creates the account.
    Refused (403 ``csrf_failed``) when a browser says the request comes from another site."""
    _same_origin_only(request)
    customer = services.login_code_verify(
        phone=payload.phone, code=payload.code, ip=client_ip(request)
    )
    login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
    return customer


@router.post(
    "/auth/sign-out",
    response={204: None, 403: ErrorOut},
    summary="Sign out / 退出登录",
    tags=["auth"],
)
def auth_sign_out(request: HttpRequest) -> Status[Any]:
    """End the session. It rides on the session cookie, so it needs the CSRF token
    (``X-CSRFToken``) like every other write: 403 ``csrf_failed`` without it or from another
    site's page."""
    check_session_csrf(request)
    logout(request)
    return Status(204, None)
