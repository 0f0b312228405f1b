"""The one authentication of the API: a bearer token or a session, as one typed Caller."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from fairdesk.api.auth import BearerToken, Caller, SessionCookie
from fairdesk.api.services import api_token_create
from fairdesk.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_bearer_token_is_its_client_acting_as_its_user(make_user: Any) -> None:
    user = make_user("app")
    token, key = api_token_create(client_name="brand-app", user=user)
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {key}")
    caller = BearerToken()(request)
    assert caller == Caller(user=user, client=token.client) and caller.integration
    assert BearerToken()(RequestFactory().get("/")) is None  # the session may still answer
    for header in ("Bearer", "Basic abc", "Bearer fd_unknown"):
        with pytest.raises(DomainError) as refused:
            BearerToken()(RequestFactory().get("/", HTTP_AUTHORIZATION=header))
        assert (refused.value.code, refused.value.status) == ("invalid_token", 401)


def test_a_session_is_its_user_and_writes_need_the_csrf_token(make_user: Any) -> None:
    user = make_user("agent")
    read = RequestFactory().get("/")
    read.user = user
    caller = SessionCookie()(read)
    assert caller == Caller(user=user) and not caller.integration
    write = RequestFactory().post("/")
    write.user = user
    with pytest.raises(DomainError) as csrf:
        SessionCookie()(write)
    assert (csrf.value.code, csrf.value.status) == ("csrf_failed", 403)
    anonymous = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    anonymous.user = AnonymousUser()
    with pytest.raises(DomainError) as nobody:
        SessionCookie()(anonymous)
    assert (nobody.value.code, nobody.value.status) == ("not_authenticated", 401)


def test_every_app_answers_with_the_same_authentication(make_user: Any) -> None:
    """The shell's errors, whichever app's endpoint is called."""
    for path in ("/api/v1/service-requests", "/api/v1/me", "/api/v1/subscriptions"):
        body = Client().get(path).json()
        assert body["error"]["code"] == "not_authenticated", path
        body = Client().get(path, HTTP_AUTHORIZATION="Bearer fd_nope").json()
        assert body["error"]["code"] == "invalid_token", path
