"""The words a new user found wrong (issue 24 item 15), where they were found: one English word
that means two things is two translations (``pgettext``), buttons and labels in one language,
the language switcher naming each language in itself, sentences ended once.

The catalogues as a whole are checked by ``test_catalogues.py``; every page in both languages by
the browser test ``tests/e2e/test_languages.py``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairdesk.console.request_views import ACTION_LABELS
from fairdesk.contact.choices import ComplaintStatus
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.customers.choices import AddressStatus
from fairdesk.network.choices import OutletStatus, ResolutionStatus
from fairdesk.notifications.models import Message
from fairdesk.plans.choices import ChangeStatus, SubscriptionStatus
from fairdesk.portal.tests.fixtures import World, make_world
from fairdesk.service_requests.choices import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def page(user: Any, url: str, language: str = "zh-hans") -> str:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def texts(html: str, tag: str) -> list[str]:
    """The text of each ``tag`` element (markup inside removed)."""
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, re.S)
    return [re.sub(r"<[^>]+>", "", t).strip() for t in found]


def test_one_english_word_is_as_many_chinese_words_as_it_has_meanings() -> None:
    with translation.override("zh-hans"):
        # a request is resolved (已解决); an address is resolved by the gazetteer (已识别)
        assert str(Status.RESOLVED.label) == "已解决"
        assert str(ACTION_LABELS[Status.RESOLVED]) == "已解决"
        assert str(AddressStatus.RESOLVED.label) == "已识别"
        assert str(ResolutionStatus.RESOLVED.label) == "已识别"
        # a subscription is active (生效中); an outlet is open for business (营业中)
        assert str(SubscriptionStatus.ACTIVE.label) == "生效中"
        assert str(OutletStatus.ACTIVE.label) == "营业中"
        # a scheduled plan change takes effect later; a scheduled callback is booked
        assert str(ChangeStatus.SCHEDULED.label) == "待生效"
        # the menu says 投诉; a column of counts says 投诉数
        assert translation.gettext("Complaints") == "投诉"
        assert translation.pgettext("count", "Complaints") == "投诉数"
        # a filter button is 筛选, not Django admin's noun 过滤器
        assert translation.pgettext("button", "Filter") == "筛选"
        assert str(ComplaintStatus.RECEIVED.label) == "已收到"
        assert translation.gettext("Received") == "受理时间"  # before a date


def test_the_queue_headings_are_different_words(world: World) -> None:
    headings = texts(page(world.agent, reverse("console:contact_queue_live")), "th")
    assert "排队类别" in headings and "事由" in headings
    assert len(headings) == len(set(headings)), headings


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_language_switcher_names_each_language_in_itself(world: World, language: str) -> None:
    html = page(None, "/", language)
    assert '<button type="submit" name="language" value="zh-hans" lang="zh-hans"' in html
    buttons = texts(html, "button")
    assert "简体中文" in buttons and "English" in buttons
    assert "英语" not in html and "Simplified Chinese" not in html


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("zh-hans", "转人工", "Talk to a person"), ("en", "Talk to a person", "转人工")],
)
def test_talk_to_a_person_in_one_language(
    world: World, language: str, shown: str, not_shown: str
) -> None:
    html = page(world.customer.user, reverse("portal:contact"), language)
    human = re.findall(r'<button[^>]*data-action="human"[^>]*>(.*?)</button>', html, re.S)
    assert human and all(label.strip() == shown for label in human)
    assert not_shown not in html


def test_filter_buttons_say_filter(world: World) -> None:
    for url in (reverse("notifications:outbox"), reverse("console:requests")):
        html = page(world.agent, url)
        assert "筛选" in texts(html, "button") and "过滤器" not in html, url


def test_a_complaint_reads_as_chinese(world: World) -> None:
    """The console's timeline names who acted in words ("agent（客服）", never "(brand)"), and
    the customer's message quotes the outcome without ending the sentence twice."""
    complaint = complaint_file(
        customer=world.customer, category="service_quality", description="师傅迟到了两个小时"
    )
    for to_status, outcome in (
        (ComplaintStatus.ACKNOWLEDGED, ""),
        (ComplaintStatus.RESOLVED, "已向您道歉，并免除上门费。"),
    ):
        complaint_transition(
            complaint=complaint, to_status=to_status, actor=world.agent, outcome=outcome
        )
    html = page(world.agent, reverse("console:complaint", args=[complaint.pk]))
    timeline = html[html.index("data-timeline") :]
    assert "agent（客服）" in timeline and "客户" in timeline
    assert "(brand)" not in timeline and "(customer)" not in timeline
    message = Message.objects.filter(kind="contact.complaint").order_by("id").last()
    assert message is not None
    body = message.body
    assert "已向您道歉，并免除上门费。请选择" in body, body
    assert "。。" not in body and "。 " not in body, body
