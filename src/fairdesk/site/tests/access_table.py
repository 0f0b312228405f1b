"""The expectation table of the role matrix (``test_access_matrix.py``): every page and every
API operation, what its unsafe method is sent (a valid body, so that a missing check would
write), and which roles may use it. Everyone else must be refused and change nothing.

A page or an operation that is not in this table fails the matrix: a new one is classified
here when it is added. ``READ`` marks a page that no unsafe method may change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from fairdesk.contact.selectors import callback_windows
from fairdesk.portal.forms import WINDOW_SEPARATOR
from fairdesk.service_requests.selectors.tracking import tracking_token
from fairdesk.site.tests.access_world import World

Kwargs = Callable[[World], dict[str, Any]]
Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Op:
    """A page or an API operation. ``body``: what its unsafe method is sent (None: a page that
    only reads); ``allowed``: the roles that may use it; ``public``: anyone may (signing in,
    choosing a language), so nothing is expected of it but no server error; ``signed``: only a
    payment gateway's signature lets it write (whoever sends an unsigned one is refused)."""

    kwargs: Kwargs = lambda w: {}
    body: Body | None = None
    allowed: frozenset[str] = frozenset()
    public: bool = False
    multipart: bool = False
    signed: bool = False  # a payment gateway's notification: refused (400 too) unless signed


def op(
    body: Body | None = None,
    *allowed: str,
    kwargs: Kwargs = lambda w: {},
    multipart: bool = False,
) -> Op:
    return Op(kwargs=kwargs, body=body, allowed=frozenset(allowed), multipart=multipart)


READ = Op()
#: A payment gateway's notification, unsigned: refused whoever sends it.
UNSIGNED = Op(
    body=lambda w: {"out_trade_no": "fd-1", "trade_status": "TRADE_SUCCESS", "sign": "x"},
    signed=True,
)
PUBLIC = Op(body=lambda w: {}, public=True)


def read(kwargs: Kwargs) -> Op:
    return Op(kwargs=kwargs)


CUSTOMERS = ("customer", "other_customer")
#: who files requests for any customer (service_requests.selectors.files_for_anyone)
FILERS = ("agent", "dispatcher", "brand_admin", "admin")
#: who routes and manages every request (central dispatch, brand administration)
CENTRAL = ("dispatcher", "brand_admin", "admin")
#: who acts on plans for customers (plans.selectors.is_plan_staff)
PLAN_STAFF = ("agent", "brand_admin", "admin")
#: who answers the contact centre and handles complaints (contact.selectors.is_contact_staff:
#: agents, and brand administrators, who get an agent profile when they first open the queue)
CONTACT_STAFF = ("agent", "brand_admin", "admin")


def _number(w: World) -> dict[str, Any]:
    return {"number": w.request.number}


def _sub(w: World) -> dict[str, Any]:
    return {"pk": w.subscription.pk}


def _attempt(w: World) -> dict[str, Any]:
    return {"pk": w.attempt_id}


def _change(w: World) -> dict[str, Any]:
    return {"pk": w.change_id}


def _customer(w: World) -> dict[str, Any]:
    return {"pk": w.customer.pk}


def _contact(w: World) -> dict[str, Any]:
    return {"pk": w.contact.pk}


def _waiting(w: World) -> dict[str, Any]:
    return {"pk": w.waiting_contact.pk}


def _complaint(w: World) -> dict[str, Any]:
    return {"pk": w.complaint.pk}


def _device(w: World) -> dict[str, Any]:
    return {
        "product_model": w.product_model.pk,
        "serial": "SNMATRIX0001",
        "purchase_date": "2026-01-02",
        "proof": SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    }


def _callback_window() -> tuple[datetime, datetime]:
    """The first callback window offered now (within the staffed hours)."""
    return callback_windows()[0]


def _window_field() -> str:
    start, end = _callback_window()
    return f"{start.isoformat()}{WINDOW_SEPARATOR}{end.isoformat()}"


def _window_body(w: World) -> dict[str, Any]:
    start, end = _callback_window()
    return {"window_start": start.isoformat(), "window_end": end.isoformat()}


def _callback_page(w: World) -> dict[str, Any]:
    return {
        "contact_type": "repair",
        "phone": w.customer.phone,
        "window": _window_field(),
        "text": "请回电",
    }


