"""Admin of service plans: the catalog (families and plans, retention offers, the one change
policy), and read-only views of subscriptions and their money.

The catalog is kept here by brand administrators. A plan's price is set once, when the plan is
created; every later price is a ``PriceChange`` made by ``services.catalog.plan_price_change``
with the notice period (the "Announce a new price" fields of a plan), never an edit of the price.

Subscriptions, changes, invoices, payments, refunds, the ledger and the audit trail change only
through the services (portal, console, API, worker), so they are read-only here; the append-only
tables (ledger entries, subscription events, auto-renewal consents, price changes) can be neither
edited nor deleted by anyone, superusers included.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairdesk.core.admin import PersonalDataAdmin, ReadOnlyAdmin, ReadOnlyInline
from fairdesk.core.errors import DomainError
from fairdesk.core.money import parse_yuan, yuan, yuan_amount
from fairdesk.core.phones import mask_phone
from fairdesk.plans import catalog, selectors
from fairdesk.plans.admin_forms import PlanFamilyForm
from fairdesk.plans.gateway import LocalGateway
from fairdesk.plans.models import (
    AutoRenewConsent,
    ChangeAttempt,
    ChangePolicy,
    Invoice,
    LedgerEntry,
    LocalGatewayRecord,
    Payment,
    Plan,
    PlanChange,
    PlanEvent,
    PlanFamily,
    PriceChange,
    Refund,
    RetentionOffer,
    Subscription,
)
from fairdesk.plans.services.catalog import plan_price_change

if TYPE_CHECKING:  # the admin's and forms' bases are generic in django-stubs only, not at runtime
    PlanFormBase = forms.ModelForm[Plan]
    RetentionOfferFormBase = forms.ModelForm[RetentionOffer]
    ChangePolicyFormBase = forms.ModelForm[ChangePolicy]
    PlanInlineBase = admin.TabularInline[Plan, PlanFamily]
    PlanFamilyAdminBase = admin.ModelAdmin[PlanFamily]
    PlanAdminBase = admin.ModelAdmin[Plan]
    RetentionOfferAdminBase = admin.ModelAdmin[RetentionOffer]
    ChangePolicyAdminBase = admin.ModelAdmin[ChangePolicy]
else:
    PlanFormBase = RetentionOfferFormBase = ChangePolicyFormBase = forms.ModelForm
    PlanInlineBase = admin.TabularInline
    PlanFamilyAdminBase = PlanAdminBase = RetentionOfferAdminBase = ChangePolicyAdminBase = (
        admin.ModelAdmin
    )

# The same ranges as the catalog file (catalog._check_policy), so that the admin cannot store a
# policy that a catalog document could not declare.
POLICY_RANGES = {
    "price_notice_days": (1, 365),
    "renewal_reminder_days": (1, 60),
    "grace_days": (0, 60),
    "refund_within_days": (1, 30),
}


def customer_label(customer: Any) -> str:
    # numbers are masked here for everyone, as in the service requests' admin
    return f"{customer.name or '—'} ({mask_phone(customer.phone)})"


def price_field(value: str) -> int:
    """A price typed in yuan (``core.money.parse_yuan``), in fen; a form error otherwise."""
    fen = parse_yuan(value)
    if fen is None or fen <= 0:
        raise forms.ValidationError(
            _("A price is a positive amount in yuan, at most two decimals (“199.00”).")
        )
    return fen


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------


class PlanForm(PlanFormBase):
    """A plan: the price in yuan, set when the plan is created and read-only afterwards."""

    price_fen = forms.CharField(
        label=gettext_lazy("price per period (yuan)"),
        max_length=12,
        help_text=gettext_lazy(
            "Set once, when the plan is created. Later prices are announced with the notice "
            "period (“Announce a new price” on the plan's page)."
        ),
    )

    class Meta:
        model = Plan
        fields = [
            "family",
            "code",
            "name",
            "name_en",
            "tier_rank",
            "period",
            "price_fen",
            "free_visits_per_year",
            "storage_days",
            "warranty_months",
            "auto_renew",
            "minimum_term_months",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # an existing plan: its price and code are fixed (subscribers were told them)
            self.initial["price_fen"] = yuan_amount(self.instance.price_fen)
            for name in ("price_fen", "code"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean_price_fen(self) -> int:
        if self.instance.pk:
            return self.instance.price_fen
        return price_field(self.cleaned_data.get("price_fen") or "")

    def clean_code(self) -> str:
        code = self.cleaned_data.get("code") or ""
        if self.instance.pk:
            return self.instance.code
        if not catalog.CODE_RE.match(code):
            raise forms.ValidationError(_("A code is 1–40 lower-case letters, digits or hyphens."))
        return code


class PlanAdminForm(PlanForm):
    """The plan's page adds the one way to change a price: announce it with notice."""

    new_price = forms.CharField(
        label=gettext_lazy("announce a new price (yuan)"),
        max_length=12,
        required=False,
        help_text=gettext_lazy(
            "Applies to periods starting after the notice period; every subscriber is told today."
        ),
    )
    notice_days = forms.IntegerField(
        label=gettext_lazy("notice (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=gettext_lazy("At least the change policy's notice period (the default)."),
    )

    def clean_new_price(self) -> int | None:
        value = (self.cleaned_data.get("new_price") or "").strip()
        if not value:
            return None
        if not self.instance.pk:
            raise forms.ValidationError(
                _("A new plan's price is its price; announce changes once it exists.")
            )
        fen = price_field(value)
        if fen == selectors.plan_latest_price(self.instance):
            raise forms.ValidationError(_("This is already the plan's price."))
        return fen

    def clean_notice_days(self) -> int | None:
        days = self.cleaned_data.get("notice_days")
        minimum = selectors.policy_get().price_notice_days
        if days is not None and days < minimum:
            raise forms.ValidationError(
                _("A price change needs at least %(n)d days' notice.") % {"n": minimum}
            )
        return days


class PlanInline(PlanInlineBase):
    model = Plan
    form = PlanForm
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "code",
        "name",
        "name_en",
        "tier_rank",
        "period",
        "price_fen",
        "auto_renew",
        "active",
    ]


