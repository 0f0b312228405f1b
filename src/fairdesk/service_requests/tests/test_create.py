"""Intake: validation, numbering, routing, the promises that apply, the confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.core.phones import mask_phone
from fairdesk.customers.models import Customer
from fairdesk.network.models import Outlet
from fairdesk.notifications.models import Message
from fairdesk.service_requests import selectors
from fairdesk.service_requests.models import (
    BusinessCalendar,
    ServiceRequest,
    SlaClock,
    SlaPolicy,
    TimelineEvent,
)
from fairdesk.service_requests.tests.conftest import RONGJIANG, SHANGHAI, T0, XINGNING
from fairdesk.service_requests.tests.conftest import create_request as create

pytestmark = pytest.mark.django_db


def deadlines(sr: ServiceRequest) -> dict[str, datetime]:
    return {c.clock_type: c.deadline for c in SlaClock.objects.filter(request=sr)}


def test_covered_repair_goes_to_the_most_specific_outlet_with_its_promises(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address, make_device
) -> None:
    sr = create(customer, address=make_address(customer), device=make_device(customer))
    assert sr.number == f"SR261123{sr.pk:06d}"
    assert sr.outlet == outlets["LQ"] and not sr.out_of_coverage
    assert sr.status == "new" and sr.channel == "portal" and sr.created_by == customer.user
    assert sr.address_text.startswith("广西南宁市良庆区") and sr.division_code == "450108"
    assert sr.device_label.startswith("KFR-35GW SN")
    assert deadlines(sr) == {
        "first_response": T0 + timedelta(hours=2),
        "on_site": T0 + timedelta(hours=24),
        "resolution": T0 + timedelta(hours=72),
    }
    events = list(TimelineEvent.objects.filter(request=sr).order_by("id"))
    assert [(e.kind, e.to_status, e.actor_role) for e in events] == [
        ("created", "new", "customer"),
        ("routed", "", "system"),
    ]
    assert events[1].data["outlet"] == "LQ"
    assert events[1].data["matched_division"]["code"] == "450108"
    assert events[0].data["promises_not_applying"] == []


def test_confirmation_by_sms_and_portal_with_every_deadline(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    sr = create(customer, address=make_address(customer))
    sms = Message.objects.get(channel="sms", kind="service_request.created")
    portal = Message.objects.get(channel="portal", kind="service_request.created")
    assert sms.recipient == "13800138000" and sms.customer == customer
    assert portal.customer == customer and portal.reference == sr.number
    assert sms.body == portal.body
    assert sr.number in sms.body
    for text in ("2026-11-23 12:00", "2026-11-24 10:00", "2026-11-26 10:00", "良庆服务站"):
        assert text in sms.body, text


def test_confirmation_in_the_customers_language(
    clock: Any, outlets: dict[str, Outlet], make_customer, make_address
) -> None:
    en = make_customer("13700137000", language="en")
    create(en, address=make_address(en, XINGNING))
    body = Message.objects.get(channel="sms").body
    assert "has been received" in body and "on site by 2026-11-24 10:00" in body


def test_prefecture_outlet_serves_the_rest_of_the_prefecture(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    sr = create(customer, address=make_address(customer, XINGNING))
    assert sr.outlet == outlets["NN"]


def test_product_line_not_served_by_the_specific_outlet_falls_back_to_the_broader_one(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address, make_device
) -> None:
    # LQ (良庆区) serves air conditioners only; NN (all of 南宁) serves everything
    sr = create(customer, address=make_address(customer), device=make_device(customer, "safe"))
    assert sr.outlet == outlets["NN"]


def test_uncovered_address_goes_to_the_central_queue_with_only_the_promises_that_apply(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    sr = create(customer, address=make_address(customer, RONGJIANG))
    assert sr.outlet is None and sr.out_of_coverage
    assert deadlines(sr) == {"first_response": T0 + timedelta(hours=2)}
    event = TimelineEvent.objects.get(request=sr, kind="central_queue")
    assert "榕江县" in event.reason
    assert [p.clock_type for p in selectors.promises_not_applying(sr)] == [
        "on_site",
        "resolution",
    ]
    created = TimelineEvent.objects.get(request=sr, kind="created")
    assert created.data["promises_not_applying"] == ["on_site", "resolution"]
    body = Message.objects.get(channel="sms").body
    assert "2026-11-23 12:00" in body  # the first response still applies
    assert "以下承诺不适用：24 小时内师傅到场；72 小时内解决。" in body


def test_ambiguous_address_is_accepted_and_routed_by_hand(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    sr = create(customer, address=make_address(customer, status="ambiguous"))
    assert sr.outlet is None and sr.out_of_coverage and sr.status == "new"
    assert set(deadlines(sr)) == {"first_response"}
    assert "人工分派" in TimelineEvent.objects.get(request=sr, kind="central_queue").reason
    body = Message.objects.get(channel="sms", reference=sr.number).body
    assert "服务区域之外" not in body  # not "outside the service areas": not placed yet
    assert "找到服务网点之前" in body


def test_an_address_that_names_no_place_is_refused_for_a_visit(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    with pytest.raises(DomainError) as raised:
        create(customer, address=make_address(customer, status="not_found"))
    assert raised.value.code == "address_not_found"
    assert not ServiceRequest.objects.exists()


def test_field_request_without_address_is_still_accepted(
    clock: Any, outlets: dict[str, Outlet], customer: Customer
) -> None:
    sr = create(customer)
    assert sr.out_of_coverage and sr.outlet is None


def test_desk_kinds_go_to_the_service_desk_not_out_of_coverage(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    sr = create(customer, kind="complaint", description="师傅迟到", address=make_address(customer))
    assert sr.outlet is None and not sr.out_of_coverage
    assert deadlines(sr) == {"first_response": T0 + timedelta(hours=24)}
    consult = create(customer, kind="consultation", description="如何清洗滤网？")
    assert deadlines(consult) == {"first_response": T0 + timedelta(hours=2)}
    refund = create(customer, kind="refund", description="退款")
    assert deadlines(refund) == {}
    body = Message.objects.filter(reference=refund.number, channel="sms").get().body
    assert "不适用时限承诺" in body


def test_urgent_policy_and_area_prefix_take_precedence(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    SlaPolicy.objects.create(
        name="urgent", kind="repair", priority="urgent", clock_type="on_site", duration_minutes=240
    )
    SlaPolicy.objects.create(
        name="Nanning",
        kind="repair",
        area_prefix="4501",
        applies_when="covered",
        clock_type="on_site",
        duration_minutes=12 * 60,
    )
    normal = create(customer, address=make_address(customer))
    assert deadlines(normal)["on_site"] == T0 + timedelta(hours=12)  # longest prefix wins
    urgent = create(customer, address=make_address(customer), priority="urgent")
    # the area-specific policy still beats an everywhere urgent one
    assert deadlines(urgent)["on_site"] == T0 + timedelta(hours=12)
    SlaPolicy.objects.create(
        name="Nanning urgent",
        kind="repair",
        area_prefix="4501",
        priority="urgent",
        clock_type="on_site",
        duration_minutes=4 * 60,
    )
    urgent = create(customer, address=make_address(customer), priority="urgent")
    assert deadlines(urgent)["on_site"] == T0 + timedelta(hours=4)


def test_outlet_working_hours_calendar_sets_the_deadline(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_address
) -> None:
    BusinessCalendar.objects.create(
        name="LQ hours",
        outlet=outlets["LQ"],
        weekly_hours={
            d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")
        },
        holidays=["2026-11-23"],
    )
    clock.move_to(datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI))  # a Friday
    sr = create(customer, address=make_address(customer))
    # 24 working hours: Fri 2 h, weekend and the Monday holiday closed, Tue 8, Wed 8, Thu 6
    assert deadlines(sr)["on_site"] == datetime(2026, 11, 26, 16, 0, tzinfo=SHANGHAI)
    assert SlaClock.objects.get(request=sr, clock_type="on_site").calendar_name == "LQ hours"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "teleport"}, "invalid_kind"),
        ({"channel": "fax"}, "invalid_channel"),
        ({"priority": "asap"}, "invalid_priority"),
        ({"description": "   "}, "description_required"),
        ({"description": "x" * 5001}, "description_too_long"),
        ({"product_description": ""}, "product_required"),
        ({"preferred_start": T0 + timedelta(hours=5)}, "invalid_window"),
        (
            {"preferred_start": T0 + timedelta(hours=5), "preferred_end": T0 + timedelta(hours=4)},
            "invalid_window",
        ),
        (
            {"preferred_start": T0 - timedelta(hours=5), "preferred_end": T0 - timedelta(hours=1)},
            "invalid_window",
        ),
        (
            {
                "preferred_start": T0 + timedelta(days=100),
                "preferred_end": T0 + timedelta(days=101),
            },
            "invalid_window",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, kwargs: dict, code: str
) -> None:
    with pytest.raises(DomainError) as exc:
        create(customer, **kwargs)
    assert exc.value.code == code and exc.value.status == 422
    assert ServiceRequest.objects.count() == 0 and Message.objects.count() == 0


def test_someone_elses_device_or_address_is_refused(
    clock: Any,
    outlets: dict[str, Outlet],
    customer: Customer,
    make_customer,
    make_address,
    make_device,
) -> None:
    other = make_customer()
    with pytest.raises(DomainError) as exc:
        create(customer, device=make_device(other))
    assert exc.value.code == "device_not_owned"
    with pytest.raises(DomainError) as exc:
        create(customer, address=make_address(other))
    assert exc.value.code == "address_not_owned"
    assert ServiceRequest.objects.count() == 0


def test_preferred_window_is_stored(
    clock: Any, outlets: dict[str, Outlet], customer: Customer
) -> None:
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=1, hours=4)
    sr = create(customer, preferred_start=start, preferred_end=end)
    assert (sr.preferred_start, sr.preferred_end) == (start, end)


def test_who_may_file_for_whom(
    clock: Any, outlets: dict[str, Outlet], customer: Customer, make_customer, make_user
) -> None:
    other = make_customer()
    with pytest.raises(DomainError) as exc:
        create(other, actor=customer.user)
    assert exc.value.status == 403
    for group in (roles.TECHNICIAN, roles.AUDITOR):
        with pytest.raises(DomainError):
            create(customer, actor=make_user(group), channel="console")
    manager = make_user(roles.OUTLET_MANAGER, outlet=outlets["NN"])
    with pytest.raises(DomainError):
        create(customer, actor=manager, channel="console")
    agent = make_user(roles.AGENT)
    sr = create(customer, actor=agent, channel="console")
    created = TimelineEvent.objects.get(request=sr, kind="created")
    assert (created.actor, created.actor_role, created.actor_label) == (
        agent,
        "agent",
        agent.username,
    )


def test_numbers_use_the_shanghai_date(outlets: dict[str, Outlet], customer: Customer) -> None:
    import time_machine

    # 2026-11-23 23:30 UTC is already the 24th in Shanghai
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=UTC), tick=False):
        sr = create(customer)
    assert sr.number.startswith("SR261124")


def test_a_customer_is_named_in_the_timeline_by_a_masked_number(
    outlets: dict[str, Outlet], customer: Customer
) -> None:
    sr = create(customer, actor=customer.user)
    created = TimelineEvent.objects.get(request=sr, kind="created")
    assert created.actor == customer.user
    assert created.actor_label == mask_phone(customer.phone)
    assert customer.phone not in created.actor_label
