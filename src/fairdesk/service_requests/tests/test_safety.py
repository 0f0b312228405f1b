"""Safety hazards: a gas smell, sparks or smoke make a request urgent whoever files it, with its
own shorter promise, what to do now for the customer and the agent, and an alert at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairdesk.core import safety
from fairdesk.notifications.models import Message
from fairdesk.service_requests.models import SlaClock, SlaPolicy, TimelineEvent
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.tests.conftest import T0, World

pytestmark = pytest.mark.django_db

GAS = "燃气热水器有很重的燃气味，打不着火"


def file_as_agent(world: World, description: str, make_address: Any, **kw: Any) -> Any:
    return service_request_create(
        customer=world.customer,
        kind="repair",
        channel="console",
        actor=world.agent,
        description=description,
        product_description="燃气热水器",
        address=make_address(world.customer),
        **kw,
    )


def test_the_hazard_words_are_one_list_for_the_queue_and_intake() -> None:
    from fairdesk.contact import ordering

    assert ordering.HAZARD_WORDS is safety.HAZARD_WORDS
    assert safety.hazards_in(GAS) == [safety.GAS]
    assert safety.hazards_in("插座打火花，还有烧焦味") == [safety.ELECTRICAL, safety.FIRE]
    assert safety.hazards_in("I smell gas near the boiler") == [safety.GAS]
    assert safety.hazards_in("冷媒泄漏") == [safety.OTHER]
    assert safety.hazards_in("燃气泄漏") == [safety.GAS]  # not also "other"
    assert not safety.looks_hazardous("燃气热水器不出热水")  # a fuel's name is not a hazard
    assert not safety.looks_hazardous("空调不制冷")
    assert not safety.looks_hazardous("热水器打不着火，没有燃气味")  # denied, not reported
    assert safety.looks_hazardous("没有热水，有燃气味")


def test_a_gas_smell_filed_by_an_agent_is_urgent_with_a_four_hour_promise(
    world: World, clock: Any, make_address: Any
) -> None:
    sr = file_as_agent(world, GAS, make_address)  # the agent did not tick "urgent"
    assert sr.priority == "urgent"
    deadlines = {c.clock_type: c.deadline for c in SlaClock.objects.filter(request=sr)}
    assert deadlines["on_site"] == T0 + timedelta(hours=4)
    assert deadlines["first_response"] == T0 + timedelta(minutes=15)
    assert deadlines["resolution"] == T0 + timedelta(hours=72)  # no urgent one: the general


def test_an_ordinary_repair_keeps_its_24_hour_promise(
    world: World, clock: Any, make_address: Any
) -> None:
    sr = file_as_agent(world, "燃气热水器不出热水", make_address)
    assert sr.priority == "normal"
    on_site = SlaClock.objects.get(request=sr, clock_type="on_site")
    assert on_site.deadline == T0 + timedelta(hours=24)
    assert not TimelineEvent.objects.filter(request=sr, kind="safety_alert").exists()


def test_the_safety_promise_is_configurable(world: World, clock: Any, make_address: Any) -> None:
    policy = SlaPolicy.objects.get(kind="repair", clock_type="on_site", priority="urgent")
    policy.duration_minutes = 120
    policy.save()
    sr = file_as_agent(world, GAS, make_address)
    on_site = SlaClock.objects.get(request=sr, clock_type="on_site")
    assert on_site.deadline == T0 + timedelta(hours=2)


def test_a_safety_request_is_escalated_at_once_with_what_to_do(
    world: World, clock: Any, make_address: Any
) -> None:
    sr = file_as_agent(world, GAS, make_address)
    alert = TimelineEvent.objects.get(request=sr, kind="safety_alert")
    assert alert.at == T0
    assert alert.data["hazards"] == ["gas"]
    assert alert.data["notified"] == ["mgr"]  # the covering outlet's manager
    told = Message.objects.get(kind="service_request.safety_alert", user=world.manager)
    assert sr.number in told.body and "燃气" in told.body and "119" in told.body
    # the customer's confirmation starts with what to do now
    sms = Message.objects.get(kind="service_request.safety", channel="sms", reference=sr.number)
    assert sms.body.startswith("安全第一")
    assert "关闭燃气" in sms.body and "119" in sms.body
    assert set(sms.params) == {"number", "deadline", "link"}  # the safety template


def test_the_customer_and_the_agent_see_what_to_do_on_the_request_page(
    world: World, clock: Any, make_address: Any
) -> None:
    sr = file_as_agent(world, GAS, make_address)
    customer = Client()
    assert world.customer.user is not None
    customer.force_login(world.customer.user)
    page = customer.get(reverse("portal:request", args=[sr.number])).content.decode()
    assert "data-safety" in page and "关闭燃气" in page
    agent = Client()
    agent.force_login(world.agent)
    page = agent.get(reverse("console:request", args=[sr.number])).content.decode()
    assert "data-safety" in page and "请立即向来电者宣读" in page
    ordinary = file_as_agent(world, "空调不制冷", make_address)
    page = agent.get(reverse("console:request", args=[ordinary.number])).content.decode()
    assert "data-safety" not in page


def test_the_advice_is_in_english_too() -> None:
    with translation.override("en"):
        (line,) = safety.safety_advice("There are sparks from the socket")
    assert line.startswith("Electricity: switch off the power")
    with translation.override("zh-hans"):
        (general,) = safety.safety_advice("")
    assert "119" in general
