"""The plans API's bodies and answers. Money is integer fen (``…_fen``) with the same amount as
a yuan string (``…_yuan``, "299.00"); times are ISO 8601 in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from fairdesk.api.pagination import Page, PageQuery
from fairdesk.api.schemas import Data, Id

TimingValue = Literal["immediate", "period_end"]
RefundToValue = Literal["original", "account_credit"]


class FamilyOut(Data):
    code: str
    kind: str = Field(description="extended_warranty | maintenance | cloud_storage")
    kind_label: str
    name: str
    name_en: str
    product_lines: list[str] = Field(
        description="The product lines of the devices its plans cover: a subscription names one "
        "of the customer's devices of these lines (device_id)"
    )
    related: list[str] = Field(
        description="Families (codes) a plan of this one may be switched to, and back"
    )


class EntitlementsOut(Data):
    free_visits_per_year: int
    storage_days: int
    warranty_months: int


class PriceChangeOut(Data):
    price_fen: int
    price_yuan: str
    effective_at: datetime = Field(description="Periods starting on or after this pay the price")


class PlanOut(Data):
    code: str
    name: str
    name_en: str
    family: FamilyOut
    tier_rank: int = Field(description="Order within the family: up = upgrade, down = downgrade")
    period: str = Field(description="monthly | yearly")
    period_label: str
    price_fen: int = Field(description="The price per period in force now")
    price_yuan: str
    next_price: PriceChangeOut | None = Field(description="An announced price change, if any")
    entitlements: EntitlementsOut
    auto_renew_offered: bool
    minimum_term_months: int | None = Field(description="Disclosed minimum term, if any")


class PolicyOut(Data):
    timing_rule: str = Field(
        description="immediate | period_end | customer_choice — the one rule for every change "
        "(upgrade, downgrade, switch, cancel alike)"
    )
    timing_rule_label: str
    timings: list[str] = Field(description="The timings a change may be given")
    price_notice_days: int = Field(description="Notice before a price change applies")
    renewal_reminder_days: int = Field(description="Reminder this many days before a renewal")
    grace_days: int
    refund_within_days: int


class CatalogOut(Data):
    policy: PolicyOut
    plans: list[PlanOut]


class ConsentTextOut(Data):
    plan: str
    language: str
    text: str = Field(description="Send it back verbatim as consent_text to turn auto-renewal on")


class PlanRefOut(Data):
    code: str
    name: str
    name_en: str
    family: str
    tier_rank: int
    period: str


class SubscriptionCustomerOut(Data):
    id: int
    name: str


class CoveredDeviceOut(Data):
    id: int
    product_line: str
    model_code: str
    name: str
    name_en: str
    serial: str


class ScheduledChangeOut(Data):
    id: int = Field(description="Undo with POST /scheduled-changes/{id}/undo")
    kind: str
    kind_label: str
    to_plan: PlanRefOut | None = Field(description="null: the plan ends")
    effective_at: datetime
    received_at: datetime


class SubscriptionOut(Data):
    id: int
    customer: SubscriptionCustomerOut
    plan: PlanRefOut
    device_id: int | None = Field(description="The device the plan covers")
    device: CoveredDeviceOut | None = Field(
        description="The device the plan covers (null only for a subscription from before "
        "plans named their device)"
    )
    status: str = Field(description="active | past_due | ended")
    status_label: str
    period_start: datetime
    period_end: datetime
    period_price_fen: int = Field(description="What this period cost (the basis of credits)")
    period_price_yuan: str
    auto_renew: bool
    payment_method: str
    discount_percent: int = Field(description="A retention discount on the next renewals")
    discount_periods: int
    grace_until: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    created_at: datetime
    scheduled_change: ScheduledChangeOut | None


SubscriptionPage = Page[SubscriptionOut]


class OptionOut(Data):
    kind: str = Field(description="upgrade | downgrade | switch | cancel")
    kind_label: str
    to_plan: PlanRefOut | None = Field(description="null: cancel")
    price_fen: int | None = Field(description="The new plan's price per period now")
    price_yuan: str | None


class NextChargeOut(Data):
    at: datetime
    plan: PlanRefOut
    amount_fen: int = Field(description="After the renewal discount and account credit held")
    amount_yuan: str


class SubscriptionDetailOut(SubscriptionOut):
    options: list[OptionOut] = Field(
        description="Every change open to this subscription, all alike: start any of them with "
        "POST /subscriptions/{id}/changes"
    )
    timings: list[str] = Field(description="The timings a change may be given")
    next_charge: NextChargeOut | None = Field(description="null: nothing will renew")
    open_due_fen: int = Field(description="Unpaid now (never blocks a change)")
    open_due_yuan: str
    account_credit_fen: int
    account_credit_yuan: str
    balances: dict[str, int] = Field(description="Ledger balance per account, fen (debit +)")


class SubscriptionIn(Data):
    plan: str = Field(description="The plan's code")
    payment_method: str = Field(max_length=64)
    auto_renew: bool = False
    consent_text: str = Field(
        "",
        max_length=2000,
        description="With auto_renew: the exact text of GET /plans/{code}/consent-text",
    )
    device_id: Id | None = Field(
        None,
        description="The customer's device the plan covers, of a product line its family covers "
        "(required: 422 device_required, device_not_covered, device_not_owned)",
    )
    customer_id: Id | None = Field(None, description="Agents and integrations: the customer")


class SubscriptionFilters(PageQuery):
    customer_id: Id | None = Field(None, description="Staff: one customer's subscriptions")
    status: Literal["active", "past_due", "ended"] | None = None
    limit: int = Field(50, ge=1, le=100, description="How many items (a page)")


class ConsentQuery(Schema):
    language: Literal["zh-hans", "en"] | None = Field(
        None,
        description="Default: the customer's language (a customer's own, or customer_id's for "
        "staff), else the request's",
    )
    customer_id: Id | None = Field(None, description="Staff: in this customer's language")


class ChangeIn(Data):
    to_plan: str | None = Field(
        description="The new plan's code, or null to cancel (required, so nothing is implied)"
    )
    timing: TimingValue | None = Field(
        None, description="Only when the policy is customer_choice; default: the policy's first"
    )


class RetimeIn(Data):
    timing: TimingValue


class ConfirmIn(Data):
    refund_to: RefundToValue = Field(
        default="original",
        description="Where a credit for unused time goes: original payment method (default) or "
        "account credit. A credit first settles what this subscription still owes.",
    )
    reason: str = Field(default="", max_length=300, description="Optional; never required")


class AutoRenewIn(Data):
    on: bool
    consent_text: str = Field(
        "", max_length=2000, description="To turn it on: the exact consent text"
    )


class QuoteOut(Data):
    kind: str
    timing: str
    quoted_at: datetime
    valid_until: datetime = Field(description="Confirm before this, or start again")
    effective_at: datetime
    charge_fen: int = Field(description="Charged now")
    charge_yuan: str
    credit_fen: int = Field(description="Credited now for unused prepaid time")
    credit_yuan: str
    exact: str = Field(description="The unrounded amount (fraction of a fen), signed")
    settles_open_fen: int = Field(description="Of the credit: set against an unpaid invoice")
    settles_open_yuan: str
    new_price_fen: int | None
    new_price_yuan: str | None
    new_period_end: datetime | None
    next_charge_at: datetime | None
    next_charge_fen: int | None
    next_charge_yuan: str | None
    notes: list[str]


class OfferOut(Data):
    code: str
    text: str = Field(description="In the request's language")
    discount_percent: int
    periods: int
    response: str = Field(description="shown | accepted | declined")


class AttemptOut(Data):
    id: int
    subscription_id: int
    kind: str
    kind_label: str
    from_plan: PlanRefOut
    to_plan: PlanRefOut | None
    timing: str
    timings: list[str] = Field(description="Timings it may be switched to (POST …/timing)")
    channel: str
    outcome: str = Field(description="open | confirmed | offer_accepted | abandoned")
    started_at: datetime
    finished_at: datetime | None
    quoted_charge_fen: int
    quoted_credit_fen: int
    quoted_effective_at: datetime
    quote: QuoteOut | None = Field(description="The preview, while the attempt is open")
    offer: OfferOut | None = Field(
        description="At most one retention offer; declining is simply confirming"
    )
    change_id: int | None = Field(description="The change, once confirmed")


class RefundOut(Data):
    id: int
    amount_fen: int
    amount_yuan: str
    status: str = Field(description="pending | done | failed (retried)")
    status_label: str
    created_at: datetime
    due_at: datetime = Field(description="Promised by")
    done_at: datetime | None
    change_id: int | None


class ChangeOut(Data):
    id: int
    subscription_id: int
    attempt_id: int
    kind: str
    kind_label: str
    from_plan: PlanRefOut
    to_plan: PlanRefOut | None
    timing: str
    status: str = Field(description="applied | scheduled | undone")
    received_at: datetime
    effective_at: datetime
    undone_at: datetime | None
    charge_fen: int
    charge_yuan: str
    credit_fen: int
    credit_yuan: str
    credit_settled_fen: int = Field(description="Of the credit: set against what was unpaid")
    credit_refunded_fen: int = Field(description="Of the credit: back to the payment method")
    credit_kept_fen: int = Field(description="Of the credit: kept as account credit")
    refund_to: str
    refunds: list[RefundOut]


class InvoiceOut(Data):
    id: int
    kind: str
    kind_label: str
    plan: str
    amount_fen: int
    amount_yuan: str
    settled_fen: int
    paid_fen: int
    due_fen: int
    status: str = Field(description="open | paid | void")
    status_label: str
    covers_from: datetime
    covers_until: datetime
    created_at: datetime
    paid_at: datetime | None


class LedgerEntryOut(Data):
    id: int
    txn: str = Field(description="Entries of one transaction sum to zero")
    at: datetime
    account: str
    account_label: str
    amount_fen: int = Field(description="Debit +, credit −")
    amount_yuan: str
    kind: str
    kind_label: str
    memo: str
    invoice_id: int | None
    change_id: int | None
    refund_id: int | None


class LedgerOut(Data):
    balances: dict[str, int] = Field(description="Per account, fen (debit +)")
    problems: list[str] = Field(description="Empty when the ledger agrees with itself")
    entries: list[LedgerEntryOut]
    invoices: list[InvoiceOut]
    refunds: list[RefundOut]


class EventOut(Data):
    id: int
    at: datetime
    kind: str
    channel: str
    channel_label: str
    by: str = Field(description="customer | staff | system")
    actor: str | None = Field(description="The staff user's name (shown to staff only)")
    attempt_id: int | None
    details: dict[str, Any]
