"""The admin (read-only requests within what the user may see; policies, calendars, tokens) and
the ``create_api_token`` command."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from fairdesk.service_requests.models import BusinessCalendar, SlaPolicy
from fairdesk.service_requests.tests.conftest import World

pytestmark = pytest.mark.django_db


def admin_client(user: Any) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


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


def test_auditors_read_requests_masked_in_the_admin(world: World) -> None:
    auditor = admin_client(world.auditor)
    listing = auditor.get("/admin/service_requests/servicerequest/").content.decode()
    page = auditor.get(
        f"/admin/service_requests/servicerequest/{world.request.pk}/change/"
    ).content.decode()
    for html in (listing, page):
        assert "李雷" not in html and "13800138000" not in html
    assert "李**" in listing and "李**" in page
    assert world.request.device_label.split()[-1] not in page  # the serial
    assert "大沙田街道" not in page and "广西壮族自治区南宁市良庆区" in page
    assert "空调不制冷" in page  # no personal data in it
    brand = admin_client(world.brand_admin).get(
        f"/admin/service_requests/servicerequest/{world.request.pk}/change/"
    )
    assert "李雷" in brand.content.decode() and "大沙田街道" in brand.content.decode()


def test_admin_policies_and_calendars(world: World) -> None:
    brand = admin_client(world.brand_admin)
    assert brand.get("/admin/service_requests/slapolicy/").status_code == 200
    assert SlaPolicy.objects.count() == 11  # the defaults: 6 general, 5 for safety hazards
    assert brand.get("/admin/service_requests/businesscalendar/add/").status_code == 200


def test_calendar_validation_in_the_admin_model() -> None:
    cal = BusinessCalendar(name="bad", weekly_hours={"mon": ["18:00-09:00"]})
    with pytest.raises(ValidationError):
        cal.full_clean()
    BusinessCalendar(name="ok", always_open=True).full_clean()
