"""Fixtures and helpers of the contact centre's tests: a fixed instant (``T0``, Beijing time) and
its clock, a customer and staff of any role, a test client signed in as someone, a chat started
through the API, contacts waiting in or answered from the queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from fairdesk.contact.choices import Channel, ContactStatus
from fairdesk.contact.models import AgentProfile, Assignment, Contact
from fairdesk.core import roles
from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.customers.models import Customer

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The ``staff`` fixture: ``staff(username, group=roles.AGENT)`` makes a user in that role.
Staff = Callable[..., Any]
#: The ``clock`` fixture: time frozen at ``T0`` (``clock.move_to(...)``).
Clock = time_machine.Traveller
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[Clock]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(db: None, django_user_model: Any) -> Customer:
    user = django_user_model.objects.create_user("c13800000002", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(user=user, phone="13800000002", name="李雷")


@pytest.fixture
def staff(db: None, django_user_model: Any) -> Staff:
    """Make a staff user in a role (an agent by default)."""

    def make(username: str, group: str = roles.AGENT) -> Any:
        user = django_user_model.objects.create_user(username, password="x")
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


def as_user(user: Any) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(url, body or {}, content_type="application/json", **headers)


@pytest.fixture
def other(django_user_model: Any) -> Customer:
    user = django_user_model.objects.create_user("c13900000009", password="x")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(user=user, phone="13900000009", name="韩梅梅")


def start(client: Client, **body: Any) -> dict[str, Any]:
    """A web chat started through the API (201), as its answer."""
    response = post(client, f"{API}/contacts", {"contact_type": "consultation", **body})
    assert response.status_code == 201, response.json()
    answer: dict[str, Any] = response.json()
    return answer


def waiting(contact_type: str, *, at: Any, hazard: bool = False) -> Contact:
    """A contact in the queue since ``at``."""
    return Contact.objects.create(
        contact_type=contact_type,
        channel=Channel.WEB_CHAT,
        status=ContactStatus.QUEUED,
        safety_hazard=hazard,
        created_at=at,
        queued_at=at,
    )


def answered(contact_type: str, waited: int, *, at: Any, agent: AgentProfile) -> Assignment:
    """A contact that waited ``waited`` seconds, answered by ``agent`` at ``at`` (and closed)."""
    contact = Contact.objects.create(
        contact_type=contact_type,
        channel=Channel.WEB_CHAT,
        status=ContactStatus.CLOSED,
        created_at=at - timedelta(seconds=waited),
        queued_at=at - timedelta(seconds=waited),
        assigned_at=at,
        closed_at=at + timedelta(minutes=10),
        agent=agent,
    )
    return Assignment.objects.create(
        contact=contact, agent=agent, at=at, waited_seconds=waited, reason={"class": "x"}
    )
