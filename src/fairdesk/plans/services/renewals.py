"""Time: renewals and ends at the period end, lapses after the grace period, renewal reminders,
and the worker's minute (``plans_process_due``, run every minute by ``tasks.py``).

Each step is idempotent and keyed by the clock (amounts and dates are stored), so a worker that
was down catches up period by period, and two runs at once do not charge, refund or remind twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fairdesk.notifications.models import Message
from fairdesk.plans import proration
from fairdesk.plans.choices import (
    PERIOD_MONTHS,
    AttemptOutcome,
    ChangeStatus,
    Channel,
    EndReason,
    InvoiceKind,
    InvoiceStatus,
    PlanEventKind,
    RefundStatus,
    SubscriptionStatus,
)
from fairdesk.plans.models import ChangeAttempt, Invoice, Refund, Subscription
from fairdesk.plans.selectors import (
    LIVE,
    lock_subscription,
    policy_get,
    renewal_amount,
    renewal_price,
    scheduled_change,
)
from fairdesk.plans.services.audit import event_record
from fairdesk.plans.services.billing import invoice_collect, invoice_issue, refund_execute
from fairdesk.plans.services.messages import renewal_reminder_key, tell_renewal_reminder
from fairdesk.plans.services.subscriptions import subscription_end

log = logging.getLogger("fairdesk.plans")

#: An open attempt untouched for this long is counted as abandoned.
ABANDON_AFTER = timedelta(hours=24)
#: Failed payments and refunds are retried this often.
RETRY_EVERY = timedelta(hours=6)
#: A payment or refund this fresh is left to the call made after its commit.
AFTER_COMMIT_GRACE = timedelta(minutes=2)


def subscription_roll(*, subscription_id: int, now: datetime | None = None) -> Subscription:
    """Bring a subscription up to ``now``: at each period end reached, apply the scheduled change,
    then renew (auto-renewal on) or end. A worker that was down catches up period by period."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = lock_subscription(subscription_id)
        while sub.status in LIVE and sub.period_end <= now:
            boundary = sub.period_end
            change = scheduled_change(sub)
            if change is not None and change.effective_at <= boundary:
                change.status, change.applied_at = ChangeStatus.APPLIED, now
                change.save(update_fields=["status", "applied_at"])
                event_record(
                    sub,
                    PlanEventKind.CHANGE_APPLIED,
                    at=now,
                    channel=Channel.SYSTEM,
                    change=change.pk,
                    effective_at=boundary.isoformat(),
                )
                if change.to_plan is None:
                    subscription_end(sub, EndReason.CANCELLED, at=boundary)
                    break
                sub.plan = change.to_plan
                sub.discount_percent = sub.discount_periods = 0
                if sub.auto_renew and not sub.plan.auto_renew:
                    sub.auto_renew = False
            if not sub.auto_renew:
                subscription_end(sub, EndReason.NOT_RENEWED, at=boundary)
                break
            price = renewal_price(sub, sub.plan, boundary)
            if sub.discount_periods:
                sub.discount_periods -= 1
                if not sub.discount_periods:
                    sub.discount_percent = 0
            end = proration.add_months(boundary, PERIOD_MONTHS[sub.plan.period])
            sub.period_start, sub.period_end, sub.period_price_fen = boundary, end, price
            sub.save()
            event_record(
                sub,
                PlanEventKind.RENEWED,
                at=now,
                channel=Channel.SYSTEM,
                plan=sub.plan.code,
                fen=price,
                period_start=boundary.isoformat(),
                period_end=end.isoformat(),
            )
            invoice_issue(
                sub,
                kind=InvoiceKind.RENEWAL,
                plan=sub.plan,
                amount_fen=price,
                covers_from=boundary,
                covers_until=end,
                at=now,
            )
        return sub


