"""Addresses: resolved with the gazetteer, kept when they do not resolve, one default."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.customers.models import Address, Customer
from fairdesk.customers.selectors import address_get, address_warning, customer_addresses
from fairdesk.customers.services import (
    address_create,
    address_delete,
    address_update,
    customer_get_or_create,
)

pytestmark = pytest.mark.django_db

SHENZHEN = "广东省深圳市南山区粤海街道科技园路1号"


def defaults(customer: Customer) -> list[int]:
    return list(
        Address.objects.filter(customer=customer, is_default=True).values_list("pk", flat=True)
    )


def test_resolved_address(customer: Customer) -> None:
    address = address_create(
        customer=customer,
        text=f"  {SHENZHEN} ",
        label="家",
        contact_name="李四",
        contact_phone="+86 139 0013 9000",
    )
    address.refresh_from_db()
    assert address.text == SHENZHEN
    assert address.division_status == "resolved"
    assert address.division_code == "440305007"
    assert address.division_name == "广东省/深圳市/南山区/粤海街道"
    assert "科技园路1号" in address.resolution_note  # the street part, not used to locate
    assert address.contact_phone == "13900139000"
    assert address_warning(address) is None


def test_ambiguous_address_is_kept_with_a_warning(customer: Customer) -> None:
    address = address_create(customer=customer, text="朝阳区建国路88号")
    address.refresh_from_db()
    assert address.pk is not None and address.text == "朝阳区建国路88号"
    assert address.division_status == "ambiguous"
    assert address.division_code == "" and address.division_name == ""
    assert "北京市/朝阳区" in address.resolution_note
    assert "吉林省/长春市/朝阳区" in address.resolution_note
    with translation.override("en"):
        assert "routed by hand" in (address_warning(address) or "")
    with translation.override("zh-hans"):
        assert "人工" in (address_warning(address) or "")
    # usable: it is the customer's default (first) address
    assert address.is_default


def test_unknown_address_is_refused_with_what_to_write(customer: Customer) -> None:
    with pytest.raises(DomainError) as raised:
        address_create(customer=customer, text="火星市奥林匹斯县1号")
    assert raised.value.code == "address_not_found" and raised.value.status == 422
    assert "未找到" in (raised.value.details or {})["note"]
    assert not Address.objects.filter(customer=customer).exists()
    # an address kept from before the rule says it cannot be used for a visit
    old = Address.objects.create(customer=customer, text="火星市1号", division_status="not_found")
    with translation.override("en"):
        assert "no technician can be sent" in (address_warning(old) or "")


def test_retired_name_with_one_successor_is_placed(customer: Customer) -> None:
    address = address_create(customer=customer, text="浙江省杭州市下城区文晖路1号")
    assert address.division_status == "retired"
    assert address.division_code == "330105"  # today's 拱墅区
    assert "下城区" in address.resolution_note
    assert address_warning(address) is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "   "}, "address_required"),
        ({"text": "北" * 301}, "address_too_long"),
        ({"text": SHENZHEN, "contact_phone": "12345"}, "invalid_contact_phone"),
        ({"text": SHENZHEN, "label": "x" * 51}, "label_too_long"),
        ({"text": SHENZHEN, "contact_name": "x" * 101}, "name_too_long"),
    ],
)
def test_bad_input_changes_nothing(customer: Customer, fields: dict, code: str) -> None:
    with pytest.raises(DomainError) as info:
        address_create(customer=customer, **fields)
    assert info.value.code == code and info.value.status == 422
    assert not Address.objects.exists()


def test_landline_contact_phone(customer: Customer) -> None:
    address = address_create(customer=customer, text=SHENZHEN, contact_phone="0755-8600 1234")
    assert address.contact_phone == "0755-86001234"


def test_one_default_address_per_customer(customer: Customer) -> None:
    first = address_create(customer=customer, text=SHENZHEN)
    second = address_create(customer=customer, text="北京市朝阳区建国路88号")
    assert first.is_default and not second.is_default
    assert defaults(customer) == [first.pk]
    third = address_create(customer=customer, text="广西南宁市良庆区", is_default=True)
    assert defaults(customer) == [third.pk]
    address_update(address=second, is_default=True)
    assert defaults(customer) == [second.pk]
    assert customer_addresses(customer=customer)[0].pk == second.pk
    # another customer's default is untouched
    other = customer_get_or_create(phone="13900139000")
    mine = address_create(customer=other, text=SHENZHEN)
    assert defaults(other) == [mine.pk] and defaults(customer) == [second.pk]


def test_database_refuses_a_second_default(customer: Customer) -> None:
    address_create(customer=customer, text=SHENZHEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(
            customer=customer, text="x", division_status="not_found", is_default=True
        )


def test_update_resolves_the_new_text(customer: Customer) -> None:
    address = address_create(customer=customer, text="朝阳区建国路88号")
    address_update(address=address, text="北京市朝阳区建国路88号", label="公司")
    address.refresh_from_db()
    assert address.division_status == "resolved" and address.division_code == "110105"
    assert address.label == "公司"


def test_bad_update_changes_nothing(customer: Customer) -> None:
    address = address_create(customer=customer, text=SHENZHEN, label="家")
    with pytest.raises(DomainError):
        address_update(address=address, text="", label="公司")
    address.refresh_from_db()
    assert address.text == SHENZHEN and address.label == "家"


def test_delete_default_promotes_the_newest(customer: Customer) -> None:
    first = address_create(customer=customer, text=SHENZHEN)
    address_create(customer=customer, text="广西南宁市良庆区")
    newest = address_create(customer=customer, text="北京市朝阳区建国路88号")
    address_delete(address=first)
    assert not Address.objects.filter(pk=first.pk).exists()
    assert defaults(customer) == [newest.pk]


def test_someone_elses_address_is_not_found(customer: Customer) -> None:
    other = customer_get_or_create(phone="13900139000")
    theirs = address_create(customer=other, text=SHENZHEN)
    with pytest.raises(NotFound):
        address_get(customer=customer, pk=theirs.pk)
    assert address_get(customer=other, pk=theirs.pk).pk == theirs.pk