def _callback(w: World) -> dict[str, Any]:
    return {"pk": w.callback.pk}


# --------------------------------------------------------------------------------------------
# Pages, by URL name
# --------------------------------------------------------------------------------------------

PAGES: dict[str, Op] = {
    "healthz": READ,
    "api-v1:openapi-json": READ,
    "api-v1:openapi-view": READ,
    "api-v1:api-root": READ,
    "home": READ,
    "set_language": PUBLIC,
    "network:coverage": READ,
    "i18n-network:coverage": READ,
    "contact:queue_rule": READ,
    "i18n-contact:queue_rule": READ,
    "contact:complaint_export": READ,
    "i18n-contact:complaint_export": READ,
    "notifications:outbox": READ,
    # payment gateways' notifications: only their signature counts
    "payments:alipay_notify": UNSIGNED,
    "payments:wechatpay_notify": UNSIGNED,
    "payments:wechatpay_papay_notify": UNSIGNED,
    # customers: sign-in (public) and a customer's own addresses and devices
    "customers:login": PUBLIC,
    "customers:logout": PUBLIC,
    "customers:staff_login": PUBLIC,
    "customers:me": READ,
    "customers:my_messages": READ,
    "customers:address_add": op(lambda w: {"text": "广东省深圳市南山区科技园路2号"}, *CUSTOMERS),
    "customers:address_default": op(
        lambda w: {}, "customer", kwargs=lambda w: {"pk": w.address.pk}
    ),
    "customers:address_delete": op(lambda w: {}, "customer", kwargs=lambda w: {"pk": w.address.pk}),
    "customers:device_add": op(_device, *CUSTOMERS, multipart=True),
    "customers:device_proof": read(lambda w: {"pk": w.device.pk}),
    # the portal: a customer's own requests, plans, conversations, callbacks, complaints
    "portal:home": READ,
    "portal:book": op(
        lambda w: {
            "kind": "consultation",
            "description": "怎么清洗滤网？",
            "address": str(w.address.pk),
        },
        *CUSTOMERS,
    ),
    "portal:messages": READ,
    "portal:plans": READ,
    "portal:plan_subscribe": op(
        lambda w: {"payment_method": "demo-card-6222"},
        *CUSTOMERS,
        kwargs=lambda w: {"code": "cloud-7"},
    ),
    "portal:plan": read(_sub),
    "portal:plan_change": op(lambda w: {"to": w.plan_to.code}, "customer", kwargs=_sub),
    "portal:plan_auto_renew": op(lambda w: {"on": "0"}, "customer", kwargs=_sub),
    "portal:plan_preview": read(_attempt),
    "portal:plan_confirm": op(lambda w: {"timing": "immediate"}, "customer", kwargs=_attempt),
    "portal:plan_offer": op(lambda w: {}, "customer", kwargs=_attempt),
    "portal:plan_done": read(_change),
    "portal:plan_undo": op(lambda w: {}, "customer", kwargs=_change),
    "portal:request": read(_number),
    # a request's progress from the signed link in its confirmation: read-only, for anyone
    "portal:track": read(lambda w: {"token": tracking_token(w.request)}),
    "portal:add_note": op(lambda w: {"text": "补充：显示 E1"}, "customer", kwargs=_number),
    "portal:confirmation": read(_number),
    "portal:change": op(
        lambda w: {"reason": ""},
        "customer",
        kwargs=lambda w: {"number": w.request.number, "action": "cancel"},
    ),
    "portal:contact": op(lambda w: {"contact_type": "consultation", "text": "你好"}, *CUSTOMERS),
    "portal:talk_to_a_person": op(lambda w: {"contact_type": "repair"}, *CUSTOMERS),
    "portal:chat": read(_waiting),
    "portal:chat_messages": read(_waiting),
    "portal:chat_say": op(lambda w: {"text": "人在吗"}, "customer", kwargs=_waiting),
    "portal:chat_human": op(lambda w: {}, "customer", kwargs=_waiting),
    "portal:chat_close": op(lambda w: {}, "customer", kwargs=_waiting),
    "portal:callbacks": op(_callback_page, *CUSTOMERS),
    "portal:callback": read(_callback),
    "portal:callback_cancel": op(lambda w: {}, "other_customer", kwargs=_callback),
    "portal:callback_move": op(
        lambda w: {"window": _window_field()}, "other_customer", kwargs=_callback
    ),
    "portal:complaints": READ,
    "portal:complaint_new": op(
        lambda w: {"category": "service_quality", "description": "师傅迟到"}, *CUSTOMERS
    ),
    "portal:complaint": read(_complaint),
    "portal:complaint_record": read(_complaint),
    "portal:complaint_answer": op(
        lambda w: {"note": "不满意"},
        "customer",
        kwargs=lambda w: {"pk": w.complaint.pk, "action": "escalate"},
    ),
    # the console: callers, requests, plans for callers, the contact centre
    "console:home": READ,
    "console:search": READ,
    "console:caller_new": op(lambda w: {"phone": "13700001234", "name": "新来电"}, *FILERS),
    "console:serving_end": op(lambda w: {}, *FILERS),
    "console:caller": read(_customer),
    "console:file": op(
        lambda w: {"kind": "consultation", "description": "咨询", "address": str(w.address.pk)},
        *FILERS,
        kwargs=_customer,
    ),
    "console:requests": READ,
    "console:request": read(_number),
    "console:transition": op(
        lambda w: {"to_status": "cancelled", "reason": "客户取消"},
        "outlet_manager",
        *CENTRAL,
        kwargs=_number,
    ),
    "console:assign": op(
        lambda w: {"outlet": w.other_outlet.code, "reason": "转派"}, *CENTRAL, kwargs=_number
    ),
    "console:plan": read(_sub),
    "console:plan_change_start": op(
        lambda w: {"to_plan": w.plan_to.code}, *PLAN_STAFF, kwargs=_sub
    ),
    "console:plan_auto_renew": op(lambda w: {"on": "0"}, *PLAN_STAFF, kwargs=_sub),
    "console:plan_preview": read(_attempt),
    "console:plan_retime": op(lambda w: {"timing": "period_end"}, *PLAN_STAFF, kwargs=_attempt),
    "console:plan_confirm": op(lambda w: {"refund_to": "original"}, *PLAN_STAFF, kwargs=_attempt),
    "console:plan_accept_offer": op(lambda w: {}, *PLAN_STAFF, kwargs=_attempt),
    "console:plan_change": read(_change),
    "console:plan_undo": op(lambda w: {}, *PLAN_STAFF, kwargs=_change),
    "console:contact_queue": READ,
    "console:contact_queue_live": READ,
    "console:agent_status": op(lambda w: {"status": "busy"}, *CONTACT_STAFF),
    "console:take_next": op(lambda w: {}, *CONTACT_STAFF),
    "console:contact": read(_contact),
    "console:contact_messages": read(_contact),
    "console:contact_reply": op(lambda w: {"text": "您好"}, "agent", kwargs=_contact),
    "console:contact_close": op(lambda w: {"outcome": "已解答"}, "agent", kwargs=_contact),
    "console:contact_type": op(lambda w: {"contact_type": "repair"}, "agent", kwargs=_contact),
    "console:contact_phone": op(
        lambda w: {"contact_type": "repair", "text": "来电"}, *CONTACT_STAFF
    ),
    "console:contact_callbacks": READ,
    "console:callback_done": op(
        lambda w: {"outcome": "已回电"}, *CONTACT_STAFF, kwargs=lambda w: {"pk": w.callback.pk}
    ),
    "console:complaints": READ,
    "console:complaint": read(_complaint),
    "console:complaint_step": op(
        lambda w: {"to_status": "resolved", "outcome": "已上门维修", "note": "处理完毕"},
        *CONTACT_STAFF,
        kwargs=_complaint,
    ),
    "console:staffing": READ,
}

