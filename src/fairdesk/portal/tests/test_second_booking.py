"""Booking the same fault twice (the Back button, then send again) files nothing new; a second
open request for one device asks first and offers to add to the open one; an address that
names no place is refused with what to write instead (issue 24, items 16 and 17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Address
from fairdesk.customers.services import address_create
from fairdesk.portal.tests.fixtures import World
from fairdesk.portal.tests.test_views import as_user, booking
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.services.intake import service_request_create

pytestmark = pytest.mark.django_db

MARS = "火星基地3号舱"


def book(client: Client, world: World, **overrides: Any) -> Any:
    return client.post(reverse("portal:book"), booking(world, **overrides))


def test_back_then_send_again_files_one_request(world: World) -> None:
    client = as_user(world.customer.user)
    assert book(client, world, idempotency_key="first-page").status_code == 302
    first = ServiceRequest.objects.get()
    # Back reloads the page (never cached): a new form, a new key, the same content
    again = book(client, world, idempotency_key="reloaded-page")
    assert again.status_code == 409
    html = again.content.decode()
    assert ServiceRequest.objects.count() == 1
    assert "您已提交过这个服务请求" in html and first.number in html
    assert f'data-open-request="{first.number}"' in html


def test_a_second_open_repair_for_one_device_asks_first(world: World) -> None:
    client = as_user(world.customer.user)
    book(client, world, idempotency_key="k1")
    first = ServiceRequest.objects.get()
    other = book(client, world, idempotency_key="k2", description="外机有异响")
    assert other.status_code == 409 and ServiceRequest.objects.count() == 1
    assert "已有一个未完成的服务请求" in other.content.decode()
    # "another problem": filed
    filed = book(client, world, idempotency_key="k3", description="外机有异响", new_problem="on")
    assert filed.status_code == 302 and ServiceRequest.objects.count() == 2
    # once the first is closed, nothing to repeat
    ServiceRequest.objects.filter(pk=first.pk).update(status="closed")
    ServiceRequest.objects.exclude(pk=first.pk).update(status="cancelled")
    assert book(client, world, idempotency_key="k4").status_code == 302


def test_the_customer_adds_information_to_the_open_request(world: World) -> None:
    client = as_user(world.customer.user)
    book(client, world, idempotency_key="k1")
    sr = ServiceRequest.objects.get()
    page = client.get(reverse("portal:request", args=[sr.number])).content.decode()
    assert 'data-form="note"' in page
    response = client.post(reverse("portal:add_note", args=[sr.number]), {"text": "外机也有异响"})
    assert response.status_code == 302
    note = TimelineEvent.objects.get(request=sr, kind="note")
    assert note.reason == "外机也有异响" and note.actor == world.customer.user
    assert note.to_status == note.from_status == sr.status
    page = client.get(reverse("portal:request", args=[sr.number])).content.decode()
    assert "补充信息：外机也有异响" in page
    # empty: refused, nothing added
    assert (
        client.post(reverse("portal:add_note", args=[sr.number]), {"text": " "}).status_code == 422
    )
    assert TimelineEvent.objects.filter(request=sr, kind="note").count() == 1


def test_an_address_that_names_no_place_is_refused_with_what_to_write(world: World) -> None:
    with pytest.raises(DomainError) as raised:
        address_create(customer=world.customer, text=MARS)
    assert raised.value.code == "address_not_found" and raised.value.status == 422
    assert "省、市、区县" in raised.value.message
    assert not Address.objects.filter(text=MARS).exists()
    client = as_user(world.customer.user)
    response = book(client, world, address="new", new_address=MARS)
    assert response.status_code == 422
    html = response.content.decode()
    assert "找不到这个地址" in html and "没有服务网点" not in html
    assert not ServiceRequest.objects.exists() and not Address.objects.filter(text=MARS).exists()


def test_an_old_address_that_names_no_place_is_not_offered_and_not_routed(world: World) -> None:
    old = Address.objects.create(customer=world.customer, text=MARS, division_status="not_found")
    page = as_user(world.customer.user).get(reverse("portal:book")).content.decode()
    assert MARS not in page
    with pytest.raises(DomainError) as raised:
        service_request_create(
            customer=world.customer,
            kind="repair",
            channel="portal",
            actor=world.customer.user,
            description="空调不制冷",
            product_description="空调",
            address=old,
        )
    assert raised.value.code == "address_not_found"
