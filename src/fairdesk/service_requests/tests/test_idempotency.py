"""Idempotent creation: a retry with the same key returns the same request, never a second one."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings

from fairdesk.api.models import ApiClient
from fairdesk.api.services import api_token_create
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.core.testing import at_once
from fairdesk.customers.models import Customer
from fairdesk.notifications.models import Message
from fairdesk.service_requests.models import IdempotencyRecord, ServiceRequest
from fairdesk.service_requests.services import intake
from fairdesk.service_requests.services.intake import (
    Filed,
    service_request_create,
    service_request_file,
)


@pytest.fixture
def client_and_customer(db: None, make_customer: Any, make_user: Any) -> tuple[ApiClient, Customer]:
    token, _key = api_token_create(
        client_name="brand-app", user=make_user(roles.INTEGRATION, username="app")
    )
    return token.client, make_customer("13800138000")


def file(client: ApiClient, customer: Customer, key: str | None, **kw: Any) -> Filed:
    kw.setdefault("description", "空调不制冷")
    return service_request_file(
        customer=customer,
        kind="consultation",
        channel="api",
        actor=client.user,
        api_client=client,
        idempotency_key=key,
        **kw,
    )


def create(client: ApiClient, customer: Customer, key: str | None, **kw: Any) -> ServiceRequest:
    return file(client, customer, key, **kw).request


@pytest.mark.django_db
def test_same_key_returns_the_same_request(client_and_customer: Any) -> None:
    client, customer = client_and_customer
    first = file(client, customer, "k-1")
    again = file(client, customer, "k-1")
    assert again.request.pk == first.request.pk
    assert again.request.number == first.request.number
    assert first.replayed is False and again.replayed is True
    assert ServiceRequest.objects.count() == 1
    assert Message.objects.filter(kind="service_request.created").count() == 2  # sms + portal once
    record = IdempotencyRecord.objects.get()
    assert (record.client, record.key, record.service_request) == (client, "k-1", first.request)


@pytest.mark.django_db
def test_same_key_different_body_is_refused(client_and_customer: Any) -> None:
    client, customer = client_and_customer
    first = create(client, customer, "k-1")
    with pytest.raises(DomainError) as exc:
        create(client, customer, "k-1", description="另一个问题")
    assert exc.value.status == 422 and exc.value.code == "idempotency_key_reused"
    assert exc.value.details == {"number": first.number}
    assert ServiceRequest.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_client_and_without_a_key_every_call_creates(
    client_and_customer: Any, make_user: Any
) -> None:
    client, customer = client_and_customer
    other, _key = api_token_create(
        client_name="device-cloud", user=make_user(roles.INTEGRATION, username="dc")
    )
    a = create(client, customer, "k-1")
    b = create(other.client, customer, "k-1")
    assert a.pk != b.pk
    create(client, customer, None)
    create(client, customer, None)
    assert ServiceRequest.objects.count() == 4


@pytest.mark.django_db
def test_signed_in_users_keys_are_per_user(db: None, make_customer: Any) -> None:
    customer = make_customer()
    kw = dict(
        customer=customer,
        kind="complaint",
        channel="portal",
        actor=customer.user,
        description="投诉",
        idempotency_key="form-123",
    )
    first = service_request_create(**kw)
    assert service_request_create(**kw).pk == first.pk
    assert IdempotencyRecord.objects.get().user == customer.user


@pytest.mark.django_db
def test_bad_key_is_refused(client_and_customer: Any) -> None:
    client, customer = client_and_customer
    for key in ("", "x" * 256, "tab\tkey"):
        with pytest.raises(DomainError) as exc:
            create(client, customer, key)
        assert exc.value.code == "invalid_idempotency_key"


@pytest.mark.django_db
def test_a_retry_loses_on_the_unique_constraint_and_returns_the_first_request(
    client_and_customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new key costs no read: the key is claimed by its unique constraint when the request is
    written. A retry (or the loser of a race) fails there, everything it wrote is rolled back,
    and it returns the first request — looked up once, after the failed claim."""
    client, customer = client_and_customer
    real_replay = intake.replay_of
    calls = {"n": 0}

    def counting_replay(claim: Any) -> Any:
        calls["n"] += 1
        return real_replay(claim)

    monkeypatch.setattr(intake, "replay_of", counting_replay)
    winner = file(client, customer, "k-race")
    assert calls["n"] == 0
    loser = file(client, customer, "k-race")
    assert calls["n"] == 1
    assert loser.request.pk == winner.request.pk and loser.replayed is True
    assert ServiceRequest.objects.count() == 1
    assert Message.objects.filter(kind="service_request.created").count() == 2


# ``available_apps`` (all of them): the flush after the test then leaves the tables empty instead
# of re-creating content types, so that a later ``serialized_rollback`` test (the browser tests)
# can restore the migration data whatever ran before.
@pytest.mark.django_db(transaction=True, available_apps=list(django_settings.INSTALLED_APPS))
def test_concurrent_retries_create_one_request(django_user_model: Any) -> None:
    """Eight threads send the same key at once (real concurrent transactions).

    Transactional (each thread commits); it builds what it needs itself (no migration data).
    """
    from django.contrib.auth.models import Group

    app_user = django_user_model.objects.create_user("app")
    app_user.groups.add(Group.objects.get_or_create(name=roles.INTEGRATION)[0])
    token, _key = api_token_create(client_name="brand-app", user=app_user)
    customer = Customer.objects.create(phone="13800138000", name="李雷")

    def call() -> str:
        client = ApiClient.objects.select_related("user").get(pk=token.client_id)
        return create(client, Customer.objects.get(pk=customer.pk), "k-burst").number

    numbers = at_once(call, 8)
    assert not [n for n in numbers if isinstance(n, BaseException)]
    assert len(numbers) == 8 and len(set(numbers)) == 1
    assert ServiceRequest.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert Message.objects.filter(kind="service_request.created").count() == 2


@pytest.mark.django_db
def test_a_late_retry_is_answered_even_if_the_window_has_passed(
    client_and_customer: Any, clock: Any
) -> None:
    from datetime import timedelta

    from fairdesk.service_requests.tests.conftest import T0

    client, customer = client_and_customer
    window = {"preferred_start": T0 + timedelta(hours=1), "preferred_end": T0 + timedelta(hours=3)}
    first = create(client, customer, "k-late", **window)
    clock.move_to(T0 + timedelta(days=1))  # the client retries a day later
    assert create(client, customer, "k-late", **window).pk == first.pk
    with pytest.raises(DomainError) as exc:  # without the key it is a new, invalid request
        create(client, customer, None, **window)
    assert exc.value.code == "invalid_window"


@pytest.mark.django_db
def test_old_keys_are_forgotten_and_the_requests_kept(client_and_customer: Any, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.IDEMPOTENCY_KEY_DAYS = 30
    client, customer = client_and_customer
    old = create(client, customer, "k-old")
    recent = create(client, customer, "k-recent")
    now = timezone.now()
    IdempotencyRecord.objects.filter(key="k-old").update(created_at=now - timedelta(days=31))
    IdempotencyRecord.objects.filter(key="k-recent").update(created_at=now - timedelta(days=29))
    assert intake.idempotency_records_prune(now=now) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-recent"]
    assert set(ServiceRequest.objects.all()) == {old, recent}
    # within the window a retry still replays; after it, the key files a new request
    assert create(client, customer, "k-recent").pk == recent.pk
    assert create(client, customer, "k-old").pk not in (old.pk, recent.pk)
