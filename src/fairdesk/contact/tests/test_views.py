"""The contact centre's pages (``views.py``): the public queue-rule page (no login, both
languages, live figures) and the auditors' export page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairdesk.contact import ordering, selectors
from fairdesk.contact.choices import ContactType
from fairdesk.contact.services.callbacks import callback_request
from fairdesk.contact.services.complaints import complaint_file
from fairdesk.contact.services.queue import agent_profile_ensure
from fairdesk.contact.tests.conftest import T0, Clock, Staff, answered, as_user, waiting
from fairdesk.contact.views import format_duration
from fairdesk.core import roles
from fairdesk.customers.models import Customer

URL = "/queue-rule/"


@pytest.mark.django_db
def test_public_page_in_chinese_without_login(clock: Clock) -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "人工客服排队规则" in page
    assert "<strong>2 小时</strong>" in page and "<strong>30 分钟</strong>" in page
    assert "降级或退订 · 退款 · 投诉" in page  # the green types, from choices.GREEN_TYPES
    for word in ordering.HAZARD_WORDS:
        assert word in page
    assert "转人工" in page and "没有到期的回电。" in page
    assert "contact_type" in page and "revenue" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL, "/en/queue-rule/"])
def test_public_page_in_english_without_login(clock: Clock, url: str) -> None:
    headers: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"} if url == URL else {}
    response = Client().get(url, **headers)
    assert response.status_code == 200
    page = response.content.decode()
    assert "How the queue is ordered" in page
    assert "<strong>2 hours</strong>" in page and "<strong>30 minutes</strong>" in page
    assert "Downgrade or cancel · Refund · Complaint" in page
    assert "less than 2 hours after it" in page


@pytest.mark.django_db
def test_public_figures_on_the_page(customer: Customer, staff: Staff, clock: Clock) -> None:
    agent = agent_profile_ensure(user=staff("agent1"))
    for waited in (10, 20, 30, 40, 600):
        answered(ContactType.REFUND, waited, at=T0 - timedelta(days=1), agent=agent)
    answered(ContactType.REFUND, 9999, at=T0 - timedelta(days=8), agent=agent)  # too old
    answered(ContactType.BUY_UPGRADE, 90, at=T0 - timedelta(hours=1), agent=agent)
    waiting(ContactType.REPAIR, at=T0 - timedelta(minutes=3), hazard=True)
    waiting(ContactType.COMPLAINT, at=T0 - timedelta(minutes=2))
    waiting(ContactType.COMPLAINT, at=T0 - timedelta(minutes=1))
    waiting(ContactType.REPAIR, at=T0 + timedelta(hours=1))  # a callback window not open yet
    for hours in (1, 2):
        callback_request(
            customer=customer,
            phone="",
            window_start=T0 + timedelta(hours=hours),
            window_end=T0 + timedelta(hours=hours + 1),
            contact_type=ContactType.REFUND,
            now=T0,
        )
    clock.move_to(T0 + timedelta(hours=2, minutes=30))  # the first window has passed
    figures = selectors.public_figures()
    # both callback windows are open now (the missed one still waits to be called)
    assert figures.waiting == {"safety": 1, "green": 4, "standard": 1}
    refund = next(w for w in figures.waits if w.contact_type == ContactType.REFUND)
    assert (refund.count, refund.p50_seconds, refund.p95_seconds) == (5, 30, 600)
    assert (figures.callbacks.due, figures.callbacks.missed) == (1, 1)
    page = Client().get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<tr data-waiting="green"><td>Green channel</td><td>4</td></tr>' in page
    assert "1 of 1 promised callbacks were missed or late (100.0%)." in page
    assert "10 minutes" in page and "1 min 30 s" in page


def test_format_duration() -> None:
    with translation.override("en"):
        assert_durations()
    with translation.override("zh-hans"):
        assert format_duration(timedelta(hours=2)) == "2 小时"


def assert_durations() -> None:
    assert format_duration(timedelta(0)) == "none"
    assert format_duration(timedelta(seconds=45)) == "45 s"
    assert format_duration(timedelta(hours=1, minutes=20)) == "1 h 20 min"
    assert format_duration(timedelta(minutes=1)) == "1 minute"


@pytest.mark.django_db
def test_export_page_needs_an_auditor_or_brand_admin(customer: Customer, staff: Staff) -> None:
    url = reverse("contact:complaint_export")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"]
    assert as_user(staff("agent1")).get(url).status_code == 403
    assert as_user(customer.user).get(url).status_code == 403
    assert as_user(staff("boss", roles.BRAND_ADMIN)).get(url).status_code == 200


@pytest.mark.django_db
def test_export_page_filters_links_and_rates(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    from fairdesk.network.services import outlet_create

    outlet_create(code="NN", name="南宁服务中心")
    complaint_file(customer=customer, category="refund", description="电话13800000002")
    auditor = as_user(staff("aud", roles.AUDITOR))
    url = reverse("contact:complaint_export")
    response = auditor.get(url, {"period_from": "2026-11-01", "period_to": "2026-11-30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "投诉数据导出" in page and "1 件投诉" in page
    assert (
        'href="/api/v1/complaints/export?format=csv&amp;from=2026-11-01&amp;to=2026-11-30"' in page
    )
    assert "format=json" in page and "13800000002" not in page
    csv = auditor.get("/api/v1/complaints/export?format=csv&from=2026-11-01&to=2026-11-30")
    assert csv.status_code == 200 and "13800000002" not in csv.content.decode()
    bad = auditor.get(url, {"period_from": "2026-11-30", "period_to": "2026-11-01"})
    assert bad.status_code == 200 and "起始日期晚于结束日期。" in bad.content.decode()
    assert 'data-download="csv"' not in bad.content.decode()


@pytest.mark.django_db
def test_export_page_with_a_day_out_of_range_is_a_form_error(staff: Staff) -> None:
    """Year 9999 overflowed when the page widened the period (a 500)."""
    auditor = as_user(staff("aud", roles.AUDITOR))
    url = reverse("contact:complaint_export")
    for day in ("9999-12-31", "0001-01-01"):
        response = auditor.get(url, {"period_from": day, "period_to": day})
        assert response.status_code == 200, day
        assert 'data-download="csv"' not in response.content.decode()
