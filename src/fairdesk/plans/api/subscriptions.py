"""Subscriptions: list, start, read; their ledger and audit trail; auto-renewal on and off."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Query
from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.pagination import page_of
from fairdesk.api.schemas import Id
from fairdesk.plans import selectors
from fairdesk.plans.api.rendering import (
    event_out,
    ledger_out,
    subscription_detail,
    subscription_out,
)
from fairdesk.plans.api.router import answers, router
from fairdesk.plans.api.schemas import (
    AutoRenewIn,
    EventOut,
    LedgerOut,
    SubscriptionDetailOut,
    SubscriptionFilters,
    SubscriptionIn,
    SubscriptionPage,
)
from fairdesk.plans.choices import ChangeStatus, Channel
from fairdesk.plans.models import PlanChange, Subscription
from fairdesk.plans.services.subscriptions import auto_renew_set, subscription_start


def _detail(user: Any, subscription_id: int) -> dict[str, Any]:
    sub = selectors.access_subscription(user, subscription_id)
    return subscription_detail(sub, now=timezone.now())


@router.get(
    "/subscriptions",
    auth=api_auth,
    **answers(SubscriptionPage, {422: "invalid_input"}),
    summary="My subscriptions / 我的服务套餐",
)
def list_subscriptions(request: ApiRequest, filters: Query[SubscriptionFilters]) -> dict[str, Any]:
    """A customer's own subscriptions; agents and brand administrators see all (filter by
    ``customer_id``); other staff see none. Newest first, ``limit``/``offset`` with the
    ``total``."""
    rows = selectors.subscriptions_for(user=request.auth.user)
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    rows = rows.prefetch_related(
        Prefetch(
            "changes",
            queryset=PlanChange.objects.filter(status=ChangeStatus.SCHEDULED).select_related(
                "to_plan", "to_plan__family"
            ),
            to_attr="scheduled_list",
        )
    )

    def render(sub: Subscription) -> dict[str, Any]:
        # the Prefetch's to_attr: an attribute the model does not declare
        scheduled: list[PlanChange] = sub.scheduled_list  # type: ignore[attr-defined]
        return subscription_out(sub, scheduled[0] if scheduled else None)

    return page_of(rows, filters, render)


@router.post(
    "/subscriptions",
    auth=api_auth,
    **answers(
        SubscriptionDetailOut,
        {
            403: "forbidden, csrf_failed",
            404: "customer_not_found",
            409: "already_subscribed",
            422: "invalid_input, plan_not_found, plan_not_on_sale, consent_required, "
            "auto_renew_unavailable, payment_method_required, customer_required, "
            "device_required, device_not_covered, device_not_owned",
        },
        ok=(201,),
    ),
    summary="Start a subscription / 订购服务套餐",
)
def start_subscription(request: ApiRequest, payload: SubscriptionIn) -> Respond[dict[str, Any]]:
    """Subscribe to a plan on sale for one of the customer's devices (``device_id``, of a
    product line the plan's family covers): the first period is charged now. Auto-renewal needs
    the current consent text, verbatim (422 ``consent_required`` carries it in ``details``). A
    device has one live plan of a family: 409 ``already_subscribed`` names the subscription
    that has it (``details.subscription_id``)."""
    user = request.auth.user
    customer = selectors.access_plan_customer(user, payload.customer_id)
    plan = selectors.plan_named(payload.plan)
    sub = subscription_start(
        customer=customer,
        plan=plan,
        payment_method=payload.payment_method,
        auto_renew=payload.auto_renew,
        consent_text_shown=payload.consent_text,
        device=selectors.access_device(customer, payload.device_id),
        channel=Channel.API,
        actor=user,
    )
    return Respond(201, _detail(user, sub.pk))


@router.get(
    "/subscriptions/{subscription_id}",
    auth=api_auth,
    **answers(SubscriptionDetailOut, {404: "subscription_not_found"}),
    summary="One subscription and its options / 套餐详情与可选变更",
)
def get_subscription(request: ApiRequest, subscription_id: Id) -> dict[str, Any]:
    """The subscription with every change open to it (all alike), the scheduled change (which
    can be undone), the next charge and the ledger balances."""
    return _detail(request.auth.user, subscription_id)


@router.get(
    "/subscriptions/{subscription_id}/ledger",
    auth=api_auth,
    **answers(LedgerOut, {404: "subscription_not_found"}),
    summary="Ledger, invoices and refunds / 账目、账单与退款",
)
def subscription_ledger(request: ApiRequest, subscription_id: Id) -> dict[str, Any]:
    """The double-entry ledger of the subscription (every transaction sums to zero), its
    balances, its self-check (``problems``: empty when balanced), invoices and refunds."""
    return ledger_out(selectors.access_subscription(request.auth.user, subscription_id))


@router.get(
    "/subscriptions/{subscription_id}/events",
    auth=api_auth,
    **answers(list[EventOut], {404: "subscription_not_found"}),
    summary="The subscription's audit trail / 套餐变更记录",
)
def subscription_events(request: ApiRequest, subscription_id: Id) -> list[dict[str, Any]]:
    """Every event of the subscription, oldest first: changes started and confirmed, offers
    shown and answered, charges, refunds, reminders (staff also see who acted)."""
    user = request.auth.user
    sub = selectors.access_subscription(user, subscription_id)
    staff = selectors.sees_staff_names(user)
    return [event_out(e, sub, staff=staff) for e in selectors.events_of(sub)]


@router.post(
    "/subscriptions/{subscription_id}/auto-renew",
    auth=api_auth,
    **answers(
        SubscriptionDetailOut,
        {
            403: "csrf_failed",
            404: "subscription_not_found",
            409: "subscription_ended",
            422: "invalid_input, consent_required, auto_renew_unavailable",
        },
    ),
    summary="Turn auto-renewal on or off / 开启或关闭自动续费",
)
def set_auto_renew(
    request: ApiRequest, subscription_id: Id, payload: AutoRenewIn
) -> dict[str, Any]:
    """Off: one call, no questions. On: with the current consent text, verbatim."""
    user = request.auth.user
    auto_renew_set(
        subscription=selectors.access_subscription(user, subscription_id),
        on=payload.on,
        consent_text_shown=payload.consent_text,
        channel=Channel.API,
        actor=user,
    )
    return _detail(user, subscription_id)
