"""Calling the plans API in tests: a client signed in for every request, the calls, and what
a refused call must leave untouched."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fairdesk.plans.models import (
    ChangeAttempt,
    Invoice,
    LedgerEntry,
    PlanChange,
    Refund,
    Subscription,
)

API = "/api/v1"


class SignedIn(Client):
    """A client signed in as ``user`` for every request (tests move the clock past a session's
    two weeks)."""

    def __init__(self, user: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    def request(self, **request: Any) -> Any:
        self.force_login(self.user)
        return super().request(**request)


def as_user(user: Any, language: str = "zh-hans") -> Client:
    return SignedIn(user, headers={"accept-language": language})


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(f"{API}{url}", body or {}, content_type="application/json", **headers)


def get(client: Client, url: str, **kw: Any) -> Any:
    return client.get(f"{API}{url}", **kw)


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


def change(client: Client, sub_id: int, to_plan: str | None, **confirm: Any) -> tuple[Any, Any]:
    """A change through the API: the same two calls for every kind of change."""
    started = post(client, f"/subscriptions/{sub_id}/changes", {"to_plan": to_plan})
    assert started.status_code == 201, started.json()
    confirmed = post(client, f"/changes/{started.json()['id']}/confirm", confirm)
    return started, confirmed


def snapshot(sub: Subscription) -> tuple[Any, ...]:
    """What a failed call must leave untouched."""
    sub.refresh_from_db()
    return (
        sub.plan_id,
        sub.status,
        sub.period_end,
        sub.auto_renew,
        PlanChange.objects.filter(subscription=sub).count(),
        LedgerEntry.objects.filter(subscription=sub).count(),
        Invoice.objects.filter(subscription=sub).count(),
        Refund.objects.filter(subscription=sub).count(),
        ChangeAttempt.objects.filter(subscription=sub, outcome="open").count(),
    )
