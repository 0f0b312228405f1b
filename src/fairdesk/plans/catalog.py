"""The catalog file: what a brand declares, checked before anything is stored.

A brand describes its plans and its change policy in one JSON document (see
``data/demo_catalog.json`` and docs/plans.md). ``validate`` lists every problem;
``services.catalog.catalog_import`` refuses a document with any. The checks are where guarantees
F2–F5 are enforced for configuration: the stored model has no field per direction at all, and a
document that tries to express a rule per direction — a different timing, a forbidden change whose
reverse is allowed, a waiting window, an agent or a call or an open balance required, fewer
steps for one direction, asymmetric proration, a default refund to account credit, more than one
retention offer — is rejected with a specific, localised message saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fairdesk.core.money import parse_yuan
from fairdesk.network.choices import ProductLine
from fairdesk.plans.choices import (
    DEVICE_KINDS,
    PERIOD_MONTHS,
    BillingPeriod,
    ChangeKind,
    FamilyKind,
    TimingRule,
)

KINDS = [k.value for k in ChangeKind]
REVERSE = {
    "upgrade": "downgrade",
    "downgrade": "upgrade",
    "switch": "switch",
    "cancel": "subscribe",
}

POLICY_KEYS = {
    "timing",
    "price_notice_days",
    "renewal_reminder_days",
    "grace_days",
    "refund_within_days",
    # keys that exist only so that a brand's asymmetric rule is recognised and refused clearly
    "customer_choice_for",
    "forbidden_changes",
    "steps",
    "requires_agent",
    "requires_call",
    "requires_open_balance_paid",
    "change_windows",
    "proration",
    "refund_default",
    "retention_offers_per_attempt",
}
FAMILY_KEYS = {"code", "kind", "name", "name_en", "product_lines", "related", "plans"}
PLAN_KEYS = {
    "code",
    "name",
    "name_en",
    "tier_rank",
    "period",
    "price",
    "free_visits_per_year",
    "storage_days",
    "warranty_months",
    "auto_renew",
    "minimum_term_months",
    "active",
    "forbidden_targets",
}
OFFER_KEYS = {"code", "text", "text_en", "discount_percent", "periods", "active"}
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path, code, message))

    def unknown_keys(self, path: str, obj: dict[str, Any], allowed: set[str]) -> None:
        for key in sorted(set(obj) - allowed):
            self.add(
                f"{path}.{key}" if path else key,
                "unknown_field",
                _("Unknown field “%(key)s”: fairdesk does not know this setting.") % {"key": key},
            )

    def positive_int(self, path: str, value: Any, *, minimum: int = 1, maximum: int = 3650) -> bool:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.add(
                path,
                "invalid_number",
                _("Must be a whole number from %(min)d to %(max)d.")
                % {"min": minimum, "max": maximum},
            )
            return False
        return True

    def text(self, path: str, value: Any, *, max_length: int) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            self.add(
                path,
                "invalid_text",
                _("Must be a non-empty text of at most %(n)d characters.") % {"n": max_length},
            )


def _per_kind(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _check_policy(c: _Checker, policy: Any) -> None:
    if not isinstance(policy, dict):
        c.add("policy", "required", _("The change policy is required."))
        return
    c.unknown_keys("policy", policy, POLICY_KEYS)
    timing = policy.get("timing")
    by_kind = _per_kind(timing)
    if by_kind is not None:
        if not by_kind:
            c.add("policy.timing", "required", _("The timing rule is required."))
            timing = None
        elif set(by_kind) - set(KINDS):
            c.add(
                "policy.timing",
                "unknown_field",
                _("The timing map may only name the kinds of change: %(kinds)s.")
                % {"kinds": ", ".join(KINDS)},
            )
            timing = None
        else:
            values = {by_kind.get(kind) for kind in KINDS}
            if len(values) > 1:
                c.add(
                    "policy.timing",
                    "timing_differs_by_direction",
                    _(
                        "One timing rule must apply to every change: upgrade, downgrade, switch "
                        "and cancel. This catalog gives them different timings (%(detail)s)."
                    )
                    % {"detail": ", ".join(f"{k}: {by_kind.get(k)}" for k in KINDS)},
                )
                timing = None
            else:
                timing = next(iter(values))
                if timing is None:
                    c.add("policy.timing", "required", _("The timing rule is required."))
    if timing is not None and timing not in TimingRule.values:
        c.add(
            "policy.timing",
            "invalid_choice",
            _("Timing must be one of: %(choices)s.") % {"choices": ", ".join(TimingRule.values)},
        )
    elif timing is None and by_kind is None:
        c.add("policy.timing", "required", _("The timing rule is required."))

    choice_for = policy.get("customer_choice_for")
    if choice_for is not None and set(choice_for if isinstance(choice_for, list) else []) != set(
        KINDS
    ):
        c.add(
            "policy.customer_choice_for",
            "choice_differs_by_direction",
            _(
                "When the customer may choose the timing, the same choice is offered for every "
                "kind of change; it cannot be offered for some only."
            ),
        )
    if choice_for is not None and timing != TimingRule.CUSTOMER_CHOICE:
        c.add(
            "policy.customer_choice_for",
            "choice_without_rule",
            _("A timing choice is offered only with the timing rule “customer_choice”."),
        )
    forbidden = policy.get("forbidden_changes")
    if forbidden:
        for kind in forbidden if isinstance(forbidden, list) else [str(forbidden)]:
            c.add(
                "policy.forbidden_changes",
                "change_forbidden_reverse_allowed",
                _(
                    "“%(kind)s” cannot be forbidden while its reverse (%(reverse)s) is allowed: "
                    "a customer may always undo what they could do."
                )
                % {"kind": kind, "reverse": REVERSE.get(kind, "?")},
            )
    steps = _per_kind(policy.get("steps"))
    if policy.get("steps") is not None:
        counts = {steps.get(k) for k in KINDS} if steps else {None}
        if len(counts) > 1 or counts == {None}:
            c.add(
                "policy.steps",
                "steps_differ_by_direction",
                _(
                    "Every change takes the same steps (choose, preview, confirm); a catalog "
                    "cannot add steps to some kinds of change."
                ),
            )
        elif counts != {2}:
            c.add(
                "policy.steps",
                "steps_fixed",
                _("Every change takes exactly two steps after choosing: preview and confirm."),
            )
    for key, code, message in (
        (
            "requires_agent",
            "agent_required",
            _("No change may require talking to an agent: customers make every change themselves."),
        ),
        ("requires_call", "call_required", _("No change may require a phone call.")),
        (
            "requires_open_balance_paid",
            "open_balance_required",
            _("No change may require paying an open balance first."),
        ),
    ):
        if policy.get(key):
            c.add(f"policy.{key}", code, message)
    if policy.get("change_windows"):
        c.add(
            "policy.change_windows",
            "change_window",
            _(
                "Changes cannot be limited to a window of the period (such as “only in the last "
                "3 days”): every change is possible at any time."
            ),
        )
    proration = policy.get("proration")
    if proration is not None and proration != {"credit_unused_time": True}:
        c.add(
            "policy.proration",
            "proration_asymmetric",
            _(
                "Proration follows one clock for charges and credits (to the second, one rounding "
                "to the fen) and unused prepaid time is always credited; it cannot be configured "
                "per direction."
            ),
        )
    refund_default = policy.get("refund_default")
    if refund_default is not None and refund_default != "original":
        c.add(
            "policy.refund_default",
            "refund_default_not_original",
            _(
                "Refunds go to the original payment method by default; account credit is only "
                "given when the customer chooses it."
            ),
        )
    offers = policy.get("retention_offers_per_attempt")
    if offers is not None and (type(offers) is not int or offers not in (0, 1)):
        c.add(
            "policy.retention_offers_per_attempt",
            "too_many_offers",
            _("At most one retention offer may be shown per attempt."),
        )
    for key, minimum, maximum in (
        # 30 days is the floor: consent texts promise at least the notice in force
        ("price_notice_days", 30, 365),
        ("renewal_reminder_days", 1, 60),
        ("grace_days", 0, 60),
        ("refund_within_days", 1, 30),
    ):
        if key in policy:
            c.positive_int(f"policy.{key}", policy[key], minimum=minimum, maximum=maximum)


def _check_plan(c: _Checker, path: str, plan: Any, codes: set[str], ranks: set[int]) -> None:
    if not isinstance(plan, dict):
        c.add(path, "invalid", _("A plan must be an object."))
        return
    c.unknown_keys(path, plan, PLAN_KEYS)
    code = plan.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        c.add(
            f"{path}.code",
            "invalid_code",
            _("A code is 1–40 lower-case letters, digits or hyphens."),
        )
    elif code in codes:
        c.add(
            f"{path}.code",
            "duplicate_code",
            _("Plan code “%(code)s” is used twice.") % {"code": code},
        )
    else:
        codes.add(code)
    c.text(f"{path}.name", plan.get("name"), max_length=100)
    c.text(f"{path}.name_en", plan.get("name_en"), max_length=100)
    rank: Any = plan.get("tier_rank")  # an int once positive_int says so
    if c.positive_int(f"{path}.tier_rank", rank, minimum=1, maximum=1000):
        if rank in ranks:
            c.add(
                f"{path}.tier_rank",
                "duplicate_rank",
                _(
                    "Two plans of a family share tier rank %(rank)d: upgrade and downgrade are "
                    "decided by rank, so ranks must differ."
                )
                % {"rank": rank},
            )
        ranks.add(rank)
    if plan.get("period") not in BillingPeriod.values:
        c.add(
            f"{path}.period",
            "invalid_choice",
            _("Period must be one of: %(choices)s.") % {"choices": ", ".join(BillingPeriod.values)},
        )
    price = parse_yuan(plan.get("price"))
    if price is None or price <= 0:
        c.add(
            f"{path}.price",
            "invalid_price",
            _("A price is a positive amount in yuan, at most two decimals, as text (“199.00”)."),
        )
    for key in ("free_visits_per_year", "storage_days", "warranty_months"):
        if key in plan:
            c.positive_int(f"{path}.{key}", plan[key], minimum=0, maximum=3650)
    term = plan.get("minimum_term_months")
    if term is not None and c.positive_int(f"{path}.minimum_term_months", term, maximum=60):
        months = PERIOD_MONTHS.get(str(plan.get("period")))
        if months is not None and term > months:
            c.add(
                f"{path}.minimum_term_months",
                "minimum_term_beyond_prepaid",
                _(
                    "A minimum term longer than the billing period would hold a customer beyond "
                    "what they prepaid and make leaving wait; sell the commitment as a prepaid "
                    "period instead (for example a yearly price)."
                ),
            )
    for key in ("auto_renew", "active"):
        if key in plan and not isinstance(plan[key], bool):
            c.add(f"{path}.{key}", "invalid_boolean", _("Must be true or false."))
    if plan.get("forbidden_targets"):
        c.add(
            f"{path}.forbidden_targets",
            "change_forbidden_reverse_allowed",
            _(
                "A plan cannot forbid changing to another plan while the change back is allowed: "
                "every plan can be changed to every other plan on sale."
            ),
        )


def _check_product_lines(c: _Checker, path: str, family: dict[str, Any]) -> None:
    """A family whose plans cover a device says which product lines (``product_lines``): the
    customer picks one of their own devices of these lines when subscribing."""
    lines = family.get("product_lines")
    if family.get("kind") not in DEVICE_KINDS:
        return
    if lines is None or lines == []:
        c.add(
            f"{path}.product_lines",
            "required",
            _(
                "Say which product lines this family's plans cover (for example "
                "[“air_conditioner”]): each subscription covers one of the customer's devices "
                "of these lines."
            ),
        )
        return
    if not isinstance(lines, list) or any(
        not isinstance(line, str) or line not in ProductLine.values for line in lines
    ):
        c.add(
            f"{path}.product_lines",
            "invalid_choice",
            _("Product lines must be a list of: %(choices)s.")
            % {"choices": ", ".join(ProductLine.values)},
        )
    elif len(set(lines)) != len(lines):
        c.add(f"{path}.product_lines", "duplicate_code", _("A product line is listed twice."))


def _check_related(c: _Checker, families: list[Any]) -> None:
    """``related``: the codes of other families of the document whose plans a subscriber may
    switch to (and back: naming the relation on one side is enough). A switch keeps the
    subscription's device, so two related families must cover a product line in common."""
    by_code = {
        f["code"]: f for f in families if isinstance(f, dict) and isinstance(f.get("code"), str)
    }
    for i, family in enumerate(families):
        if not isinstance(family, dict) or "related" not in family:
            continue
        path = f"families[{i}].related"
        related = family["related"]
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            c.add(path, "invalid", _("Related families are a list of family codes."))
            continue
        for code in related:
            other = by_code.get(code)
            if code == family.get("code"):
                c.add(path, "invalid", _("A family is not related to itself."))
            elif other is None:
                c.add(
                    path,
                    "unknown_family",
                    _("There is no family “%(code)s” in this catalog.") % {"code": code},
                )
            elif not _common_lines(family, other):
                c.add(
                    path,
                    "related_without_common_line",
                    _(
                        "“%(a)s” and “%(b)s” cover no product line in common: a switch keeps "
                        "the device the plan covers, so it can only be between families that "
                        "cover the same kind of device."
                    )
                    % {"a": family.get("code"), "b": code},
                )


