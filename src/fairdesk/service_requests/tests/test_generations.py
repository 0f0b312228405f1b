"""The triggers that renew the access and routing generations (migrations api 0002 and
service_requests 0010), and what the process keeps under them: a change to a watched table is
seen by the very next call."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from fairdesk.core.generations import generation
from fairdesk.core.models import Generation

pytestmark = pytest.mark.django_db


def _watched() -> list[tuple[str, str, list[str] | None]]:
    from importlib import import_module

    found = []
    for module in (
        "api.migrations.0002_access_generation",
        "service_requests.migrations.0010_generations",
    ):
        found += import_module(f"fairdesk.{module}").WATCHED
    return found


WATCHED = _watched()
#: The columns whose update changes nothing of who may do what (left out on purpose).
IGNORED = {
    "api_apitoken": {"last_used_at"},
    "auth_user": {"last_login"},
    "customers_customer": {"phone", "name", "email", "language", "created_at", "updated_at", "id"},
}


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["fairdesk_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["fairdesk_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def test_every_watched_table_has_its_triggers() -> None:
    """A migration that rebuilt a watched table on SQLite dropped its triggers: install them
    again in that migration."""
    names = installed_triggers()
    for name, table, _columns in WATCHED:
        if connection.vendor == "postgresql":
            expected = {f"fairdesk_{name}_{table}"}
        else:
            expected = {f"fairdesk_{name}_{table}_{e}" for e in ("insert", "update", "delete")}
        assert expected <= names, table


def test_the_update_triggers_watch_every_column_but_the_ignored_ones() -> None:
    """A column added to a table watched column by column must be added to its trigger (a
    migration that installs the triggers again), or be ignored here with the reason."""
    tables = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    for _name, table, columns in WATCHED:
        if columns is None:
            continue
        present = {f.column for f in tables[table]._meta.concrete_fields}
        assert set(columns) == present - IGNORED.get(table, set()), table


def renewed(change: Any, name: str) -> bool:
    before = generation(name)
    change()
    return generation(name) != before


def test_writes_renew_their_generation_and_ignored_columns_do_not(
    django_user_model: Any,
) -> None:
    from fairdesk.api.models import ApiToken
    from fairdesk.api.services import api_token_create
    from fairdesk.customers.models import Customer
    from fairdesk.network.models import Coverage, Outlet
    from fairdesk.service_requests.models import BusinessCalendar, SlaPolicy

    user = django_user_model.objects.create_user("app")
    assert renewed(lambda: api_token_create(client_name="brand-app", user=user), "access")
    token = ApiToken.objects.get()
    assert not renewed(lambda: ApiToken.objects.update(last_used_at=token.created_at), "access")
    assert renewed(lambda: ApiToken.objects.update(active=False), "access")
    assert not renewed(lambda: django_user_model.objects.update(last_login=None), "access")
    assert renewed(lambda: django_user_model.objects.update(is_active=False), "access")
    group = Group.objects.create(name="a group of the test")
    assert renewed(lambda: user.groups.add(group), "access")
    assert renewed(lambda: user.groups.remove(group), "access")
    customer = Customer.objects.create(phone="13800138000", name="李雷")
    assert not renewed(lambda: Customer.objects.update(name="韩梅梅"), "access")
    assert renewed(lambda: Customer.objects.update(user=user), "access")
    assert renewed(customer.delete, "access")
    outlet = Outlet.objects.create(code="X1", name="网点")
    assert renewed(lambda: Outlet.objects.update(name="新网点"), "routing")
    assert renewed(
        lambda: Coverage.objects.create(
            outlet=outlet, division_code="450108", division_level=3, division_name="良庆区"
        ),
        "routing",
    )
    assert renewed(lambda: Coverage.objects.all().delete(), "routing")
    assert renewed(lambda: SlaPolicy.objects.update(active=False), "routing")
    assert renewed(lambda: BusinessCalendar.objects.create(name="x", always_open=True), "routing")
    assert Generation.objects.count() == 2


def test_a_routing_change_holds_for_the_next_request(world: Any, make_address: Any) -> None:
    """The process keeps the coverage it read; suspending the outlet is seen by the next
    request all the same."""
    from fairdesk.network.models import Outlet
    from fairdesk.service_requests.services.intake import service_request_create
    from fairdesk.service_requests.tests.conftest import XINGNING

    address = make_address(world.customer, XINGNING)

    def file() -> Any:
        return service_request_create(
            customer=world.customer,
            kind="repair",
            channel="console",
            actor=world.agent,
            description="不制冷",
            address=address,
            product_description="空调",
        )

    assert file().outlet == world.outlets["NN"]
    assert file().outlet == world.outlets["NN"]  # from the kept coverage
    Outlet.objects.filter(code="NN").update(status="suspended")
    later = file()
    assert later.outlet is None and later.out_of_coverage


def test_a_role_change_holds_for_the_next_call(world: Any) -> None:
    """The process keeps the principal it read; taking a group away is seen by the next call."""
    from django.test import Client

    from fairdesk.core import roles

    agent = Client()
    agent.force_login(world.agent)
    url = "/api/v1/service-requests"
    assert agent.get(url).json()["total"] == 1
    assert agent.get(url).json()["total"] == 1  # the principal kept
    world.agent.groups.remove(Group.objects.get(name=roles.AGENT))
    assert agent.get(url).json()["total"] == 0
