"""Changes of plan — upgrade, downgrade, switch, cancel — all in the same two steps, whoever
carries them out (the customer on the portal or through the API, an agent in the console):

1. choose (``change_start``): record the attempt and its preview (``selectors.change_quote``),
   with at most one retention offer; when the customer may choose the timing, switching it on
   the preview (``change_retime``) is not a step;
2. confirm (``change_confirm``: ``check_change_confirm``, then ``do_change_confirm``): carry out
   the change with the amounts shown, honoured for 30 minutes (``quote_expired`` after that, or
   when the subscription moved on). Nothing else is ever needed: no agent, no call, no open
   balance paid first, no waiting window.

Instead of confirming, the customer may take the offer shown (``change_accept_offer``); a
scheduled change can be undone until it takes effect (``change_undo``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer
from fairdesk.plans.choices import (
    AttemptOutcome,
    ChangeStatus,
    EndReason,
    InvoiceKind,
    OfferResponse,
    PlanEventKind,
    RefundTo,
    Timing,
)
from fairdesk.plans.covers import check_change_target
from fairdesk.plans.models import ChangeAttempt, Plan, PlanChange, Subscription
from fairdesk.plans.selectors import (
    CreditSplit,
    Quote,
    access_attempt,
    access_change,
    access_subscription,
    change_quote,
    check_on_sale,
    no_split,
    offer_for,
    policy_get,
    quote_expired,
    scheduled_change,
    timing_choices,
)
from fairdesk.plans.services.audit import event_record, recorded_actor
from fairdesk.plans.services.billing import credit_unused_time, invoice_issue
from fairdesk.plans.services.messages import (
    tell_change_confirmed,
    tell_change_undone,
    tell_offer_accepted,
)
from fairdesk.plans.services.subscriptions import check_live, subscription_end

MAX_REASON = 300


def _finished() -> DomainError:
    return DomainError(_("This change is already finished."), code="attempt_finished", status=409)


# --------------------------------------------------------------------------------------------
# Step 1: choose (the preview)
# --------------------------------------------------------------------------------------------


def check_timing(timing: str | None) -> str:
    """The timing of a change: the policy's (the first of its choices) when none is asked for;
    one the policy does not offer is 422 ``timing_not_available``."""
    policy = policy_get()
    choices = timing_choices(policy)
    if timing in (None, ""):
        return choices[0]
    if timing not in choices:
        raise DomainError(
            _("This catalog applies changes %(rule)s; that timing is not available.")
            % {"rule": policy.get_timing_rule_display().lower()},
            code="timing_not_available",
            status=422,
        )
    return timing


def check_change_start(sub: Subscription, to_plan: Plan | None) -> None:
    """A live plan, changed to another plan on sale that may replace it
    (``covers.check_change_target``: its family or a related one, covering its device), or
    cancelled."""
    check_live(sub)
    if to_plan is not None:
        if to_plan.pk == sub.plan_id:
            raise DomainError(_("This is already your plan."), code="same_plan", status=422)
        check_on_sale(to_plan)
        check_change_target(sub, to_plan)


def change_start(
    *,
    subscription: Subscription,
    to_plan: Plan | None,
    channel: str,
    actor: Any = None,
    timing: str | None = None,
    now: datetime | None = None,
) -> ChangeAttempt:
    """Step 1, choose: record the attempt and compute its preview (amounts, effective date)."""
    now = now or timezone.now()
    sub = subscription
    if actor is not None:
        access_subscription(actor, sub.pk)
    check_change_start(sub, to_plan)
    timing = check_timing(timing)
    quote = change_quote(sub, to_plan, timing=timing, at=now)
    offer = offer_for(sub, quote.kind, at=now)
    with transaction.atomic():
        attempt = ChangeAttempt.objects.create(
            subscription=sub,
            channel=channel,
            actor=recorded_actor(actor),
            kind=quote.kind,
            from_plan=sub.plan,
            to_plan=to_plan,
            timing=timing,
            steps=1,
            started_at=now,
            quoted_at=now,
            quoted_charge_fen=quote.charge_fen,
            quoted_credit_fen=quote.credit_fen,
            quoted_effective_at=quote.effective_at,
            offer=offer,
            offer_response=OfferResponse.SHOWN if offer else OfferResponse.NONE,
            offer_shown_at=now if offer else None,
        )
        event_record(
            sub,
            PlanEventKind.CHANGE_STARTED,
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            change=quote.kind,
            to_plan=to_plan.code if to_plan else None,
            timing=timing,
            charge_fen=quote.charge_fen,
            credit_fen=quote.credit_fen,
        )
        if offer:
            event_record(
                sub,
                PlanEventKind.OFFER_SHOWN,
                at=now,
                channel=channel,
                actor=actor,
                attempt=attempt,
                offer=offer.code,
            )
    return attempt


def change_retime(
    *, attempt: ChangeAttempt, timing: str, actor: Any = None, now: datetime | None = None
) -> ChangeAttempt:
    """On the preview, when the customer may choose: switch between the two timings (not a step)."""
    now = now or timezone.now()
    if actor is not None:
        access_attempt(actor, attempt.pk)
    timing = check_timing(timing)
    if attempt.outcome != AttemptOutcome.OPEN:
        raise _finished()
    # the amounts of both timings are shown side by side, computed at the same instant: keep it
    # while the preview is valid
    at = now if quote_expired(attempt, now=now) else attempt.quoted_at
    quote = change_quote(attempt.subscription, attempt.to_plan, timing=timing, at=at)
    attempt.timing = timing
    attempt.quoted_at = at
    attempt.quoted_charge_fen = quote.charge_fen
    attempt.quoted_credit_fen = quote.credit_fen
    attempt.quoted_effective_at = quote.effective_at
    attempt.save()
    return attempt


# --------------------------------------------------------------------------------------------
# Step 2: confirm, or take the offer instead
# --------------------------------------------------------------------------------------------


def _lock_open_attempt(actor: Any, attempt_id: int, now: datetime) -> ChangeAttempt:
    """The attempt, open and with its preview still valid, its subscription and itself locked."""
    attempt = access_attempt(actor, attempt_id, lock=True)
    sub = attempt.subscription
    if attempt.outcome != AttemptOutcome.OPEN:
        raise _finished()
    check_live(sub)
    if sub.plan_id != attempt.from_plan_id or not (sub.period_start <= attempt.quoted_at):
        raise DomainError(
            _(
                "This subscription was changed after this preview was made (another change was "
                "confirmed); please start again to see what the change would do now."
            ),
            code="quote_expired",
            status=409,
        )
    if quote_expired(attempt, now=now):
        raise DomainError(
            _("The preview is out of date; please review the new amounts and confirm again."),
            code="quote_expired",
            status=409,
        )
    return attempt


def _lock_customer(actor: Any, attempt_id: int) -> None:
    """The customer's row, locked first (the lock order): a change into another family and a
    new subscription for the same device wait for each other, so a device never gets two
    plans of one family."""
    customer_id = access_attempt(actor, attempt_id).subscription.customer_id
    Customer.objects.select_for_update(of=("self",)).get(pk=customer_id)


def _finish_attempt(attempt: ChangeAttempt, outcome: str, *, now: datetime, reason: str) -> None:
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.steps = 2
    attempt.survey_reason = reason
    if attempt.offer_response == OfferResponse.SHOWN:
        attempt.offer_response = (
            OfferResponse.ACCEPTED
            if outcome == AttemptOutcome.OFFER_ACCEPTED
            else OfferResponse.DECLINED
        )
    attempt.save()


def check_change_confirm(*, refund_to: str, reason: str) -> str:
    """What the customer says with a confirmation: where a credit goes and, optionally, why.
    Returns the reason, trimmed."""
    if refund_to not in RefundTo.values:
        raise DomainError(_("Choose where a refund goes."), code="invalid_refund_to", status=422)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("The reason is limited to %(n)d characters.") % {"n": MAX_REASON},
            code="reason_too_long",
            status=422,
        )
    return reason


def do_change_confirm(
    *,
    attempt_id: int,
    actor: Any,
    channel: str,
    refund_to: str,
    reason: str,
    now: datetime,
) -> PlanChange:
    """Carry out the previewed change with the amounts shown, in one transaction. A change
    confirmed while another is scheduled replaces it (the scheduled one is undone)."""
    with transaction.atomic():
        _lock_customer(actor, attempt_id)
        attempt = _lock_open_attempt(actor, attempt_id, now)
        sub = attempt.subscription
        if attempt.to_plan is not None:
            check_change_target(sub, attempt.to_plan)
        quote = change_quote(sub, attempt.to_plan, timing=attempt.timing, at=attempt.quoted_at)
        previous = scheduled_change(sub)
        if previous is not None:
            previous.status, previous.undone_at = ChangeStatus.UNDONE, now
            previous.save(update_fields=["status", "undone_at"])
            event_record(
                sub,
                PlanEventKind.CHANGE_UNDONE,
                at=now,
                channel=channel,
                actor=actor,
                change=previous.pk,
                replaced_by_attempt=attempt.pk,
            )
        immediate = attempt.timing == Timing.IMMEDIATE
        change = PlanChange.objects.create(
            subscription=sub,
            attempt=attempt,
            kind=attempt.kind,
            from_plan=sub.plan,
            to_plan=attempt.to_plan,
            timing=attempt.timing,
            received_at=now,
            effective_at=now if immediate else sub.period_end,
            status=ChangeStatus.APPLIED if immediate else ChangeStatus.SCHEDULED,
            applied_at=now if immediate else None,
            charge_fen=quote.charge_fen,
            credit_fen=quote.credit_fen,
            refund_to=refund_to,
        )
        split = no_split()
        if immediate:
            split = _apply_now(sub, change, quote, refund_to=refund_to, now=now)
            change.credit_settled_fen = split["settled"]
            change.credit_refunded_fen = split["refunded"]
            change.credit_kept_fen = split["account_credit"]
            change.save(
                update_fields=["credit_settled_fen", "credit_refunded_fen", "credit_kept_fen"]
            )
        _finish_attempt(attempt, AttemptOutcome.CONFIRMED, now=now, reason=reason)
        if attempt.offer is not None:
            event_record(
                sub,
                PlanEventKind.OFFER_DECLINED,
                at=now,
                channel=channel,
                actor=actor,
                attempt=attempt,
                offer=attempt.offer.code,
            )
        event_record(
            sub,
            PlanEventKind.CHANGE_CONFIRMED,
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            change=change.pk,
            change_kind=change.kind,
            to_plan=change.to_plan.code if change.to_plan else None,
            timing=change.timing,
            effective_at=change.effective_at.isoformat(),
            charge_fen=change.charge_fen,
            credit_fen=change.credit_fen,
            **split,
        )
        tell_change_confirmed(sub, change, split)
    return change


def change_confirm(
    *,
    attempt_id: int,
    actor: Any = None,
    channel: str,
    refund_to: str = RefundTo.ORIGINAL,
    reason: str = "",
    now: datetime | None = None,
) -> PlanChange:
    """Step 2, confirm (``check_change_confirm``, then ``do_change_confirm``).

    Never needs more than an upgrade: no agent, no call, no open balance paid first, no window.
    """
    reason = check_change_confirm(refund_to=refund_to, reason=reason)
    return do_change_confirm(
        attempt_id=attempt_id,
        actor=actor,
        channel=channel,
        refund_to=refund_to,
        reason=reason,
        now=now or timezone.now(),
    )


def _apply_now(
    sub: Subscription, change: PlanChange, quote: Quote, *, refund_to: str, now: datetime
) -> CreditSplit:
    """An immediate change: credit the unused time, then end the plan (cancel) or move to the
    new plan (charging what the quote says)."""
    split = no_split()
    if quote.credit_fen:
        split = credit_unused_time(
            sub, quote.credit_fen, refund_to=refund_to, at=now, change=change
        )
    to_plan = change.to_plan
    if to_plan is None:
        subscription_end(sub, EndReason.CANCELLED, at=now)
        return split
    if quote.new_price_fen is None or quote.new_period_end is None:
        raise AssertionError("a change to a plan is quoted with the new price and period")
    same_period = quote.new_period_end == sub.period_end
    sub.plan = to_plan
    sub.period_price_fen = quote.new_price_fen
    sub.discount_percent = sub.discount_periods = 0
    if not same_period:  # the new plan's period starts when its price was quoted
        sub.period_start, sub.period_end = quote.quoted_at, quote.new_period_end
    if sub.auto_renew and not to_plan.auto_renew:
        sub.auto_renew = False
    sub.save()
    if quote.charge_fen:
        invoice_issue(
            sub,
            kind=InvoiceKind.CHANGE,
            plan=to_plan,
            amount_fen=quote.charge_fen,
            covers_from=now,
            covers_until=sub.period_end,
            at=now,
            change=change,
        )
    return split


def change_accept_offer(
    *, attempt_id: int, actor: Any = None, channel: str, now: datetime | None = None
) -> ChangeAttempt:
    """The customer takes the retention offer shown with this attempt: no change is made, the
    discount applies to the next renewals."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _lock_open_attempt(actor, attempt_id, now)
        sub, offer = attempt.subscription, attempt.offer
        if offer is None or attempt.offer_response != OfferResponse.SHOWN:
            raise DomainError(_("No offer was made with this change."), code="no_offer", status=409)
        sub.discount_percent, sub.discount_periods = offer.discount_percent, offer.periods
        sub.save(update_fields=["discount_percent", "discount_periods"])
        _finish_attempt(attempt, AttemptOutcome.OFFER_ACCEPTED, now=now, reason="")
        event_record(
            sub,
            PlanEventKind.OFFER_ACCEPTED,
            at=now,
            channel=channel,
            actor=actor,
            attempt=attempt,
            offer=offer.code,
        )
        tell_offer_accepted(sub, offer, at=now)
    return attempt


# --------------------------------------------------------------------------------------------
# Undo
# --------------------------------------------------------------------------------------------


def change_undo(
    *, change_id: int, actor: Any = None, channel: str, now: datetime | None = None
) -> PlanChange:
    """Undo a scheduled change before it takes effect (one action)."""
    now = now or timezone.now()
    with transaction.atomic():
        change = access_change(actor, change_id, lock=True)
        sub = change.subscription
        if change.status != ChangeStatus.SCHEDULED or change.effective_at <= now:
            raise DomainError(
                _("Only a change that has not taken effect yet can be undone."),
                code="change_not_undoable",
                status=409,
            )
        change.status, change.undone_at = ChangeStatus.UNDONE, now
        change.save(update_fields=["status", "undone_at"])
        event_record(
            sub, PlanEventKind.CHANGE_UNDONE, at=now, channel=channel, actor=actor, change=change.pk
        )
        tell_change_undone(sub, change, at=now)
    return change
