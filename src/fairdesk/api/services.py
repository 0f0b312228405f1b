"""API clients and their tokens: issue, authenticate, revoke.

A key is ``fd_`` and 43 random characters; only its SHA-256 is stored, so a key is shown once,
when it is issued. A token authenticates while it, its client and the client's user are all
active; a process keeps the tokens it authenticated while the *access* generation is unchanged
(``core.generations``), so a revocation or a deactivation holds from the very next call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.api.models import ApiClient, ApiToken
from fairdesk.core.errors import DomainError
from fairdesk.core.generations import Kept

_M = TypeVar("_M", bound=Model)

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


@dataclass
class _KeptToken:
    """An authenticated token as a process keeps it (``core.generations``, the *access*
    configuration): the fields of the token, its client and its user, to make fresh instances
    from; when the token's last use was recorded."""

    token: tuple[Any, ...]
    client: tuple[Any, ...]
    user: tuple[Any, ...]
    last_used_at: datetime | None


ACCESS = Kept("access", limit=10_000)
#: Where a user authenticated by a token carries the access generation it was read under.
ACCESS_ON_USER = "fairdesk_access"


def _fields(obj: Model) -> tuple[Any, ...]:
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _instance(model: type[_M], values: tuple[Any, ...]) -> _M:
    """A fresh instance of ``model`` from its fields' values, as the ORM makes one from a row."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(DEFAULT_DB_ALIAS, names, values)


def _token_of(key_hash: str) -> _KeptToken | None:
    token = (
        ApiToken.objects.select_related("client__user")
        .filter(
            key_hash=key_hash,
            active=True,
            client__active=True,
            client__user__is_active=True,
        )
        .first()
    )
    if token is None:
        return None
    return _KeptToken(
        token=_fields(token),
        client=_fields(token.client),
        user=_fields(token.client.user),
        last_used_at=token.last_used_at,
    )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token with this key, of an active client acting as an active user, with its
    client and user (fresh instances); None for any other key. A process keeps the tokens it
    has authenticated while the access configuration is unchanged (``core.generations``: a
    revoked token, an inactive client or user is refused by the very next call). Records when
    the token was last used (at most once a minute per process)."""
    key = (key or "").strip()
    if not key.startswith(TOKEN_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    key_hash = hash_key(key)
    access = ACCESS.current()
    kept = access.get(key_hash, lambda: _token_of(key_hash), keep_none=False)
    if kept is None:
        return None
    token = _instance(ApiToken, kept.token)
    token.client = _instance(ApiClient, kept.client)
    token.client.user = user = _instance(get_user_model(), kept.user)
    # the generation just read, for the user's principal in this same request
    # (``service_requests.selectors.principal_for``): one statement fewer
    setattr(user, ACCESS_ON_USER, access)
    now = timezone.now()
    if kept.last_used_at is None or now - kept.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        kept.last_used_at = now
    token.last_used_at = kept.last_used_at
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False
