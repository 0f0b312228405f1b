"""The staff password lock (issue 24 item 5): wrong passwords lock the account and the address,
on the staff page and the admin's, with a localised message and the wait; after the lock time
the right password works again. Before it, 100 wrong passwords in 25 s were all answered and
the right one then worked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from fairdesk.core import roles

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
STAFF = "/staff/login/"
ADMIN = "/admin/login/"
HOME = "203.0.113.10"  # documentation addresses (RFC 5737): strings only, nothing is sent
OTHER = "203.0.113.20"


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.STAFF_LOGIN_LOCK_FAILURES_PER_IP = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def staff(username: str, **fields: Any) -> Any:
    return get_user_model().objects.create_user(username, password=PASSWORD, **fields)


def attempt(client: Client, username: str, password: str, *, url: str = STAFF, **meta: str) -> Any:
    return client.post(url, {"username": username, "password": password}, **meta)  # type: ignore[arg-type]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_then_the_lock_ends() -> None:
    staff("agent1", is_staff=True)
    client = Client(REMOTE_ADDR=HOME)
    for _n in range(2):
        response = attempt(client, "agent1", "wrong")
        assert response.status_code == 200
        assert "用户名和密码" in response.content.decode()  # Django's "wrong password"
    locking = attempt(client, "agent1", "wrong")  # the third: the lock, said at once
    assert locking.status_code == 429
    assert "密码错误次数过多" in locking.content.decode()
    assert "15 分钟" in locking.content.decode()
    # the right password is refused while the lock lasts, on both sign-in pages, from anywhere
    for url, address in ((STAFF, HOME), (ADMIN, HOME), (STAFF, OTHER)):
        other = Client(REMOTE_ADDR=address)
        response = attempt(other, "agent1", PASSWORD, url=url)
        assert response.status_code == 429, url
        assert "密码错误次数过多" in response.content.decode()
        assert int(response["Retry-After"]) > 0
        assert not signed_in(other)
    # in English too, with the wait; refused attempts neither count nor extend the lock
    response = attempt(client, "agent1", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert "Too many wrong passwords were entered for this account" in text
    assert "try again in 15 minutes" in text
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 3
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = attempt(client, "agent1", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 429
        assert "try again in 5 minutes" in response.content.decode()
    # after the lock time the right password works again
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = attempt(client, "agent1", PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_the_admin_login_is_locked_the_same_way() -> None:
    staff("boss", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=HOME)
    for _n in range(3):
        response = attempt(client, "boss", "wrong", url=ADMIN)
    assert response.status_code == 429
    assert "密码错误次数过多" in response.content.decode()
    assert 'name="username"' in response.content.decode()  # the admin's own form, again
    response = attempt(client, "boss", PASSWORD, url=ADMIN)
    assert response.status_code == 429 and not signed_in(client)


def test_many_user_names_from_one_address_lock_the_address() -> None:
    staff("agent2")
    client = Client(REMOTE_ADDR=HOME)
    for n in range(5):  # five names, one wrong password each: no account reaches its limit
        response = attempt(client, f"guess{n}", "wrong")
    assert response.status_code == 429
    assert "从您的网络" in response.content.decode()
    response = attempt(client, "agent2", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and not signed_in(client)
    assert "entered from your network" in response.content.decode()
    # another address is not locked, and neither is the account
    elsewhere = Client(REMOTE_ADDR=OTHER)
    assert attempt(elsewhere, "agent2", PASSWORD).status_code == 302


def test_behind_the_proxy_the_forwarded_address_counts_and_only_then(settings: Any) -> None:
    """In HTTPS mode (TRUSTED_PROXY_HOPS=1) the client is the proxy's X-Forwarded-For; without
    it a client's own X-Forwarded-For is not believed (it cannot dodge the address lock)."""
    staff("agent3")
    proxy = "127.0.0.1"
    settings.TRUSTED_PROXY_HOPS = 1
    for n in range(5):
        attempt(
            Client(REMOTE_ADDR=proxy),
            f"guess{n}",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {HOME}",
        )
    locked = attempt(Client(REMOTE_ADDR=proxy), "agent3", PASSWORD, HTTP_X_FORWARDED_FOR=HOME)
    assert locked.status_code == 429
    assert (
        attempt(
            Client(REMOTE_ADDR=proxy), "agent3", PASSWORD, HTTP_X_FORWARDED_FOR=OTHER
        ).status_code
        == 302
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}

    AccessAttempt.objects.all().delete()
    settings.TRUSTED_PROXY_HOPS = 0
    for n in range(5):  # a forged header per attempt: the address is still REMOTE_ADDR
        attempt(Client(REMOTE_ADDR=HOME), f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    forged = attempt(Client(REMOTE_ADDR=HOME), "agent3", PASSWORD, HTTP_X_FORWARDED_FOR=OTHER)
    assert forged.status_code == 429


def test_only_brand_administrators_see_the_lock_records_in_the_admin() -> None:
    roles.sync_roles()
    attempt(Client(REMOTE_ADDR=HOME), "someone", "wrong")
    pages = [
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
    ]
    for role in roles.STAFF_ROLES:
        user = staff(f"r-{role}", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        for page in pages:
            status = client.get(page).status_code
            assert status == (200 if role == roles.BRAND_ADMIN else 403), (role, page)
        index = client.get("/admin/").content.decode()
        assert ("/admin/axes/accessattempt/" in index) == (role == roles.BRAND_ADMIN), role
