"""Fixtures of the plans API tests: users of each kind (the catalog, the customer, the clock and
``subscribe`` come from ``plans/tests/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.core import roles
from fairdesk.customers.models import Customer
from fairdesk.plans.tests.api.calls import (
    as_user,
)


@pytest.fixture
def make_user(db: None, django_user_model: Any) -> Any:
    def make(username: str, *groups: str) -> Any:
        user = django_user_model.objects.create_user(username, password="x")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user("agent", roles.AGENT)


@pytest.fixture
def other_customer(make_user: Any) -> Customer:
    user = make_user("c13900000002", roles.CUSTOMER)
    return Customer.objects.create(user=user, phone="13900000002", name="李雷")


@pytest.fixture
def me(customer: Customer) -> Client:
    return as_user(customer.user)
