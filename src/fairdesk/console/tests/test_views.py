"""The console with Django's test client: the staff gate, finding a caller, filing for them, the
queue and its filters, transitions as buttons, SLA clocks, phone masking, and the denials."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fairdesk.customers.models import Customer
from fairdesk.portal.tests.fixtures import OTHER_PHONE, PHONE, World, file_repair
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.services.transitions import service_request_transition

pytestmark = pytest.mark.django_db

MASKED = "138****8000"


def as_user(user: Any, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def filing(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "repair",
        "device": str(world.device.pk),
        "product_description": "",
        "description": "来电：空调漏水",
        "address": str(world.address.pk),
        "new_address": "",
        "contact_name": "",
        "contact_phone": "",
        "preferred_day": "",
        "preferred_slot": "",
        "idempotency_key": "console-1",
    }
    data.update(overrides)
    return data


# --- the staff gate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/console/", "/console/search/?q=13800138000", "/console/requests/", "/console/callers/1/"],
)
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")


def test_customers_are_kept_out(world: World) -> None:
    client = as_user(world.customer.user)
    for url in ("/console/", "/console/requests/", f"/console/callers/{world.customer.pk}/"):
        assert client.get(url).status_code == 403, url
    sr = file_repair(world)
    response = client.post(
        reverse("console:transition", args=[sr.number]), {"to_status": "accepted"}
    )
    assert response.status_code == 403
    sr.refresh_from_db()
    assert sr.status == "new"


def test_console_link_only_for_staff(world: World) -> None:
    assert 'data-nav="console"' in as_user(world.agent).get("/").content.decode()
    assert 'data-nav="console"' not in as_user(world.customer.user).get("/").content.decode()
    assert 'data-nav="console"' not in Client().get("/").content.decode()


# --- find a caller --------------------------------------------------------------------------


def test_whole_mobile_number_opens_the_caller(world: World) -> None:
    response = as_user(world.agent).get(reverse("console:search"), {"q": "138 0013 8000"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:caller", args=[world.customer.pk])


def test_htmx_search_redirects_with_a_header(world: World) -> None:
    response = as_user(world.agent).get(
        reverse("console:search"), {"q": "SN12345678"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("console:caller", args=[world.customer.pk])


def test_request_number_opens_the_request(world: World) -> None:
    sr = file_repair(world)
    response = as_user(world.agent).get(reverse("console:search"), {"q": sr.number.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:request", args=[sr.number])


def test_partial_number_lists_callers_masked(world: World) -> None:
    response = as_user(world.agent).get(reverse("console:search"), {"q": "8000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-customer="{world.customer.pk}"' in html
    assert MASKED in html and PHONE not in html


def test_htmx_search_gets_only_the_results(world: World) -> None:
    response = as_user(world.agent).get(
        reverse("console:search"), {"q": "8000"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-results="callers"' in html


def test_too_short_query_is_explained(world: World) -> None:
    html = as_user(world.agent).get(reverse("console:search"), {"q": "13"}).content.decode()
    assert 'role="alert"' in html and 'data-results="callers"' not in html


def test_unknown_mobile_number_offers_a_new_customer(world: World) -> None:
    client = as_user(world.agent)
    html = client.get(reverse("console:search"), {"q": "13700137000"}).content.decode()
    assert 'data-form="new-caller"' in html
    response = client.post(reverse("console:caller_new"), {"phone": "13700137000", "name": "赵六"})
    customer = Customer.objects.get(phone="13700137000")
    assert customer.name == "赵六" and customer.user is None
    assert response["Location"] == reverse("console:caller", args=[customer.pk])


def test_read_only_roles_neither_add_nor_serve_callers(world: World) -> None:
    """Adding a caller is a write: auditors and outlet managers (who may read customers) are
    refused, write nothing, and are offered no "new caller" form; they never serve a caller."""
    for user in (world.auditor, world.manager, world.technician):
        client = as_user(user)
        html = client.get(reverse("console:search"), {"q": "13700137000"}).content.decode()
        assert 'data-form="new-caller"' not in html
        response = client.post(
            reverse("console:caller_new"), {"phone": "13700137000", "name": "赵六"}
        )
        assert response.status_code == 403, user
        assert client.post(reverse("console:serving_end")).status_code == 403
    assert not Customer.objects.filter(phone="13700137000").exists()


def test_outlet_staff_without_customer_rights_find_only_their_requests(world: World) -> None:
    mine = file_repair(world)  # routed to NN01
    client = as_user(world.technician)
    html = client.get(reverse("console:search"), {"q": PHONE}).content.decode()
    assert 'data-results="callers"' not in html
    assert f'data-request="{mine.number}"' in html
    assert client.get(reverse("console:caller", args=[world.customer.pk])).status_code == 403
    other = as_user(world.other_manager)
    html = other.get(reverse("console:search"), {"q": "SN12345678"}).content.decode()
    assert mine.number not in html


# --- the caller page and filing -------------------------------------------------------------


def test_caller_page_shows_devices_addresses_requests_and_the_full_number(world: World) -> None:
    sr = file_repair(world)
    html = as_user(world.agent).get(reverse("console:caller", args=[world.customer.pk])).content
    text = html.decode()
    assert PHONE in text and "SN12345678" in text and "良庆区" in text
    assert f'data-request="{sr.number}"' in text
    assert 'data-form="file"' in text


def test_file_a_request_for_a_caller_in_three_screens(world: World) -> None:
    client = as_user(world.agent)
    # screen 1: search → screen 2: the caller, with the form → screen 3: the filed request
    found = client.get(reverse("console:search"), {"q": PHONE})
    caller = client.get(found["Location"])
    assert 'data-form="file"' in caller.content.decode()
    done = client.post(reverse("console:file", args=[world.customer.pk]), filing(world))
    sr = ServiceRequest.objects.get(customer=world.customer)
    assert done.status_code == 302
    assert done["Location"] == reverse("console:request", args=[sr.number])
    assert sr.channel == "console" and sr.created_by == world.agent
    assert sr.outlet == world.outlet
    page = client.get(done["Location"]).content.decode()
    assert sr.number in page and 'data-clock="on_site"' in page
    assert PHONE in page  # the caller being served: the number in full


def test_filing_errors_change_nothing(world: World) -> None:
    client = as_user(world.agent)
    response = client.post(
        reverse("console:file", args=[world.customer.pk]), filing(world, description="")
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()


def test_outlet_managers_do_not_file_for_callers(world: World) -> None:
    file_repair(world)  # a request at the manager's outlet: they may open the caller's page
    client = as_user(world.manager)
    page = client.get(reverse("console:caller", args=[world.customer.pk]))
    assert page.status_code == 200 and 'data-form="file"' not in page.content.decode()
    response = client.post(reverse("console:file", args=[world.customer.pk]), filing(world))
    assert response.status_code == 403
    assert ServiceRequest.objects.count() == 1


def test_outlet_staff_open_only_the_callers_with_a_request_at_their_outlet(world: World) -> None:
    """Customer ids are enumerable: another outlet's manager may not open a caller's page (404,
    as for no one), nor find them by number or serial; the request's own outlet may."""
    other = as_user(world.other_manager)
    url = reverse("console:caller", args=[world.customer.pk])
    assert other.get(url).status_code == 404
    assert as_user(world.manager).get(url).status_code == 404  # no request anywhere yet
    file_repair(world)  # routed to the manager's outlet
    page = as_user(world.manager).get(url)
    assert page.status_code == 200 and PHONE in page.content.decode()
    response = other.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert PHONE not in html and "SN12345678" not in html and "银海大道" not in html
    for q in (PHONE, "SN12345678", "8000"):
        found = other.get(reverse("console:search"), {"q": q})
        text = found.content.decode()
        assert found.status_code == 200 and 'data-results="callers"' not in text, q
    assert (
        other.post(reverse("console:file", args=[world.customer.pk]), filing(world)).status_code
        == 404
    )


