"""What customers are told, on a durable medium (guarantee F9): the portal inbox always, and an
SMS when it concerns money or a deadline. Every text is written in the customer's language and
carries the direct link to their plan (``PUBLIC_URL``).

The functions here write to the outbox inside the caller's transaction; delivery follows after
commit (``notifications``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fairdesk.core.localtime import local_text as _local
from fairdesk.core.money import yuan_amount
from fairdesk.core.sentences import sentences
from fairdesk.customers.models import Customer
from fairdesk.notifications.services import message_send, message_send_to_customer
from fairdesk.plans.choices import ChangeKind, ChangeStatus, EndReason
from fairdesk.plans.display import offer_text, plan_name, plan_on_device
from fairdesk.plans.models import (
    Invoice,
    Plan,
    PlanChange,
    PriceChange,
    RetentionOffer,
    Subscription,
)
from fairdesk.plans.selectors import CreditSplit, customer_language, policy_get


def plan_link(sub: Subscription) -> str:
    """The customer's page of this subscription, where every change starts."""
    return str(settings.PUBLIC_URL) + reverse("portal:plan", args=[sub.pk])


def _reference(sub: Subscription) -> str:
    return f"SUB-{sub.pk}"


def _tell(
    customer: Customer,
    *,
    kind: str,
    subject: str,
    body: str,
    reference: str,
    sms: bool,
    params: dict[str, str] | None = None,
) -> None:
    """A confirmation: always in the portal inbox, and by SMS when ``sms`` (with the template's
    ``params``, notifications.kinds)."""
    message_send_to_customer(
        customer=customer,
        channels=("portal", "sms") if sms else ("portal",),
        kind=kind,
        subject=subject,
        body=body,
        reference=reference,
        params=params,
    )


def _sms_and_portal(
    sub: Subscription,
    *,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    portal_key: str,
    params: dict[str, str],
) -> None:
    """An SMS and a portal message, each sent once (by its dedupe key)."""
    message_send(
        channel="sms",
        recipient=sub.customer.phone,
        customer=sub.customer,
        kind=kind,
        body=body,
        reference=_reference(sub),
        dedupe_key=dedupe_key,
        params=params,
    )
    message_send(
        channel="portal",
        customer=sub.customer,
        kind=kind,
        subject=subject,
        body=body,
        reference=_reference(sub),
        dedupe_key=portal_key,
    )


def tell_price_notice(sub: Subscription, change: PriceChange) -> None:
    """A new price of the subscription's plan (or of the plan it is changing to)."""
    with translation.override(customer_language(sub.customer)):
        body = _(
            "Price notice: %(plan)s will cost ¥%(new)s per period (now ¥%(old)s) for "
            "periods starting on or after %(date)s. You can change or cancel at any time: "
            "%(link)s"
        ) % {
            "plan": plan_on_device(change.plan, sub.device),
            "new": yuan_amount(change.new_price_fen),
            "old": yuan_amount(change.old_price_fen),
            "date": _local(change.effective_at),
            "link": plan_link(sub),
        }
        _sms_and_portal(
            sub,
            kind="plans.price_notice",
            subject=_("Price notice"),
            body=body,
            dedupe_key=f"plans.price_notice:{change.pk}:{sub.pk}",
            portal_key=f"plans.price_notice.portal:{change.pk}:{sub.pk}",
            params={
                "plan": plan_name(change.plan),
                "new_price": yuan_amount(change.new_price_fen),
                "old_price": yuan_amount(change.old_price_fen),
                "date": _local(change.effective_at),
            },
        )


