from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from fairdesk.core import roles
from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.customers.models import Customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(db: None, django_user_model: Any) -> Customer:
    user = django_user_model.objects.create_user("c13800000002", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(user=user, phone="13800000002", name="李雷")


@pytest.fixture
def staff(db: None, django_user_model: Any):
    def make(username: str, group: str = roles.AGENT):
        user = django_user_model.objects.create_user(username, password="x")
        user.groups.add(Group.objects.get(name=group))
        return user

    return make