def test_auditors_see_callers_and_requests_masked(world: World) -> None:
    """Name, number, serial and street address: masked on the caller's page, in the search and
    on the request's page; the division down to the county stays."""
    sr = file_repair(world, description="空调不制冷，我住南宁市良庆区银海大道1号3栋501室")
    client = as_user(world.auditor)
    caller = client.get(reverse("console:caller", args=[world.customer.pk])).content.decode()
    found = client.get(reverse("console:search"), {"q": "SN1234"}).content.decode()
    request = client.get(reverse("console:request", args=[sr.number])).content.decode()
    for html in (caller, found, request):
        for secret in ("李四", PHONE, "SN12345678", "银海大道", "玉洞街道"):
            assert secret not in html, secret
    assert "李**" in caller and MASKED in caller and "SN****78" in caller
    assert "广西壮族自治区南宁市良庆区" in caller
    assert "李**" in request and "南宁市良庆区＊＊＊" in request
    # no search by a person's data (a whole number would tell whose it is): by request number
    assert 'role="alert"' in found and 'data-results="callers"' not in found
    for q in (PHONE, "SN12345678", "8000"):
        response = client.get(reverse("console:search"), {"q": q})
        assert response.status_code == 200 and sr.number not in response.content.decode(), q
    by_number = client.get(reverse("console:search"), {"q": sr.number})
    assert by_number.status_code == 302
    # an agent sees them as stored
    agent = as_user(world.agent).get(reverse("console:caller", args=[world.customer.pk]))
    assert "李四" in agent.content.decode() and "银海大道" in agent.content.decode()


