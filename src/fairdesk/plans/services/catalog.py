"""The catalog: loading a brand's catalog document, and announcing a new price with notice.

A plan's price is set when it is created and never edited: a new price is a ``PriceChange``
for periods starting at least the notice period after it is announced, told the same day to
every subscriber of the plan (docs/plans.md, "Price changes").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.core.money import parse_yuan
from fairdesk.plans import catalog as catalog_file
from fairdesk.plans.choices import ChangeStatus, Channel, PlanEventKind
from fairdesk.plans.models import Plan, PlanFamily, PriceChange, RetentionOffer, Subscription
from fairdesk.plans.selectors import LIVE, plan_latest_price, plan_price_at, policy_get
from fairdesk.plans.services.audit import event_record
from fairdesk.plans.services.messages import tell_price_notice

POLICY_NUMBERS = ("price_notice_days", "renewal_reminder_days", "grace_days", "refund_within_days")


def check_catalog(document: Any) -> None:
    """The whole document, validated (``catalog.validate``): 422 ``catalog_invalid`` with every
    problem in ``details["problems"]`` as ``{path, code, message}``."""
    problems = catalog_file.validate(document)
    if problems:
        raise DomainError(
            _("The catalog has %(n)d problem(s); nothing was changed.") % {"n": len(problems)},
            code="catalog_invalid",
            status=422,
            details={"problems": [p.as_dict() for p in problems]},
        )


@transaction.atomic
def catalog_import(
    *, document: Any, actor: Any = None, now: datetime | None = None
) -> dict[str, int]:
    """Load a catalog document (see ``catalog.py``): validate everything, then upsert by code.

    A plan whose price differs from the price in force gets a ``PriceChange`` after the notice
    period (``plan_price_change``), never an immediate one. Plans and offers missing from the
    document are taken off sale, not deleted (their subscribers keep them).
    """
    now = now or timezone.now()
    check_catalog(document)
    policy = policy_get()
    notice_before = policy.price_notice_days  # prices announced by this document get at least it
    doc_policy = document["policy"]
    policy.timing_rule = catalog_file.timing_rule_of(doc_policy)
    for key in POLICY_NUMBERS:
        if key in doc_policy:
            setattr(policy, key, doc_policy[key])
    policy.save()
    counts = {"families": 0, "plans": 0, "price_changes": 0, "offers": 0}
    seen_plans: list[str] = []
    families: dict[str, PlanFamily] = {}
    for fam in document["families"]:
        family, _created = PlanFamily.objects.update_or_create(
            code=fam["code"],
            defaults={
                "kind": fam["kind"],
                "name": fam["name"],
                "name_en": fam["name_en"],
                "product_lines": list(fam.get("product_lines") or []),
            },
        )
        families[family.code] = family
        counts["families"] += 1
        # ranks may be reordered: move the plans that take part, and any plan off sale holding a
        # rank the document uses, out of the way first (a plan off sale keeps its rank otherwise)
        codes = [item["code"] for item in fam["plans"]]
        ranks = [item["tier_rank"] for item in fam["plans"]]
        for plan in Plan.objects.filter(Q(code__in=codes) | Q(family=family, tier_rank__in=ranks)):
            Plan.objects.filter(pk=plan.pk).update(tier_rank=1000 + plan.pk)
        for item in fam["plans"]:
            price = parse_yuan(item["price"])
            if price is None:  # checked by catalog.validate
                raise AssertionError(f"{item['code']}: price {item['price']!r} was validated")
            fields = {
                "family": family,
                "name": item["name"],
                "name_en": item["name_en"],
                "tier_rank": item["tier_rank"],
                "period": item["period"],
                "free_visits_per_year": item.get("free_visits_per_year", 0),
                "storage_days": item.get("storage_days", 0),
                "warranty_months": item.get("warranty_months", 0),
                "auto_renew": item.get("auto_renew", True),
                "minimum_term_months": item.get("minimum_term_months"),
                "active": item.get("active", True),
            }
            existing = Plan.objects.filter(code=item["code"]).first()
            if existing is None:
                Plan.objects.create(code=item["code"], price_fen=price, **fields)
            else:
                for key, value in fields.items():
                    setattr(existing, key, value)
                existing.save()
                if price != plan_latest_price(existing):
                    plan_price_change(
                        plan=existing,
                        new_price_fen=price,
                        actor=actor,
                        notice_days=max(notice_before, policy.price_notice_days),
                        now=now,
                    )
                    counts["price_changes"] += 1
            seen_plans.append(item["code"])
            counts["plans"] += 1
    Plan.objects.exclude(code__in=seen_plans).update(active=False)
    _relate_families(document["families"], families)
    seen_offers = []
    for item in document.get("retention_offers", []):
        RetentionOffer.objects.update_or_create(
            code=item["code"],
            defaults={
                "text": item["text"],
                "text_en": item["text_en"],
                "discount_percent": item["discount_percent"],
                "periods": item.get("periods", 1),
                "active": item.get("active", True),
            },
        )
        seen_offers.append(item["code"])
        counts["offers"] += 1
    RetentionOffer.objects.exclude(code__in=seen_offers).update(active=False)
    return counts


def _relate_families(documented: list[dict[str, Any]], families: dict[str, PlanFamily]) -> None:
    """The relations the document declares, and no other: symmetric (named on either side)."""
    pairs = {
        frozenset((fam["code"], other)) for fam in documented for other in fam.get("related", [])
    }
    for code, family in families.items():
        family.related.set(
            [families[other] for pair in pairs if code in pair for other in pair if other != code]
        )


def check_price_change(*, plan: Plan, new_price_fen: int, notice_days: int) -> None:
    """A positive price, not the one in force or announced, with at least the policy's notice."""
    minimum = policy_get().price_notice_days
    if isinstance(new_price_fen, bool) or not isinstance(new_price_fen, int) or new_price_fen < 1:
        raise DomainError(_("A price must be a positive amount."), code="invalid_price", status=422)
    if new_price_fen == plan_latest_price(plan):
        raise DomainError(
            _("This price is already in force or announced."), code="same_price", status=422
        )
    if notice_days < minimum:
        raise DomainError(
            _("A price change needs at least %(n)d days' notice.") % {"n": minimum},
            code="notice_too_short",
            status=422,
        )


