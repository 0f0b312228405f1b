"""Property tests through the real services and database (guarantee F3 and the ledger).

Each Hypothesis example runs in its own savepoint, rolled back at the end; the outbox and the
gateway calls that run after commit are executed by ``captureOnCommitCallbacks``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.test import TestCase
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from time_machine import Traveller

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.plans import proration, selectors
from fairdesk.plans.choices import Channel, RefundTo, TimingRule
from fairdesk.plans.models import ChangePolicy, LedgerEntry, Plan, Subscription
from fairdesk.plans.services.changes import (
    change_accept_offer,
    change_confirm,
    change_start,
    change_undo,
)
from fairdesk.plans.services.renewals import plans_process_due
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text, subscription_start
from fairdesk.plans.tests.conftest import T0
from fairdesk.plans.tests.devices import device_for

pytestmark = pytest.mark.django_db

DB_SETTINGS = settings(
    # CI runs 40 examples; PLANS_PROPERTY_EXAMPLES=1000 for a deeper search by hand
    max_examples=int(os.environ.get("PLANS_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_phones = itertools.count(13900000000)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run an example in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def committed() -> AbstractContextManager[list[Callable[[], Any]]]:
    """What runs after a commit (gateway calls, message delivery) runs at the end of the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _customer() -> Customer:
    return Customer.objects.create(phone=str(next(_phones)))


def _subscribe(plan: Plan, *, method: str = "demo-card", auto_renew: bool = True) -> Subscription:
    customer = _customer()
    text = consent_text(plan, language=customer.language) if auto_renew else ""
    return subscription_start(
        customer=customer,
        plan=plan,
        payment_method=method,
        auto_renew=auto_renew,
        consent_text_shown=text,
        device=device_for(customer, plan),
    )


def _pairs() -> list[tuple[str, str]]:
    """Every pair P < Q of plans in the same family (by declared rank)."""
    pairs = []
    for plan in Plan.objects.all():
        for other in Plan.objects.filter(family=plan.family, tier_rank__gt=plan.tier_rank):
            pairs.append((plan.code, other.code))
    return pairs


@DB_SETTINGS
@given(data=st.data(), seconds=st.integers(min_value=0, max_value=365 * 86400 - 1))
def test_charge_up_equals_credit_down_through_the_services(
    catalog: dict[str, Plan], data: st.DataObject, seconds: int
) -> None:
    p_code, q_code = data.draw(st.sampled_from(_pairs()))
    p, q = Plan.objects.get(code=p_code), Plan.objects.get(code=q_code)
    with rolled_back(), time_machine.travel(T0, tick=False) as clock:
        with committed():
            on_p, on_q = _subscribe(p), _subscribe(q)
        end = on_p.period_end
        t = min(T0 + timedelta(seconds=seconds), end - timedelta(seconds=1))
        clock.move_to(t)
        with committed():
            up = change_confirm(
                attempt_id=change_start(subscription=on_p, to_plan=q, channel=Channel.API).pk,
                channel=Channel.API,
            )
            down = change_confirm(
                attempt_id=change_start(subscription=on_q, to_plan=p, channel=Channel.API).pk,
                channel=Channel.API,
            )
        exact = proration.exact_difference(p.price_fen, q.price_fen, T0, end, t)
        assert up.charge_fen == down.credit_fen
        assert abs(up.charge_fen - exact) <= Fraction(1, 2)
        assert up.credit_fen == down.charge_fen == 0
        for sub in (on_p, on_q):
            assert selectors.ledger_problems(sub) == []


operations = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=0, max_value=400 * 24)),  # hours
        st.tuples(st.just("change"), st.integers(0, 20), st.sampled_from(list(RefundTo.values))),
        st.tuples(st.just("accept_offer")),
        st.tuples(st.just("undo")),
        st.tuples(st.just("method"), st.sampled_from(["demo-card", "demo-declined-card"])),
        st.tuples(st.just("auto_renew"), st.booleans()),
        st.tuples(
            st.just("policy"), st.sampled_from([TimingRule.IMMEDIATE, TimingRule.PERIOD_END])
        ),
    ),
    min_size=1,
    max_size=12,
)


@DB_SETTINGS
@given(
    data=st.data(),
    ops=operations,
    method=st.sampled_from(["demo-card", "demo-declined-card"]),
)
def test_ledger_balances_after_any_sequence(
    catalog: dict[str, Plan], data: st.DataObject, ops: list[tuple[Any, ...]], method: str
) -> None:
    plans = list(Plan.objects.order_by("code"))
    first = data.draw(st.sampled_from(plans))
    with rolled_back(), time_machine.travel(T0, tick=False) as clock:
        with committed():
            sub = _subscribe(first, method=method)
        now = T0
        for op in ops:
            sub.refresh_from_db()
            try:
                with committed():
                    _apply(op, sub, plans, clock, now)
                if op[0] == "advance":
                    now += timedelta(hours=op[1])
                event(f"{op[0]} ok")
            except DomainError as exc:  # e.g. a change to a plan that has ended: refused
                event(f"{op[0]} refused: {exc.code}")
            sub.refresh_from_db()
            assert selectors.ledger_problems(sub) == [], (op, selectors.ledger_balances(sub))
        total = LedgerEntry.objects.filter(subscription=sub).aggregate(s=Sum("amount_fen"))["s"]
        assert (total or 0) == 0
        event(f"final status {sub.status}")
        event(f"refunds {sub.refunds.count() > 0}, open invoices {selectors.open_due_fen(sub) > 0}")


def _apply(
    op: tuple[Any, ...], sub: Subscription, plans: list[Plan], clock: Traveller, now: datetime
) -> None:
    """Carry out one operation of a random sequence."""
    if op[0] == "advance":
        clock.move_to(now + timedelta(hours=op[1]))
        plans_process_due()
    elif op[0] == "change":
        # the plans it may change to (its family and the related ones); once it has ended,
        # any plan (refused)
        options = selectors.change_options(sub, at=now)
        targets = [o.to_plan for o in options] or [p for p in plans if p.pk != sub.plan_id]
        choices = [None, *targets]
        target = choices[op[1] % len(choices)]
        attempt = change_start(subscription=sub, to_plan=target, channel=Channel.API)
        change_confirm(attempt_id=attempt.pk, channel=Channel.API, refund_to=op[2])
    elif op[0] == "accept_offer":
        candidate = change_start(subscription=sub, to_plan=None, channel=Channel.API)
        if candidate.offer_id:
            change_accept_offer(attempt_id=candidate.pk, channel=Channel.API)
    elif op[0] == "undo":
        scheduled = selectors.scheduled_change(sub)
        if scheduled:
            change_undo(change_id=scheduled.pk, channel=Channel.API)
    elif op[0] == "method":
        Subscription.objects.filter(pk=sub.pk).update(payment_method=op[1])
    elif op[0] == "auto_renew":
        text = consent_text(sub.plan, language=sub.customer.language) if op[1] else ""
        auto_renew_set(subscription=sub, on=op[1], consent_text_shown=text)
    elif op[0] == "policy":
        ChangePolicy.objects.filter(pk=1).update(timing_rule=op[1])
