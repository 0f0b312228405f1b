"""Callbacks: a customer books a window within the staffed hours; its end is a deadline, counted
publicly when missed. While booked, the customer cancels or moves it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.contact import selectors
from fairdesk.contact.api.rendering import render_callback, render_callback_windows
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import (
    CallbackIn,
    CallbackMoveIn,
    CallbackOut,
    CallbackWindowsOut,
    aware,
    language_for,
)
from fairdesk.contact.services.callbacks import callback_cancel, callback_move, callback_request


@router.post(
    "/callbacks",
    auth=api_auth,
    response=responds(CallbackOut, 401, 403, 422, ok=(201,)),
    summary="Book a callback / 预约回电",
)
def book_callback(request: ApiRequest, payload: CallbackIn) -> Respond[dict[str, Any]]:
    """A callback within a window you choose; its end is a deadline, counted publicly when
    missed. The whole window must lie within the contact centre's staffed hours (every day,
    Beijing time, e.g. 08:30–18:00; ``GET /callbacks/windows`` lists the hours and the windows
    offered). 403 ``forbidden`` (customers only); 422 ``timezone_required`` (a time without its
    offset), ``invalid_window`` (shorter than 15 minutes, started, or more than 7 days ahead),
    ``outside_hours`` (not within the staffed hours: the message says them, ``details`` has
    ``hours`` and ``time_zone``), ``invalid_phone``, ``invalid_contact_type``,
    ``invalid_language``."""
    user = request.auth.user
    customer = selectors.access_customer(user)
    callback = callback_request(
        customer=customer,
        phone=payload.phone,
        window_start=aware(payload.window_start, "window_start"),
        window_end=aware(payload.window_end, "window_end"),
        contact_type=payload.contact_type,
        text=payload.text,
        language=language_for(payload.language, customer),
    )
    found = selectors.access_callback(user=user, callback_id=callback.pk)
    return Respond(201, render_callback(found, now=timezone.now()))


@router.get(
    "/callbacks",
    auth=api_auth,
    response=responds(list[CallbackOut], 401, 403),
    summary="Callbacks / 回电预约",
)
def list_callbacks(request: ApiRequest) -> list[dict[str, Any]]:
    """A customer's own callbacks (agents and brand administrators: every open one and those of
    the last 7 days), by the end of their window; at most 500. 403 ``forbidden`` for anyone
    else."""
    now = timezone.now()
    rows = selectors.access_callback_list(user=request.auth.user, now=now)
    return [render_callback(c, now=now) for c in rows[: selectors.MAX_CALLBACKS_LISTED]]


@router.get(
    "/callbacks/windows",
    auth=api_auth,
    response=responds(CallbackWindowsOut, 401),
    summary="Callback hours and windows / 可预约的回电时段",
)
def callback_windows(request: ApiRequest) -> dict[str, Any]:
    """The contact centre's staffed hours for callbacks (every day, in ``time_zone``, except
    ``closed_days``) and the windows a customer may book now: within the hours, not started,
    up to 7 days ahead. Any window within the hours may be booked; these are the ones the
    portal offers."""
    return render_callback_windows(now=timezone.now())


@router.post(
    "/callbacks/{int:callback_id}/cancel",
    auth=api_auth,
    response=responds(CallbackOut, 401, 403, 404, 409),
    summary="Cancel a callback / 取消回电",
)
def cancel_callback(request: ApiRequest, callback_id: int) -> dict[str, Any]:
    """Cancel your booked callback: it is no longer due (never counted as missed), its contact
    leaves the queue, and you get a confirmation (SMS and portal message). Only while it is
    booked and its window has not ended. 403 ``forbidden`` (only the customer who booked it);
    404 ``callback_not_found``; 409 ``callback_closed`` (made, missed, cancelled or its window
    ended), ``callback_in_progress`` (an agent is calling)."""
    user = request.auth.user
    found = selectors.access_callback_as_customer(user=user, callback_id=callback_id)
    callback_cancel(callback=found)
    return render_callback(
        selectors.access_callback(user=user, callback_id=callback_id), now=timezone.now()
    )


@router.post(
    "/callbacks/{int:callback_id}/move",
    auth=api_auth,
    response=responds(CallbackOut, 401, 403, 404, 409, 422),
    summary="Move a callback / 改约回电",
)
def move_callback(request: ApiRequest, callback_id: int, payload: CallbackMoveIn) -> dict[str, Any]:
    """Move your booked callback to another window, checked like a new booking; its contact
    joins the queue when the new window opens, and you get a confirmation. Only while it is
    booked and its window has not ended; the same window again changes nothing. 403
    ``forbidden``; 404 ``callback_not_found``; 409 ``callback_closed``,
    ``callback_in_progress``; 422 ``timezone_required``, ``invalid_window``,
    ``outside_hours``."""
    user = request.auth.user
    found = selectors.access_callback_as_customer(user=user, callback_id=callback_id)
    callback_move(
        callback=found,
        window_start=aware(payload.window_start, "window_start"),
        window_end=aware(payload.window_end, "window_end"),
    )
    return render_callback(
        selectors.access_callback(user=user, callback_id=callback_id), now=timezone.now()
    )
