"""The state machine: every legal transition, illegal and forbidden ones, the timeline, and the
SLA effects of transitions (meet, pause/resume, stop, restart) and of hand routing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fairdesk.core.errors import DomainError
from fairdesk.network.services import outlet_update
from fairdesk.notifications.models import Message
from fairdesk.service_requests import selectors, workflow
from fairdesk.service_requests.models import ServiceRequest, SlaClock, SlaPause, TimelineEvent
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.services.routing import service_request_assign_outlet
from fairdesk.service_requests.services.transitions import service_request_transition
from fairdesk.service_requests.tests.conftest import RONGJIANG, T0, World

pytestmark = pytest.mark.django_db

LEGAL = [
    (frm, to, cap)
    for frm, tos in workflow.TRANSITIONS.items()
    for to, caps in tos.items()
    for cap in sorted(caps)
]


def actor_for(world: World, capacity: str) -> tuple[Any, Any]:
    """A user holding ``capacity`` on the world's request (and whom they are serving)."""
    return {
        workflow.OWNER: (world.customer.user, None),
        workflow.AGENT_FOR_CUSTOMER: (world.agent, world.customer),
        workflow.AGENT: (world.agent, None),
        workflow.MANAGE: (world.manager, None),
        workflow.FIELD: (world.technician, None),
    }[capacity]


def put(sr: ServiceRequest, status: str) -> ServiceRequest:
    """Test set-up: put a request in a status directly."""
    ServiceRequest.objects.filter(pk=sr.pk).update(status=status)
    sr.refresh_from_db()
    return sr


def move(world: World, to: str, actor: Any, reason: str = "", **kw: Any) -> ServiceRequest:
    return service_request_transition(
        request=world.request, to_status=to, actor=actor, reason=reason, **kw
    )


def snapshot(sr: ServiceRequest) -> tuple[Any, ...]:
    sr.refresh_from_db()
    return (
        sr.status,
        sr.updated_at,
        TimelineEvent.objects.filter(request=sr).count(),
        list(SlaClock.objects.filter(request=sr).order_by("pk").values()),
        SlaPause.objects.count(),
        Message.objects.count(),
    )


@pytest.mark.parametrize(("frm", "to", "capacity"), LEGAL)
def test_every_legal_transition(world: World, frm: str, to: str, capacity: str) -> None:
    sr = put(world.request, frm)
    actor, serving = actor_for(world, capacity)
    before = TimelineEvent.objects.filter(request=sr).count()
    updated = service_request_transition(
        request=sr, to_status=to, actor=actor, reason="测试", serving=serving
    )
    assert updated.status == to and sr.status == to
    assert TimelineEvent.objects.filter(request=sr).count() == before + 1
    event = TimelineEvent.objects.filter(request=sr).latest("id")
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "status_changed",
        frm,
        to,
        actor,
    )
    assert event.reason == "测试"
    if capacity == workflow.AGENT_FOR_CUSTOMER:
        assert event.data["on_behalf_of_customer"] == world.customer.pk
        assert event.actor_role == "agent"


ILLEGAL = [
    ("new", "scheduled"),
    ("new", "on_site"),
    ("new", "resolved"),
    ("new", "new"),
    ("accepted", "on_site"),
    ("scheduled", "closed"),
    ("on_site", "cancelled"),
    ("resolved", "accepted"),
    ("closed", "reopened"),
    ("cancelled", "accepted"),
    ("waiting_parts", "on_site"),
]


@pytest.mark.parametrize(("frm", "to"), ILLEGAL)
def test_illegal_transition_is_409_and_changes_nothing(world: World, frm: str, to: str) -> None:
    sr = put(world.request, frm)
    before = snapshot(sr)
    with pytest.raises(DomainError) as exc:
        service_request_transition(request=sr, to_status=to, actor=world.brand_admin, reason="x")
    assert exc.value.status == 409 and exc.value.code == "illegal_transition"
    assert exc.value.details["from"] == frm and exc.value.details["to"] == to
    assert snapshot(sr) == before


def test_illegal_transition_message_is_localised(world: World) -> None:
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        move(world, "resolved", world.manager, "x")
    assert "新申请" in exc.value.message and "已解决" in exc.value.message
    with translation.override("en"), pytest.raises(DomainError) as exc:
        move(world, "resolved", world.manager, "x")
    assert exc.value.message == "A request that is “New” cannot become “Resolved”."


