"""API clients and their tokens: issue, authenticate, revoke.

A key is ``fd_`` and 43 random characters; only its SHA-256 is stored, so a key is shown once,
when it is issued. A token authenticates while it, its client and the client's user are all
active; each call reads them afresh (one query), so a revocation or a deactivation holds from
the very next call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.api.models import ApiClient, ApiToken
from fairdesk.core.errors import DomainError

TOKEN_PREFIX = "fd_"
MAX_KEY_LENGTH = 200
# A token's last use is recorded at most this often, so that an integration's reads stay reads.
LAST_USED_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, client_name: str, user: Any) -> tuple[ApiToken, str]:
    """Issue a token for the client ``client_name`` (created, acting as ``user``, if new).

    Returns the token row and the key: the key is shown this once; only its hash is kept.
    """
    name = (client_name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(
            _("An API client needs a name (at most 100 characters)."),
            code="name_required",
            status=422,
        )
    if user is None or not user.is_active:
        raise DomainError(
            _("The API client's user must be an active user."), code="invalid_user", status=422
        )
    with transaction.atomic():
        client, _created = ApiClient.objects.get_or_create(name=name, defaults={"user": user})
        if client.user_id != user.pk:
            raise DomainError(
                _("The API client %(name)s acts as another user.") % {"name": name},
                code="client_user_mismatch",
                status=409,
            )
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(client=client, prefix=key[:10], key_hash=hash_key(key))
    return token, key


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token with this key, of an active client acting as an active user, with its
    client and user; None for any other key. Records when the token was last used (at most
    once a minute)."""
    key = (key or "").strip()
    if not key.startswith(TOKEN_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("client__user")
        .filter(
            key_hash=hash_key(key),
            active=True,
            client__active=True,
            client__user__is_active=True,
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False