def subscription_lapse(*, subscription_id: int, now: datetime | None = None) -> Subscription:
    """The grace period is over and a payment is still missing: the plan ends and what it still
    asked for is written off (fairdesk does not chase a lapsed plan)."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = lock_subscription(subscription_id)
        if (
            sub.status != SubscriptionStatus.PAST_DUE
            or not sub.grace_until
            or sub.grace_until > now
        ):
            return sub
        subscription_end(sub, EndReason.PAYMENT_FAILED, at=now)
        return sub


def renewal_reminders_send(*, now: datetime | None = None) -> int:
    """Before every auto-renewal charge: the date, the amount and a direct link to change or
    cancel, exactly once per period (the dedupe key is the subscription and its period end)."""
    now = now or timezone.now()
    days = policy_get().renewal_reminder_days
    sent = 0
    due = Subscription.objects.filter(
        status__in=LIVE,
        auto_renew=True,
        period_end__gt=now,
        period_end__lte=now + timedelta(days=days),
    ).select_related("plan", "customer")
    for sub in due:
        plan, amount = renewal_amount(sub)
        if plan is None or Message.objects.filter(dedupe_key=renewal_reminder_key(sub)).exists():
            continue  # nothing will be charged, or reminded already (the key makes it once)
        with transaction.atomic():
            tell_renewal_reminder(sub, plan, amount)
            event_record(
                sub,
                PlanEventKind.RENEWAL_REMINDER,
                at=now,
                channel=Channel.SYSTEM,
                fen=amount,
                renews_at=sub.period_end.isoformat(),
            )
            sent += 1
    return sent


def plans_process_due(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's minute: renewals and ends, lapses, reminders, retries, abandoned attempts."""
    now = now or timezone.now()
    counts = {
        "rolled": 0,
        "lapsed": 0,
        "reminders": 0,
        "collected": 0,
        "refunds": 0,
        "abandoned": 0,
    }

    def each(key: str, work: Callable[[int], object], pks: Iterable[int]) -> None:
        # one failing subscription, invoice or refund must not stop the rest of the minute
        for pk in list(pks):
            try:
                work(pk)
                counts[key] += 1
            except Exception:
                log.exception("plans: %s %s failed; will retry", key, pk)

    each(
        "rolled",
        lambda pk: subscription_roll(subscription_id=pk, now=now),
        Subscription.objects.filter(status__in=LIVE, period_end__lte=now).values_list(
            "pk", flat=True
        ),
    )
    each(
        "lapsed",
        lambda pk: subscription_lapse(subscription_id=pk, now=now),
        Subscription.objects.filter(
            status=SubscriptionStatus.PAST_DUE, grace_until__lte=now
        ).values_list("pk", flat=True),
    )
    try:
        counts["reminders"] = renewal_reminders_send(now=now)
    except Exception:
        log.exception("plans: renewal reminders failed; will retry")
    retry_before = now - RETRY_EVERY
    fresh = now - AFTER_COMMIT_GRACE  # just created: the after-commit call is on its way
    each(
        "collected",
        lambda pk: invoice_collect(invoice_id=pk, now=now),
        Invoice.objects.filter(
            Q(last_attempt_at__isnull=True, created_at__lte=fresh)
            | Q(last_attempt_at__lte=retry_before),
            status=InvoiceStatus.OPEN,
            subscription__status__in=LIVE,
        ).values_list("pk", flat=True),
    )
    each(
        "refunds",
        lambda pk: refund_execute(refund_id=pk, now=now),
        Refund.objects.exclude(status=RefundStatus.DONE)
        .filter(
            Q(last_attempt_at__isnull=True, created_at__lte=fresh)
            | Q(last_attempt_at__lte=retry_before)
        )
        .values_list("pk", flat=True),
    )
    counts["abandoned"] = ChangeAttempt.objects.filter(
        outcome=AttemptOutcome.OPEN, started_at__lte=now - ABANDON_AFTER
    ).update(outcome=AttemptOutcome.ABANDONED, finished_at=now)
    return counts
