"""Service plans: the catalog, subscriptions, changes, invoices, the ledger, refunds.

Subscriptions and everything recorded about them are never deleted (every link is PROTECT).

No logic here: every write goes through ``services/`` (and money arithmetic through
``proration.py``). Amounts are integers in fen; instants are stored in UTC.

Append-only tables (never updated after insert): ``LedgerEntry``, ``PlanEvent``,
``AutoRenewConsent``, ``PriceChange``. The rest change only through services.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fairdesk.core.models import AppendOnly
from fairdesk.plans.choices import (
    Account,
    AttemptOutcome,
    BillingPeriod,
    ChangeKind,
    ChangeStatus,
    Channel,
    EndReason,
    EntryKind,
    FamilyKind,
    InvoiceKind,
    InvoiceStatus,
    OfferResponse,
    PlanEventKind,
    RefundStatus,
    RefundTo,
    SubscriptionStatus,
    Timing,
    TimingRule,
)


class ChangePolicy(models.Model):
    """The catalog's one change policy (a single row, pk 1).

    There is deliberately no field per direction: one timing rule applies to upgrade, downgrade,
    switch and cancel alike (guarantee F2). Catalog files that try to say otherwise are rejected
    by ``catalog.validate``.
    """

    timing_rule = models.CharField(
        _("when changes take effect"),
        max_length=20,
        choices=TimingRule.choices,
        default=TimingRule.IMMEDIATE,
    )
    # at least 30: a consent text promises the notice in force, so it may never shrink below that
    price_notice_days = models.PositiveSmallIntegerField(
        _("notice before a price change (days)"), default=30, validators=[MinValueValidator(30)]
    )
    renewal_reminder_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before)"), default=5, validators=[MinValueValidator(1)]
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period after a failed payment (days)"), default=7
    )
    refund_within_days = models.PositiveSmallIntegerField(
        _("refunds paid within (days)"), default=7, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("change policy")
        verbose_name_plural = _("change policy")

    def __str__(self) -> str:
        return str(self.get_timing_rule_display())


class PlanFamily(models.Model):
    """Plans of one kind of service, ranked by tier (upgrade, downgrade). A plan of a family
    whose kind covers a device (``choices.DEVICE_KINDS``) is subscribed for one of the
    customer's devices of the family's product lines; a plan may be switched only to a plan of
    its own family or of a related one (``related``, symmetric)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=FamilyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    # the product lines (``network.choices.ProductLine`` values) of the devices its plans cover
    product_lines = models.JSONField(_("product lines covered"), default=list, blank=True)
    # families a subscriber may switch to, and back (a switch keeps the subscription's device)
    related = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("related families")
    )

    class Meta:
        verbose_name = _("plan family")
        verbose_name_plural = _("plan families")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    family = models.ForeignKey(
        PlanFamily, on_delete=models.PROTECT, related_name="plans", verbose_name=_("family")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    # upgrade or downgrade is decided by this declared rank, never by the price per day
    tier_rank = models.PositiveSmallIntegerField(_("tier rank"))
    period = models.CharField(_("billing period"), max_length=10, choices=BillingPeriod.choices)
    # the list price when the plan was created; later prices are PriceChange rows
    price_fen = models.PositiveIntegerField(
        _("price per period (fen)"), validators=[MinValueValidator(1)]
    )
    free_visits_per_year = models.PositiveSmallIntegerField(_("free visits a year"), default=0)
    storage_days = models.PositiveSmallIntegerField(_("cloud storage (days)"), default=0)
    warranty_months = models.PositiveSmallIntegerField(_("extra warranty (months)"), default=0)
    auto_renew = models.BooleanField(_("auto-renewal offered"), default=True)
    # disclosed with the plan; never longer than the prepaid period (catalog.validate), so it
    # can never make a cancel or downgrade wait (guarantee F4)
    minimum_term_months = models.PositiveSmallIntegerField(
        _("disclosed minimum term (months)"), null=True, blank=True
    )
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["family__code", "tier_rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "tier_rank"], name="plan_rank_unique_in_family"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PriceChange(AppendOnly):
    """A new price for a plan from ``effective_at`` (at least the notice period after it was
    announced); a subscriber's next period starting on or after it is charged the new price."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="price_changes", verbose_name=_("plan")
    )
    old_price_fen = models.PositiveIntegerField(_("old price (fen)"))
    new_price_fen = models.PositiveIntegerField(
        _("new price (fen)"), validators=[MinValueValidator(1)]
    )
    announced_at = models.DateTimeField(_("announced"))
    effective_at = models.DateTimeField(_("effective from"), db_index=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["plan", "effective_at", "id"]

    def __str__(self) -> str:
        when = f"{self.effective_at:%Y-%m-%d}"
        return f"{self.plan_id}: {self.old_price_fen} → {self.new_price_fen} from {when}"


class RetentionOffer(models.Model):
    """An offer that may be shown (once, on the preview page) when a customer leaves a plan."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    text = models.CharField(_("text"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300)
    discount_percent = models.PositiveSmallIntegerField(
        _("discount (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    periods = models.PositiveSmallIntegerField(_("for how many periods"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("retention offer")
        verbose_name_plural = _("retention offers")

    def __str__(self) -> str:
        return self.text


class Subscription(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("customer"),
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan")
    )
    # the device the plan covers (required for a family of ``DEVICE_KINDS``; null only for
    # subscriptions from before plans named their device)
    device = models.ForeignKey(
        "customers.Device",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("device covered"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
        db_index=True,
    )
    # the current paid period [start, end) and the price charged for it (the basis of credits)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"), db_index=True)
    period_price_fen = models.PositiveIntegerField(_("price of this period (fen)"))
    auto_renew = models.BooleanField(_("auto-renewal"), default=False)
    payment_method = models.CharField(_("payment method"), max_length=64)
    # a retention discount still to apply to the next renewals
    discount_percent = models.PositiveSmallIntegerField(_("renewal discount (%)"), default=0)
    discount_periods = models.PositiveSmallIntegerField(_("discounted renewals left"), default=0)
    grace_until = models.DateTimeField(_("grace period until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("started"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            # a device never has two live covers of the same plan (the services also keep one
            # live plan of a family per device, under the customer's lock)
            models.UniqueConstraint(
                fields=["device", "plan"],
                condition=models.Q(status__in=["active", "past_due"]),
                name="plan_one_live_cover_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.plan.code}"


class AutoRenewConsent(AppendOnly):
    """Consent to auto-renewal, given or withdrawn: when, how, and the exact text shown."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("subscription"),
    )
    given = models.BooleanField(_("given (or withdrawn)"))
    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)
    text_shown = models.TextField(_("text shown"))

    class Meta:
        verbose_name = _("auto-renewal consent")
        verbose_name_plural = _("auto-renewal consents")
        ordering = ["subscription", "at", "id"]

    def __str__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"#{self.subscription_id} {state} {self.at:%Y-%m-%d %H:%M}"


class ChangeAttempt(models.Model):
    """One attempt at a change, from the first step to its outcome: the raw data of the public
    metrics (channel, steps, timestamps, offer shown, outcome)."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("subscription"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    from_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    to_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    timing = models.CharField(_("timing"), max_length=16, choices=Timing.choices)
    refund_to = models.CharField(
        _("refund to"), max_length=16, choices=RefundTo.choices, default=RefundTo.ORIGINAL
    )
    steps = models.PositiveSmallIntegerField(_("steps taken"), default=1)
    started_at = models.DateTimeField(_("started"))
    quoted_at = models.DateTimeField(_("amounts computed at"))
    quoted_charge_fen = models.PositiveIntegerField(_("charge quoted (fen)"), default=0)
    quoted_credit_fen = models.PositiveIntegerField(_("credit quoted (fen)"), default=0)
    quoted_effective_at = models.DateTimeField(_("effective date quoted"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.OPEN
    )
    offer = models.ForeignKey(
        RetentionOffer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offer_response = models.CharField(
        _("offer response"), max_length=10, choices=OfferResponse.choices, blank=True
    )
    offer_shown_at = models.DateTimeField(_("offer shown"), null=True, blank=True)
    survey_reason = models.CharField(_("reason given (optional)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("change attempt")
        verbose_name_plural = _("change attempts")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.outcome}"


class PlanChange(models.Model):
    """A confirmed change: applied at once, or scheduled for the period end (undoable until)."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("subscription"),
    )
    attempt = models.OneToOneField(
        ChangeAttempt, on_delete=models.PROTECT, related_name="change", verbose_name=_("attempt")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    from_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    to_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    timing = models.CharField(_("timing"), max_length=16, choices=Timing.choices)
    received_at = models.DateTimeField(_("received"))
    effective_at = models.DateTimeField(_("effective"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=ChangeStatus.choices)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    charge_fen = models.PositiveIntegerField(_("charged (fen)"), default=0)
    credit_fen = models.PositiveIntegerField(_("credited (fen)"), default=0)
    refund_to = models.CharField(_("refund to"), max_length=16, choices=RefundTo.choices)
    # where the credit went: set against an unpaid invoice, back to the card, account credit
    credit_settled_fen = models.PositiveIntegerField(
        _("credit set against unpaid (fen)"), default=0
    )
    credit_refunded_fen = models.PositiveIntegerField(_("credit refunded (fen)"), default=0)
    credit_kept_fen = models.PositiveIntegerField(
        _("credit kept as account credit (fen)"), default=0
    )

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-received_at", "-id"]
        constraints = [
            # at most one scheduled change per subscription at a time
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(status="scheduled"),
                name="plan_one_scheduled_change",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.status}"


class Invoice(models.Model):
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("subscription"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InvoiceKind.choices)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    # settled by account credit or a credit for unused time (not money)
    settled_fen = models.PositiveIntegerField(_("settled by credit (fen)"), default=0)
    paid_fen = models.PositiveIntegerField(_("paid (fen)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    covers_from = models.DateTimeField(_("covers from"))
    covers_until = models.DateTimeField(_("covers until"))
    created_at = models.DateTimeField(_("issued"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_attempts = models.PositiveSmallIntegerField(_("payment attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last payment attempt"), null=True, blank=True)
    last_failure = models.CharField(_("last failure"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"INV-{self.pk} {self.amount_fen} {self.status}"

    @property
    def due_fen(self) -> int:
        return self.amount_fen - self.settled_fen - self.paid_fen


class Payment(models.Model):
    """Money received through the gateway for an invoice (refunds are taken from these)."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("subscription"),
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(_("gateway"), max_length=40)
    gateway_ref = models.CharField(_("gateway reference"), max_length=100)
    method = models.CharField(_("payment method"), max_length=64)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    refunded_fen = models.PositiveIntegerField(_("refunded (fen)"), default=0)
    at = models.DateTimeField(_("paid"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway_ref} {self.amount_fen}"


class Refund(models.Model):
    """Money going back to the original payment method: a promise with a date (``due_at``)."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("subscription"),
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    change = models.ForeignKey(
        PlanChange, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    amount_fen = models.PositiveIntegerField(_("amount (fen)"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    gateway_ref = models.CharField(_("gateway reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    due_at = models.DateTimeField(_("promised by"))
    done_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_fen} {self.status}"


class LedgerEntry(AppendOnly):
    """One line of a double-entry ledger transaction (``txn``): lines of a transaction sum to 0.

    Sign: positive = debit. ``receivable`` > 0 is what the customer owes, ``customer_credit`` < 0
    is account credit held for them, ``refund_payable`` < 0 is money promised back, ``gateway`` is
    the money received less the money refunded.
    """

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("subscription"),
    )
    txn = models.UUIDField(_("transaction"), db_index=True)
    account = models.CharField(_("account"), max_length=20, choices=Account.choices)
    amount_fen = models.BigIntegerField(_("amount (fen, debit +)"))
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change = models.ForeignKey(
        PlanChange, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        ordering = ["subscription", "at", "id"]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen:+d}"


class PlanEvent(AppendOnly):
    """The append-only audit trail of a subscription (guarantee F10), shown as its timeline."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("subscription"),
    )
    attempt = models.ForeignKey(
        ChangeAttempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=PlanEventKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")
        ordering = ["subscription", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class LocalGatewayRecord(models.Model):
    """The demo payment gateway's own book (no real money moves). A real gateway keeps this on
    its side; fairdesk only keeps ``Payment`` and ``Refund``."""

    kind = models.CharField(_("kind"), max_length=10)
    method = models.CharField(_("payment method"), max_length=64)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    ok = models.BooleanField(_("succeeded"))
    reference = models.CharField(pgettext_lazy("payment", "reference"), max_length=100)
    error = models.CharField(_("error"), max_length=200, blank=True)
    original_reference = models.CharField(_("refund of"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("demo gateway record")
        verbose_name_plural = _("demo gateway records (no real money)")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"