def tell_payment_failed(sub: Subscription, invoice: Invoice) -> None:
    """A payment failed: how much, until when the plan continues, where to act."""
    with translation.override(customer_language(sub.customer)):
        body = _(
            "We could not collect ¥%(amount)s for %(plan)s. Your plan continues until "
            "%(grace)s while we retry; you can update the payment method, change or "
            "cancel at %(link)s"
        ) % {
            "amount": yuan_amount(invoice.due_fen),
            "plan": plan_on_device(sub.plan, sub.device),
            "grace": _local(sub.grace_until),
            "link": plan_link(sub),
        }
        _tell(
            sub.customer,
            kind="plans.payment_failed",
            subject=_("Payment failed"),
            body=body,
            reference=_reference(sub),
            sms=True,
            params={
                "plan": plan_name(sub.plan),
                "amount": yuan_amount(invoice.due_fen),
                "grace_until": _local(sub.grace_until),
            },
        )


def tell_subscribed(sub: Subscription, *, language: str, at: datetime) -> None:
    """The subscription as received: the plan, the price and period, auto-renewal, the link."""
    with translation.override(language):
        body = _(
            "Subscribed to %(plan)s on %(at)s: ¥%(price)s for the period until %(end)s. "
            "Auto-renewal: %(renew)s. Change or cancel at any time: %(link)s"
        ) % {
            "plan": plan_on_device(sub.plan, sub.device),
            "at": _local(at),
            "price": yuan_amount(sub.period_price_fen),
            "end": _local(sub.period_end),
            "renew": pgettext("auto-renewal", "on")
            if sub.auto_renew
            else pgettext("auto-renewal", "off"),
            "link": plan_link(sub),
        }
        _tell(
            sub.customer,
            kind="plans.subscribed",
            subject=_("Plan confirmed"),
            body=body,
            reference=_reference(sub),
            sms=True,
            params={
                "plan": plan_name(sub.plan),
                "price": yuan_amount(sub.period_price_fen),
                "period_end": _local(sub.period_end),
            },
        )


def tell_auto_renew(sub: Subscription, *, language: str, at: datetime) -> None:
    """Auto-renewal turned on or off (``sub.auto_renew``), and from when."""
    with translation.override(language):
        body = (
            _("Auto-renewal of %(plan)s is on from %(at)s.")
            if sub.auto_renew
            else _("Auto-renewal of %(plan)s is off from %(at)s; it ends on %(end)s.")
        ) % {
            "plan": plan_on_device(sub.plan, sub.device),
            "at": _local(at),
            "end": _local(sub.period_end),
        }
        _tell(
            sub.customer,
            kind="plans.auto_renew",
            subject=_("Auto-renewal"),
            body=body,
            reference=_reference(sub),
            sms=False,
        )


def tell_change_confirmed(sub: Subscription, change: PlanChange, split: CreditSplit) -> None:
    """A confirmed change: when it was received, when it takes effect, the amounts, where a
    credit goes and by when a refund is paid, and how to undo a scheduled one."""
    with translation.override(customer_language(sub.customer)):
        what = {
            ChangeKind.UPGRADE: _("upgrade to %(plan)s"),
            ChangeKind.DOWNGRADE: _("downgrade to %(plan)s"),
            ChangeKind.SWITCH: _("switch to %(plan)s"),
            ChangeKind.CANCEL: _("cancellation of %(plan)s"),
        }[ChangeKind(change.kind)] % {
            "plan": plan_on_device(change.to_plan or change.from_plan, sub.device)
        }
        parts = [
            _("We received your %(what)s at %(received)s. It takes effect %(effective)s.")
            % {
                "what": what,
                "received": _local(change.received_at),
                "effective": _local(change.effective_at),
            }
        ]
        if change.charge_fen:
            parts.append(_("Charge: ¥%(fen)s.") % {"fen": yuan_amount(change.charge_fen)})
        if change.credit_fen:
            parts.append(
                _("Credit for unused time: ¥%(fen)s.") % {"fen": yuan_amount(change.credit_fen)}
            )
        if split["settled"]:
            parts.append(
                _("¥%(fen)s of it settles your unpaid invoice.")
                % {"fen": yuan_amount(split["settled"])}
            )
        if split["refunded"]:
            due = change.received_at + timedelta(days=policy_get().refund_within_days)
            parts.append(
                _("¥%(fen)s goes back to your original payment method by %(date)s.")
                % {"fen": yuan_amount(split["refunded"]), "date": _local(due)}
            )
        if split["account_credit"]:
            parts.append(
                _("¥%(fen)s is kept as account credit for your next charges.")
                % {"fen": yuan_amount(split["account_credit"])}
            )
        if change.status == ChangeStatus.SCHEDULED:
            parts.append(_("You can undo it until then: %(link)s") % {"link": plan_link(sub)})
        _tell(
            sub.customer,
            kind="plans.change_confirmed",
            subject=_("Plan change confirmed"),
            body=sentences(*parts),
            reference=_reference(sub),
            sms=True,
            params={
                "change": str(ChangeKind(change.kind).label),
                "plan": plan_name(change.to_plan or change.from_plan),
                "effective": _local(change.effective_at),
            },
        )


