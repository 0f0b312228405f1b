"""The catalog file (guarantees F2–F5 for configuration): every asymmetric rule a brand might try
to declare is refused with its own code, good documents load, bad prices and duplicates are
caught, a refused document changes nothing, and a new price in a document is announced with
notice instead of applied."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from time_machine import Traveller

from fairdesk.core.errors import DomainError
from fairdesk.core.money import parse_yuan
from fairdesk.notifications.models import Message
from fairdesk.plans import catalog
from fairdesk.plans.choices import TimingRule
from fairdesk.plans.models import (
    ChangePolicy,
    Invoice,
    Plan,
    PlanFamily,
    PriceChange,
    RetentionOffer,
    Subscription,
)
from fairdesk.plans.services.catalog import catalog_import, plan_price_change
from fairdesk.plans.services.renewals import plans_process_due
from fairdesk.plans.tests.conftest import T0, assert_balanced, demo_catalog

KINDS = ["upgrade", "downgrade", "switch", "cancel"]


def doc(**policy: Any) -> dict[str, Any]:
    """The demo catalog with ``policy`` merged into its policy (``None`` removes a key)."""
    document = demo_catalog()
    for key, value in policy.items():
        if value is None:
            document["policy"].pop(key, None)
        else:
            document["policy"][key] = value
    return document


def codes(document: Any) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in catalog.validate(document)]


def first_plan(document: dict[str, Any]) -> dict[str, Any]:
    plan: dict[str, Any] = document["families"][0]["plans"][0]
    return plan


# --------------------------------------------------------------------------------------------
# Good documents
# --------------------------------------------------------------------------------------------


def test_the_demo_catalog_is_valid() -> None:
    assert codes(demo_catalog()) == []


@pytest.mark.parametrize("timing", [t.value for t in TimingRule])
def test_every_timing_rule_is_accepted(timing: str) -> None:
    assert codes(doc(timing=timing)) == []
    assert catalog.timing_rule_of({"timing": timing}) == timing


def test_the_fair_spelling_of_every_recognised_key_is_accepted() -> None:
    document = doc(
        timing={kind: "customer_choice" for kind in KINDS},  # per kind, but the same for all
        customer_choice_for=list(KINDS),
        forbidden_changes=[],
        steps={kind: 2 for kind in KINDS},
        requires_agent=False,
        requires_call=False,
        requires_open_balance_paid=False,
        change_windows=[],
        proration={"credit_unused_time": True},
        refund_default="original",
        retention_offers_per_attempt=1,
        price_notice_days=30,
        renewal_reminder_days=7,
        grace_days=0,
        refund_within_days=1,
    )
    first_plan(document)["forbidden_targets"] = []
    assert codes(document) == []
    assert catalog.timing_rule_of(document["policy"]) == "customer_choice"
    assert codes(doc(retention_offers_per_attempt=0)) == []


@pytest.mark.parametrize(
    "price,fen", [("199", 19900), ("199.5", 19950), ("0.01", 1), (" 15.00 ", 1500)]
)
def test_prices_in_yuan_as_text(price: str, fen: int) -> None:
    document = demo_catalog()
    first_plan(document)["price"] = price
    assert codes(document) == []
    assert parse_yuan(price) == fen


# --------------------------------------------------------------------------------------------
# Asymmetric configurations: each refused with its own code
# --------------------------------------------------------------------------------------------

ASYMMETRIC: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "upgrade now, downgrade at period end",
        {
            "timing": {
                "upgrade": "immediate",
                "downgrade": "period_end",
                "switch": "immediate",
                "cancel": "period_end",
            }
        },
        "policy.timing",
        "timing_differs_by_direction",
    ),
    (
        "timing for upgrades only",
        {"timing": {"upgrade": "immediate"}},
        "policy.timing",
        "timing_differs_by_direction",
    ),
    (
        "cancel deferred, the rest immediate",
        {
            "timing": {
                "upgrade": "immediate",
                "downgrade": "immediate",
                "switch": "immediate",
                "cancel": "period_end",
            }
        },
        "policy.timing",
        "timing_differs_by_direction",
    ),
    (
        "customer chooses the timing of upgrades only",
        {"timing": "customer_choice", "customer_choice_for": ["upgrade"]},
        "policy.customer_choice_for",
        "choice_differs_by_direction",
    ),
    (
        "customer chooses for all but cancel",
        {"timing": "customer_choice", "customer_choice_for": ["upgrade", "downgrade", "switch"]},
        "policy.customer_choice_for",
        "choice_differs_by_direction",
    ),
    (
        "customer_choice_for is not a list",
        {"customer_choice_for": "upgrade"},
        "policy.customer_choice_for",
        "choice_differs_by_direction",
    ),
    (
        "downgrades forbidden",
        {"forbidden_changes": ["downgrade"]},
        "policy.forbidden_changes",
        "change_forbidden_reverse_allowed",
    ),
    (
        "cancel forbidden (as a single string)",
        {"forbidden_changes": "cancel"},
        "policy.forbidden_changes",
        "change_forbidden_reverse_allowed",
    ),
    (
        "more steps to downgrade",
        {"steps": {"upgrade": 2, "downgrade": 5, "switch": 2, "cancel": 2}},
        "policy.steps",
        "steps_differ_by_direction",
    ),
    (
        "steps for cancel only",
        {"steps": {"cancel": 4}},
        "policy.steps",
        "steps_differ_by_direction",
    ),
    (
        "steps as one number",
        {"steps": 3},
        "policy.steps",
        "steps_differ_by_direction",
    ),
    (
        "the same extra step for everyone",
        {"steps": {kind: 3 for kind in KINDS}},
        "policy.steps",
        "steps_fixed",
    ),
    (
        "an agent for downgrades",
        {"requires_agent": ["downgrade", "cancel"]},
        "policy.requires_agent",
        "agent_required",
    ),
    (
        "an agent for every change",
        {"requires_agent": True},
        "policy.requires_agent",
        "agent_required",
    ),
    (
        "a phone call to cancel",
        {"requires_call": {"cancel": True}},
        "policy.requires_call",
        "call_required",
    ),
    (
        "the open balance paid before a downgrade",
        {"requires_open_balance_paid": ["downgrade"]},
        "policy.requires_open_balance_paid",
        "open_balance_required",
    ),
    (
        "cancel only in the last 3 days of the period",
        {"change_windows": {"cancel": {"last_days": 3}}},
        "policy.change_windows",
        "change_window",
    ),
    (
        "downgrade only in the last 3 days (as a list)",
        {"change_windows": [{"kind": "downgrade", "only_in_last_days": 3}]},
        "policy.change_windows",
        "change_window",
    ),
    (
        "no credit for unused time on downgrade",
        {"proration": {"upgrade": "charge_difference", "downgrade": "none"}},
        "policy.proration",
        "proration_asymmetric",
    ),
    (
        "credits by the day, charges by the second",
        {"proration": {"charge_granularity": "second", "credit_granularity": "day"}},
        "policy.proration",
        "proration_asymmetric",
    ),
    (
        "unused time not credited",
        {"proration": {"credit_unused_time": False}},
        "policy.proration",
        "proration_asymmetric",
    ),
    (
        "refunds to account credit by default",
        {"refund_default": "account_credit"},
        "policy.refund_default",
        "refund_default_not_original",
    ),
    (
        "two retention offers per attempt",
        {"retention_offers_per_attempt": 2},
        "policy.retention_offers_per_attempt",
        "too_many_offers",
    ),
    (
        "retention offers as a boolean",
        {"retention_offers_per_attempt": True},
        "policy.retention_offers_per_attempt",
        "too_many_offers",
    ),
    (
        "an unknown policy setting",
        {"downgrade_fee": "9.90"},
        "policy.downgrade_fee",
        "unknown_field",
    ),
]


@pytest.mark.parametrize(
    "policy,path,code", [case[1:] for case in ASYMMETRIC], ids=[case[0] for case in ASYMMETRIC]
)
def test_asymmetric_policy_is_rejected(policy: dict[str, Any], path: str, code: str) -> None:
    problems = catalog.validate(doc(**policy))
    assert (path, code) in [(p.path, p.code) for p in problems]
    message = next(p.message for p in problems if p.code == code)
    assert message.strip()  # a specific sentence saying why, not just a code


def test_asymmetric_messages_are_localised() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = catalog.validate(doc(requires_call=True))[0].message
    with translation.override("en"):
        en = catalog.validate(doc(requires_call=True))[0].message
    assert en == "No change may require a phone call."
    assert zh != en


def test_the_timing_message_names_each_direction() -> None:
    problems = catalog.validate(doc(timing={"upgrade": "immediate", "downgrade": "period_end"}))
    message = next(p.message for p in problems if p.code == "timing_differs_by_direction")
    assert "downgrade: period_end" in message and "upgrade: immediate" in message


def test_a_plan_cannot_forbid_targets() -> None:
    document = demo_catalog()
    first_plan(document)["forbidden_targets"] = ["ac-care-basic"]
    assert codes(document) == [
        ("families[0].plans[0].forbidden_targets", "change_forbidden_reverse_allowed")
    ]


def test_unknown_fields_everywhere() -> None:
    document = demo_catalog()
    document["loyalty"] = {}
    document["families"][1]["downgrade_path"] = "agent"
    first_plan(document)["downgrade_fee"] = "10.00"
    document["retention_offers"][0]["shown_times"] = 3
    found = codes(document)
    for path in (
        "loyalty",
        "families[1].downgrade_path",
        "families[0].plans[0].downgrade_fee",
        "retention_offers[0].shown_times",
    ):
        assert (path, "unknown_field") in found, path


def test_every_problem_is_listed_not_only_the_first() -> None:
    document = doc(
        timing={"upgrade": "immediate", "downgrade": "period_end"},
        requires_agent=True,
        change_windows={"cancel": "last 3 days"},
        refund_default="account_credit",
        retention_offers_per_attempt=2,
    )
    first_plan(document)["price"] = "0"
    found = {code for _path, code in codes(document)}
    assert {
        "timing_differs_by_direction",
        "agent_required",
        "change_window",
        "refund_default_not_original",
        "too_many_offers",
        "invalid_price",
    } <= found


# --------------------------------------------------------------------------------------------
# The timing map: only the four kinds, one valid value (these fail today: see the report)
# --------------------------------------------------------------------------------------------


def test_an_empty_timing_map_is_rejected() -> None:
    assert ("policy.timing", "required") in codes(doc(timing={}))


def test_a_timing_map_without_values_is_rejected() -> None:
    assert codes(doc(timing={kind: None for kind in KINDS})) != []


def test_a_timing_map_with_other_keys_is_rejected() -> None:
    timing = {"renewal": "bogus", **{kind: "immediate" for kind in KINDS}}
    assert codes(doc(timing=timing)) != []


# --------------------------------------------------------------------------------------------
# Required parts, numbers, codes, ranks, prices
# --------------------------------------------------------------------------------------------


def test_not_an_object() -> None:
    assert codes([]) == [("", "invalid")]


def test_policy_and_families_are_required() -> None:
    assert set(codes({})) == {("policy", "required"), ("families", "required")}
    assert ("policy.timing", "required") in codes(doc(timing=None))
    document = demo_catalog()
    document["families"][0]["plans"] = []
    assert ("families[0].plans", "required") in codes(document)


@pytest.mark.parametrize(
    "key,value",
    [
        ("price_notice_days", 0),
        ("price_notice_days", 29),  # the floor: consent texts promise at least 30 days
        ("price_notice_days", 366),
        ("renewal_reminder_days", 0),
        ("grace_days", -1),
        ("grace_days", 61),
        ("refund_within_days", 31),
        ("refund_within_days", "7"),
        ("price_notice_days", True),
    ],
)
def test_policy_numbers_out_of_range(key: str, value: Any) -> None:
    assert (f"policy.{key}", "invalid_number") in codes(doc(**{key: value}))


def test_invalid_timing_value() -> None:
    assert ("policy.timing", "invalid_choice") in codes(doc(timing="whenever"))
    assert ("policy.timing", "invalid_choice") in codes(
        doc(timing={kind: "soon" for kind in KINDS})
    )


@pytest.mark.parametrize("price", ["19.999", "0", "0.00", "-1", "1e3", "199.", "", "¥199"])
def test_bad_prices_as_text(price: str) -> None:
    document = demo_catalog()
    first_plan(document)["price"] = price
    assert codes(document) == [("families[0].plans[0].price", "invalid_price")]


@pytest.mark.parametrize("price", [1999, 19.99, None, True])
def test_prices_must_be_text(price: Any) -> None:
    document = demo_catalog()
    first_plan(document)["price"] = price
    assert codes(document) == [("families[0].plans[0].price", "invalid_price")]


def test_duplicate_tier_ranks_in_a_family() -> None:
    document = demo_catalog()
    document["families"][0]["plans"][2]["tier_rank"] = 1
    assert codes(document) == [("families[0].plans[2].tier_rank", "duplicate_rank")]
    # the same rank in different families is fine
    assert codes(demo_catalog()) == []


def test_duplicate_plan_codes_across_families() -> None:
    document = demo_catalog()
    document["families"][2]["plans"][0]["code"] = "ac-care-basic"
    assert codes(document) == [("families[2].plans[0].code", "duplicate_code")]


def test_duplicate_family_and_offer_codes() -> None:
    document = demo_catalog()
    document["families"][1]["code"] = "ac-care"
    document["retention_offers"].append(copy.deepcopy(document["retention_offers"][0]))
    found = codes(document)
    assert ("families[1].code", "duplicate_code") in found
    assert ("retention_offers[1].code", "invalid_code") in found


def test_plan_fields() -> None:
    document = demo_catalog()
    plan = first_plan(document)
    plan.update(
        code="AC Care!",
        name="",
        tier_rank=0,
        period="weekly",
        free_visits_per_year=-1,
        minimum_term_months=61,
        auto_renew="yes",
    )
    assert set(codes(document)) == {
        ("families[0].plans[0].code", "invalid_code"),
        ("families[0].plans[0].name", "invalid_text"),
        ("families[0].plans[0].tier_rank", "invalid_number"),
        ("families[0].plans[0].period", "invalid_choice"),
        ("families[0].plans[0].free_visits_per_year", "invalid_number"),
        ("families[0].plans[0].minimum_term_months", "invalid_number"),
        ("families[0].plans[0].auto_renew", "invalid_boolean"),
    }


def test_family_and_offer_fields() -> None:
    document = demo_catalog()
    document["families"][0]["kind"] = "insurance"
    offer = document["retention_offers"][0]
    offer.update(discount_percent=0, periods=13, text="")
    assert set(codes(document)) == {
        ("families[0].kind", "invalid_choice"),
        ("retention_offers[0].discount_percent", "invalid_number"),
        ("retention_offers[0].periods", "invalid_number"),
        ("retention_offers[0].text", "invalid_text"),
    }
    document = demo_catalog()
    document["retention_offers"] = {"stay-20": {}}
    assert codes(document) == [("retention_offers", "invalid")]


# --------------------------------------------------------------------------------------------
# Loading: all or nothing; prices change only with notice
# --------------------------------------------------------------------------------------------


def _snapshot() -> tuple[Any, ...]:
    row = ChangePolicy.objects.filter(pk=1).values().first()
    policy = {key: value for key, value in row.items() if key != "updated_at"} if row else None
    return (
        policy,
        sorted(PlanFamily.objects.values_list("code", "name")),
        sorted(Plan.objects.values_list("code", "price_fen", "tier_rank", "active")),
        sorted(RetentionOffer.objects.values_list("code", "discount_percent", "active")),
        PriceChange.objects.count(),
    )


@pytest.mark.django_db
def test_a_refused_document_changes_nothing(catalog: dict[str, Plan]) -> None:
    before = _snapshot()
    document = doc(timing="period_end", price_notice_days=60, requires_agent=["downgrade"])
    document["families"][0]["plans"][0]["price"] = "99.00"
    document["families"][0]["plans"].pop()  # would take ac-care-premium off sale
    with pytest.raises(DomainError) as err:
        catalog_import(document=document)
    assert err.value.code == "catalog_invalid" and err.value.status == 422
    problems = err.value.details["problems"]
    assert problems == [
        {
            "path": "policy.requires_agent",
            "code": "agent_required",
            "message": problems[0]["message"],
        }
    ]
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_document_with_many_problems_lists_them_all(catalog: dict[str, Plan]) -> None:
    before = _snapshot()
    document = doc(refund_default="account_credit", retention_offers_per_attempt=2)
    first_plan(document)["price"] = 1999
    with pytest.raises(DomainError) as err:
        catalog_import(document=document)
    problems = err.value.details["problems"]
    assert {d["code"] for d in problems} == {
        "refund_default_not_original",
        "too_many_offers",
        "invalid_price",
    }
    assert all(set(d) == {"path", "code", "message"} for d in problems)
    assert _snapshot() == before


@pytest.mark.django_db
def test_import_counts_and_reimport_changes_nothing(catalog: dict[str, Plan]) -> None:
    before = _snapshot()
    counts = catalog_import(document=demo_catalog())
    assert counts == {"families": 3, "plans": 8, "price_changes": 0, "offers": 1}
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_new_price_in_a_document_is_announced_not_applied(
    catalog: dict[str, Plan], clock: Any
) -> None:
    document = demo_catalog()
    first_plan(document)["price"] = "219.00"  # ac-care-basic, was 199.00
    counts = catalog_import(document=document)
    assert counts["price_changes"] == 1
    plan = Plan.objects.get(code="ac-care-basic")
    assert plan.price_fen == 19900  # the price in force is unchanged today
    change = PriceChange.objects.get(plan=plan)
    assert (change.old_price_fen, change.new_price_fen) == (19900, 21900)
    assert change.announced_at == T0
    assert change.effective_at == T0 + timedelta(days=30)  # the policy's notice period
    from fairdesk.plans.selectors import plan_price_at

    assert plan_price_at(plan, T0 + timedelta(days=29)) == 19900
    assert plan_price_at(plan, T0 + timedelta(days=30)) == 21900
    # the same document again announces nothing new
    assert catalog_import(document=document)["price_changes"] == 0
    assert PriceChange.objects.filter(plan=plan).count() == 1


@pytest.mark.django_db
def test_plans_left_out_go_off_sale_not_away(catalog: dict[str, Plan]) -> None:
    document = demo_catalog()
    document["families"][2]["plans"].pop()  # cloud-90
    document["retention_offers"] = []
    catalog_import(document=document)
    assert not Plan.objects.get(code="cloud-90").active
    assert not RetentionOffer.objects.get(code="stay-20").active
    assert Plan.objects.count() == 8


@pytest.mark.django_db
def test_ranks_can_be_reordered(catalog: dict[str, Plan]) -> None:
    document = demo_catalog()
    plans = document["families"][0]["plans"]
    plans[0]["tier_rank"], plans[2]["tier_rank"] = 3, 1
    catalog_import(document=document)
    ranks = dict(Plan.objects.filter(family__code="ac-care").values_list("code", "tier_rank"))
    assert ranks == {"ac-care-basic": 3, "ac-care-standard": 2, "ac-care-premium": 1}


@pytest.mark.django_db
def test_the_policy_comes_from_the_document(catalog: dict[str, Plan]) -> None:
    catalog_import(document=doc(timing={kind: "customer_choice" for kind in KINDS}, grace_days=3))
    policy = ChangePolicy.objects.get(pk=1)
    assert (policy.timing_rule, policy.grace_days) == ("customer_choice", 3)


def test_a_timing_choice_needs_the_customer_choice_rule() -> None:
    assert ("policy.customer_choice_for", "choice_without_rule") in codes(
        doc(timing="immediate", customer_choice_for=list(KINDS))
    )


def test_a_minimum_term_beyond_the_prepaid_period_is_rejected() -> None:
    document = doc()
    cloud = next(f for f in document["families"] if f["code"] == "cloud")
    cloud["plans"][0]["minimum_term_months"] = 12  # a monthly plan held for a year
    assert ("families[2].plans[0].minimum_term_months", "minimum_term_beyond_prepaid") in codes(
        document
    )
    cloud["plans"][0]["minimum_term_months"] = 1
    assert codes(document) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_price_change_waits_for_the_notice_period(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    with pytest.raises(DomainError):
        plan_price_change(plan=catalog["cloud-30"], new_price_fen=3500, notice_days=10)
    clock.move_to(T0 + timedelta(days=1))
    plan_price_change(plan=catalog["cloud-30"], new_price_fen=3500)  # effective in 30 days
    assert Message.objects.filter(customer=sub.customer, kind="plans.price_notice").count() == 2
    clock.move_to(
        sub.period_end + timedelta(seconds=1)
    )  # renewal after 29 days of notice: old price
    plans_process_due()
    assert Invoice.objects.get(subscription=sub, kind="renewal").amount_fen == 3000
    sub.refresh_from_db()
    clock.move_to(sub.period_end + timedelta(seconds=1))  # two months on: past the 30 days
    plans_process_due()
    latest = Invoice.objects.filter(subscription=sub, kind="renewal").order_by("-id").first()
    assert latest is not None and latest.amount_fen == 3500
    assert_balanced(sub)