# --- the queue ------------------------------------------------------------------------------


def test_queue_shows_each_user_what_the_selectors_allow(world: World) -> None:
    ours = file_repair(world)
    theirs = file_repair(world, customer=world.other_customer)  # no address: central queue
    agent = as_user(world.agent).get(reverse("console:requests")).content.decode()
    assert ours.number in agent and theirs.number in agent
    manager = as_user(world.manager).get(reverse("console:requests")).content.decode()
    assert ours.number in manager and theirs.number not in manager
    other = as_user(world.other_manager).get(reverse("console:requests")).content.decode()
    assert ours.number not in other and theirs.number not in other


def test_queue_filters(world: World) -> None:
    ours = file_repair(world)
    central = file_repair(world, customer=world.other_customer)
    service_request_transition(request=ours, to_status="accepted", actor=world.manager)
    client = as_user(world.agent)

    def numbers(**params: str) -> set[str]:
        html = client.get(reverse("console:requests"), params).content.decode()
        return {n for n in (ours.number, central.number) if f'data-request="{n}"' in html}

    assert numbers(status="accepted") == {ours.number}
    assert numbers(status="new") == {central.number}
    assert numbers(outlet="NN01") == {ours.number}
    assert numbers(coverage="out") == {central.number}
    assert numbers(status="bogus") == {ours.number, central.number}  # ignored, not an error
    first = central.clocks.get(clock_type="first_response")
    with time_machine.travel(first.deadline + timedelta(minutes=5), tick=False):
        assert numbers(breached="on") == {central.number}


def test_queue_masks_numbers_of_callers_not_being_served(world: World) -> None:
    file_repair(world, customer=world.other_customer)
    html = as_user(world.agent).get(reverse("console:requests")).content.decode()
    assert "139****9000" in html and OTHER_PHONE not in html


def test_queue_page_costs_a_constant_number_of_queries(world: World) -> None:
    client = as_user(world.agent)
    file_repair(world)
    client.get(reverse("console:requests"))  # warm up (session, caches)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("console:requests"))
    for _ in range(4):
        file_repair(world)
        file_repair(world, customer=world.other_customer)
    with CaptureQueriesContext(connection) as nine:
        client.get(reverse("console:requests"))
    assert len(nine) == len(one)


# --- one request: clocks, transitions ------------------------------------------------------


def test_manager_accepts_and_schedules_with_buttons(world: World) -> None:
    sr = file_repair(world)
    client = as_user(world.manager)
    url = reverse("console:request", args=[sr.number])
    html = client.get(url).content.decode()
    assert 'data-transition="accepted"' in html and 'data-transition="scheduled"' not in html
    assert PHONE in html  # staff of the request's outlet see the number
    response = client.post(
        reverse("console:transition", args=[sr.number]), {"to_status": "accepted"}
    )
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert 'data-transition="scheduled"' in html
    client.post(reverse("console:transition", args=[sr.number]), {"to_status": "scheduled"})
    sr.refresh_from_db()
    assert sr.status == "scheduled"
    html = client.get(url).content.decode()
    assert 'data-to="accepted"' in html and 'data-to="scheduled"' in html  # the timeline
    assert "manager" in html  # who acted, for staff


def test_waiting_for_parts_needs_a_reason(world: World) -> None:
    sr = file_repair(world)
    service_request_transition(request=sr, to_status="accepted", actor=world.manager)
    client = as_user(world.manager)
    html = client.get(reverse("console:request", args=[sr.number])).content.decode()
    assert 'data-reason="waiting_parts"' in html
    url = reverse("console:transition", args=[sr.number])
    response = client.post(url, {"to_status": "waiting_parts", "reason": ""})
    assert response.status_code == 422 and "data-error" in response.content.decode()
    sr.refresh_from_db()
    assert sr.status == "accepted"
    client.post(url, {"to_status": "waiting_parts", "reason": "压缩机缺货"})
    sr.refresh_from_db()
    assert sr.status == "waiting_parts"
    html = client.get(reverse("console:request", args=[sr.number])).content.decode()
    assert "压缩机缺货" in html and 'data-clock-status="paused"' in html


def test_illegal_and_forbidden_transitions_are_4xx_and_change_nothing(world: World) -> None:
    sr = file_repair(world)
    url = reverse("console:transition", args=[sr.number])
    illegal = as_user(world.manager).post(url, {"to_status": "closed"})
    assert illegal.status_code == 409 and "data-error" in illegal.content.decode()
    auditor = as_user(world.auditor)
    page = auditor.get(reverse("console:request", args=[sr.number])).content.decode()
    assert "data-actions" not in page  # auditors read everything and change nothing
    assert auditor.post(url, {"to_status": "accepted"}).status_code == 403
    assert as_user(world.other_manager).post(url, {"to_status": "accepted"}).status_code == 404
    assert as_user(world.manager).post(url, {"to_status": "nonsense"}).status_code == 422
    sr.refresh_from_db()
    assert sr.status == "new"
    assert sr.timeline.count() == 2  # created, routed


