"""Subscribing, auto-renewal and ending a subscription.

Subscribing is two steps: ``check_subscription`` (every rule, no write: the caller may start
this customer's plan, a payment method, a plan on sale, the consent to auto-renewal as shown, the
customer's own device of a line the plan covers, ``covers.check_plan_device``) then
``do_subscription_start`` (one transaction under the customer's lock: no live plan of the family
for that device yet, then the subscription, the consent, its event, the first invoice and the
confirmation). ``subscription_start`` runs both.

Auto-renewal needs explicit consent: the exact consent text shown (``consent_text``), stored
verbatim with the time, channel and language (``AutoRenewConsent``, append-only). Turning it off
is one action with no questions, recorded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.core.money import yuan_amount
from fairdesk.customers.models import Customer, Device
from fairdesk.plans import proration
from fairdesk.plans.choices import (
    PERIOD_MONTHS,
    Channel,
    EndReason,
    InvoiceKind,
    PlanEventKind,
    SubscriptionStatus,
)
from fairdesk.plans.covers import already_held, check_plan_device, held_cover
from fairdesk.plans.display import plan_name
from fairdesk.plans.models import AutoRenewConsent, Plan, Subscription
from fairdesk.plans.selectors import (
    LIVE,
    access_plan_customer,
    access_subscription,
    check_on_sale,
    customer_language,
    plan_price_at,
    policy_get,
)
from fairdesk.plans.services.audit import event_record, recorded_actor
from fairdesk.plans.services.billing import invoice_issue, write_off_open_invoices
from fairdesk.plans.services.messages import tell_auto_renew, tell_ended, tell_subscribed

MAX_PAYMENT_METHOD = 64


# --------------------------------------------------------------------------------------------
# Consent to auto-renewal
# --------------------------------------------------------------------------------------------


def consent_text(plan: Plan, *, language: str, at: datetime | None = None) -> str:
    """The auto-renewal consent text shown before subscribing (stored verbatim with the consent)."""
    price = plan_price_at(plan, at or timezone.now())
    policy = policy_get()
    with translation.override(language):
        period = {"monthly": _("month"), "yearly": _("year")}[plan.period]
        return _(
            "I agree that %(plan)s renews automatically every %(period)s and that ¥%(price)s "
            "(or a new price announced at least %(notice)d days ahead) is charged to my payment "
            "method at each renewal. I will be reminded %(days)d days before each charge and can "
            "turn auto-renewal off, change or cancel at any time in “My plans”, in as many steps "
            "as an upgrade."
        ) % {
            "plan": plan_name(plan),
            "period": period,
            "price": yuan_amount(price),
            "notice": policy.price_notice_days,
            "days": policy.renewal_reminder_days,
        }


def check_auto_renew_consent(plan: Plan, text: str, *, language: str, at: datetime) -> str:
    """A consent to auto-renewal: the plan must offer it and ``text`` must be the current consent
    text in one of the site's languages, as shown. Returns that language; otherwise 422 with the
    text to show (in ``language``)."""
    if not plan.auto_renew:
        raise DomainError(
            _("This plan does not renew automatically."),
            code="auto_renew_unavailable",
            status=422,
        )
    text = (text or "").strip()
    for code, _name in settings.LANGUAGES:
        if text == consent_text(plan, language=code, at=at):
            return str(code)
    raise DomainError(
        _("Auto-renewal needs your consent to the current text; please review it."),
        code="consent_required",
        status=422,
        details={"consent_text": consent_text(plan, language=language, at=at)},
    )


# --------------------------------------------------------------------------------------------
# Subscribing
# --------------------------------------------------------------------------------------------


def check_live(sub: Subscription) -> None:
    """Only a live plan (active or in its grace period) can be changed (409
    ``subscription_ended``)."""
    if sub.status not in LIVE:
        raise DomainError(_("This plan has ended."), code="subscription_ended", status=409)


def check_payment_method(method: str) -> str:
    method = (method or "").strip()
    if not method or len(method) > MAX_PAYMENT_METHOD:
        raise DomainError(_("Choose a payment method."), code="payment_method_required", status=422)
    return method


@dataclass(frozen=True, slots=True)
class NewSubscription:
    """A subscription that passed ``check_subscription``."""

    customer: Customer
    plan: Plan
    payment_method: str
    auto_renew: bool
    consent_text_shown: str
    language: str  # the customer's, or the language of the consent text agreed to
    device: Device | None
    channel: str
    actor: Any


def check_subscription(
    *,
    customer: Customer,
    plan: Plan,
    payment_method: str,
    auto_renew: bool,
    consent_text_shown: str = "",
    device: Device | None = None,
    channel: str = Channel.PORTAL,
    actor: Any = None,
    now: datetime,
) -> NewSubscription:
    """Every rule of subscribing that needs no lock (403/404/422 with the rule's code)."""
    if actor is not None:
        access_plan_customer(actor, customer.pk)
    method = check_payment_method(payment_method)
    check_on_sale(plan)
    language = customer_language(customer)
    if auto_renew:
        language = check_auto_renew_consent(plan, consent_text_shown, language=language, at=now)
    check_plan_device(customer, plan, device)
    return NewSubscription(
        customer=customer,
        plan=plan,
        payment_method=method,
        auto_renew=auto_renew,
        consent_text_shown=consent_text_shown.strip(),
        language=language,
        device=device,
        channel=channel,
        actor=actor,
    )


def do_subscription_start(new: NewSubscription, *, now: datetime) -> Subscription:
    """Subscribe: the first period is charged now (collected after commit). A device has one
    live plan of a family at most (409 ``already_subscribed``, naming the subscription that
    has it): checked under the customer's lock, and kept by the database for the same plan."""
    customer, plan = new.customer, new.plan
    with transaction.atomic():
        # one subscribe at a time per customer (the first lock of the lock order)
        Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
        held = held_cover(customer, new.device, plan.family)
        if held is not None:
            raise already_held(held, customer, plan)
        price = plan_price_at(plan, now)
        end = proration.add_months(now, PERIOD_MONTHS[plan.period])
        try:
            with transaction.atomic():  # a savepoint: the constraint's refusal is answered
                sub = Subscription.objects.create(
                    customer=customer,
                    plan=plan,
                    device=new.device,
                    period_start=now,
                    period_end=end,
                    period_price_fen=price,
                    auto_renew=new.auto_renew,
                    payment_method=new.payment_method,
                    created_at=now,
                )
        except IntegrityError:
            # the device changed hands while its previous owner's plan still runs
            held = held_cover(customer, new.device, plan.family)
            if held is None:
                raise
            raise already_held(held, customer, plan) from None
        if new.auto_renew:
            AutoRenewConsent.objects.create(
                subscription=sub,
                given=True,
                at=now,
                channel=new.channel,
                actor=recorded_actor(new.actor),
                language=new.language,
                text_shown=new.consent_text_shown,
            )
        event_record(
            sub,
            PlanEventKind.SUBSCRIBED,
            at=now,
            channel=new.channel,
            actor=new.actor,
            plan=plan.code,
            fen=price,
            auto_renew=new.auto_renew,
            device=new.device.pk if new.device is not None else None,
        )
        invoice_issue(
            sub,
            kind=InvoiceKind.INITIAL,
            plan=plan,
            amount_fen=price,
            covers_from=now,
            covers_until=end,
            at=now,
        )
        tell_subscribed(sub, language=new.language, at=now)
    return sub


def subscription_start(
    *,
    customer: Customer,
    plan: Plan,
    payment_method: str,
    auto_renew: bool,
    consent_text_shown: str = "",
    device: Device | None = None,
    channel: str = Channel.PORTAL,
    actor: Any = None,
    now: datetime | None = None,
) -> Subscription:
    """Subscribe ``customer`` to ``plan`` (``check_subscription``, then
    ``do_subscription_start``). Auto-renewal needs the exact current consent text, as shown."""
    now = now or timezone.now()
    new = check_subscription(
        customer=customer,
        plan=plan,
        payment_method=payment_method,
        auto_renew=auto_renew,
        consent_text_shown=consent_text_shown,
        device=device,
        channel=channel,
        actor=actor,
        now=now,
    )
    return do_subscription_start(new, now=now)


# --------------------------------------------------------------------------------------------
# Auto-renewal
# --------------------------------------------------------------------------------------------


def check_auto_renew(sub: Subscription, *, on: bool, consent_text_shown: str, at: datetime) -> str:
    """Turning auto-renewal ``on`` needs the consent text; off needs nothing. The plan must not
    have ended (409 ``subscription_ended``). Returns the language of the record."""
    check_live(sub)
    language = customer_language(sub.customer)
    if on:
        language = check_auto_renew_consent(sub.plan, consent_text_shown, language=language, at=at)
    return language


def auto_renew_set(
    *,
    subscription: Subscription,
    on: bool,
    consent_text_shown: str = "",
    channel: str = Channel.PORTAL,
    actor: Any = None,
    now: datetime | None = None,
) -> Subscription:
    """Turn auto-renewal off (one action, no questions) or back on (with consent)."""
    now = now or timezone.now()
    text = (consent_text_shown or "").strip()
    with transaction.atomic():
        sub = access_subscription(actor, subscription.pk, lock=True)
        if sub.status in LIVE and sub.auto_renew == on:
            return sub
        language = check_auto_renew(sub, on=on, consent_text_shown=text, at=now)
        AutoRenewConsent.objects.create(
            subscription=sub,
            given=on,
            at=now,
            channel=channel,
            actor=recorded_actor(actor),
            language=language,
            text_shown=text,
        )
        sub.auto_renew = on
        sub.save(update_fields=["auto_renew"])
        event_record(
            sub,
            PlanEventKind.AUTO_RENEW_ON if on else PlanEventKind.AUTO_RENEW_OFF,
            at=now,
            channel=channel,
            actor=actor,
        )
        tell_auto_renew(sub, language=language, at=now)
    return sub


# --------------------------------------------------------------------------------------------
# The end
# --------------------------------------------------------------------------------------------


def subscription_end(sub: Subscription, reason: EndReason, *, at: datetime) -> None:
    """End a subscription (its row is locked). What it still asks for (time used but not paid: a
    lapse after the grace period, or a cancel while a payment was overdue) is written off:
    fairdesk does not chase an ended plan, and never charges after the end."""
    write_off_open_invoices(sub, at=at)
    sub.grace_until = None
    sub.status, sub.end_reason, sub.ended_at, sub.auto_renew = (
        SubscriptionStatus.ENDED,
        reason,
        at,
        False,
    )
    sub.save()
    event_record(sub, PlanEventKind.ENDED, at=at, channel=Channel.SYSTEM, reason=reason)
    tell_ended(sub, reason, at=at)
