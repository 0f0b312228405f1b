"""The complaint export for auditors: personal data taken out (no name or phone number anywhere
in the CSV or JSON, a stable pseudonym), filters, deadlines met or missed, who may export, and
complaint rates per outlet."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from fairdesk.contact import export
from fairdesk.contact.choices import ComplaintStatus
from fairdesk.contact.export import (
    EXPORT_COLUMNS,
    complaint_rates_per_outlet,
    complaints_export,
    customer_pseudonym,
)
from fairdesk.contact.models import Complaint
from fairdesk.contact.services.complaints import complaint_file, complaint_transition
from fairdesk.contact.tests.conftest import T0, Clock, Staff, as_user
from fairdesk.core import roles
from fairdesk.core.masking import redact
from fairdesk.customers.models import Customer
from fairdesk.network.services import outlet_create
from fairdesk.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/export"
DAY = date(2026, 11, 23)

PHONES_WRITTEN = (
    "13800000002",
    "138-0000-0002",
    "+86 139 0000 0009",
    "010-62345678",
    "（0771）5550001",
    "１３７００１３７０００",
)
DIGITS = ("13800000002", "13900000009", "62345678", "5550001", "13700137000")


@pytest.fixture
def outlets(db: None) -> dict[str, Any]:
    return {
        "NN": outlet_create(code="NN", name="南宁服务中心"),
        "LQ": outlet_create(code="LQ", name="良庆服务站"),
    }


def make_request(customer: Customer, outlet: Any, at: Any, n: int) -> ServiceRequest:
    return ServiceRequest.objects.create(
        customer=customer,
        kind="repair",
        channel="portal",
        description="空调不制冷",
        outlet=outlet,
        created_at=at,
    )


@pytest.fixture
def complaints(
    customer: Customer, other: Customer, outlets: dict[str, Any], staff: Staff, clock: Clock
) -> dict[str, Complaint]:
    """Three complaints on 23 November full of personal data; one on 1 November."""
    agent = staff("agent1")
    sr = make_request(customer, outlets["NN"], T0, 1)
    first = complaint_file(
        customer=customer,
        category="refund",
        description=(
            "我是李雷，电话 "
            + "、".join(PHONES_WRITTEN)
            + "，身份证 11010519491231002X，邮箱 li.lei@example.com，退款一直没到账。"
        ),
        service_request=sr,
    )
    complaint_transition(
        complaint=first, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent
    )  # on time
    second = complaint_file(
        customer=customer, category="product", description='=HYPERLINK("http://x")'
    )
    third = complaint_file(
        customer=other, category="refund", description="韩梅梅：请回电 13900000009"
    )
    clock.move_to(T0 + timedelta(hours=30))
    complaint_transition(
        complaint=third, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent
    )  # late
    complaint_transition(
        complaint=third,
        to_status=ComplaintStatus.RESOLVED,
        actor=agent,
        outcome="已致电李雷的家人 13800000002 并退款",
    )
    clock.move_to(T0 - timedelta(days=22))
    old = complaint_file(customer=other, category="refund", description="旧投诉")
    clock.move_to(T0 + timedelta(days=2))
    return {"first": first, "second": second, "third": third, "old": old}


def read_csv(response: Any) -> list[dict[str, str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def assert_no_personal_data(text: str) -> None:
    for name in ("李雷", "韩梅梅"):
        assert name not in text
    digits_only = re.sub(r"[\s\-+()（）]", "", text)
    for number in DIGITS:
        assert number not in digits_only, number
    assert "11010519491231002X" not in text and "li.lei@example.com" not in text


def test_csv_export_has_no_name_or_phone_number(
    complaints: dict[str, Complaint], staff: Staff
) -> None:
    response = as_user(staff("aud", roles.AUDITOR)).get(
        f"{URL}?format=csv&from=2026-11-23&to=2026-11-23"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "complaints-20261123-20261123.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.splitlines()[0] == "\ufeff" + ",".join(EXPORT_COLUMNS)
    assert_no_personal_data(text)
    rows = read_csv(response)
    assert [r["number"] for r in rows] == [
        complaints[k].number for k in ("first", "second", "third")
    ]
    first = rows[0]
    assert "138****0002" in first["description"] and "退款一直没到账" in first["description"]
    assert first["outlet"] == "NN" and first["green"] == "true" and first["category"] == "refund"
    assert first["received_at"] == "2026-11-23T10:00:00+08:00"
    assert rows[1]["description"].startswith("'=")  # no formula when opened in Excel


def test_json_export_has_no_name_or_phone_number_and_stable_pseudonyms(
    complaints: dict[str, Complaint], staff: Staff
) -> None:
    response = as_user(staff("boss", roles.BRAND_ADMIN)).get(
        f"{URL}?format=json&from=2026-11-23&to=2026-11-23"
    )
    assert response.status_code == 200
    assert_no_personal_data(response.content.decode("utf-8"))
    data = response.json()
    assert data["count"] == 3 and data["period_from"] == "2026-11-23"
    first, second, third = data["items"]
    assert first["customer"] == second["customer"] != third["customer"]
    assert first["customer"] == customer_pseudonym(complaints["first"].customer_id)
    assert first["customer"].startswith("P") and len(first["customer"]) == 17  # not the id
    assert set(first) == set(EXPORT_COLUMNS)
    csv_rows = read_csv(
        as_user(staff("aud", roles.AUDITOR)).get(f"{URL}?from=2026-11-23&to=2026-11-23")
    )
    assert [r["customer"] for r in csv_rows] == [r["customer"] for r in data["items"]]


def test_export_cuts_street_addresses_typed_in_free_text_to_their_division(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    """Customers type where they live into complaints: the export keeps the province, city and
    county, never the township, street, number, building or room."""
    filed = complaint_file(
        customer=customer,
        category="service_quality",
        description=(
            "师傅没来。我家在广西南宁市良庆区玉洞街道银海大道1188号3栋2单元501室，"
            "之前住上海市浦东新区张江路88弄12号801室。"
        ),
    )
    agent = staff("agent1")
    complaint_transition(complaint=filed, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint_transition(
        complaint=filed,
        to_status=ComplaintStatus.RESOLVED,
        actor=agent,
        outcome="已派师傅到成都市武侯区人民南路四段1号万达广场3号楼2单元1702室",
    )
    response = as_user(staff("aud", roles.AUDITOR)).get(
        f"{URL}?format=json&from=2026-11-23&to=2026-11-23"
    )
    (row,) = response.json()["items"]
    assert row["description"] == (
        "师傅没来。我家在广西南宁市良庆区＊＊＊，之前住上海市浦东新区＊＊＊。"
    )
    assert row["outcome"] == "已派师傅到成都市武侯区＊＊＊"
    text = response.content.decode()
    for detail in ("玉洞", "银海大道", "1188", "501", "张江路", "万达", "1702"):
        assert detail not in text, detail


def test_pseudonym_depends_on_the_secret_key(settings: Any) -> None:
    before = customer_pseudonym(7)
    assert before == customer_pseudonym(7) != customer_pseudonym(8)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert customer_pseudonym(7) != before


def test_deadlines_met_or_missed(complaints: dict[str, Complaint], staff: Staff) -> None:
    rows = {
        r["number"]: r
        for r in complaints_export(period_from=DAY, period_to=DAY, now=T0 + timedelta(days=2))
    }
    first = rows[complaints["first"].number]
    assert first["acknowledge_deadline"] == "met"
    assert first["resolve_deadline"] == "open" and first["deadlines_met"] == 1
    second = rows[complaints["second"].number]  # never acknowledged, two days on
    assert second["acknowledge_deadline"] == "missed" and second["deadlines_missed"] == 1
    assert second["resolve_deadline"] is None
    third = rows[complaints["third"].number]
    assert third["acknowledge_deadline"] == "missed"
    assert third["resolve_deadline"] == "met" and third["status"] == "resolved"
    assert third["outcome"] == "已致电＊＊的家人 138****0002 并退款"


def test_filters(complaints: dict[str, Complaint], outlets: dict[str, Any], staff: Staff) -> None:
    auditor = as_user(staff("aud", roles.AUDITOR))

    def numbers(query: str) -> list[str]:
        response = auditor.get(f"{URL}?format=json&{query}")
        assert response.status_code == 200, response.json()
        return [r["number"] for r in response.json()["items"]]

    assert numbers("from=2026-11-23&to=2026-11-23&category=product") == [
        complaints["second"].number
    ]
    assert numbers("from=2026-11-23&to=2026-11-23&outlet=NN") == [complaints["first"].number]
    assert numbers("from=2026-11-23&to=2026-11-23&outlet=LQ") == []
    assert numbers("from=2026-11-01&to=2026-11-01") == [complaints["old"].number]
    assert len(numbers("from=2026-11-01&to=2026-11-30")) == 4
    assert len(numbers("")) == 4  # the last 30 days by default


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("format=xlsx", "invalid_format"),
        ("from=2026-11-24&to=2026-11-23", "invalid_period"),
        ("category=vip", "invalid_category"),
        ("outlet=NOPE", "outlet_not_found"),
        ("from=yesterday", "invalid_input"),
    ],
)
def test_bad_export_query_is_422(
    outlets: dict[str, Any], staff: Staff, query: str, code: str
) -> None:
    response = as_user(staff("aud", roles.AUDITOR)).get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_only_auditors_and_brand_admins_export(customer: Customer, staff: Staff) -> None:
    for user in (customer.user, staff("agent1"), staff("tech", roles.TECHNICIAN)):
        response = as_user(user).get(URL)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请打13800138000", "请打138****8000"),
        ("电话：138 0013 8000。", "电话：138****8000。"),
        ("座机 0771-5550001 转 2", "座机 077****0001 转 2"),
        ("(010)62345678", "010****5678"),
        ("热线 400-820-1234", "热线 ******1234"),
        ("订单 SR2611230001，金额 1299 元，2026-11-23 10:00", None),
        ("日期 20261123", None),
    ],
)
def test_redact(text: str, expected: str | None) -> None:
    assert redact(text) == (text if expected is None else expected)


def test_redact_replaces_the_customers_name() -> None:
    assert redact("李雷说：李雷的热水器", names=["李雷"]) == "＊＊说：＊＊的热水器"


def test_complaint_rates_per_outlet(
    customer: Customer, outlets: dict[str, Any], clock: Clock
) -> None:
    nn_request = make_request(customer, outlets["NN"], T0, 0)
    for n in range(1, 4):
        make_request(customer, outlets["NN"], T0 - timedelta(hours=n), n)
    make_request(customer, outlets["LQ"], T0, 10)
    make_request(customer, outlets["LQ"], T0 - timedelta(days=40), 11)  # outside the period
    make_request(customer, None, T0, 12)  # the central queue has no rate
    complaint_file(
        customer=customer, category="on_site", description="迟到", service_request=nn_request
    )
    complaint_file(customer=customer, category="other", description="不相关")  # no outlet
    rates = {
        r.outlet: r
        for r in complaint_rates_per_outlet(period_from=DAY - timedelta(days=6), period_to=DAY)
    }
    assert set(rates) == {"NN", "LQ"}
    assert (rates["NN"].complaints, rates["NN"].service_requests) == (1, 4)
    assert rates["NN"].rate == 0.25 and rates["LQ"].rate == 0


def test_export_queries_do_not_grow_with_rows(
    complaints: dict[str, Complaint], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        rows = export.complaints_export(period_from=DAY, period_to=DAY)
    assert len(rows) == 3