def plan_price_change(
    *,
    plan: Plan,
    new_price_fen: int,
    actor: Any = None,
    notice_days: int | None = None,
    now: datetime | None = None,
) -> PriceChange:
    """Announce a new price: it applies to periods starting ``notice_days`` (at least the
    policy's notice) from now, for everyone; every subscriber of the plan is told today."""
    now = now or timezone.now()
    days = policy_get().price_notice_days if notice_days is None else notice_days
    check_price_change(plan=plan, new_price_fen=new_price_fen, notice_days=days)
    with transaction.atomic():
        old = plan_price_at(plan, now)
        change = PriceChange.objects.create(
            plan=plan,
            old_price_fen=old,
            new_price_fen=new_price_fen,
            announced_at=now,
            effective_at=now + timedelta(days=days),
        )
        affected = (
            Subscription.objects.filter(status__in=LIVE)
            .filter(Q(plan=plan) | Q(changes__status=ChangeStatus.SCHEDULED, changes__to_plan=plan))
            .select_related("customer")
            .distinct()
        )
        for sub in affected:
            event_record(
                sub,
                PlanEventKind.PRICE_NOTICE,
                at=now,
                channel=Channel.SYSTEM,
                actor=actor,
                plan=plan.code,
                old_fen=old,
                new_fen=new_price_fen,
                effective_at=change.effective_at.isoformat(),
            )
            tell_price_notice(sub, change)
    return change
