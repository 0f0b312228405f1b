"""The customer portal with Django's test client: access, booking, deadlines, changes, messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fairdesk.notifications.models import Message
from fairdesk.portal.tests.fixtures import UNCOVERED_ADDRESS, World, file_repair
from fairdesk.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def as_user(user: Any, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def booking(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "repair",
        "device": str(world.device.pk),
        "product_description": "",
        "description": "空调不制冷，显示 E1",
        "address": str(world.address.pk),
        "new_address": "",
        "contact_name": "",
        "contact_phone": "",
        "preferred_day": "",
        "preferred_slot": "",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return data


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:home", "portal:book", "portal:messages"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World, name: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url.replace('/', '%2F')}"


def test_staff_are_not_customers(world: World) -> None:
    response = as_user(world.agent).get(reverse("portal:home"))
    assert response.status_code == 403


def test_a_request_of_someone_else_is_not_found(world: World) -> None:
    theirs = file_repair(world, customer=world.other_customer)
    client = as_user(world.customer.user)
    assert client.get(reverse("portal:request", args=[theirs.number])).status_code == 404
    assert client.get(reverse("portal:confirmation", args=[theirs.number])).status_code == 404
    response = client.post(reverse("portal:change", args=[theirs.number, "cancel"]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_unknown_number_and_unknown_action(world: World) -> None:
    client = as_user(world.customer.user)
    assert client.get(reverse("portal:request", args=["SR000000000000"])).status_code == 404
    mine = file_repair(world)
    response = client.post(reverse("portal:change", args=[mine.number, "accept"]))
    assert response.status_code == 404


# --- home -----------------------------------------------------------------------------------


def test_home_lists_only_my_requests_with_status_and_next_deadline(world: World) -> None:
    mine = file_repair(world)
    theirs = file_repair(world, customer=world.other_customer)
    html = as_user(world.customer.user).get(reverse("portal:home")).content.decode()
    assert f'data-request="{mine.number}"' in html
    assert theirs.number not in html
    assert 'data-status="new"' in html
    first = mine.clocks.get(clock_type="first_response")
    assert timezone.localtime(first.deadline).strftime("%Y-%m-%d %H:%M") in html


def test_home_is_empty_at_first(world: World) -> None:
    html = as_user(world.customer.user).get(reverse("portal:home")).content.decode()
    assert "还没有服务请求" in html
    assert f'href="{reverse("portal:book")}"' in html


# --- booking --------------------------------------------------------------------------------


def test_booking_form_offers_my_devices_and_addresses(world: World) -> None:
    file_repair(world, customer=world.other_customer)
    response = as_user(world.customer.user).get(reverse("portal:book"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "SN12345678" in html and "良庆区" in html
    assert 'name="idempotency_key"' in html
    assert "王五" not in html


def test_book_a_repair_then_see_every_deadline(world: World) -> None:
    client = as_user(world.customer.user)
    response = client.post(reverse("portal:book"), booking(world))
    sr = ServiceRequest.objects.get(customer=world.customer)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:confirmation", args=[sr.number])
    assert sr.channel == "portal" and sr.outlet == world.outlet and sr.device == world.device
    page = client.get(response["Location"])
    html = page.content.decode()
    assert sr.number in html and "data-confirmation" in html
    for clock in sr.clocks.all():
        assert f'data-clock="{clock.clock_type}"' in html
        assert timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M") in html
    assert {c.clock_type for c in sr.clocks.all()} == {"first_response", "on_site", "resolution"}
    assert "北京时间" in html
    assert "data-out-of-coverage" not in html


def test_out_of_coverage_says_which_promises_do_not_apply(world: World) -> None:
    client = as_user(world.customer.user)
    data = booking(world, address="new", new_address=UNCOVERED_ADDRESS, device="")
    data["product_description"] = "格力 空调"
    response = client.post(reverse("portal:book"), data)
    assert response.status_code == 302
    sr = ServiceRequest.objects.get(customer=world.customer)
    assert sr.out_of_coverage and sr.outlet is None
    assert sr.address is not None
    assert sr.address.text == UNCOVERED_ADDRESS  # the address typed in was saved
    html = client.get(response["Location"]).content.decode()
    assert "data-out-of-coverage" in html
    section = html.split("data-not-applying", 1)[1].split("</ul>", 1)[0]
    assert 'data-clock="on_site"' in section and 'data-clock="resolution"' in section
    assert 'data-clock="first_response"' not in section
    assert "24 小时内上门" in section and "72 小时内解决" in section  # the promises, as published


def test_sending_the_form_twice_files_one_request(world: World) -> None:
    client = as_user(world.customer.user)
    data = booking(world, address="new", new_address=UNCOVERED_ADDRESS, idempotency_key="k2")
    first = client.post(reverse("portal:book"), data)
    second = client.post(reverse("portal:book"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ServiceRequest.objects.filter(customer=world.customer).count() == 1
    assert world.customer.addresses.filter(text=UNCOVERED_ADDRESS).count() == 1


def test_changed_form_sent_again_with_the_same_key_explains(world: World) -> None:
    client = as_user(world.customer.user)
    client.post(reverse("portal:book"), booking(world, idempotency_key="k3"))
    again = client.post(
        reverse("portal:book"), booking(world, idempotency_key="k3", description="又坏了")
    )
    assert again.status_code == 422
    html = again.content.decode()
    assert ServiceRequest.objects.get(customer=world.customer).number in html
    assert 'value="k3"' not in html  # a fresh key: sending it again files the new request
    assert ServiceRequest.objects.filter(customer=world.customer).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"description": ""}, "这个字段是必填项"),
        ({"device": "", "product_description": ""}, "或者描述一下产品"),
        ({"address": "new", "new_address": ""}, "请填写师傅上门的地址"),
        ({"preferred_day": "2000-01-01"}, "不能是过去"),
        ({"device": "999999"}, "不在可用的选项"),
    ],
)
def test_bad_booking_is_explained_and_changes_nothing(
    world: World, overrides: dict[str, str], field_text: str
) -> None:
    response = as_user(world.customer.user).post(
        reverse("portal:book"), booking(world, **overrides)
    )
    assert response.status_code == 422
    assert field_text in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_visit_window_is_local_time(world: World) -> None:
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    as_user(world.customer.user).post(
        reverse("portal:book"), booking(world, preferred_day=day, preferred_slot="afternoon")
    )
    sr = ServiceRequest.objects.get()
    assert timezone.localtime(sr.preferred_start).strftime("%Y-%m-%d %H:%M") == f"{day} 13:00"
    assert timezone.localtime(sr.preferred_end).strftime("%H:%M") == "18:00"
    assert sr.preferred_start is not None
    assert sr.preferred_start.utcoffset() == timedelta(0)  # stored in UTC


# --- detail, changes ------------------------------------------------------------------------


def test_detail_shows_timeline_in_plain_words_and_cancel(world: World) -> None:
    sr = file_repair(world)
    html = as_user(world.customer.user).get(reverse("portal:request", args=[sr.number])).content
    text = html.decode()
    assert f"已收到服务请求 {sr.number}" in text or sr.number in text
    assert 'data-event="created"' in text and 'data-event="routed"' in text
    assert "南宁良庆服务中心" in text
    assert 'data-form="cancel"' in text and 'data-form="reopen"' not in text


def test_cancel_my_request(world: World) -> None:
    sr = file_repair(world)
    client = as_user(world.customer.user)
    response = client.post(reverse("portal:change", args=[sr.number, "cancel"]), {"reason": ""})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.status == "cancelled"
    html = client.get(response["Location"]).content.decode()
    assert 'data-to="cancelled"' in html and 'data-form="cancel"' not in html
    # nothing more to do with a cancelled request
    again = client.post(reverse("portal:change", args=[sr.number, "cancel"]))
    assert again.status_code == 409
    assert "data-error" in again.content.decode()


def _resolve(world: World, sr: Any) -> None:
    from fairdesk.service_requests.services.transitions import service_request_transition as move

    for status in ("accepted", "scheduled", "en_route", "on_site", "resolved"):
        move(request=sr, to_status=status, actor=world.manager)


def test_reopen_needs_a_reason_and_close_confirms(world: World) -> None:
    sr = file_repair(world)
    _resolve(world, sr)
    client = as_user(world.customer.user)
    html = client.get(reverse("portal:request", args=[sr.number])).content.decode()
    assert 'data-form="reopen"' in html and 'data-form="close"' in html
    assert 'data-form="cancel"' not in html  # a technician has been on site
    url = reverse("portal:change", args=[sr.number, "reopen"])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422
    sr.refresh_from_db()
    assert sr.status == "resolved"
    response = client.post(url, {"reason": "还是不制冷"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.status == "reopened"
    html = client.get(response["Location"]).content.decode()
    assert "还是不制冷" in html


def test_missed_deadline_shows_by_how_much(world: World) -> None:
    sr = file_repair(world)
    on_site = sr.clocks.get(clock_type="on_site")
    client = as_user(world.customer.user)
    with time_machine.travel(on_site.deadline + timedelta(hours=2, minutes=30), tick=False):
        html = client.get(reverse("portal:request", args=[sr.number])).content.decode()
        home = client.get(reverse("portal:home")).content.decode()
    item = html.split('data-clock="on_site"', 1)[1].split("</li>", 1)[0]
    assert 'data-breached="true"' in item and "data-overdue" in item
    assert "2 小时 30 分钟" in item
    assert "data-overdue" in home


def test_english(world: World) -> None:
    sr = file_repair(world)
    client = as_user(world.customer.user, "en")
    html = client.get(reverse("portal:request", args=[sr.number])).content.decode()
    assert "What happened so far" in html and "A technician is with you by" in html
    assert "Cancel the request" in html


# --- messages -------------------------------------------------------------------------------


def test_messages_are_my_own_and_link_to_my_requests(world: World) -> None:
    mine = file_repair(world)
    file_repair(world, customer=world.other_customer)
    response = as_user(world.customer.user).get(reverse("portal:messages"))
    html = response.content.decode()
    own = Message.objects.filter(customer=world.customer)
    assert own.filter(reference=mine.number).exists()
    for message in own:
        assert f'data-message="{message.pk}"' in html
    for message in Message.objects.filter(customer=world.other_customer):
        assert f'data-message="{message.pk}"' not in html
    assert f'href="{reverse("portal:request", args=[mine.number])}"' in html


def test_home_costs_a_constant_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(world.customer.user)
    file_repair(world)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:home"))
    for _ in range(5):
        file_repair(world)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("portal:home"))
    assert len(six) == len(one)