# --------------------------------------------------------------------------------------------
# API operations, by operationId's last part (the handler's name); JSON bodies
# --------------------------------------------------------------------------------------------

API: dict[str, Op] = {
    # sign-in: anyone
    "auth_code": Op(body=lambda w: {"phone": "13700009999"}, public=True),
    "auth_verify": Op(body=lambda w: {"phone": "13700009999", "code": "000000"}, public=True),
    "auth_sign_out": Op(body=lambda w: {}, public=True),
    # a customer's own addresses and devices
    "my_address_create": op(lambda w: {"text": "广东省深圳市南山区科技园路3号"}, *CUSTOMERS),
    "my_device_register": op(
        lambda w: {
            "product_model_id": w.product_model.pk,
            "serial": "SNMATRIX0002",
            "purchase_date": "2026-01-02",
        },
        *CUSTOMERS,
        multipart=True,
    ),
    # service requests
    "create_request": op(
        lambda w: {"kind": "consultation", "description": "x", "customer_phone": w.customer.phone},
        "customer",
        "integration",
        *FILERS,
    ),
    "transition_request": op(
        lambda w: {"to": "cancelled", "reason": "取消"},
        "customer",
        "outlet_manager",
        *CENTRAL,
        kwargs=lambda w: {"number": w.request.number},
    ),
    "assign_outlet": op(
        lambda w: {"outlet_code": w.other_outlet.code, "reason": "转派"},
        *CENTRAL,
        kwargs=lambda w: {"number": w.request.number},
    ),
    # plans
    "start_change": op(
        lambda w: {"to_plan": w.plan_to.code},
        "customer",
        *PLAN_STAFF,
        kwargs=lambda w: {"subscription_id": w.subscription.pk},
    ),
    "retime_change": op(
        lambda w: {"timing": "period_end"},
        "customer",
        *PLAN_STAFF,
        kwargs=lambda w: {"attempt_id": w.attempt_id},
    ),
    "confirm_change": op(
        lambda w: {}, "customer", *PLAN_STAFF, kwargs=lambda w: {"attempt_id": w.attempt_id}
    ),
    "accept_offer": op(
        lambda w: {}, "customer", *PLAN_STAFF, kwargs=lambda w: {"attempt_id": w.attempt_id}
    ),
    "undo_change": op(
        lambda w: {}, "customer", *PLAN_STAFF, kwargs=lambda w: {"change_id": w.change_id}
    ),
    "start_subscription": op(
        lambda w: {
            "plan": "cloud-7",
            "payment_method": "demo-card-6222",
            "customer_id": w.customer.pk,
        },
        "customer",
        *PLAN_STAFF,
    ),
    "set_auto_renew": op(
        lambda w: {"on": False},
        "customer",
        *PLAN_STAFF,
        kwargs=lambda w: {"subscription_id": w.subscription.pk},
    ),
    # the contact centre
    "book_callback": op(lambda w: {"contact_type": "repair", **_window_body(w)}, *CUSTOMERS),
    "cancel_callback": op(
        lambda w: {}, "other_customer", kwargs=lambda w: {"callback_id": w.callback.pk}
    ),
    "move_callback": op(
        _window_body, "other_customer", kwargs=lambda w: {"callback_id": w.callback.pk}
    ),
    "file_complaint": op(
        lambda w: {"category": "service_quality", "description": "师傅迟到"}, *CUSTOMERS
    ),
    "transition_complaint": op(
        lambda w: {"to_status": "resolved", "outcome": "已上门维修"},
        *CONTACT_STAFF,
        kwargs=lambda w: {"complaint_id": w.complaint.pk},
    ),
    "start_contact": op(lambda w: {"contact_type": "consultation", "text": "你好"}, *CUSTOMERS),
    "say": op(
        lambda w: {"text": "人在吗"},
        "customer",
        kwargs=lambda w: {"contact_id": w.waiting_contact.pk},
    ),
    "request_human": op(
        lambda w: {}, "customer", kwargs=lambda w: {"contact_id": w.waiting_contact.pk}
    ),
}

#: Path parameters of the API's reads (their unsafe methods must all be refused).
API_READ_KWARGS: dict[str, Kwargs] = {
    "division_detail": lambda w: {"code": "440305"},
    "outlet_detail": lambda w: {"code": w.outlet.code},
    "outlet_coverage": lambda w: {"code": w.outlet.code},
    "get_request": lambda w: {"number": w.request.number},
    "request_timeline": lambda w: {"number": w.request.number},
    "plan_consent_text": lambda w: {"code": "cloud-30"},
    "get_change": lambda w: {"attempt_id": w.attempt_id},
    "get_subscription": lambda w: {"subscription_id": w.subscription.pk},
    "subscription_ledger": lambda w: {"subscription_id": w.subscription.pk},
    "subscription_events": lambda w: {"subscription_id": w.subscription.pk},
    "get_complaint": lambda w: {"complaint_id": w.complaint.pk},
    "get_contact": lambda w: {"contact_id": w.waiting_contact.pk},
}