@pytest.mark.parametrize(
    ("who", "frm", "to", "status"),
    [
        ("customer", "new", "accepted", 403),
        ("technician", "new", "accepted", 403),
        ("technician", "accepted", "scheduled", 403),
        ("auditor", "new", "cancelled", 403),
        ("auditor", "new", "accepted", 403),
        ("agent", "new", "cancelled", 403),  # not serving the customer
        ("agent", "new", "accepted", 403),  # a repair is accepted by its outlet
        ("other_manager", "new", "accepted", 404),  # another outlet's request: not even seen
        ("other_customer", "new", "cancelled", 404),
    ],
)
def test_forbidden_transitions_change_nothing(
    world: World, who: str, frm: str, to: str, status: int
) -> None:
    sr = put(world.request, frm)
    actor = world.customer.user if who == "customer" else getattr(world, who)
    if who == "other_customer":
        actor = world.other_customer.user
    before = snapshot(sr)
    with pytest.raises(DomainError) as exc:
        service_request_transition(request=sr, to_status=to, actor=actor, reason="x")
    assert exc.value.status == status
    assert snapshot(sr) == before


def test_agent_may_act_only_for_the_caller_they_serve(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        move(world, "cancelled", world.agent, "客户来电取消", serving=world.other_customer)
    assert exc.value.status == 403
    move(world, "cancelled", world.agent, "客户来电取消", serving=world.customer)
    assert world.request.status == "cancelled"


def test_reasons(world: World) -> None:
    sr = world.request
    with pytest.raises(DomainError) as exc:
        move(world, "cancelled", world.manager)  # staff must say why
    assert exc.value.code == "reason_required" and sr.status == "new"
    move(world, "accepted", world.manager)
    with pytest.raises(DomainError) as exc:
        move(world, "waiting_parts", world.manager)
    assert exc.value.code == "reason_required"
    move(world, "cancelled", world.customer.user)  # a customer never has to give a reason
    assert sr.status == "cancelled"


def test_customer_cannot_cancel_once_a_technician_was_on_site(world: World) -> None:
    for to, actor in [
        ("accepted", world.manager),
        ("scheduled", world.dispatcher),
        ("en_route", world.technician),
        ("on_site", world.technician),
    ]:
        move(world, to, actor)
    move(world, "waiting_parts", world.technician, "缺压缩机")
    assert world.request.visited_at == T0
    with pytest.raises(DomainError) as exc:
        move(world, "cancelled", world.customer.user)
    assert exc.value.code == "cancel_after_visit" and exc.value.status == 409
    assert "cancelled" not in selectors.allowed_transitions(world.customer.user, world.request)
    move(world, "cancelled", world.manager, "客户放弃维修")
    assert world.request.status == "cancelled"


def test_happy_path_timeline_clocks_and_messages(world: World, clock: Any) -> None:
    steps = [
        (1, "accepted", world.manager),
        (2, "scheduled", world.dispatcher),
        (3, "en_route", world.technician),
        (5, "on_site", world.technician),
        (6, "resolved", world.technician),
        (30, "closed", world.customer.user),
    ]
    for hours, to, actor in steps:
        clock.move_to(T0 + timedelta(hours=hours))
        move(world, to, actor)
    events = list(TimelineEvent.objects.filter(request=world.request).order_by("at", "id"))
    assert [(e.kind, e.from_status, e.to_status, e.actor_role) for e in events] == [
        ("created", "", "new", "customer"),
        ("routed", "", "", "system"),
        ("status_changed", "new", "accepted", "manager"),
        ("status_changed", "accepted", "scheduled", "dispatcher"),
        ("status_changed", "scheduled", "en_route", "technician"),
        ("status_changed", "en_route", "on_site", "technician"),
        ("status_changed", "on_site", "resolved", "technician"),
        ("status_changed", "resolved", "closed", "customer"),
    ]
    assert [e.at - T0 for e in events[2:]] == [timedelta(hours=h) for h, *_ in steps]
    clocks = {c.clock_type: c for c in SlaClock.objects.filter(request=world.request)}
    assert clocks["first_response"].met_at == T0 + timedelta(hours=1)
    assert clocks["on_site"].met_at == T0 + timedelta(hours=5)
    assert clocks["resolution"].met_at == T0 + timedelta(hours=6)
    states = selectors.clock_states(world.request, now=T0 + timedelta(days=30))
    assert [(s.clock_type, s.status, s.breached) for s in states] == [
        ("first_response", "met", False),
        ("on_site", "met", False),
        ("resolution", "met", False),
    ]
    # every change is confirmed to the customer in the portal (their own too)
    status_messages = Message.objects.filter(kind="service_request.status")
    assert status_messages.count() == 6
    assert all(m.customer == world.customer and m.channel == "portal" for m in status_messages)
    texts = [e for e in (selectors.event_text(e) for e in events)]
    assert all(texts)


def test_waiting_pauses_the_clocks_and_the_deadline_moves_by_exactly_the_paused_time(
    world: World, clock: Any
) -> None:
    clock.move_to(T0 + timedelta(hours=1))
    move(world, "accepted", world.manager)
    clock.move_to(T0 + timedelta(hours=3))
    move(world, "waiting_parts", world.manager, "压缩机缺货")
    on_site = SlaClock.objects.get(request=world.request, clock_type="on_site")
    assert on_site.paused_at == T0 + timedelta(hours=3)
    pause = SlaPause.objects.get(clock=on_site)
    assert (pause.reason, pause.note, pause.ended_at) == ("waiting_parts", "压缩机缺货", None)
    # while paused: the deadline shown moves, the time left is frozen, it is not breached
    state = selectors.clock_state(on_site, now=T0 + timedelta(hours=30))
    assert state.status == "paused" and not state.breached
    assert state.remaining == timedelta(hours=21)
    assert state.deadline == T0 + timedelta(hours=24 + 27)
    # parts arrive 5 h later (with a switch to "waiting for the customer" in between)
    clock.move_to(T0 + timedelta(hours=6))
    move(world, "waiting_customer", world.technician, "约客户时间")
    clock.move_to(T0 + timedelta(hours=8))
    move(world, "scheduled", world.dispatcher)
    clocks = {c.clock_type: c for c in SlaClock.objects.filter(request=world.request)}
    assert clocks["on_site"].deadline == T0 + timedelta(hours=24 + 5)
    assert clocks["resolution"].deadline == T0 + timedelta(hours=72 + 5)
    assert clocks["on_site"].paused_seconds == 5 * 3600 and clocks["on_site"].paused_at is None
    assert clocks["first_response"].deadline == T0 + timedelta(hours=2)  # met before the pause
    pauses = list(SlaPause.objects.filter(clock=clocks["on_site"]).order_by("started_at"))
    assert [(p.reason, p.started_at - T0, p.ended_at and p.ended_at - T0) for p in pauses] == [
        ("waiting_parts", timedelta(hours=3), timedelta(hours=6)),
        ("waiting_customer", timedelta(hours=6), timedelta(hours=8)),
    ]
    effects = TimelineEvent.objects.filter(request=world.request).latest("id").data["clocks"]
    assert {(e["clock"], e["effect"]) for e in effects} == {
        ("on_site", "resumed"),
        ("resolution", "resumed"),
    }


def test_cancelling_stops_every_clock(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=3))  # the first response is already late
    move(world, "cancelled", world.customer.user)
    clocks = SlaClock.objects.filter(request=world.request)
    assert all(c.stopped_at == T0 + timedelta(hours=3) for c in clocks)
    assert {c.stop_reason for c in clocks} == {"cancelled"}
    states = {s.clock_type: s for s in selectors.clock_states(world.request)}
    assert states["first_response"].breached  # stopping never erases a breach
    assert states["first_response"].overdue_by == timedelta(hours=1)
    assert not states["on_site"].breached