@admin.register(PlanFamily)
class PlanFamilyAdmin(PlanFamilyAdminBase):
    form = PlanFamilyForm
    list_display = ["code", "name", "name_en", "kind", "plan_count"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["related"]
    inlines = [PlanInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    @admin.display(description=gettext_lazy("plans"))
    def plan_count(self, obj: PlanFamily) -> int:
        return obj.plans.count()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # take plans off sale instead: subscribers keep theirs


class PriceChangeInline(ReadOnlyInline):
    model = PriceChange
    fields = readonly_fields = ("old_price", "new_price", "announced_at", "effective_at")
    ordering = ["effective_at", "id"]

    @admin.display(description=gettext_lazy("old price"))
    def old_price(self, obj: PriceChange) -> str:
        return yuan(obj.old_price_fen)

    @admin.display(description=gettext_lazy("new price"))
    def new_price(self, obj: PriceChange) -> str:
        return yuan(obj.new_price_fen)


@admin.register(Plan)
class PlanAdmin(PlanAdminBase):
    form = PlanAdminForm
    list_display = [
        "code",
        "name",
        "family",
        "tier_rank",
        "period",
        "price_now",
        "auto_renew",
        "active",
    ]
    list_filter = ["family", "period", "active", "auto_renew"]
    list_select_related = ["family"]
    search_fields = ["code", "name", "name_en"]
    inlines = [PriceChangeInline]

    # Any: django-stubs types the fieldsets with a TypedDict of its own, private to the stubs
    def get_fieldsets(self, request: HttpRequest, obj: Plan | None = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [(None, {"fields": PlanForm.Meta.fields})]
        if obj is not None:
            fieldsets.append(
                (
                    _("Announce a new price"),
                    {"fields": ["price_now", "new_price", "notice_days"]},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["price_now"]

    @admin.display(description=gettext_lazy("price in force now"))
    def price_now(self, obj: Plan) -> str:
        if obj.pk is None:
            return "—"
        return yuan(selectors.plan_price_at(obj, timezone.now()))

    def save_model(self, request: HttpRequest, obj: Plan, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        new_price = form.cleaned_data.get("new_price")
        if not change or new_price is None:
            return
        try:
            price_change = plan_price_change(
                plan=obj,
                new_price_fen=new_price,
                notice_days=form.cleaned_data.get("notice_days"),
                actor=request.user,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            _(
                "%(plan)s will cost %(price)s for periods starting from %(date)s; every "
                "subscriber is told today."
            )
            % {
                "plan": obj.name,
                "price": yuan(price_change.new_price_fen),
                "date": timezone.localtime(price_change.effective_at).strftime("%Y-%m-%d %H:%M"),
            },
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # take a plan off sale ("on sale" off) instead: subscribers keep it


@admin.register(PriceChange)
class PriceChangeAdmin(ReadOnlyAdmin):
    list_display = ["plan", "old_price", "new_price", "announced_at", "effective_at"]
    list_filter = ["plan__family"]
    list_select_related = ["plan"]
    fields = ["plan", "old_price", "new_price", "announced_at", "effective_at"]

    old_price = PriceChangeInline.old_price
    new_price = PriceChangeInline.new_price


class RetentionOfferForm(RetentionOfferFormBase):
    class Meta:
        model = RetentionOffer
        fields = ["code", "text", "text_en", "discount_percent", "periods", "active"]

    def clean_periods(self) -> int:
        periods: int | None = self.cleaned_data.get("periods")
        if periods is None or not 1 <= periods <= 12:
            raise forms.ValidationError(_("Must be a whole number from 1 to 12."))
        return periods


@admin.register(RetentionOffer)
class RetentionOfferAdmin(RetentionOfferAdminBase):
    form = RetentionOfferForm
    list_display = ["code", "text", "discount_percent", "periods", "active"]
    list_filter = ["active"]
    search_fields = ["code", "text", "text_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # offers shown are part of the attempts' record: deactivate instead


class ChangePolicyForm(ChangePolicyFormBase):
    class Meta:
        model = ChangePolicy
        fields = ["timing_rule", *POLICY_RANGES]
        help_texts = {
            "timing_rule": gettext_lazy(
                "One rule for every change — upgrade, downgrade, switch and cancel alike."
            ),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for key, (low, high) in POLICY_RANGES.items():
            value = data.get(key)
            if value is not None and not low <= value <= high:
                self.add_error(
                    key,
                    _("Must be a whole number from %(min)d to %(max)d.")
                    % {"min": low, "max": high},
                )
        return data


@admin.register(ChangePolicy)
class ChangePolicyAdmin(ChangePolicyAdminBase):
    """The one change policy (a single row): the list goes straight to it."""

    form = ChangePolicyForm
    list_display = ["__str__", "price_notice_days", "renewal_reminder_days", "grace_days"]
    readonly_fields = ["updated_at"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        policy = selectors.policy_get()
        return HttpResponseRedirect(reverse("admin:plans_changepolicy_change", args=[policy.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --------------------------------------------------------------------------------------------
# Subscriptions and their records (read-only)
# --------------------------------------------------------------------------------------------


class ConsentInline(ReadOnlyInline):
    model = AutoRenewConsent
    fields = readonly_fields = ("at", "given", "channel", "language", "text_shown")
    ordering = ["at", "id"]


class InvoiceInline(ReadOnlyInline):
    model = Invoice
    fields = readonly_fields = (
        "created_at",
        "kind",
        "plan",
        "amount",
        "settled",
        "paid",
        "status",
        "covers",
    )
    ordering = ["created_at", "id"]
    show_change_link = True

    @admin.display(description=gettext_lazy("amount"))
    def amount(self, obj: Invoice) -> str:
        return yuan(obj.amount_fen)

    @admin.display(description=gettext_lazy("settled by credit"))
    def settled(self, obj: Invoice) -> str:
        return yuan(obj.settled_fen)

    @admin.display(description=gettext_lazy("paid"))
    def paid(self, obj: Invoice) -> str:
        return yuan(obj.paid_fen)

    @admin.display(description=gettext_lazy("covers"))
    def covers(self, obj: Invoice) -> str:
        start = timezone.localtime(obj.covers_from).strftime("%Y-%m-%d")
        end = timezone.localtime(obj.covers_until).strftime("%Y-%m-%d")
        return f"{start} – {end}"


def _event_details(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class EventInline(PersonalDataAdmin, ReadOnlyInline):
    model = PlanEvent
    personal_fields = {"actor": "user"}
    fields = readonly_fields = ("at", "kind", "channel", "actor", "details")
    ordering = ["at", "id"]

    @admin.display(description=gettext_lazy("details"))
    def details(self, obj: PlanEvent) -> str:
        return _event_details(obj.data)


@admin.register(Subscription)
class SubscriptionAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    personal_fields = {"customer_display": "customer", "device": "device", "customer": "customer"}
    list_display = [
        "id",
        "customer_display",
        "plan",
        "status",
        "period_end",
        "auto_renew",
        "period_price",
        "created_at",
    ]
    list_filter = ["status", "auto_renew", "plan__family", "end_reason"]
    list_select_related = ["customer", "plan"]
    search_fields = ["=id", "=customer__phone", "plan__code"]
    date_hierarchy = "created_at"
    fields = [
        "customer_display",
        "plan",
        "device",
        "status",
        "period_start",
        "period_end",
        "period_price",
        "auto_renew",
        "payment_method",
        "discount_percent",
        "discount_periods",
        "grace_until",
        "ended_at",
        "end_reason",
        "created_at",
        "ledger_balances",
        "ledger_check",
    ]
    inlines = [ConsentInline, InvoiceInline, EventInline]

    @admin.display(description=gettext_lazy("customer"))
    def customer_display(self, obj: Subscription) -> str:
        return customer_label(obj.customer)

    @admin.display(description=gettext_lazy("price of this period"), ordering="period_price_fen")
    def period_price(self, obj: Subscription) -> str:
        return yuan(obj.period_price_fen)

    @admin.display(description=gettext_lazy("ledger balances"))
    def ledger_balances(self, obj: Subscription) -> str:
        balances = selectors.ledger_balances(obj)
        return format_html_join(
            ", ", "{}: {}", ((account, yuan_amount(fen)) for account, fen in balances.items())
        )

    @admin.display(description=gettext_lazy("ledger check"))
    def ledger_check(self, obj: Subscription) -> str:
        problems = selectors.ledger_problems(obj)
        if not problems:
            return _("balanced")
        return format_html("<strong>{}</strong>", "; ".join(problems))


@admin.register(ChangeAttempt)
class ChangeAttemptAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    personal_fields = {"actor": "user", "survey_reason": "text"}
    list_display = [
        "id",
        "subscription",
        "kind",
        "channel",
        "timing",
        "steps",
        "offer_response",
        "outcome",
        "started_at",
    ]
    list_filter = ["kind", "channel", "outcome", "offer_response", "timing"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=id", "=subscription__id"]
    date_hierarchy = "started_at"
    fields = [
        "subscription",
        "channel",
        "actor",
        "kind",
        "from_plan",
        "to_plan",
        "timing",
        "refund_to",
        "steps",
        "started_at",
        "quoted_at",
        "quoted_charge_fen",
        "quoted_credit_fen",
        "quoted_effective_at",
        "offer",
        "offer_response",
        "offer_shown_at",
        "survey_reason",
        "finished_at",
        "outcome",
    ]


@admin.register(PlanChange)
class PlanChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "subscription",
        "kind",
        "timing",
        "status",
        "charge",
        "credit",
        "received_at",
        "effective_at",
    ]
    list_filter = ["kind", "timing", "status", "refund_to"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=id", "=subscription__id"]
    date_hierarchy = "received_at"
    fields = [
        "subscription",
        "attempt",
        "kind",
        "from_plan",
        "to_plan",
        "timing",
        "status",
        "received_at",
        "effective_at",
        "applied_at",
        "undone_at",
        "charge",
        "credit",
        "refund_to",
    ]

    @admin.display(description=gettext_lazy("charged"), ordering="charge_fen")
    def charge(self, obj: PlanChange) -> str:
        return yuan(obj.charge_fen)

    @admin.display(description=gettext_lazy("credited"), ordering="credit_fen")
    def credit(self, obj: PlanChange) -> str:
        return yuan(obj.credit_fen)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "subscription",
        "kind",
        "amount",
        "due",
        "status",
        "created_at",
        "payment_attempts",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=id", "=subscription__id"]
    date_hierarchy = "created_at"
    fields = [
        "subscription",
        "kind",
        "plan",
        "amount",
        "settled",
        "paid",
        "due",
        "status",
        "covers_from",
        "covers_until",
        "created_at",
        "paid_at",
        "payment_attempts",
        "last_attempt_at",
        "last_failure",
    ]

    amount = InvoiceInline.amount
    settled = InvoiceInline.settled
    paid = InvoiceInline.paid

    @admin.display(description=gettext_lazy("still due"))
    def due(self, obj: Invoice) -> str:
        return yuan(obj.due_fen)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscription", "invoice", "gateway", "gateway_ref", "amount", "at"]
    list_filter = ["gateway"]
    list_select_related = ["subscription__plan", "invoice"]
    search_fields = ["=id", "gateway_ref", "=subscription__id"]
    date_hierarchy = "at"
    fields = [
        "subscription",
        "invoice",
        "gateway",
        "gateway_ref",
        "method",
        "amount",
        "refunded",
        "at",
    ]

    @admin.display(description=gettext_lazy("amount"), ordering="amount_fen")
    def amount(self, obj: Payment) -> str:
        return yuan(obj.amount_fen)

    @admin.display(description=gettext_lazy("refunded"))
    def refunded(self, obj: Payment) -> str:
        return yuan(obj.refunded_fen)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscription", "amount", "status", "created_at", "due_at", "done_at"]
    list_filter = ["status"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=id", "gateway_ref", "=subscription__id"]
    date_hierarchy = "created_at"
    fields = [
        "subscription",
        "payment",
        "change",
        "amount",
        "status",
        "gateway_ref",
        "created_at",
        "due_at",
        "done_at",
        "attempts",
        "last_error",
    ]

    @admin.display(description=gettext_lazy("amount"), ordering="amount_fen")
    def amount(self, obj: Refund) -> str:
        return yuan(obj.amount_fen)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The double-entry ledger: append-only."""

    list_display = ["at", "subscription", "txn", "account", "amount", "kind", "memo"]
    list_filter = ["account", "kind"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=txn", "=subscription__id", "memo"]
    date_hierarchy = "at"
    fields = [
        "subscription",
        "txn",
        "account",
        "amount",
        "kind",
        "memo",
        "invoice",
        "change",
        "refund",
        "at",
    ]

    @admin.display(description=gettext_lazy("amount (debit +)"), ordering="amount_fen")
    def amount(self, obj: LedgerEntry) -> str:
        return f"{'+' if obj.amount_fen > 0 else ''}{yuan_amount(obj.amount_fen)}"


@admin.register(PlanEvent)
class PlanEventAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    """The subscriptions' audit trail: append-only."""

    personal_fields = {"actor": "user"}
    list_display = ["at", "subscription", "kind", "channel", "actor"]
    list_filter = ["kind", "channel"]
    list_select_related = ["subscription__plan", "actor"]
    search_fields = ["=subscription__id", "kind"]
    date_hierarchy = "at"
    fields = ["subscription", "attempt", "at", "kind", "channel", "actor", "details"]

    details = EventInline.details


@admin.register(AutoRenewConsent)
class AutoRenewConsentAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    """Auto-renewal consents given and withdrawn, with the exact text shown: append-only."""

    personal_fields = {"actor": "user"}
    list_display = ["subscription", "given", "at", "channel", "language"]
    list_filter = ["given", "channel", "language"]
    list_select_related = ["subscription__plan"]
    search_fields = ["=subscription__id"]
    date_hierarchy = "at"
    fields = ["subscription", "given", "at", "channel", "actor", "language", "text_shown"]


@admin.register(LocalGatewayRecord)
class LocalGatewayRecordAdmin(ReadOnlyAdmin):
    """The demo payment gateway's own book. No real money moves."""

    list_display = ["at", "kind", "method", "amount", "ok", "reference", "error"]
    list_filter = ["kind", "ok"]
    search_fields = ["reference", "original_reference", "idempotency_key"]
    date_hierarchy = "at"
    fields = [
        "kind",
        "method",
        "amount",
        "ok",
        "reference",
        "original_reference",
        "error",
        "idempotency_key",
        "at",
    ]

    @admin.display(description=gettext_lazy("amount"), ordering="amount_fen")
    def amount(self, obj: LocalGatewayRecord) -> str:
        return yuan(obj.amount_fen)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "title": _(LocalGateway.label)}
        return super().changelist_view(request, extra_context)
