"""The signed, expiring link of a request's confirmation (selectors/tracking.py; issue 24 item
20): made with the site's key for one request, refused when changed, expired after
REQUEST_TRACKING_LINK_DAYS, sent in the confirmation (the portal copy and the SMS template's
``link``), and a public timeline without free text or outlet names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fairdesk.core.errors import NotFound
from fairdesk.customers.models import Customer
from fairdesk.network.models import Outlet
from fairdesk.notifications.models import Message
from fairdesk.service_requests import selectors
from fairdesk.service_requests.selectors import LinkExpired
from fairdesk.service_requests.services.notes import service_request_add_note
from fairdesk.service_requests.tests.conftest import T0
from fairdesk.service_requests.tests.conftest import create_request as create

pytestmark = pytest.mark.django_db


def test_a_link_names_its_request_and_nothing_else(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address: Any
) -> None:
    sr = create(customer, address=make_address(customer))
    other = create(customer, address=make_address(customer))
    token = selectors.tracking_token(sr)
    assert sr.number in token and ":" not in token and "/" not in token
    assert selectors.access_tracked_request(token) == sr
    assert selectors.access_tracked_request(selectors.tracking_token(other)) == other
    forged = token.replace(sr.number, other.number)  # another request, the same signature
    for bad in (forged, token[:-1], token + "x", other.number, "", "SR.1.2", "\u4e2d"):
        with pytest.raises(NotFound) as refused:
            selectors.access_tracked_request(bad)
        assert refused.value.code == "tracking_link_invalid" and refused.value.status == 404


def test_a_link_expires(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, settings: Any
) -> None:
    settings.REQUEST_TRACKING_LINK_DAYS = 30
    sr = create(customer)
    token = selectors.tracking_token(sr)
    clock.move_to(T0 + timedelta(days=29, hours=23))
    assert selectors.access_tracked_request(token) == sr
    clock.move_to(T0 + timedelta(days=30, minutes=1))
    with pytest.raises(LinkExpired) as expired:
        selectors.access_tracked_request(token)
    assert expired.value.status == 410 and "30" in expired.value.message


def test_a_link_made_with_another_key_is_refused(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, settings: Any
) -> None:
    sr = create(customer)
    token = selectors.tracking_token(sr)
    settings.SECRET_KEY = "another-key-" + "x" * 50
    with pytest.raises(NotFound):
        selectors.access_tracked_request(token)


def test_the_confirmation_carries_the_link(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, settings: Any, make_address: Any
) -> None:
    settings.PUBLIC_URL = "https://service.example.com"
    sr = create(customer, address=make_address(customer))
    sms = Message.objects.get(channel="sms", kind="service_request.created")
    portal = Message.objects.get(channel="portal", kind="service_request.created")
    link = sms.params["link"]
    assert link.startswith("https://service.example.com/portal/track/SR")
    assert set(sms.params) == {"number", "kind", "deadline", "link"}
    assert f"查询进度：{link}" in portal.body and link in sms.body
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert selectors.access_tracked_request(token) == sr


def test_the_public_timeline_leaves_out_free_text_and_names(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address: Any
) -> None:
    sr = create(customer, address=make_address(customer))
    note = "晚上六点后在家，电话13912345678"
    service_request_add_note(request=sr, actor=customer.user, text=note)
    texts = [event.text for event in selectors.public_timeline(sr)]
    assert sr.number in texts[0]
    assert "补充了信息。" in texts
    joined = " ".join(texts)
    assert "13912345678" not in joined and outlets["LQ"].name not in joined
    actors = {event.actor for event in selectors.public_timeline(sr)}
    assert customer.user is not None
    assert customer.user.username not in actors and customer.name not in actors
