"""The service-request API: create (token or session, idempotent), list, get, transitions,
timeline, hand routing; authentication, access, filters, pagination and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from fairdesk.api.services import api_token_create, api_token_revoke
from fairdesk.core import roles
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.tests.conftest import RONGJIANG, T0, XINGNING, World

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-requests"


@pytest.fixture
def token(make_user: Any) -> str:
    integration = make_user(roles.AGENT, username="brand-app")
    _token, key = api_token_create(client_name="brand-app", user=integration)
    return key


def bearer(key: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict, **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


# --- create ------------------------------------------------------------------------------


def test_integration_creates_with_a_token_and_an_idempotency_key(
    world: World, token: str, make_address: Any
) -> None:
    address = make_address(world.customer, XINGNING)
    body = {
        "kind": "repair",
        "description": "空调漏水",
        "customer_phone": "+86 138-0013-8000",
        "address_id": address.pk,
        "product_description": "空调",
        "preferred_start": (T0 + timedelta(days=1)).isoformat(),
        "preferred_end": (T0 + timedelta(days=1, hours=4)).isoformat(),
    }
    client = Client()
    first = post(client, URL, body, **bearer(token), HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["number"].startswith("SR261123") and data["channel"] == "api"
    assert data["outlet"] == {"code": "NN", "name": "南宁服务中心"}
    assert data["customer"]["phone"] == "138****8000"  # the integration acts as an agent
    assert data["status"] == "new" and data["out_of_coverage"] is False
    assert [c["clock_type"] for c in data["clocks"]] == ["first_response", "on_site", "resolution"]
    on_site = data["clocks"][1]
    assert on_site["deadline"] == "2026-11-24T10:00:00+08:00"
    assert on_site["breached"] is False and on_site["remaining_seconds"] == 24 * 3600
    assert data["promises_not_applying"] == []
    again = post(client, URL, body, **bearer(token), HTTP_IDEMPOTENCY_KEY="order-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == data["number"]
    changed = post(
        client,
        URL,
        {**body, "description": "别的"},
        **bearer(token),
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert ServiceRequest.objects.filter(channel="api").count() == 1


def test_device_channel_and_out_of_coverage_answer(
    world: World, token: str, make_address: Any
) -> None:
    address = make_address(world.customer, RONGJIANG)
    response = post(
        Client(),
        URL,
        {
            "kind": "repair",
            "description": "故障码 E4",
            "customer_id": world.customer.pk,
            "address_id": address.pk,
            "product_description": "热水器",
            "channel": "device",
        },
        **bearer(token),
    )
    assert response.status_code == 201
    data = response.json()
    assert data["channel"] == "device" and data["outlet"] is None and data["out_of_coverage"]
    assert [p["clock_type"] for p in data["promises_not_applying"]] == ["on_site", "resolution"]
    assert data["promises_not_applying"][0]["duration_minutes"] == 24 * 60


def test_customer_creates_for_themselves_through_the_session(world: World) -> None:
    client = as_user(world.customer.user)
    body = {"kind": "consultation", "description": "怎么清洗滤网？"}
    response = post(client, URL, body)
    assert response.status_code == 201
    data = response.json()
    assert data["channel"] == "portal" and data["customer"]["phone"] == "13800138000"
    # not for someone else
    for other in ({"customer_id": world.other_customer.pk}, {"customer_phone": "13900139000"}):
        response = post(client, URL, {**body, **other})
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_agent_files_for_a_caller_by_phone(world: World) -> None:
    response = post(
        as_user(world.agent),
        URL,
        {"kind": "complaint", "description": "师傅未按时上门", "customer_phone": "13900139000"},
    )
    assert response.status_code == 201
    assert response.json()["channel"] == "console"
    assert response.json()["customer"]["id"] == world.other_customer.pk


def test_a_token_has_exactly_its_users_rights_when_filing(
    world: World, make_user: Any, make_customer: Any
) -> None:
    """A technician's, auditor's, outlet manager's, customer's or role-less user's token may
    not file for someone else: 403, the same answer whether the number is a customer's or not,
    and no name in it. A user in the integration role files for anyone."""
    named = make_customer("13800000002", name="秘密")
    body = {"kind": "consultation", "description": "x", "customer_phone": "13800000002"}
    refused = {
        "technician": world.technician,
        "auditor": world.auditor,
        "manager": world.manager,
        "customer": world.customer.user,
        "nobody": make_user(username="no-role"),
    }
    for name, user in refused.items():
        _token, key = api_token_create(client_name=f"app-{name}", user=user)
        for phone in ("13800000002", "13700000009"):  # a customer's number, and no one's
            response = post(Client(), URL, {**body, "customer_phone": phone}, **bearer(key))
            assert response.status_code == 403, (name, phone, response.json())
            assert response.json()["error"]["code"] == "forbidden"
            assert "秘密" not in response.content.decode()
        by_id = post(
            Client(), URL, {**body, "customer_phone": None, "customer_id": named.pk}, **bearer(key)
        )
        assert by_id.status_code == 403, name
    assert not ServiceRequest.objects.filter(customer=named).exists()
    # the same users through their sessions
    for user in (world.technician, world.auditor, world.manager):
        assert post(as_user(user), URL, body).status_code == 403
    integration = make_user(roles.INTEGRATION, username="brand-app-2")
    _token, key = api_token_create(client_name="brand-app-2", user=integration)
    created = post(Client(), URL, body, **bearer(key))
    assert created.status_code == 201, created.json()
    assert created.json()["customer"]["id"] == named.pk and created.json()["channel"] == "api"


def test_auditors_read_requests_masked_through_the_api(world: World) -> None:
    """Name, number, street address, serial and the personal data typed into the description
    and the timeline: masked for auditors, as stored for the outlet's staff."""
    from fairdesk.service_requests.services.transitions import service_request_transition

    service_request_transition(
        request=world.request,
        to_status="accepted",
        actor=world.manager,
        reason="",
    )
    service_request_transition(
        request=world.request,
        to_status="waiting_customer",
        actor=world.manager,
        reason="请李雷确认：南宁市良庆区大沙田街道1号3栋501室",
    )
    url = f"{URL}/{world.request.number}"
    data = as_user(world.auditor).get(url).json()
    assert data["customer"] == {"id": world.customer.pk, "name": "李**", "phone": "138****8000"}
    assert data["address"] == {
        "text": "广西壮族自治区南宁市良庆区",
        "division_code": "450108",
        "division_name": "广西壮族自治区/南宁市/良庆区",
    }
    assert data["device"]["label"].endswith("SN****01")
    listed = as_user(world.auditor).get(URL).json()["items"][0]
    assert listed["customer"]["name"] == "李**" and "大沙田" not in str(listed)
    timeline = as_user(world.auditor).get(f"{url}/timeline").content.decode()
    assert "李雷" not in timeline and "3栋501室" not in timeline and "大沙田" not in timeline
    # no filter by a person's data: it would tell whose requests they are
    probe = as_user(world.auditor).get(URL, {"customer_phone": "13800138000"})
    assert probe.status_code == 403 and probe.json()["error"]["code"] == "masked_search"
    mine = as_user(world.manager).get(url).json()
    assert mine["customer"]["name"] == "李雷" and "大沙田街道" in mine["address"]["text"]
    assert "3栋501室" in as_user(world.manager).get(f"{url}/timeline").content.decode()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "repair", "description": "x"}, 422, "customer_required"),
        (
            {"kind": "repair", "description": "x", "customer_phone": "13700000000"},
            404,
            "customer_not_found",
        ),
        ({"kind": "repair", "description": "x", "customer_phone": "12345"}, 422, "invalid_phone"),
        ({"kind": "teleport", "description": "x", "customer_id": 1}, 422, "invalid_input"),
        ({"kind": "repair", "customer_id": 1}, 422, "invalid_input"),
    ],
)
def test_create_errors_have_the_error_shape(
    world: World, token: str, body: dict, status: int, code: str
) -> None:
    response = post(Client(), URL, body, **bearer(token))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) <= {"code", "message", "details"}


