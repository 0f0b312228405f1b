"""A customer follows a request from the link in its confirmation without signing in (issue 24
item 20): the status, the deadlines and the timeline in plain words, and no personal data; a
changed or expired link is a clear page (404, 410), never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fairdesk.notifications.models import Message
from fairdesk.portal.tests.fixtures import COVERED_ADDRESS, PHONE, World, file_repair
from fairdesk.service_requests.services.notes import service_request_add_note
from fairdesk.service_requests.services.transitions import service_request_transition

pytestmark = pytest.mark.django_db


def link_path(number: str) -> str:
    sms = Message.objects.get(channel="sms", kind="service_request.created", reference=number)
    return "/" + sms.params["link"].split("/", 3)[3]


def test_the_link_in_the_sms_shows_progress_without_signing_in(world: World) -> None:
    sr = file_repair(world)
    note = "晚上在家，电话13912345678"
    service_request_add_note(request=sr, actor=world.customer.user, text=note)
    service_request_transition(
        request=sr, to_status="accepted", actor=world.manager, reason="已联系王师傅"
    )
    response = Client().get(link_path(sr.number))
    assert response.status_code == 200
    html = response.content.decode()
    assert sr.number in html and 'data-status="accepted"' in html and "已受理" in html
    assert "data-deadlines" in html and 'data-clock="on_site"' in html
    assert "已转给负责您所在地区的服务网点" in html and "补充了信息" in html
    # no personal data, no staff, no outlet, no free text
    for private in (
        world.customer.name,  # 李四
        PHONE,
        PHONE[:3] + "****",  # masked too
        COVERED_ADDRESS[:8],
        "银海大道",
        world.device.serial,
        world.outlet.name,
        "0771-5551234",
        "13912345678",
        "王师傅",
        world.manager.username,
    ):
        assert private not in html, private
    assert response["X-Robots-Tag"].startswith("noindex") and response["Referrer-Policy"] == (
        "no-referrer"
    )
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert f'href="/portal/requests/{sr.number}/"' in html  # the details, after signing in


def test_the_page_in_english(world: World) -> None:
    sr = file_repair(world)
    html = Client().get(link_path(sr.number), headers={"accept-language": "en"}).content.decode()
    assert "What happened so far" in html and "It was sent to the outlet serving your area." in html


def test_a_changed_link_is_a_clear_404_page(world: World) -> None:
    sr = file_repair(world)
    path = link_path(sr.number)
    for bad in (path[:-3] + "x/", path.replace(sr.number, "SR000000000001"), "/portal/track/x/"):
        response = Client().get(bad)
        assert response.status_code == 404, bad
        html = response.content.decode()
        assert 'data-track-error="invalid"' in html and "链接无效" in html
        assert sr.number not in html.split("<main", 1)[1]


def test_an_expired_link_is_a_clear_410_page(world: World, settings: Any) -> None:
    settings.REQUEST_TRACKING_LINK_DAYS = 30
    sr = file_repair(world)
    path = link_path(sr.number)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = Client().get(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert 'data-track-error="expired"' in html and "链接已过期" in html and "30 天" in html
    assert 'data-action="sign-in"' in html