def test_resolving_without_a_visit_stops_the_on_site_clock(world: World) -> None:
    move(world, "accepted", world.manager)
    move(world, "resolved", world.manager, "电话指导解决")
    clocks = {c.clock_type: c for c in SlaClock.objects.filter(request=world.request)}
    assert clocks["resolution"].met_at == T0
    assert clocks["on_site"].met_at is None and clocks["on_site"].stop_reason == "resolved"


def test_reopening_restarts_the_resolution_clock(world: World, clock: Any) -> None:
    move(world, "accepted", world.manager)
    move(world, "resolved", world.manager, "远程解决")
    clock.move_to(T0 + timedelta(hours=20))
    move(world, "reopened", world.customer.user, "还是不制冷")
    clocks = list(
        SlaClock.objects.filter(request=world.request, clock_type="resolution").order_by("cycle")
    )
    assert [(c.cycle, c.met_at, c.deadline) for c in clocks] == [
        (1, T0, T0 + timedelta(hours=72)),
        (2, None, T0 + timedelta(hours=20 + 72)),
    ]
    clock.move_to(T0 + timedelta(hours=30))
    move(world, "resolved", world.manager, "更换传感器")
    assert SlaClock.objects.get(request=world.request, cycle=2).met_at == T0 + timedelta(hours=30)


