"""Enumerations of service plans (values are stable API strings; labels translated)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FamilyKind(models.TextChoices):
    EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty")
    MAINTENANCE = "maintenance", _("Maintenance plan")
    CLOUD_STORAGE = "cloud_storage", _("Cloud storage")


#: The kinds of plan that cover one device (the one the subscription names): an extended
#: warranty, the maintenance of an appliance, cloud storage for a camera — every kind today.
DEVICE_KINDS = frozenset(
    {FamilyKind.EXTENDED_WARRANTY, FamilyKind.MAINTENANCE, FamilyKind.CLOUD_STORAGE}
)


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


#: How many calendar months a period of each billing period lasts.
PERIOD_MONTHS: dict[str, int] = {BillingPeriod.MONTHLY: 1, BillingPeriod.YEARLY: 12}


class Timing(models.TextChoices):
    """When a change takes effect. One rule for every kind of change (guarantee F2)."""

    IMMEDIATE = "immediate", _("Immediately")
    PERIOD_END = "period_end", _("At the end of the current period")


class TimingRule(models.TextChoices):
    """The catalog's rule: a fixed timing, or the customer's choice, for all changes alike."""

    IMMEDIATE = "immediate", _("Immediately")
    PERIOD_END = "period_end", _("At the end of the current period")
    CUSTOMER_CHOICE = "customer_choice", _("The customer chooses")


class ChangeKind(models.TextChoices):
    UPGRADE = "upgrade", _("Upgrade")
    DOWNGRADE = "downgrade", _("Downgrade")
    SWITCH = "switch", _("Switch plan")
    CANCEL = "cancel", _("Cancel")


class RefundTo(models.TextChoices):
    ORIGINAL = "original", _("Original payment method")
    ACCOUNT_CREDIT = "account_credit", _("Account credit")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("plan status", "Active")
    PAST_DUE = "past_due", _("Payment overdue (grace period)")
    ENDED = "ended", _("Ended")


#: A subscription that is still running (in its grace period too): it can be changed.
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class EndReason(models.TextChoices):
    CANCELLED = "cancelled", _("Cancelled")
    NOT_RENEWED = "not_renewed", _("Not renewed (auto-renewal off)")
    PAYMENT_FAILED = "payment_failed", _("Payment failed after the grace period")


class ChangeStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("plan change status", "Scheduled")
    APPLIED = "applied", _("Applied")
    UNDONE = "undone", _("Undone")


class AttemptOutcome(models.TextChoices):
    OPEN = "open", _("In progress")
    CONFIRMED = "confirmed", _("Confirmed")
    OFFER_ACCEPTED = "offer_accepted", _("Retention offer accepted")
    ABANDONED = "abandoned", _("Abandoned")


class OfferResponse(models.TextChoices):
    NONE = "", _("No offer shown")
    SHOWN = "shown", _("Shown, no answer yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Web portal")
    CONSOLE = "console", _("Agent console")
    API = "api", _("REST API")
    SYSTEM = "system", _("System")


class PlanEventKind(models.TextChoices):
    """What happened to a subscription (``PlanEvent``, its audit trail). The labels are the short
    ones staff read; ``display.event_text`` tells customers the same in a sentence."""

    SUBSCRIBED = "subscribed", _("Subscribed")
    CHANGE_STARTED = "change_started", _("Change chosen (preview shown)")
    OFFER_SHOWN = "offer_shown", _("Retention offer shown")
    OFFER_ACCEPTED = "offer_accepted", _("Retention offer accepted")
    OFFER_DECLINED = "offer_declined", _("Retention offer declined")
    CHANGE_CONFIRMED = "change_confirmed", _("Change confirmed")
    CHANGE_UNDONE = "change_undone", _("Scheduled change undone")
    CHANGE_APPLIED = "change_applied", _("Scheduled change applied")
    RENEWED = "renewed", _("Renewed")
    RENEWAL_REMINDER = "renewal_reminder", _("Renewal reminder sent")
    PRICE_NOTICE = "price_notice", _("Price change announced")
    PAYMENT_SUCCEEDED = "payment_succeeded", _("Payment received")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    REFUND_PAID = "refund_paid", _("Refund paid")
    REFUND_FAILED = "refund_failed", _("Refund failed (retried)")
    AUTO_RENEW_ON = "auto_renew_on", _("Auto-renewal turned on")
    AUTO_RENEW_OFF = "auto_renew_off", _("Auto-renewal turned off")
    ENDED = "ended", _("Ended")


class InvoiceKind(models.TextChoices):
    INITIAL = "initial", _("First period")
    RENEWAL = "renewal", _("Renewal")
    CHANGE = "change", _("Plan change")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open (unpaid)")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void (settled by a credit)")


class Account(models.TextChoices):
    """Ledger accounts. Every ledger transaction's lines sum to zero (double entry)."""

    RECEIVABLE = "receivable", _("Owed by the customer")
    REVENUE = "revenue", _("Service revenue")
    GATEWAY = "gateway", _("Money at the payment gateway")
    REFUND_PAYABLE = "refund_payable", _("Refunds owed to the customer")
    CUSTOMER_CREDIT = "customer_credit", _("Customer's account credit")


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    CREDIT = "credit", _("Credit for unused time")
    REFUND = "refund", _("Refund")
    CREDIT_APPLIED = "credit_applied", _("Account credit applied")
    SETTLEMENT = "settlement", _("Credit set against an open invoice")
    DISCOUNT = "discount", _("Retention discount")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Refunded")
    FAILED = "failed", _("Failed, will be retried")


class GatewayOpKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")
