"""What a plan covers: the device a subscription names, the families a plan may be changed
between, and the one live plan of a family a device may have. Reads, like ``selectors`` (which
calls them for the options of a subscription); the services call the ``check_*`` functions.

* a family whose kind covers a device (``choices.DEVICE_KINDS``: every kind today) declares the
  product lines it covers (``PlanFamily.product_lines``); subscribing names one of the
  customer's own devices of those lines (``check_plan_device``);
* a plan is changed to a plan of its own family (upgrade, downgrade) or of a related one
  (``PlanFamily.related``, symmetric: a switch), covering the same device
  (``check_change_target``);
* a device has at most one live plan of a family — counting a change to that family already
  scheduled — (``held_cover``; the database keeps one live subscription per device and plan,
  ``plan_one_live_cover_per_device``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer, Device
from fairdesk.network.choices import ProductLine
from fairdesk.plans.choices import DEVICE_KINDS, LIVE, ChangeStatus
from fairdesk.plans.display import plan_name
from fairdesk.plans.models import Plan, PlanChange, PlanFamily, Subscription


def device_not_owned() -> DomainError:
    return DomainError(
        _("This device is not registered to this customer."),
        code="device_not_owned",
        status=422,
    )


def check_device_owned(customer: Customer, device: Device | None) -> None:
    """A device given with a plan is the customer's (422 ``device_not_owned``)."""
    if device is not None and device.customer_id != customer.pk:
        raise device_not_owned()


def covers_device(family: PlanFamily) -> bool:
    """Whether the family's plans cover one device each (``choices.DEVICE_KINDS``)."""
    return family.kind in DEVICE_KINDS


def family_covers(family: PlanFamily, device: Device | None) -> bool:
    """Whether ``device`` is of a product line the family covers (no device: nothing to say)."""
    if device is None or not covers_device(family):
        return True
    return device.product_model.product_line in (family.product_lines or [])


def product_lines_text(family: PlanFamily) -> str:
    """The product lines a family covers, in the reader's language ("air conditioner, …")."""
    labels = dict(ProductLine.choices)
    return _(", ").join(str(labels.get(line, line)) for line in family.product_lines or [])


def related_family_ids(family: PlanFamily) -> set[int]:
    """The family and the families related to it: where its plans may be switched to."""
    return {family.pk, *family.related.values_list("pk", flat=True)}


def _covers_of(
    customer: Customer, device: Device | None, exclude: int | None
) -> QuerySet[Subscription]:
    """Live subscriptions covering ``device`` (whoever holds them: a device has one owner, and
    one cover of a kind); without a device, the customer's own that name none. Not
    ``exclude``."""
    live = Subscription.objects.filter(status__in=LIVE)
    if exclude is not None:
        live = live.exclude(pk=exclude)
    if device is not None:
        return live.filter(device=device)
    return live.filter(customer=customer, device__isnull=True)


def held_cover(
    customer: Customer, device: Device | None, family: PlanFamily, *, exclude: int | None = None
) -> Subscription | None:
    """The live subscription that already gives ``device`` a plan of ``family`` — on one of its
    plans, or with a change to one scheduled — other than ``exclude`` (None: there is none)."""
    in_family = Q(plan__family=family) | Q(
        changes__status=ChangeStatus.SCHEDULED, changes__to_plan__family=family
    )
    qs = _covers_of(customer, device, exclude).filter(in_family)
    return qs.select_related("plan", "plan__family").order_by("id").first()


def held_family_ids(
    customer: Customer, device: Device | None, *, exclude: int | None = None
) -> set[int]:
    """The families ``device`` already has a live plan of (or a change to one scheduled)."""
    covers = _covers_of(customer, device, exclude)
    held = set(covers.values_list("plan__family_id", flat=True))
    scheduled = PlanChange.objects.filter(
        subscription__in=covers, status=ChangeStatus.SCHEDULED, to_plan__isnull=False
    )
    return held | set(scheduled.values_list("to_plan__family_id", flat=True))


def already_held(held: Subscription, customer: Customer, plan: Plan) -> DomainError:
    """409 ``already_subscribed``: the device has this plan (or one of its family) already;
    ``details.subscription_id`` names that subscription when it is the customer's own."""
    if held.plan_id == plan.pk:
        message = _("You already have this plan for this device; see it under “My plans”.")
    elif held.plan.family_id == plan.family_id:
        message = _(
            "This device already has %(plan)s, a plan of the same kind: change that one "
            "instead (under “My plans”)."
        ) % {"plan": plan_name(held.plan)}
    else:
        message = _(
            "A change to a plan of this kind is already scheduled for this device; see it under "
            "“My plans”."
        )
    own = held.customer_id == customer.pk
    return DomainError(
        message,
        code="already_subscribed",
        status=409,
        details={"subscription_id": held.pk if own else None},
    )


