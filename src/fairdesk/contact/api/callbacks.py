"""Callbacks: a customer books a window; its end is a deadline, counted publicly when missed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.contact import selectors
from fairdesk.contact.api.rendering import render_callback
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import CallbackIn, CallbackOut, aware, language_for
from fairdesk.contact.services.callbacks import callback_request


@router.post(
    "/callbacks",
    auth=api_auth,
    response=responds(CallbackOut, 401, 403, 422, ok=(201,)),
    summary="Book a callback / 预约回电",
)
def book_callback(request: ApiRequest, payload: CallbackIn) -> Respond[dict[str, Any]]:
    """A callback within a window you choose; its end is a deadline, counted publicly when
    missed. 403 ``forbidden`` (customers only); 422 ``timezone_required`` (a time without its
    offset), ``invalid_window``, ``invalid_phone``, ``invalid_contact_type``,
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