def test_other_outlets_do_not_see_the_request(world: World) -> None:
    sr = file_repair(world)
    url = reverse("console:request", args=[sr.number])
    assert as_user(world.other_manager).get(url).status_code == 404
    assert as_user(world.manager).get(url).status_code == 200


def test_agent_sees_the_number_only_while_serving_the_caller(world: World) -> None:
    sr = file_repair(world)
    client = as_user(world.agent)
    url = reverse("console:request", args=[sr.number])
    html = client.get(url).content.decode()
    assert MASKED in html and PHONE not in html
    assert 'data-transition="cancelled"' not in html  # cancelling is the customer's (or for them)
    client.get(reverse("console:caller", args=[world.customer.pk]))
    html = client.get(url).content.decode()
    assert PHONE in html
    assert 'data-transition="cancelled"' in html  # for the caller being served
    client.post(reverse("console:transition", args=[sr.number]), {"to_status": "cancelled"})
    sr.refresh_from_db()
    assert sr.status == "cancelled"


def test_breach_shows_in_red_with_the_overdue_time(world: World) -> None:
    sr = file_repair(world)
    service_request_transition(request=sr, to_status="accepted", actor=world.manager)
    on_site = sr.clocks.get(clock_type="on_site")
    client = as_user(world.manager)
    with time_machine.travel(on_site.deadline + timedelta(hours=1, minutes=5), tick=False):
        html = client.get(reverse("console:request", args=[sr.number])).content.decode()
        queue = client.get(reverse("console:requests")).content.decode()
    item = html.split('data-clock="on_site"', 1)[1].split("</li>", 1)[0]
    assert 'class="breached"' in html.split('data-clock="on_site"', 1)[1][:80]
    assert 'data-breached="true"' in item and "已超时 1 小时 5 分钟" in item
    assert f'data-request="{sr.number}" data-status="accepted" data-breached="true"' in queue
    assert timezone.localtime(on_site.deadline).strftime("%Y-%m-%d %H:%M") in html


def test_central_dispatch_routes_by_hand(world: World) -> None:
    sr = file_repair(world, customer=world.other_customer)
    assert sr.outlet is None
    client = as_user(world.brand_admin)
    html = client.get(reverse("console:request", args=[sr.number])).content.decode()
    assert 'data-form="assign"' in html
    assert (
        'data-form="assign"'
        not in as_user(world.agent)
        .get(reverse("console:request", args=[sr.number]))
        .content.decode()
    )
    url = reverse("console:assign", args=[sr.number])
    assert client.post(url, {"outlet": "XX99", "reason": "客户来电"}).status_code == 422
    response = client.post(url, {"outlet": "GZ01", "reason": "客户来电确认地址在天河"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.outlet == world.other_outlet and not sr.out_of_coverage
    assert as_user(world.agent).post(url, {"outlet": "NN01", "reason": "x"}).status_code == 403


def test_english_console(world: World) -> None:
    sr = file_repair(world)
    html = as_user(world.manager, "en").get(reverse("console:request", args=[sr.number])).content
    assert "Next step" in html.decode() and "Accept" in html.decode()


def test_ending_the_call_masks_the_number_again(world: World) -> None:
    sr = file_repair(world)
    client = as_user(world.agent)
    client.get(reverse("console:caller", args=[world.customer.pk]))
    assert PHONE in client.get(reverse("console:request", args=[sr.number])).content.decode()
    response = client.post(reverse("console:serving_end"))
    assert response.status_code == 302
    html = client.get(reverse("console:request", args=[sr.number])).content.decode()
    assert PHONE not in html and MASKED in html


def test_technician_goes_en_route_on_site_and_resolves(world: World) -> None:
    sr = file_repair(world)
    for status in ("accepted", "scheduled"):
        service_request_transition(request=sr, to_status=status, actor=world.manager)
    client = as_user(world.technician)
    url = reverse("console:transition", args=[sr.number])
    page = reverse("console:request", args=[sr.number])
    assert 'data-transition="accepted"' not in client.get(page).content.decode()
    for status in ("en_route", "on_site", "resolved"):
        assert f'data-transition="{status}"' in client.get(page).content.decode()
        assert client.post(url, {"to_status": status}).status_code == 302
    sr.refresh_from_db()
    assert sr.status == "resolved" and sr.visited_at is not None
    html = client.get(page).content.decode()
    assert 'data-clock="on_site" data-clock-status="met"' in html  # kept: on site in time
