"""The routing configuration kept in memory (``config``): the database renews its generation on
every change to outlets, coverage, SLA policies and calendars, and nothing kept outlives it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fairdesk.customers.models import Customer
from fairdesk.network.models import Coverage, Outlet
from fairdesk.network.services import coverage_import_apply, outlet_create
from fairdesk.service_requests import config
from fairdesk.service_requests.models import BusinessCalendar, ConfigGeneration, SlaPolicy
from fairdesk.service_requests.tests.conftest import LIANGQING, RONGJIANG, XINGNING
from fairdesk.service_requests.tests.conftest import create_request as create

pytestmark = pytest.mark.django_db


def generation() -> int | None:
    return config.read_generation()


def test_the_triggers_are_installed_on_every_configuration_table() -> None:
    # A migration that rebuilds one of these tables on SQLite drops its triggers: it must call
    # config.install_triggers again (see the module docstring), or this test fails.
    if connection.vendor == "postgresql":
        want = {config.trigger_name(t) for t in config.ROUTING_TABLES}
    else:
        want = {
            config.trigger_name(t, e)
            for t in config.ROUTING_TABLES
            for e in ("insert", "update", "delete")
        }
    assert config.installed_triggers() == want
    assert {
        Outlet._meta.db_table,
        Coverage._meta.db_table,
        SlaPolicy._meta.db_table,
        BusinessCalendar._meta.db_table,
    } == set(config.ROUTING_TABLES)
    assert ConfigGeneration._meta.db_table == config.GENERATION_TABLE
    assert generation() is not None  # written by the migration


def test_every_kind_of_change_renews_the_generation(outlets: dict[str, Outlet]) -> None:
    seen = [generation()]

    def changed() -> None:
        now = generation()
        assert now is not None and now not in seen
        seen.append(now)

    outlet = outlet_create(code="GZ", name="广州服务中心", phones=["020-5550001"])
    changed()
    coverage_import_apply(outlet=outlet, text="广州市全境", actor_name="test")
    changed()
    Outlet.objects.filter(code="GZ").update(status="suspended")  # a bulk update, no save()
    changed()
    policy = SlaPolicy.objects.first()
    assert policy is not None
    policy.duration_minutes += 1
    policy.save()
    changed()
    calendar = BusinessCalendar.objects.create(name="广州工作日", outlet=outlet)
    changed()
    calendar.delete()
    changed()
    Coverage.objects.filter(outlet=outlet).delete()
    changed()
    with connection.cursor() as cursor:  # even a change in SQL
        cursor.execute(f"UPDATE {Outlet._meta.db_table} SET name = name || '!' WHERE code = 'GZ'")
    changed()


def test_answers_are_kept_while_the_configuration_is_unchanged(
    outlets: dict[str, Outlet], customer: Customer, make_address: Any
) -> None:
    address = make_address(customer, XINGNING)
    create(customer, address=address)  # computes and keeps the answers for 兴宁区
    with CaptureQueriesContext(connection) as queries:
        sr = create(customer, address=address)
    assert sr.outlet == outlets["NN"]
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert config.GENERATION_TABLE in tables  # the one read that decides
    for table in config.ROUTING_TABLES:
        assert f'FROM "{table}"' not in tables, table
    first = config.routing_config().coverage(XINGNING[0])
    assert config.routing_config().coverage(XINGNING[0]) is first


def test_a_change_is_seen_by_the_next_request(
    outlets: dict[str, Outlet], customer: Customer, make_address: Any
) -> None:
    address = make_address(customer, LIANGQING)
    assert create(customer, address=address).outlet == outlets["LQ"]
    # the more specific outlet stops serving: the next request goes to the prefecture's
    Outlet.objects.filter(pk=outlets["LQ"].pk).update(status="suspended")
    assert create(customer, address=address).outlet == outlets["NN"]
    # and a new outlet covering the county is used at once
    far = make_address(customer, RONGJIANG)
    before = create(customer, address=far)
    assert before.out_of_coverage and before.outlet is None
    rj = outlet_create(code="RJ", name="榕江服务站", phones=["0855-5550001"])
    coverage_import_apply(outlet=rj, text="黔东南榕江县", actor_name="test")
    after = create(customer, address=far)
    assert after.outlet == rj and not after.out_of_coverage


def test_a_policy_change_applies_to_the_next_request(
    outlets: dict[str, Outlet], customer: Customer, make_address: Any
) -> None:
    address = make_address(customer, XINGNING)
    sr = create(customer, address=address)
    on_site = {c.clock_type: c for c in sr.new_clocks}["on_site"]
    SlaPolicy.objects.filter(pk=on_site.policy_id).update(duration_minutes=12 * 60)
    again = {c.clock_type: c for c in create(customer, address=address).new_clocks}["on_site"]
    assert again.duration_minutes == 12 * 60
    assert again.deadline - again.started_at < on_site.deadline - on_site.started_at


def test_what_was_kept_in_a_rolled_back_transaction_is_not_used(
    outlets: dict[str, Outlet],
) -> None:
    code = RONGJIANG[0]
    assert not config.routing_config().coverage(code).covered
    with pytest.raises(RuntimeError), transaction.atomic():
        rj = outlet_create(code="RJ", name="榕江服务站", phones=["0855-5550001"])
        coverage_import_apply(outlet=rj, text="黔东南榕江县", actor_name="test")
        assert config.routing_config().coverage(code).covered  # kept under the new value
        raise RuntimeError("roll back")
    assert not Outlet.objects.filter(code="RJ").exists()
    assert not config.routing_config().coverage(code).covered


def test_without_a_generation_nothing_is_kept(outlets: dict[str, Outlet]) -> None:
    ConfigGeneration.objects.all().delete()
    assert generation() is None
    code = XINGNING[0]
    assert config.routing_config().coverage(code) is not config.routing_config().coverage(code)
    # the next change writes a value again
    outlet_create(code="GZ", name="广州服务中心", phones=["020-5550001"])
    assert generation() is not None
    assert config.routing_config().coverage(code) is config.routing_config().coverage(code)


def test_the_number_of_answers_kept_is_bounded(
    outlets: dict[str, Outlet], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "MAX_ANSWERS", 3)
    kept = config.routing_config()
    for code in ("450102", "450103", "450105", "450107", "450108"):
        kept.coverage(code)
    assert len(kept._answers) <= 3
