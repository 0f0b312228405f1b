"""Breach is computed (no worker needed); escalation goes out exactly once per clock and level."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fairdesk.core import roles
from fairdesk.notifications.models import Message
from fairdesk.service_requests import selectors
from fairdesk.service_requests.models import SlaClock, TimelineEvent
from fairdesk.service_requests.services.escalation import sla_clock_escalate, sla_escalate_due
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.services.transitions import service_request_transition
from fairdesk.service_requests.tasks import escalate_sla_breaches
from fairdesk.service_requests.tests.conftest import RONGJIANG, T0, World

pytestmark = pytest.mark.django_db


def escalations(**filters: Any) -> list[tuple[str, int | None, str]]:
    return sorted(
        (m.channel, m.user_id, m.dedupe_key or "")
        for m in Message.objects.filter(kind="sla.escalation", **filters)
    )


def test_breach_is_computed_from_the_clock_without_any_worker(world: World, clock: Any) -> None:
    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    clock.move_to(T0 + timedelta(hours=25, minutes=30))
    states = {s.clock_type: s for s in selectors.clock_states(world.request)}
    on_site = states["on_site"]
    assert on_site.status == "running" and on_site.breached
    assert on_site.overdue_by == timedelta(hours=1, minutes=30) and on_site.remaining is None
    assert on_site.escalation_level == 0  # no worker ran: still breached
    resolution = states["resolution"]
    assert not resolution.breached and resolution.remaining == timedelta(hours=46, minutes=30)
    assert states["first_response"].status == "met" and not states["first_response"].breached
    # met late: breached, by how much it was late
    service_request_transition(request=world.request, to_status="scheduled", actor=world.manager)
    service_request_transition(request=world.request, to_status="en_route", actor=world.technician)
    service_request_transition(request=world.request, to_status="on_site", actor=world.technician)
    clock.move_to(T0 + timedelta(days=10))
    on_site = {s.clock_type: s for s in selectors.clock_states(world.request)}["on_site"]
    assert on_site.status == "met" and on_site.breached
    assert on_site.overdue_by == timedelta(hours=1, minutes=30)


def test_escalation_exactly_once_per_level(world: World, clock: Any, make_user: Any) -> None:
    admin_a = make_user(roles.BRAND_ADMIN, username="brand2", email="brand2@example.com")
    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    # before the deadline: nothing
    clock.move_to(T0 + timedelta(hours=23, minutes=59))
    assert sla_escalate_due() == 0
    # one minute past the on-site deadline: level 1 to the outlet's managers
    clock.move_to(T0 + timedelta(hours=24, minutes=1))
    assert sla_escalate_due() == 1
    on_site = SlaClock.objects.get(request=world.request, clock_type="on_site")
    assert on_site.escalation_level == 1 and on_site.escalated_at == T0 + timedelta(
        hours=24, minutes=1
    )
    assert escalations() == [
        ("portal", world.manager.pk, f"sla:{on_site.pk}:1:u{world.manager.pk}")
    ]
    body = Message.objects.get(kind="sla.escalation").body
    assert world.request.number in body and "2026-11-24 10:00" in body
    # running again (the worker runs every minute): nothing new
    assert sla_escalate_due() == 0
    clock.move_to(T0 + timedelta(hours=26))
    assert sla_escalate_due() == 0
    assert len(escalations()) == 1
    # four hours overdue and still unmet: level 2 to the brand's administrators, once
    clock.move_to(T0 + timedelta(hours=28))
    assert sla_escalate_due() == 1
    assert sla_escalate_due() == 0
    level2 = [e for e in escalations() if e[2].startswith(f"sla:{on_site.pk}:2:")]
    assert level2 == sorted(
        [
            ("portal", world.brand_admin.pk, f"sla:{on_site.pk}:2:u{world.brand_admin.pk}"),
            ("portal", admin_a.pk, f"sla:{on_site.pk}:2:u{admin_a.pk}"),
            ("email", admin_a.pk, f"sla:{on_site.pk}:2:e{admin_a.pk}"),
        ]
    )
    events = TimelineEvent.objects.filter(request=world.request, kind="escalated").order_by("id")
    assert [(e.data["clock_type"], e.data["level"]) for e in events] == [
        ("on_site", 1),
        ("on_site", 2),
    ]
    assert events[0].data["notified"] == ["mgr"]
    assert "escalated (level 1)" in selectors.event_text(events[0]) or "升级" in (
        selectors.event_text(events[0])
    )


def test_a_late_worker_sends_both_levels_once(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=40))  # first response and on site both long overdue
    assert sla_escalate_due() == 4
    assert sla_escalate_due() == 0
    levels = sorted(
        (c.clock_type, c.escalation_level) for c in SlaClock.objects.filter(request=world.request)
    )
    assert levels == [("first_response", 2), ("on_site", 2), ("resolution", 0)]


def test_met_paused_or_stopped_clocks_are_not_escalated(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=1))
    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    service_request_transition(
        request=world.request, to_status="waiting_customer", actor=world.manager, reason="联系不上"
    )
    clock.move_to(T0 + timedelta(hours=48))  # paused before its deadline: not breached
    assert sla_escalate_due() == 0
    service_request_transition(
        request=world.request, to_status="cancelled", actor=world.customer.user
    )
    clock.move_to(T0 + timedelta(days=30))
    assert sla_escalate_due() == 0
    assert escalations() == []


def test_a_clock_paused_after_its_deadline_is_still_escalated(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=1))
    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    clock.move_to(T0 + timedelta(hours=25))  # on site is an hour late
    service_request_transition(
        request=world.request, to_status="waiting_parts", actor=world.manager, reason="缺件"
    )
    assert sla_escalate_due() == 1
    clock.move_to(T0 + timedelta(hours=60))  # paused: the lateness is frozen at 1 h → no level 2
    assert sla_escalate_due() == 0


def test_out_of_coverage_escalates_to_the_brand(
    world: World, clock: Any, make_address: Any
) -> None:
    service_request_transition(request=world.request, to_status="accepted", actor=world.manager)
    sr = service_request_create(
        customer=world.customer,
        kind="repair",
        channel="console",
        actor=world.agent,
        description="不制冷",
        product_description="空调",
        address=make_address(world.customer, RONGJIANG),
    )
    clock.move_to(T0 + timedelta(hours=3))
    assert sla_escalate_due() == 1
    first = SlaClock.objects.get(request=sr)
    assert escalations() == [
        ("portal", world.brand_admin.pk, f"sla:{first.pk}:1:u{world.brand_admin.pk}")
    ]


def test_two_workers_racing_escalate_once(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=3))
    first = SlaClock.objects.get(request=world.request, clock_type="first_response")
    stale = SlaClock.objects.select_related("request__outlet").get(pk=first.pk)
    assert sla_clock_escalate(clock=first, level=1, now=T0 + timedelta(hours=3)) is True
    # the second worker read the clock before the first one's update: its claim finds nothing
    assert sla_clock_escalate(clock=stale, level=1, now=T0 + timedelta(hours=3)) is False
    assert len(escalations()) == 1


def test_the_periodic_task_runs_the_escalation(world: World, clock: Any) -> None:
    clock.move_to(T0 + timedelta(hours=3))
    escalate_sla_breaches.call_local()
    assert len(escalations()) == 1


def test_level_two_delay_is_configurable(world: World, clock: Any, settings: Any) -> None:
    settings.SLA_ESCALATION_LEVEL2_HOURS = 1
    clock.move_to(T0 + timedelta(hours=3, minutes=1))  # first response 1 h 01 min late
    assert sla_escalate_due() == 2
