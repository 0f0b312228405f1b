"""The admin (read-only requests within what the user may see; policies, calendars, tokens) and
the ``create_api_token`` command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from fairdesk.api.models import ApiClient, ApiToken
from fairdesk.api.services import api_token_authenticate
from fairdesk.service_requests.models import BusinessCalendar, SlaPolicy
from fairdesk.service_requests.tests.conftest import World

pytestmark = pytest.mark.django_db


def admin_client(user: Any) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_create_api_token_prints_the_key_once(world: World) -> None:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "brand-app", "--user", "agent", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("fd_") and "not shown again" in err.getvalue()
    token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_hash
    assert token.prefix == key[:10]
    found = api_token_authenticate(key=key)
    assert found is not None and found.client.user == world.agent
    assert found.last_used_at is not None
    # a second token for the same client; a different user for it is refused
    call_command("create_api_token", "brand-app", "--user", "agent", stdout=StringIO())
    assert ApiToken.objects.count() == 2 and ApiClient.objects.count() == 1
    with pytest.raises(CommandError, match="另一位用户"):
        call_command("create_api_token", "brand-app", "--user", "auditor", stdout=StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("create_api_token", "x", "--user", "nobody", stdout=StringIO())


def test_admin_lists_only_visible_requests_read_only_and_masked(world: World) -> None:
    brand = admin_client(world.brand_admin)
    listing = brand.get("/admin/service_requests/servicerequest/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert world.request.number in html and "138****8000" in html and "13800138000" not in html
    page = brand.get(f"/admin/service_requests/servicerequest/{world.request.pk}/change/")
    assert page.status_code == 200
    assert "空调不制冷" in page.content.decode()
    other = admin_client(world.other_manager)
    listing = other.get("/admin/service_requests/servicerequest/")
    assert listing.status_code == 200 and world.request.number not in listing.content.decode()
    hidden = other.get(f"/admin/service_requests/servicerequest/{world.request.pk}/change/")
    assert hidden.status_code == 302  # "does not exist" → back to the admin index
    add = brand.get("/admin/service_requests/servicerequest/add/")
    assert add.status_code == 403


def test_admin_policies_calendars_and_token_issue(world: World) -> None:
    brand = admin_client(world.brand_admin)
    assert brand.get("/admin/service_requests/slapolicy/").status_code == 200
    assert SlaPolicy.objects.count() == 6  # the defaults
    assert brand.get("/admin/service_requests/businesscalendar/add/").status_code == 200
    client = ApiClient.objects.create(name="crm", user=world.agent)
    response = brand.post(
        "/admin/api/apiclient/",
        {"action": "issue_token", "_selected_action": [client.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "fd_" in text and ApiToken.objects.filter(client=client).count() == 1


def test_calendar_validation_in_the_admin_model() -> None:
    cal = BusinessCalendar(name="bad", weekly_hours={"mon": ["18:00-09:00"]})
    with pytest.raises(ValidationError):
        cal.full_clean()
    BusinessCalendar(name="ok", always_open=True).full_clean()


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_token_authentication_reads_what_the_orm_would(world: World, clock: Any) -> None:
    from fairdesk.api.services import api_token_create

    token, key = api_token_create(client_name="brand-app", user=world.agent)
    found = api_token_authenticate(key=key)
    assert found is not None
    orm = ApiToken.objects.select_related("client__user").get(pk=token.pk)
    assert _fields(found) == _fields(orm)  # aware datetimes, booleans, ids
    assert _fields(found.client) == _fields(orm.client)
    assert _fields(found.client.user) == _fields(orm.client.user)
    assert found.last_used_at is not None and found.last_used_at.tzinfo is not None
    # refused: a wrong key, a revoked token, an inactive client, an inactive user
    assert api_token_authenticate(key=key + "x") is None
    ApiClient.objects.filter(pk=orm.client_id).update(active=False)
    assert api_token_authenticate(key=key) is None
    ApiClient.objects.filter(pk=orm.client_id).update(active=True)
    world.agent.is_active = False
    world.agent.save(update_fields=["is_active"])
    assert api_token_authenticate(key=key) is None
    world.agent.is_active = True
    world.agent.save(update_fields=["is_active"])
    assert api_token_authenticate(key=key) is not None
    ApiToken.objects.filter(pk=token.pk).update(active=False)
    assert api_token_authenticate(key=key) is None
