"""Staff search: by mobile number (whole or last digits) or device serial, numbers masked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import ProductModel
from fairdesk.customers.selectors import customer_for_user, customer_search, product_model_list
from fairdesk.customers.services import customer_get_or_create, device_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(django_user_model: Any) -> Any:
    """Staff who may open every customer's record."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("agent-search")
    user.groups.add(Group.objects.get(name=roles.AGENT))
    return user


@pytest.fixture
def people(product_model: ProductModel) -> None:
    a = customer_get_or_create(phone="13800138000", name="李四")
    b = customer_get_or_create(phone="13900148000", name="王五")
    customer_get_or_create(phone="13700000001", name="赵六")
    device_register(
        customer=a,
        product_model=product_model,
        serial="FD2024AC0001",
        purchase_date=date(2024, 1, 1),
    )
    device_register(
        customer=b,
        product_model=product_model,
        serial="FD2024AC0002",
        purchase_date=date(2024, 1, 1),
    )


def search(user: Any, q: str) -> list[Any]:
    return customer_search(q=q, user=user)


def names(user: Any, q: str) -> list[str]:
    return sorted(m.customer.name for m in search(user, q))


def test_by_whole_number(people: None, agent: Any) -> None:
    matches = search(agent, "+86 138-0013-8000")
    assert [(m.customer.name, m.matched_by) for m in matches] == [("李四", "phone")]
    assert matches[0].phone_masked == "138****8000"
    assert matches[0].as_dict()["phone_masked"] == "138****8000"
    assert "13800138000" not in str(matches[0].as_dict())


def test_by_last_digits(people: None, agent: Any) -> None:
    assert names(agent, "8000") == ["李四", "王五"]
    assert names(agent, "48000") == ["王五"]
    assert names(agent, "0001") == ["赵六"]
    assert [m.matched_by for m in search(agent, "148000")] == ["phone_tail"]


def test_by_serial(people: None, agent: Any) -> None:
    matches = search(agent, "fd2024ac0002")
    assert [(m.customer.name, m.matched_by) for m in matches] == [("王五", "serial")]
    assert [d.serial for d in matches[0].devices] == ["FD2024AC0002"]
    assert names(agent, "FD2024AC") == ["李四", "王五"]  # a serial's start, 6 characters or more


def test_too_short_or_nothing(people: None, agent: Any) -> None:
    with pytest.raises(DomainError) as info:
        search(agent, " 12 ")
    assert info.value.code == "query_too_short" and info.value.status == 422
    assert search(agent, "99999") == []


def test_customer_for_user(people: None, django_user_model: Any) -> None:
    assert customer_for_user(None) is None
    staff = django_user_model.objects.create_user("s1", password="x")
    assert customer_for_user(staff) is None


def test_catalog_filter(make_model: Any) -> None:
    make_model("A", product_line="safe")
    make_model("B", product_line="television", active=False)
    assert [m.model_code for m in product_model_list(product_line="safe")] == ["A"]
    assert [m.model_code for m in product_model_list(include_inactive=True)] == ["A", "B"]
