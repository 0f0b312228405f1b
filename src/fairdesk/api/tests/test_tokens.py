"""API clients and tokens: issued with the key shown once (command, admin), authenticated while
the token, its client and its user are active, revoked."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fairdesk.api.models import ApiClient, ApiToken
from fairdesk.api.services import api_token_authenticate, api_token_create, api_token_revoke
from fairdesk.core import roles
from fairdesk.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_the_key_once(make_user: Any) -> None:
    agent = make_user("agent")
    make_user("auditor")
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "brand-app", "--user", "agent", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("fd_") and "not shown again" in err.getvalue()
    token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_hash
    assert token.prefix == key[:10]
    found = api_token_authenticate(key=key)
    assert found is not None and found.client.user == agent
    assert found.last_used_at is not None
    # a second token for the same client; a different user for it is refused
    call_command("create_api_token", "brand-app", "--user", "agent", stdout=StringIO())
    assert ApiToken.objects.count() == 2 and ApiClient.objects.count() == 1
    with pytest.raises(CommandError, match="另一位用户"):
        call_command("create_api_token", "brand-app", "--user", "auditor", stdout=StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("create_api_token", "x", "--user", "nobody", stdout=StringIO())


def test_a_client_needs_a_name_and_an_active_user(make_user: Any) -> None:
    with pytest.raises(DomainError) as blank:
        api_token_create(client_name="  ", user=make_user("a"))
    assert blank.value.code == "name_required"
    with pytest.raises(DomainError) as inactive:
        api_token_create(client_name="x", user=make_user("b", is_active=False))
    assert inactive.value.code == "invalid_user"
    assert not ApiClient.objects.exists()


def test_a_token_authenticates_while_it_its_client_and_its_user_are_active(
    make_user: Any, time_machine: Any
) -> None:
    agent = make_user("agent")
    time_machine.move_to("2026-03-01T00:00:00Z", tick=False)
    token, key = api_token_create(client_name="brand-app", user=agent)
    found = api_token_authenticate(key=key)
    assert found is not None and found.pk == token.pk
    assert found.client.name == "brand-app" and found.client.user == agent
    first_use = found.last_used_at
    assert first_use is not None and first_use.tzinfo is not None
    # the last use is recorded at most once a minute: reads stay reads
    time_machine.shift(30)
    assert api_token_authenticate(key=key).last_used_at == first_use  # type: ignore[union-attr]
    time_machine.shift(60)
    assert api_token_authenticate(key=key).last_used_at > first_use  # type: ignore[union-attr,operator]
    # refused: a wrong or malformed key, an inactive client, an inactive user, a revoked token
    assert api_token_authenticate(key=key + "x") is None
    assert api_token_authenticate(key="not-a-key") is None
    ApiClient.objects.filter(pk=token.client_id).update(active=False)
    assert api_token_authenticate(key=key) is None
    ApiClient.objects.filter(pk=token.client_id).update(active=True)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert api_token_authenticate(key=key) is None
    agent.is_active = True
    agent.save(update_fields=["is_active"])
    assert api_token_authenticate(key=key) is not None
    api_token_revoke(token=token)
    assert api_token_authenticate(key=key) is None


def test_brand_admins_issue_tokens_in_the_admin(make_user: Any) -> None:
    brand = make_user("brand", group=roles.BRAND_ADMIN, is_staff=True)
    client = ApiClient.objects.create(name="crm", user=make_user("agent"))
    admin = Client()
    admin.force_login(brand)
    assert admin.get("/admin/api/apiclient/").status_code == 200
    response = admin.post(
        "/admin/api/apiclient/",
        {"action": "issue_token", "_selected_action": [client.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "fd_" in response.content.decode()
    assert ApiToken.objects.filter(client=client).count() == 1
