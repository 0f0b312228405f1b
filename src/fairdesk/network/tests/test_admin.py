from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from fairdesk.network.models import Coverage, CoverageImport, Outlet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_zh(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user("brand", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="brand_admin"))
    client.force_login(user)
    return client


def test_import_coverage_end_to_end(
    admin_client_zh: Client, make_outlet: Callable[..., Outlet]
) -> None:
    outlet = make_outlet("NN01", coverage="直辖县天门市")
    url = reverse("admin:network_outlet_import_coverage", args=[outlet.pk])
    change = admin_client_zh.get(reverse("admin:network_outlet_change", args=[outlet.pk]))
    assert change.status_code == 200 and url in change.content.decode()

    form = admin_client_zh.get(url)
    assert form.status_code == 200 and 'name="text"' in form.content.decode()

    text = "广西南宁市良庆区、朝阳区\n火星市奥林匹斯县\n南宁市良庆区"
    preview = admin_client_zh.post(url, {"text": text, "mode": "replace", "action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="import-preview"' in html
    assert 'name="choice-2" value="110105"' in html and 'name="choice-2" value="220104"' in html
    assert "fd-row-unresolved" in html and "fd-row-added" in html
    assert 'id="import-removed"' in html and "429006" in html  # replace would drop 天门
    assert Coverage.objects.filter(outlet=outlet).count() == 1  # nothing written yet
    assert CoverageImport.objects.filter(outlet=outlet).count() == 1

    # a forged choice is rejected with a message and changes nothing
    bad = admin_client_zh.post(
        url, {"text": text, "mode": "replace", "action": "apply", "choice-2": "450108"}
    )
    assert bad.status_code == 200 and "errorlist nonfield" in bad.content.decode()
    assert CoverageImport.objects.filter(outlet=outlet).count() == 1

    done = admin_client_zh.post(
        url, {"text": text, "mode": "replace", "action": "apply", "choice-2": "220104"}
    )
    assert done.status_code == 302
    record = CoverageImport.objects.filter(outlet=outlet).latest("id")
    assert done["Location"] == reverse("admin:network_coverageimport_change", args=[record.pk])
    assert sorted(outlet.coverages.values_list("division_code", flat=True)) == ["220104", "450108"]
    assert record.mode == "replace" and record.removed_count == 1
    assert record.actor.username == "brand"  # type: ignore[union-attr]
    assert [ln.outcome for ln in record.lines.order_by("index")] == [
        "added",
        "added",
        "unresolved",
        "already_covered",
    ]

    page = admin_client_zh.get(done["Location"])
    assert page.status_code == 200 and "火星市奥林匹斯县" in page.content.decode()


def test_import_view_needs_the_permission(
    client: Client,
    django_user_model: Any,
    make_outlet: Callable[..., Outlet],
) -> None:
    outlet = make_outlet("NN02")
    user = django_user_model.objects.create_user("auditor1", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="auditor"))
    client.force_login(user)
    url = reverse("admin:network_outlet_import_coverage", args=[outlet.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "良庆区", "mode": "add", "action": "apply"}).status_code == 403
    assert not outlet.coverages.exists()
    # the auditor can still read outlets
    assert client.get(reverse("admin:network_outlet_change", args=[outlet.pk])).status_code == 200


def test_add_outlet_through_the_admin(admin_client_zh: Client) -> None:
    response = admin_client_zh.post(
        reverse("admin:network_outlet_add"),
        {
            "code": "GX-02",
            "name": "柳州服务站",
            "address": "广西柳州市城中区",
            "phones": "0772-1234567\n400-820-0000",
            "opening_hours": "9:00-18:00",
            "product_lines": ["safe", "smart_home"],
            "status": "active",
            "coverages-TOTAL_FORMS": "0",
            "coverages-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outlet = Outlet.objects.get(code="GX-02")
    assert outlet.phones == ["0772-1234567", "400-820-0000"]
    assert outlet.product_lines == ["safe", "smart_home"]
    assert outlet.address_division_code == "450202"

    bad = admin_client_zh.post(
        reverse("admin:network_outlet_add"),
        {
            "code": "GX 03",
            "name": "x",
            "phones": "not a phone",
            "status": "active",
            "coverages-TOTAL_FORMS": "0",
            "coverages-INITIAL_FORMS": "0",
        },
    )
    assert bad.status_code == 200
    assert not Outlet.objects.filter(name="x").exists()


@pytest.mark.urls("fairdesk.network.tests.urls_negotiated")
def test_admin_in_english(admin_client_zh: Client, make_outlet: Callable[..., Outlet]) -> None:
    outlet = make_outlet("NN03")
    url = reverse("admin:network_outlet_import_coverage", args=[outlet.pk])
    en = admin_client_zh.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = admin_client_zh.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Coverage list" in en and "Coverage list" not in zh
