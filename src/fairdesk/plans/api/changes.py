"""Changes: the same two calls for every kind — choose (``POST /subscriptions/{id}/changes``:
the attempt, its preview and at most one offer) then confirm (``POST /changes/{id}/confirm``) —
the timing switched on the preview, the offer taken instead, and a scheduled change undone."""

from __future__ import annotations

from typing import Any

from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.schemas import Id
from fairdesk.plans import selectors
from fairdesk.plans.api.rendering import attempt_out, change_out
from fairdesk.plans.api.router import answers, router
from fairdesk.plans.api.schemas import AttemptOut, ChangeIn, ChangeOut, ConfirmIn, RetimeIn
from fairdesk.plans.choices import Channel
from fairdesk.plans.services.changes import (
    change_accept_offer,
    change_confirm,
    change_retime,
    change_start,
    change_undo,
)


@router.post(
    "/subscriptions/{subscription_id}/changes",
    auth=api_auth,
    **answers(
        AttemptOut,
        {
            403: "csrf_failed",
            404: "subscription_not_found",
            409: "subscription_ended, already_subscribed",
            422: "invalid_input, plan_not_found, plan_not_on_sale, same_plan, "
            "timing_not_available, change_not_related, device_not_covered",
        },
        ok=(201,),
    ),
    summary="Step 1: choose a change (preview) / 第一步：选择变更（预览）",
)
def start_change(
    request: ApiRequest, subscription_id: Id, payload: ChangeIn
) -> Respond[dict[str, Any]]:
    """Upgrade, downgrade, switch (``to_plan``) or cancel (``to_plan: null``) — the same call
    for all. ``to_plan`` is one of the subscription's ``options``: a plan of its family, or of
    a related family covering its device (422 ``change_not_related``, ``device_not_covered``;
    409 ``already_subscribed`` when the device has a plan of that family already). Answers the
    attempt with its preview (amounts honoured for 30 minutes) and at most one retention offer.
    Then ``POST /changes/{id}/confirm``: that is all."""
    user = request.auth.user
    sub = selectors.access_subscription(user, subscription_id)
    to_plan = selectors.plan_named(payload.to_plan) if payload.to_plan is not None else None
    attempt = change_start(
        subscription=sub, to_plan=to_plan, channel=Channel.API, actor=user, timing=payload.timing
    )
    return Respond(201, attempt_out(selectors.access_attempt(user, attempt.pk)))


@router.get(
    "/changes/{attempt_id}",
    auth=api_auth,
    **answers(AttemptOut, {404: "attempt_not_found"}),
    summary="A change attempt and its preview / 变更预览",
)
def get_change(request: ApiRequest, attempt_id: Id) -> dict[str, Any]:
    return attempt_out(selectors.access_attempt(request.auth.user, attempt_id))


@router.post(
    "/changes/{attempt_id}/timing",
    auth=api_auth,
    **answers(
        AttemptOut,
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished",
            422: "invalid_input, timing_not_available",
        },
    ),
    summary="Switch the timing on the preview / 切换生效时间",
)
def retime_change(request: ApiRequest, attempt_id: Id, payload: RetimeIn) -> dict[str, Any]:
    """When the policy is ``customer_choice``: switch the preview between the two timings (not
    a step; the same for every kind of change). Otherwise 422 ``timing_not_available``."""
    user = request.auth.user
    attempt = selectors.access_attempt(user, attempt_id)
    change_retime(attempt=attempt, timing=payload.timing, actor=user)
    return attempt_out(selectors.access_attempt(user, attempt_id))


@router.post(
    "/changes/{attempt_id}/confirm",
    auth=api_auth,
    **answers(
        ChangeOut,
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished, quote_expired, subscription_ended, already_subscribed",
            422: "invalid_input, invalid_refund_to, reason_too_long, change_not_related, "
            "device_not_covered",
        },
    ),
    summary="Step 2: confirm the change / 第二步：确认变更",
)
def confirm_change(
    request: ApiRequest, attempt_id: Id, payload: ConfirmIn | None = None
) -> dict[str, Any]:
    """Carry out the previewed change with the amounts shown: applied at once, or scheduled for
    the period end (undoable until then). Confirming declines an offer shown. A credit settles
    what is still owed, the rest goes back to the original payment method (or account credit,
    if chosen), with a promised date."""
    user = request.auth.user
    payload = payload or ConfirmIn()  # nothing is required: the body may be left out
    attempt = selectors.access_attempt(user, attempt_id)
    change = change_confirm(
        attempt_id=attempt.pk,
        actor=user,
        channel=Channel.API,
        refund_to=payload.refund_to,
        reason=payload.reason,
    )
    return change_out(selectors.access_change(user, change.pk))


@router.post(
    "/changes/{attempt_id}/accept-offer",
    auth=api_auth,
    **answers(
        AttemptOut,
        {
            403: "csrf_failed",
            404: "attempt_not_found",
            409: "attempt_finished, no_offer, quote_expired, subscription_ended",
        },
    ),
    summary="Take the retention offer instead / 接受挽留优惠",
)
def accept_offer(request: ApiRequest, attempt_id: Id) -> dict[str, Any]:
    """Keep the plan with the offer shown on this attempt (no change is made)."""
    user = request.auth.user
    attempt = selectors.access_attempt(user, attempt_id)
    change_accept_offer(attempt_id=attempt.pk, actor=user, channel=Channel.API)
    return attempt_out(selectors.access_attempt(user, attempt_id))


@router.post(
    "/scheduled-changes/{change_id}/undo",
    auth=api_auth,
    **answers(ChangeOut, {403: "csrf_failed", 404: "change_not_found", 409: "change_not_undoable"}),
    summary="Undo a scheduled change / 撤销待生效的变更",
)
def undo_change(request: ApiRequest, change_id: Id) -> dict[str, Any]:
    """One call, before the change takes effect (409 ``change_not_undoable`` after)."""
    user = request.auth.user
    change = selectors.access_change(user, change_id)
    change_undo(change_id=change.pk, actor=user, channel=Channel.API)
    return change_out(selectors.access_change(user, change_id))