def test_hand_routing_of_an_out_of_coverage_request(
    world: World, clock: Any, make_address: Any
) -> None:
    customer = world.customer
    sr = service_request_create(
        customer=customer,
        kind="repair",
        channel="portal",
        actor=customer.user,
        description="热水器漏水",
        product_description="热水器",
        address=make_address(customer, RONGJIANG),
    )
    assert sr.out_of_coverage and {c.clock_type for c in sr.clocks.all()} == {"first_response"}
    nn = world.outlets["NN"]
    with pytest.raises(DomainError) as exc:  # outlet staff do not route
        service_request_assign_outlet(request=sr, outlet=nn, actor=world.manager, reason="x")
    assert exc.value.status == 404  # (they cannot even see the central queue)
    with pytest.raises(DomainError) as exc:
        service_request_assign_outlet(request=sr, outlet=nn, actor=world.agent, reason="x")
    assert exc.value.status == 403
    with pytest.raises(DomainError) as exc:
        service_request_assign_outlet(request=sr, outlet=nn, actor=world.central, reason="")
    assert exc.value.code == "reason_required"
    clock.move_to(T0 + timedelta(hours=1))
    service_request_assign_outlet(
        request=sr, outlet=nn, actor=world.central, reason="榕江暂由南宁中心跨区服务"
    )
    assert sr.outlet == nn and not sr.out_of_coverage
    deadlines = {c.clock_type: c.deadline for c in SlaClock.objects.filter(request=sr)}
    assert deadlines == {
        "first_response": T0 + timedelta(hours=2),  # unchanged
        "on_site": T0 + timedelta(hours=1 + 24),  # the covered promises start now
        "resolution": T0 + timedelta(hours=1 + 72),
    }
    event = TimelineEvent.objects.filter(request=sr).latest("id")
    assert (event.kind, event.actor, event.actor_role) == (
        "outlet_assigned",
        world.central,
        "central_dispatcher",
    )
    assert event.data["outlet"] == "NN" and event.data["was_out_of_coverage"] is True
    assert selectors.promises_not_applying(sr) == []
    with pytest.raises(DomainError) as exc:
        service_request_assign_outlet(request=sr, outlet=nn, actor=world.central, reason="再次")
    assert exc.value.code == "already_assigned"
    outlet_update(outlet=world.outlets["LQ"], status="suspended")
    world.outlets["LQ"].refresh_from_db()
    with pytest.raises(DomainError) as exc:
        service_request_assign_outlet(
            request=sr, outlet=world.outlets["LQ"], actor=world.central, reason="x"
        )
    assert exc.value.code == "outlet_inactive"


def test_the_timeline_is_append_only(world: World) -> None:
    event = TimelineEvent.objects.filter(request=world.request).first()
    assert event is not None
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(request=world.request).update(reason="x")
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(request=world.request).delete()
    assert TimelineEvent.objects.filter(reason="rewritten").count() == 0


def test_resolved_requests_close_automatically_after_a_week(world: World, clock: Any) -> None:
    from fairdesk.service_requests.services.transitions import resolved_requests_autoclose

    move(world, "accepted", world.manager)
    move(world, "resolved", world.manager, "远程解决")
    clock.move_to(T0 + timedelta(days=6, hours=23))
    assert resolved_requests_autoclose() == 0
    clock.move_to(T0 + timedelta(days=7, minutes=1))
    assert resolved_requests_autoclose() == 1
    world.request.refresh_from_db()
    assert world.request.status == "closed"
    event = TimelineEvent.objects.filter(request=world.request).order_by("-at", "-id").first()
    assert event is not None
    assert event.actor_role == "system" and event.data["rule"] == "auto_close_resolved"
    assert resolved_requests_autoclose() == 0


def test_a_reopened_request_is_not_closed_automatically(world: World, clock: Any) -> None:
    from fairdesk.service_requests.services.transitions import resolved_requests_autoclose

    move(world, "accepted", world.manager)
    move(world, "resolved", world.manager, "远程解决")
    clock.move_to(T0 + timedelta(days=3))
    move(world, "reopened", world.customer.user, "还是不制冷")
    clock.move_to(T0 + timedelta(days=30))
    assert resolved_requests_autoclose() == 0
