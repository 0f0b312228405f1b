from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from fairdesk.areas.gazetteer import get_gazetteer
from fairdesk.network.models import Coverage, CoverageImport, Outlet
from fairdesk.network.selectors import coverage_for, network_summary
from fairdesk.site.management.commands.seed_demo import (
    demo_network,
    short_prefecture,
    short_province,
)

pytestmark = pytest.mark.django_db


def test_short_names() -> None:
    assert short_province("广西壮族自治区") == "广西"
    assert short_province("内蒙古自治区") == "内蒙古"
    assert short_province("北京市") == "北京"
    assert short_prefecture("黔东南苗族侗族自治州") == "黔东南"
    assert short_prefecture("海西蒙古族藏族自治州") == "海西"
    assert short_prefecture("克孜勒苏柯尔克孜自治州") == "克孜勒苏"
    assert short_prefecture("南宁市") == "南宁"
    assert short_prefecture("阿里地区") == "阿里"


def test_demo_network_is_deterministic() -> None:
    assert [(s.code, s.text) for s in demo_network()] == [(s.code, s.text) for s in demo_network()]


def test_seed_demo_counts_and_idempotence() -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    summary = network_summary()
    assert summary["outlets"] >= 30
    assert summary["counties_covered"] >= 1000
    assert summary["provinces_covered"] == summary["provinces_total"] == 33
    g = get_gazetteer()
    provinces = {d.code[:2] for d in g.divisions.values() if d.level == 1}
    covered = {c[:2] for c in Coverage.objects.values_list("division_code", flat=True)}
    assert covered == provinces
    # the brief's kind of entries are among the seeded lists and resolved
    texts = "\n".join(CoverageImport.objects.values_list("raw_text", flat=True))
    for sample in ("全境", "黔东南", "直辖县天门市", "中山市石岐街道", "海南共和县"):
        assert sample in texts, sample
    assert coverage_for(address="黔东南榕江县").covered
    assert coverage_for(code="442000001").covered

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("fairdesk-demo")
    for role in ("agent", "dispatcher", "technician", "outlet_manager", "brand_admin", "auditor"):
        user = User.objects.get(username=role)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [role]
    assert User.objects.get(username="brand_admin").has_perm("network.add_coverageimport")

    # the demo customer's repair is routed to an outlet whose manager is a demo user, and the
    # manager sees it in their queue
    from fairdesk.network.models import OutletMember
    from fairdesk.service_requests.models import ServiceRequest
    from fairdesk.service_requests.selectors import requests_visible_to

    repair = ServiceRequest.objects.get(customer__phone="13800000001", kind="repair")
    assert repair.outlet is not None and not repair.out_of_coverage
    assert repair.status == "accepted"
    manager = User.objects.get(username="outlet_manager")
    assert OutletMember.objects.filter(user=manager, outlet=repair.outlet, role="manager").exists()
    assert repair in requests_visible_to(manager)

    counts = (
        Outlet.objects.count(),
        Coverage.objects.count(),
        CoverageImport.objects.count(),
        User.objects.count(),
        ServiceRequest.objects.count(),
        OutletMember.objects.count(),
    )
    rows = set(Coverage.objects.values_list("outlet__code", "division_code"))
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        Outlet.objects.count(),
        Coverage.objects.count(),
        CoverageImport.objects.count(),
        User.objects.count(),
        ServiceRequest.objects.count(),
        OutletMember.objects.count(),
    ) == counts
    assert set(Coverage.objects.values_list("outlet__code", "division_code")) == rows
    assert "outlets" in out.getvalue()
