"""Access control, in one place (``selectors``): a matrix of role × resource × action, denials
included, checked against ``can``, ``check`` (404 when unseen, 403 when seen but not allowed),
``requests_visible_to`` and the phone mask."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.service_requests import selectors
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.tests.conftest import RONGJIANG, World

pytestmark = pytest.mark.django_db

ACTIONS = ["view", "accept", "cancel", "assign_outlet", "full_phone"]

# 1 = allowed, 0 = denied, in the order of ACTIONS.
MATRIX = {
    # a repair covered by outlet LQ
    "covered": {
        "owner": "10101",
        "other_customer": "00000",
        "agent": "10000",
        "agent_serving": "10101",
        "central": "11111",
        "brand_admin": "11111",
        "manager": "11101",
        "dispatcher": "11101",
        "technician": "10001",
        "other_manager": "00000",
        "auditor": "10000",
        "anonymous": "00000",
    },
    # a repair outside every outlet's coverage: the central queue
    "central_queue": {
        "owner": "10101",
        "other_customer": "00000",
        "agent": "10000",
        "agent_serving": "10101",
        "central": "11111",
        "brand_admin": "11111",
        "manager": "00000",
        "dispatcher": "00000",
        "technician": "00000",
        "other_manager": "00000",
        "auditor": "10000",
        "anonymous": "00000",
    },
    # a complaint: the service desk (agents) handles it
    "desk": {
        "owner": "10101",
        "other_customer": "00000",
        "agent": "11100",
        "agent_serving": "11101",
        "central": "11111",
        "brand_admin": "11111",
        "manager": "00000",
        "dispatcher": "00000",
        "technician": "00000",
        "other_manager": "00000",
        "auditor": "10000",
        "anonymous": "00000",
    },
}

CASES = [
    (resource, role, action, row[i] == "1")
    for resource, rows in MATRIX.items()
    for role, row in rows.items()
    for i, action in enumerate(ACTIONS)
]


@pytest.fixture
def resources(world: World, make_address: Any) -> dict[str, ServiceRequest]:
    customer = world.customer
    central = service_request_create(
        customer=customer,
        kind="repair",
        channel="portal",
        actor=customer.user,
        description="不制冷",
        product_description="空调",
        address=make_address(customer, RONGJIANG),
    )
    desk = service_request_create(
        customer=customer,
        kind="complaint",
        channel="portal",
        actor=customer.user,
        description="投诉",
    )
    return {"covered": world.request, "central_queue": central, "desk": desk}


def who(world: World, role: str) -> tuple[Any, Any]:
    if role == "owner":
        return world.customer.user, None
    if role == "other_customer":
        return world.other_customer.user, None
    if role == "anonymous":
        return AnonymousUser(), None
    if role == "agent_serving":
        return world.agent, world.customer
    return getattr(world, role), None


def allowed(user: Any, action: str, sr: ServiceRequest, serving: Any) -> bool:
    if action == "view":
        return selectors.can(user, "view", sr)
    if action == "accept":
        return selectors.can(user, "transition", sr, to_status="accepted", serving=serving)
    if action == "cancel":
        return selectors.can(user, "transition", sr, to_status="cancelled", serving=serving)
    if action == "assign_outlet":
        return selectors.can(user, "assign_outlet", sr)
    return selectors.phone_visible(user, sr, serving=serving)


@pytest.mark.parametrize(("resource", "role", "action", "expected"), CASES)
def test_access_matrix(
    world: World,
    resources: dict[str, ServiceRequest],
    resource: str,
    role: str,
    action: str,
    expected: bool,
) -> None:
    sr = resources[resource]
    user, serving = who(world, role)
    assert allowed(user, action, sr, serving) is expected
    # ``check`` agrees, and says why: 404 when the request is not seen, else 403/409
    if action in ("view", "accept", "cancel", "assign_outlet"):
        kwargs: dict[str, Any] = {"serving": serving}
        verb = action
        if action in ("accept", "cancel"):
            verb = "transition"
            kwargs["to_status"] = "accepted" if action == "accept" else "cancelled"
        if verb == "assign_outlet":
            kwargs = {}
        if expected:
            selectors.check(user, verb, sr, **kwargs)
        else:
            with pytest.raises(DomainError) as exc:
                selectors.check(user, verb, sr, **kwargs)
            sees = MATRIX[resource][role][0] == "1"
            assert exc.value.status == (403 if sees else 404)
    if action == "view":
        visible = selectors.requests_visible_to(user).filter(pk=sr.pk).exists()
        assert visible is expected
    if action == "full_phone":
        shown = selectors.customer_phone_for(user, sr, serving=serving)
        if MATRIX[resource][role][0] == "1":
            assert shown == ("13800138000" if expected else "138****8000")


def test_auditors_change_nothing(world: World, resources: dict[str, ServiceRequest]) -> None:
    for sr in resources.values():
        assert selectors.allowed_transitions(world.auditor, sr) == []


def test_technician_actions_on_their_outlets_jobs(world: World) -> None:
    from fairdesk.service_requests.tests.test_transitions import put

    sr = put(world.request, "scheduled")
    assert selectors.allowed_transitions(world.technician, sr) == ["en_route", "waiting_customer"]
    assert selectors.allowed_transitions(world.other_manager, sr) == []


def test_console_search_finds_by_number_phone_and_serial(
    world: World, resources: dict[str, ServiceRequest]
) -> None:
    number = world.request.number
    assert [sr.number for sr in selectors.request_find(user=world.agent, query=number.lower())] == [
        number
    ]
    by_phone = selectors.request_find(user=world.agent, query="138 0013 8000")
    assert {sr.pk for sr in by_phone} == {sr.pk for sr in resources.values()}
    assert world.request.device is not None
    serial = world.request.device.serial
    assert [sr.pk for sr in selectors.request_find(user=world.agent, query=serial)] == [
        world.request.pk
    ]
    # only within what the user may see
    assert selectors.request_find(user=world.other_manager, query=number) == []
    assert selectors.request_find(user=world.agent, query="") == []


def test_an_integration_sees_what_it_filed(world: World, make_user: Any) -> None:
    from fairdesk.api.services import api_token_create

    integration = make_user(roles.INTEGRATION, username="device-cloud")  # no other role
    token, _key = api_token_create(client_name="device-cloud", user=integration)
    sr = service_request_create(
        customer=world.customer,
        kind="repair",
        channel="device",
        actor=integration,
        description="E4",
        product_description="热水器",
        api_client=token.client,
    )
    assert list(selectors.requests_visible_to(integration)) == [sr]
    assert selectors.allowed_transitions(integration, sr) == []


def test_the_principal_is_read_in_one_query_and_kept(
    outlets: dict[str, Any], make_user: Any, django_assert_num_queries: Any
) -> None:
    """Customer record, groups and active memberships, from one statement (after the access
    generation's); an inactive membership and another user's rows do not count. The process
    keeps it while the access configuration is unchanged."""
    from fairdesk.core import roles
    from fairdesk.customers.models import Customer
    from fairdesk.network.models import OutletMember

    user = make_user(roles.AGENT, outlet=outlets["LQ"], member_role="technician")
    user.groups.add(*Group.objects.filter(name=roles.DISPATCHER))
    OutletMember.objects.create(outlet=outlets["NN"], user=user, role="manager", active=False)
    customer = Customer.objects.create(user=user, phone="13800138999", name="兼职")
    other = make_user(roles.AUDITOR, outlet=outlets["NN"])
    Customer.objects.create(user=other, phone="13800138998", name="别人")
    with django_assert_num_queries(2):  # the generation, then the principal
        principal = selectors.principal_for(user)
    assert principal.customer_id == customer.pk
    assert principal.groups == {roles.AGENT, roles.DISPATCHER}
    assert dict(principal.outlet_roles) == {outlets["LQ"].pk: "technician"}
    with django_assert_num_queries(0):  # kept on the user object for the rest of the request
        assert selectors.principal_for(user) is principal
    again = type(user).objects.get(pk=user.pk)  # the next request's user object
    with django_assert_num_queries(1):  # the generation only
        assert selectors.principal_for(again) is principal
    nobody = make_user()
    with django_assert_num_queries(2):
        bare = selectors.principal_for(nobody)
    assert (bare.customer_id, bare.groups, dict(bare.outlet_roles)) == (None, frozenset(), {})
