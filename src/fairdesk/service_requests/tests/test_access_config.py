"""API tokens kept in memory (``config.access_config``): the database renews the access
generation on every change to tokens, clients, users, groups, memberships and customers' users,
and the next call sees it; what does not change who may do what (a token's last use, a user's
last sign-in, a customer's name) leaves the kept tokens alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fairdesk.core import roles
from fairdesk.network.models import OutletMember
from fairdesk.service_requests import config
from fairdesk.service_requests.models import ApiClient, ApiToken, ServiceRequest
from fairdesk.service_requests.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from fairdesk.service_requests.tests.conftest import T0, World

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-requests"


def generation() -> int | None:
    return config.read_generation(config.ACCESS)


@pytest.fixture
def integration(world: World, make_user: Any) -> tuple[Any, ApiToken, str]:
    user = make_user(roles.AGENT, username="brand-app", first_name="品牌")
    token, key = api_token_create(client_name="brand-app", user=user)
    return user, token, key


def get(key: str, number: str) -> Any:
    return Client().get(f"{URL}/{number}", HTTP_AUTHORIZATION=f"Bearer {key}")


def phone_seen(key: str, world: World) -> str:
    answer = get(key, world.request.number)
    assert answer.status_code == 200, answer.content
    return str(answer.json()["customer"]["phone"])


def test_the_triggers_are_installed_on_every_access_table() -> None:
    # as for the routing configuration: a migration that rebuilds one of these tables on SQLite
    # must install the triggers again (config.install_triggers), or this test fails
    tables = [s.table for s in config.ACCESS_TABLES]
    if connection.vendor == "postgresql":
        want = {config.trigger_name(t, name=config.ACCESS) for t in tables}
    else:
        want = {
            config.trigger_name(t, e, name=config.ACCESS)
            for t in tables
            for e in ("insert", "update", "delete")
        }
    assert config.installed_triggers(config.ACCESS) == want
    assert generation() is not None  # written by the migration
    assert ApiToken._meta.db_table in tables and ApiClient._meta.db_table in tables
    assert OutletMember._meta.db_table in tables


def test_every_column_that_matters_renews_the_generation(
    world: World, integration: tuple[Any, ApiToken, str]
) -> None:
    """Each column of each watched table, updated to itself: the generation is renewed unless
    the column is one that does not matter (a migration that adds a column to a table watched
    with ``ignore`` must install the triggers again, or this fails for the new column)."""
    user, token, _key = integration
    user.groups.add(Group.objects.get(name=roles.AUDITOR))
    rows = {
        "service_requests_apitoken": token.pk,
        "service_requests_apiclient": token.client_id,
        "auth_user": user.pk,
        "auth_group": Group.objects.get(name=roles.AUDITOR).pk,
        "auth_user_groups": user.groups.through.objects.filter(user=user).first().pk,
        "network_outletmember": OutletMember.objects.get(user=world.manager).pk,
        "customers_customer": world.customer.pk,
    }
    assert set(rows) == {s.table for s in config.ACCESS_TABLES}
    qn = connection.ops.quote_name
    for spec in config.ACCESS_TABLES:
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, spec.table)
        for col in [c.name for c in described]:
            before = generation()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {qn(spec.table)} SET {qn(col)} = {qn(col)} WHERE id = %s",
                    [rows[spec.table]],
                )
            matters = col in spec.only if spec.only is not None else col not in spec.ignore
            assert (generation() != before) == matters, (spec.table, col)


def test_a_kept_token_costs_one_statement_with_the_routing_generation(
    world: World, integration: tuple[Any, ApiToken, str], clock: Any
) -> None:
    _user, _token, key = integration
    assert phone_seen(key, world) == "138****8000"  # authenticates, keeps the token
    with CaptureQueriesContext(connection) as queries:
        assert phone_seen(key, world) == "138****8000"
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert config.GENERATION_TABLE in sql
    for table in ("service_requests_apitoken", "auth_user_groups", "network_outletmember"):
        assert f'FROM "{table}"' not in sql, table
    # a creation routes with the routing generation read with the access one
    body = {
        "kind": "repair",
        "description": "空调漏水",
        "customer_id": world.customer.pk,
        "product_description": "空调",
    }
    with CaptureQueriesContext(connection) as queries:
        answer = Client().post(
            URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
    assert answer.status_code == 201, answer.content
    reads = [q for q in queries.captured_queries if config.GENERATION_TABLE in q["sql"]]
    assert len(reads) == 1
    # the request, its clocks, timeline and messages: one statement on PostgreSQL
    # (``core.rows.written_together``), one INSERT each on SQLite
    writes = [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "WITH"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 4)


def test_an_integrations_creation_takes_the_id_with_the_customers_read(
    world: World, integration: tuple[Any, ApiToken, str], make_address: Any
) -> None:
    """The usual call names the customer and the address: the read that checks them also takes
    the request's id on PostgreSQL (``core.ids.next_id_sql``), so a creation is three
    statements there: the generations, that read, the rows."""
    _user, _token, key = integration
    assert phone_seen(key, world) == "138****8000"  # authenticates, keeps the token
    address = make_address(world.customer)
    body = {
        "kind": "repair",
        "description": "空调漏水",
        "customer_id": world.customer.pk,
        "address_id": address.pk,
        "product_description": "空调",
    }
    with CaptureQueriesContext(connection) as queries:
        answer = Client().post(
            URL,
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_IDEMPOTENCY_KEY="take-the-id-along",
        )
    assert answer.status_code == 201, answer.content
    created = ServiceRequest.objects.get(number=answer.json()["number"])
    assert created.address_id == address.pk and created.number.endswith(f"{created.pk:06d}")
    # (the test's own transaction makes the write's block a savepoint)
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(sql) == 3, sql
        (read,) = [s for s in sql if "nextval" in s]
        assert read.startswith("SELECT") and "customers_address" in read
    else:  # the id is taken in the writing transaction (``core.ids.next_id``)
        assert not any("nextval" in s for s in sql)


def test_revoking_a_token_or_deactivating_its_client_or_user_is_seen_by_the_next_call(
    world: World, integration: tuple[Any, ApiToken, str]
) -> None:
    user, token, key = integration
    assert get(key, world.request.number).status_code == 200
    api_token_revoke(token=token)
    assert get(key, world.request.number).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(active=True)
    assert get(key, world.request.number).status_code == 200
    ApiClient.objects.filter(pk=token.client_id).update(active=False)
    assert get(key, world.request.number).status_code == 401
    ApiClient.objects.filter(pk=token.client_id).update(active=True)
    assert get(key, world.request.number).status_code == 200
    user.is_active = False
    user.save()
    assert get(key, world.request.number).status_code == 401
    user.is_active = True
    user.save()
    assert get(key, world.request.number).status_code == 200
    ApiToken.objects.filter(pk=token.pk).delete()
    assert get(key, world.request.number).status_code == 401


def test_a_change_of_groups_or_memberships_is_seen_by_the_next_call(
    world: World, integration: tuple[Any, ApiToken, str]
) -> None:
    user, _token, key = integration
    assert phone_seen(key, world) == "138****8000"  # an agent sees masked numbers
    brand_admins = Group.objects.get(name=roles.BRAND_ADMIN)
    user.groups.add(brand_admins)
    assert phone_seen(key, world) == "13800138000"  # the brand sees them in full
    user.groups.remove(brand_admins)
    assert phone_seen(key, world) == "138****8000"
    member = OutletMember.objects.create(
        outlet=world.outlets["LQ"], user=user, role="dispatcher"
    )  # the request's outlet sees them in full
    assert phone_seen(key, world) == "13800138000"
    OutletMember.objects.filter(pk=member.pk).update(active=False)
    assert phone_seen(key, world) == "138****8000"


def test_the_last_use_is_recorded_once_a_minute_without_renewing_the_generation(
    world: World, integration: tuple[Any, ApiToken, str], clock: Any
) -> None:
    _user, token, key = integration
    access = config.access_config()
    before = generation()
    found = api_token_authenticate(key=key, access=access)
    assert found is not None and found.last_used_at == T0
    clock.move_to(T0 + timedelta(seconds=30))
    found = api_token_authenticate(key=key, access=config.access_config())
    assert found is not None and found.last_used_at == T0
    clock.move_to(T0 + timedelta(seconds=90))
    found = api_token_authenticate(key=key, access=config.access_config())
    assert found is not None and found.last_used_at == T0 + timedelta(seconds=90)
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(seconds=90)
    assert generation() == before  # the last use does not change who may do what


def test_kept_tokens_are_fresh_instances_and_unknown_keys_are_not_kept(
    world: World, integration: tuple[Any, ApiToken, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _user, _token, key = integration
    access = config.access_config()
    first = api_token_authenticate(key=key, access=access)
    second = api_token_authenticate(key=key, access=access)
    assert first is not None and second is not None
    assert first is not second and first.client.user is not second.client.user
    assert first.client.user == second.client.user
    for n in range(5):
        assert api_token_authenticate(key=f"fd_unknown{n}", access=access) is None
    assert len(access._answers) == 1
    monkeypatch.setattr(config, "MAX_TOKENS", 1)
    other_user = world.auditor
    _other, other_key = api_token_create(client_name="other", user=other_user)
    access = config.access_config()
    assert api_token_authenticate(key=key, access=access) is not None
    assert api_token_authenticate(key=other_key, access=access) is not None
    assert len(access._answers) <= 1


def test_an_insert_that_ignores_conflicts_still_renews_the_generation(
    integration: tuple[Any, ApiToken, str],
) -> None:
    """Django adds to a many-to-many relation with INSERT … ON CONFLICT DO NOTHING (SQLite:
    INSERT OR IGNORE), whose conflict policy SQLite applies to the trigger's statements too."""
    user, _token, _key = integration
    before = generation()
    user.groups.add(Group.objects.get(name=roles.BRAND_ADMIN))
    assert generation() != before