def tell_offer_accepted(sub: Subscription, offer: RetentionOffer, *, at: datetime) -> None:
    with translation.override(customer_language(sub.customer)):
        body = _("Offer accepted at %(at)s: %(text)s Nothing else changes.") % {
            "at": _local(at),
            "text": offer_text(offer),
        }
        _tell(
            sub.customer,
            kind="plans.offer_accepted",
            subject=_("Offer accepted"),
            body=body,
            reference=_reference(sub),
            sms=False,
        )


def tell_change_undone(sub: Subscription, change: PlanChange, *, at: datetime) -> None:
    with translation.override(customer_language(sub.customer)):
        body = _(
            "Undone at %(at)s: the change planned for %(date)s is off. %(plan)s continues."
        ) % {
            "at": _local(at),
            "date": _local(change.effective_at),
            "plan": plan_on_device(sub.plan, sub.device),
        }
        _tell(
            sub.customer,
            kind="plans.change_undone",
            subject=_("Change undone"),
            body=body,
            reference=_reference(sub),
            sms=True,
            params={"plan": plan_name(sub.plan), "date": _local(change.effective_at)},
        )


def tell_ended(sub: Subscription, reason: EndReason, *, at: datetime) -> None:
    with translation.override(customer_language(sub.customer)):
        body = _("%(plan)s ended on %(at)s (%(reason)s).") % {
            "plan": plan_on_device(sub.plan, sub.device),
            "at": _local(at),
            "reason": reason.label,
        }
        _tell(
            sub.customer,
            kind="plans.ended",
            subject=_("Plan ended"),
            body=body,
            reference=_reference(sub),
            sms=False,
        )


def renewal_reminder_key(sub: Subscription) -> str:
    """The outbox's dedupe key of the reminder of the subscription's current period: one per
    subscription and period."""
    return f"plans.reminder:{sub.pk}:{sub.period_end.isoformat()}"


def tell_renewal_reminder(sub: Subscription, plan: Plan, amount_fen: int) -> None:
    """Before an auto-renewal charge: the date, the exact amount, the link to change or cancel."""
    key = renewal_reminder_key(sub)
    with translation.override(customer_language(sub.customer)):
        body = _(
            "Reminder: %(plan)s renews on %(date)s and ¥%(amount)s will be charged. To change "
            "or cancel before then (same steps as an upgrade): %(link)s"
        ) % {
            "plan": plan_on_device(plan, sub.device),
            "date": _local(sub.period_end),
            "amount": yuan_amount(amount_fen),
            "link": plan_link(sub),
        }
        _sms_and_portal(
            sub,
            kind="plans.renewal_reminder",
            subject=_("Renewal reminder"),
            body=body,
            dedupe_key=key,
            portal_key=key + ":portal",
            params={
                "plan": plan_name(plan),
                "date": _local(sub.period_end),
                "amount": yuan_amount(amount_fen),
            },
        )