def _common_lines(a: dict[str, Any], b: dict[str, Any]) -> bool:
    lines_a, lines_b = a.get("product_lines"), b.get("product_lines")
    if a.get("kind") not in DEVICE_KINDS or b.get("kind") not in DEVICE_KINDS:
        return True  # neither covers a device: nothing to keep
    if not isinstance(lines_a, list) or not isinstance(lines_b, list):
        return True  # reported on the family itself
    return bool({str(x) for x in lines_a} & {str(x) for x in lines_b})


def validate(document: Any) -> list[Problem]:
    """Every problem of a catalog document (empty: the document can be loaded)."""
    c = _Checker()
    if not isinstance(document, dict):
        c.add("", "invalid", _("A catalog is a JSON object."))
        return c.problems
    c.unknown_keys("", document, {"policy", "families", "retention_offers"})
    _check_policy(c, document.get("policy"))
    families = document.get("families")
    if not isinstance(families, list) or not families:
        c.add("families", "required", _("At least one plan family is required."))
        families = []
    family_codes: set[str] = set()
    plan_codes: set[str] = set()
    for i, family in enumerate(families):
        path = f"families[{i}]"
        if not isinstance(family, dict):
            c.add(path, "invalid", _("A family must be an object."))
            continue
        c.unknown_keys(path, family, FAMILY_KEYS)
        code = family.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.add(
                f"{path}.code",
                "invalid_code",
                _("A code is 1–40 lower-case letters, digits or hyphens."),
            )
        elif code in family_codes:
            c.add(
                f"{path}.code",
                "duplicate_code",
                _("Family code “%(code)s” is used twice.") % {"code": code},
            )
        else:
            family_codes.add(code)
        if family.get("kind") not in FamilyKind.values:
            c.add(
                f"{path}.kind",
                "invalid_choice",
                _("Kind must be one of: %(choices)s.") % {"choices": ", ".join(FamilyKind.values)},
            )
        c.text(f"{path}.name", family.get("name"), max_length=100)
        c.text(f"{path}.name_en", family.get("name_en"), max_length=100)
        _check_product_lines(c, path, family)
        plans = family.get("plans")
        if not isinstance(plans, list) or not plans:
            c.add(f"{path}.plans", "required", _("A family needs at least one plan."))
            continue
        ranks: set[int] = set()
        for j, plan in enumerate(plans):
            _check_plan(c, f"{path}.plans[{j}]", plan, plan_codes, ranks)
    _check_related(c, families)
    offers = document.get("retention_offers", [])
    if not isinstance(offers, list):
        c.add("retention_offers", "invalid", _("Retention offers are a list."))
        offers = []
    offer_codes: set[str] = set()
    for i, offer in enumerate(offers):
        path = f"retention_offers[{i}]"
        if not isinstance(offer, dict):
            c.add(path, "invalid", _("An offer must be an object."))
            continue
        c.unknown_keys(path, offer, OFFER_KEYS)
        code = offer.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code) or code in offer_codes:
            c.add(f"{path}.code", "invalid_code", _("Each offer needs its own valid code."))
        else:
            offer_codes.add(code)
        c.text(f"{path}.text", offer.get("text"), max_length=300)
        c.text(f"{path}.text_en", offer.get("text_en"), max_length=300)
        c.positive_int(f"{path}.discount_percent", offer.get("discount_percent"), maximum=100)
        if "periods" in offer:
            c.positive_int(f"{path}.periods", offer["periods"], maximum=12)
    return c.problems


def timing_rule_of(policy: dict[str, Any]) -> str:
    """The one timing rule of a valid policy (a per-kind map with equal values is accepted)."""
    timing = policy["timing"]
    if isinstance(timing, dict):
        return str(next(iter(timing.values())))
    return str(timing)