def check_plan_device(customer: Customer, plan: Plan, device: Device | None) -> None:
    """The device a new plan covers: the customer's own (422 ``device_not_owned``); required
    when the plan's kind covers a device (422 ``device_required``), and of a product line its
    family covers (422 ``device_not_covered``)."""
    check_device_owned(customer, device)
    family = plan.family
    if not covers_device(family):
        return
    if device is None:
        raise DomainError(
            _(
                "Choose which of your devices this plan covers (registered under “Addresses and "
                "devices”): it covers %(lines)s."
            )
            % {"lines": product_lines_text(family)},
            code="device_required",
            status=422,
            details={"product_lines": list(family.product_lines or [])},
        )
    if not family_covers(family, device):
        raise DomainError(
            _("This plan covers %(lines)s; this device is not one of them.")
            % {"lines": product_lines_text(family)},
            code="device_not_covered",
            status=422,
            details={"product_lines": list(family.product_lines or [])},
        )


def check_change_target(sub: Subscription, to_plan: Plan) -> None:
    """A plan ``sub`` may be changed to: of its own family or a related one (422
    ``change_not_related``), covering its device (422 ``device_not_covered``), and of a family
    the device has no other live plan of (409 ``already_subscribed``)."""
    family = to_plan.family
    if family.pk not in related_family_ids(sub.plan.family):
        raise DomainError(
            _(
                "%(plan)s cannot replace this plan: a plan can only be changed to a plan of the "
                "same kind, or of a kind the catalog relates to it."
            )
            % {"plan": plan_name(to_plan)},
            code="change_not_related",
            status=422,
        )
    if not family_covers(family, sub.device):
        raise DomainError(
            _("%(plan)s covers %(lines)s; the device of this plan is not one of them.")
            % {
                "plan": plan_name(to_plan),
                "lines": product_lines_text(family),
            },
            code="device_not_covered",
            status=422,
        )
    if family.pk != sub.plan.family_id:
        held = held_cover(sub.customer, sub.device, family, exclude=sub.pk)
        if held is not None:
            raise already_held(held, sub.customer, to_plan)


def subscribe_devices(customer: Customer, plan: Plan) -> list[Device]:
    """The customer's devices a new subscription of ``plan`` may cover: of a product line its
    family covers, with no live plan of that family yet (``standings``)."""
    return standings(customer, [plan])[plan.pk].devices


@dataclass
class Standing:
    """Where a customer stands with a plan on sale: the live subscriptions they hold of it,
    those of another plan of its family, and the devices a new subscription of it may cover."""

    plan: Plan
    held: list[Subscription] = field(default_factory=list)
    kin: list[Subscription] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    # the customer has a device of a line it covers (held or not)
    has_device: bool = False


def standings(customer: Customer, plans: Iterable[Plan]) -> dict[int, Standing]:
    """``Standing`` of each plan for ``customer`` (a constant number of queries)."""
    devices = list(
        Device.objects.filter(customer=customer)
        .select_related("product_model")
        .order_by("created_at", "id")
    )
    live = list(
        Subscription.objects.filter(customer=customer, status__in=LIVE)
        .select_related("plan", "device__product_model")
        .order_by("created_at", "id")
    )
    scheduled = dict(
        PlanChange.objects.filter(
            subscription__in=[s.pk for s in live],
            status=ChangeStatus.SCHEDULED,
            to_plan__isnull=False,
        ).values_list("subscription_id", "to_plan__family_id")
    )
    out = {}
    for plan in plans:
        family = plan.family
        mine = [s for s in live if s.plan.family_id == family.pk]
        taken = {s.device_id for s in mine} | {
            s.device_id for s in live if scheduled.get(s.pk) == family.pk
        }
        covered = [d for d in devices if family_covers(family, d)]
        out[plan.pk] = Standing(
            plan=plan,
            held=[s for s in mine if s.plan_id == plan.pk],
            kin=[s for s in mine if s.plan_id != plan.pk],
            devices=[d for d in covered if d.pk not in taken],
            has_device=bool(covered),
        )
    return out