def test_someone_elses_device_is_refused(world: World, token: str, make_device: Any) -> None:
    device = make_device(world.other_customer)
    response = post(
        Client(),
        URL,
        {
            "kind": "repair",
            "description": "x",
            "customer_id": world.customer.pk,
            "device_id": device.pk,
        },
        **bearer(token),
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "device_not_owned"


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"HTTP_AUTHORIZATION": "Bearer fd_nope"}, "invalid_token"),
        ({"HTTP_AUTHORIZATION": "Basic dXNlcjpwdw=="}, "invalid_token"),
        ({"HTTP_AUTHORIZATION": "Bearer "}, "invalid_token"),
    ],
)
def test_unauthenticated_calls_are_401(world: World, headers: dict, code: str) -> None:
    for response in (
        Client().get(URL, **headers),
        post(Client(), URL, {"kind": "repair", "description": "x"}, **headers),
        Client().get(f"{URL}/{world.request.number}", **headers),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == code


def test_revoked_token_is_401(world: World, make_user: Any) -> None:
    token, key = api_token_create(client_name="old", user=make_user(roles.AGENT))
    assert Client().get(URL, **bearer(key)).status_code == 200
    api_token_revoke(token=token)
    assert Client().get(URL, **bearer(key)).status_code == 401


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert world.customer.user is not None
    client.force_login(world.customer.user)
    response = post(client, URL, {"kind": "consultation", "description": "x"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    assert client.get(URL).status_code == 200  # reads need no CSRF token


# --- read ----------------------------------------------------------------------------------


def test_get_and_visibility(world: World) -> None:
    number = world.request.number
    own = as_user(world.customer.user).get(f"{URL}/{number}")
    assert own.status_code == 200 and own.json()["customer"]["phone"] == "13800138000"
    assert own.json()["allowed_transitions"] == ["cancelled"]
    for user in (world.other_customer.user, world.other_manager):
        response = as_user(user).get(f"{URL}/{number}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "request_not_found"
    agent = as_user(world.agent).get(f"{URL}/{number.lower()}")
    assert agent.status_code == 200 and agent.json()["customer"]["phone"] == "138****8000"
    manager = as_user(world.manager).get(f"{URL}/{number}").json()
    assert manager["customer"]["phone"] == "13800138000"
    assert manager["allowed_transitions"] == ["accepted", "waiting_customer", "cancelled"]
    auditor = as_user(world.auditor).get(f"{URL}/{number}").json()
    assert auditor["allowed_transitions"] == [] and auditor["customer"]["phone"] == "138****8000"


def test_breach_shows_in_the_api(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=3))
    data = as_user(world.customer.user).get(f"{URL}/{world.request.number}").json()
    first = data["clocks"][0]
    assert first["clock_type"] == "first_response" and first["breached"] is True
    assert first["overdue_by_seconds"] == 3600 and first["remaining_seconds"] is None


@pytest.fixture
def many(world: World, make_address: Any, clock: Any) -> list[ServiceRequest]:
    """Six more requests over three days, some for the other customer, one out of coverage."""
    out = []
    for i in range(6):
        clock.move_to(T0 + timedelta(days=i // 2, hours=1 + i))
        customer = world.customer if i % 2 else world.other_customer
        place = RONGJIANG if i == 5 else XINGNING
        out.append(
            service_request_create(
                customer=customer,
                kind="repair" if i % 3 else "installation",
                channel="console",
                actor=world.agent,
                description=f"问题 {i}",
                product_description="空调",
                address=make_address(customer, place),
            )
        )
    clock.move_to(T0 + timedelta(days=3))
    return out


def test_list_filters_and_pagination(world: World, many: list[ServiceRequest]) -> None:
    agent = as_user(world.agent)

    def numbers(**params: Any) -> list[str]:
        response = agent.get(URL, params)
        assert response.status_code == 200, response.json()
        return [item["number"] for item in response.json()["items"]]

    everything = [world.request, *many]
    newest_first = [sr.number for sr in sorted(everything, key=lambda s: s.created_at)][::-1]
    assert numbers(limit=100) == newest_first
    page = agent.get(URL, {"limit": 3, "offset": 2}).json()
    assert page["total"] == 7 and page["limit"] == 3 and page["offset"] == 2
    assert [i["number"] for i in page["items"]] == newest_first[2:5]
    assert agent.get(URL, {"offset": 50}).json() == {
        "items": [],
        "total": 7,
        "limit": 20,
        "offset": 50,
    }
    assert set(numbers(kind="installation")) == {many[0].number, many[3].number}
    assert set(numbers(outlet="LQ")) == {world.request.number}
    assert set(numbers(customer_phone="139 0013 9000")) == {many[i].number for i in (0, 2, 4)}
    assert set(numbers(created_from="2026-11-25")) == {many[4].number, many[5].number}
    assert set(numbers(created_to="2026-11-23")) == {
        world.request.number,
        many[0].number,
        many[1].number,
    }
    assert set(numbers(out_of_coverage="true")) == {many[5].number}
    service_request_transition_accept(world)
    assert numbers(status="accepted") == [world.request.number]
    bad = agent.get(URL, {"limit": 1000})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    bad = agent.get(URL, {"customer_phone": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_phone"


def service_request_transition_accept(world: World) -> None:
    from fairdesk.service_requests.services.transitions import service_request_transition

    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)


def test_each_role_lists_only_what_it_may_see(world: World, many: list[ServiceRequest]) -> None:
    def total(user: Any) -> int:
        return as_user(user).get(URL).json()["total"]

    assert total(world.customer.user) == 4  # the world's request and many[1, 3, 5]
    assert total(world.other_customer.user) == 3
    assert total(world.manager) == 1  # LQ: only the world's request
    assert total(world.technician) == 1
    assert total(world.other_manager) == 5  # NN: the five 兴宁区 requests
    for user in (world.agent, world.central, world.brand_admin, world.auditor):
        assert total(user) == 7


def test_list_uses_a_constant_number_of_queries(
    world: World, many: list[ServiceRequest], make_address: Any, django_assert_num_queries: Any
) -> None:
    agent = as_user(world.agent)
    manager = as_user(world.other_manager)
    agent.get(URL)  # warm the sessions; the process keeps their principals
    manager.get(URL)
    # session + user, the access generation (the principal is kept), count, page, clocks
    with django_assert_num_queries(6):
        assert len(agent.get(URL, {"limit": 3}).json()["items"]) == 3
    with django_assert_num_queries(6):
        assert len(agent.get(URL, {"limit": 100}).json()["items"]) == 7
    with django_assert_num_queries(6):
        assert len(manager.get(URL).json()["items"]) == 5


# --- transitions and timeline -------------------------------------------------------------


def test_transitions_through_the_api(world: World) -> None:
    url = f"{URL}/{world.request.number}/transitions"
    illegal = post(as_user(world.manager), url, {"to": "resolved"})
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "illegal_transition"
    assert illegal.json()["error"]["details"]["allowed"] == [
        "accepted",
        "cancelled",
        "waiting_customer",
    ]
    forbidden = post(as_user(world.technician), url, {"to": "accepted"})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    hidden = post(as_user(world.other_manager), url, {"to": "accepted"})
    assert hidden.status_code == 404
    missing = post(as_user(world.manager), url, {"to": "cancelled"})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "reason_required"
    unknown = post(as_user(world.manager), url, {"to": "teleported"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_input"
    ok = post(as_user(world.manager), url, {"to": "accepted"})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    assert ok.json()["clocks"][0]["status"] == "met"
    world.request.refresh_from_db()
    assert world.request.status == "accepted"
    # an agent cancels for the caller they are serving
    agent = post(
        as_user(world.agent),
        url,
        {"to": "cancelled", "reason": "客户来电取消", "serving_customer_id": world.customer.pk},
    )
    assert agent.status_code == 200 and agent.json()["status"] == "cancelled"
    assert agent.json()["customer"]["phone"] == "13800138000"  # serving: unmasked


def test_timeline_in_plain_words(world: World) -> None:
    from fairdesk.service_requests.services.transitions import service_request_transition

    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    service_request_transition(
        request=world.request,
        to_status="waiting_customer",
        actor=world.manager,
        reason="请补充照片",
    )
    url = f"{URL}/{world.request.number}/timeline"
    mine = as_user(world.customer.user).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert [e["kind"] for e in mine] == ["created", "routed", "status_changed", "status_changed"]
    assert all(e["actor"] is None for e in mine)  # customers see roles, not staff names
    assert mine[2]["actor_role"] == "manager" and mine[2]["actor_role_label"] == "网点负责人"
    assert "请补充照片" in mine[3]["text"] and mine[3]["to_status"] == "waiting_customer"
    assert "良庆服务站" in mine[1]["text"]
    staff = as_user(world.manager).get(url).json()
    assert staff[2]["actor"] == "mgr"
    assert as_user(world.other_customer.user).get(url).status_code == 404


def test_hand_routing_through_the_api(world: World, make_address: Any) -> None:
    sr = service_request_create(
        customer=world.customer,
        kind="repair",
        channel="portal",
        actor=world.customer.user,
        description="x",
        product_description="空调",
        address=make_address(world.customer, RONGJIANG),
    )
    url = f"{URL}/{sr.number}/outlet"
    body = {"outlet_code": "NN", "reason": "跨区服务"}
    assert post(as_user(world.agent), url, body).status_code == 403
    assert post(as_user(world.central), url, {**body, "outlet_code": "ZZ"}).status_code == 404
    response = post(as_user(world.central), url, body)
    assert response.status_code == 200
    assert response.json()["outlet"]["code"] == "NN" and not response.json()["out_of_coverage"]
    assert len(response.json()["clocks"]) == 3


def test_openapi_documents_the_endpoints(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/service-requests"])
    assert "/api/v1/service-requests/{number}/transitions" in paths
    assert "/api/v1/service-requests/{number}/timeline" in paths
    params = {p["name"] for p in paths["/api/v1/service-requests"]["post"]["parameters"]}
    assert "Idempotency-Key" in params


def test_an_integration_naming_customer_and_address_gets_the_precise_error(
    world: World, token: str, make_address: Any
) -> None:
    """The customer and the address are read together; when that finds nothing, the answer
    still says which of the two is wrong."""
    theirs = make_address(world.other_customer, RONGJIANG)
    body = {"kind": "repair", "description": "x", "product_description": "空调"}
    wrong_address = post(
        Client(),
        URL,
        {**body, "customer_id": world.customer.pk, "address_id": theirs.pk},
        **bearer(token),
    )
    assert wrong_address.status_code == 422
    assert wrong_address.json()["error"]["code"] == "address_not_owned"
    no_customer = post(
        Client(), URL, {**body, "customer_id": 999_999, "address_id": theirs.pk}, **bearer(token)
    )
    assert no_customer.status_code == 404
    assert no_customer.json()["error"]["code"] == "customer_not_found"
    mine = make_address(world.customer, RONGJIANG)
    ok = post(
        Client(),
        URL,
        {**body, "customer_id": world.customer.pk, "address_id": mine.pk},
        **bearer(token),
    )
    assert ok.status_code == 201 and ok.json()["address"]["text"] == mine.text
    assert ServiceRequest.objects.filter(channel="api").count() == 1


def test_a_description_with_a_nul_is_refused_and_nothing_is_filed(world: World, token: str) -> None:
    """Stored as given on SQLite and a 500 on PostgreSQL before the input guard."""
    before = ServiceRequest.objects.count()
    body = {
        "kind": "repair",
        "description": "空调\u0000不制冷",
        "customer_phone": "13800138000",
        "product_description": "空调",
    }
    response = post(Client(), URL, body, **bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_text"
    assert response.json()["error"]["details"] == {"field": "description", "in": "body"}
    assert ServiceRequest.objects.count() == before


def test_a_visit_window_in_year_9999_is_422(world: World, token: str) -> None:
    before = ServiceRequest.objects.count()
    body = {
        "kind": "repair",
        "description": "空调不制冷",
        "customer_phone": "13800138000",
        "product_description": "空调",
        "preferred_start": "9999-12-31T20:00:00+08:00",
        "preferred_end": "9999-12-31T23:59:59+08:00",
    }
    response = post(Client(), URL, body, **bearer(token))
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    assert [e["loc"][-1] for e in errors] == ["preferred_start", "preferred_end"]
    assert ServiceRequest.objects.count() == before
