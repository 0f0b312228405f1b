"""Demo data of service plans: the demo catalog, and subscriptions in varied states.

Everything is written through the services, as a customer would have done it, at instants in the
recent past (``now=``), so the timelines read naturally:

* 张三 (13800000001, the demo customer of ``customers.demo``):
  - 云存储·30天循环 for his smart camera (added here; monthly, auto-renewal on), renewing in
    about four days: the worker sends the renewal reminder — date, amount, direct cancel link —
    within a minute of the demo starting;
  - 清洗保养·标准版 for the demo air conditioner: the customer started to cancel, was shown the
    retention offer and took it (20% off the next renewal; nothing else changed);
  - 延保·安心版 for the same air conditioner, auto-renewal turned off (consent withdrawn): it ends
    at the end of its period.
* 李四 (13800000002, added here): 云存储·90天循环 for a smart camera, paid with the demo gateway's
  declined card: payment overdue, in the grace period, retried by the worker — and changing or
  cancelling still needs nothing more than for anyone else.

Every plan covers one of its customer's devices (the air conditioner of ``customers.demo``, a
camera each). Idempotent: the catalog import changes nothing when the catalog is as seeded, and
each subscription is created only when its customer has none of that plan yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from fairdesk.customers.demo import DEMO_CUSTOMER_PHONE, DEMO_DEVICE_SERIAL
from fairdesk.customers.models import Customer, Device, ProductModel
from fairdesk.customers.services import customer_get_or_create, device_register
from fairdesk.plans.choices import Channel, InvoiceStatus
from fairdesk.plans.models import Invoice, Plan, Subscription
from fairdesk.plans.proration import add_months
from fairdesk.plans.selectors import customer_language
from fairdesk.plans.services.billing import invoice_collect
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.changes import change_accept_offer, change_start
from fairdesk.plans.services.subscriptions import auto_renew_set, consent_text, subscription_start

DEMO_CATALOG = Path(__file__).resolve().parent / "data" / "demo_catalog.json"
DEMO_CARD = "demo-card-6222"  # the local gateway accepts it
DEMO_DECLINED_CARD = "demo-declined-card-6217"  # the local gateway declines it
SECOND_CUSTOMER_PHONE = "13800000002"
SECOND_CUSTOMER_NAME = "李四"
CAMERA_MODEL = "FD-CAM-C2"
CAMERA_SERIAL = "FD2025CAMC2000002"
CAMERA_PURCHASED = date(2025, 3, 8)
DEMO_CAMERA_SERIAL = "FD2025CAMC2000001"  # 张三's
DEMO_CAMERA_PURCHASED = date(2025, 1, 20)


def demo_catalog() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    return document


def _start(
    customer: Customer,
    plan: Plan,
    *,
    at: datetime,
    method: str = DEMO_CARD,
    auto_renew: bool = True,
    device: Device | None = None,
) -> Subscription:
    text = consent_text(plan, language=customer_language(customer), at=at) if auto_renew else ""
    return subscription_start(
        customer=customer,
        plan=plan,
        payment_method=method,
        auto_renew=auto_renew,
        consent_text_shown=text,
        device=device,
        channel=Channel.PORTAL,
        actor=customer.user,
        now=at,
    )


def _reminder_soon(customer: Customer, plan: Plan, now: datetime, device: Any) -> Subscription:
    # a monthly period ending in about four days: inside the reminder window (five days)
    return _start(customer, plan, at=add_months(now + timedelta(days=4), -1), device=device)


def _offer_accepted(customer: Customer, plan: Plan, now: datetime, device: Any) -> Subscription:
    sub = _start(customer, plan, at=now - timedelta(days=60), device=device)
    asked = now - timedelta(days=3)
    attempt = change_start(
        subscription=sub, to_plan=None, channel=Channel.PORTAL, actor=customer.user, now=asked
    )
    if attempt.offer_id is not None:
        change_accept_offer(
            attempt_id=attempt.pk,
            channel=Channel.PORTAL,
            actor=customer.user,
            now=asked + timedelta(minutes=2),
        )
    return sub


def _auto_renew_off(customer: Customer, plan: Plan, now: datetime, device: Any) -> Subscription:
    sub = _start(customer, plan, at=now - timedelta(days=20), device=device)
    return auto_renew_set(
        subscription=sub,
        on=False,
        channel=Channel.PORTAL,
        actor=customer.user,
        now=now - timedelta(days=15),
    )


def _payment_overdue(customer: Customer, plan: Plan, now: datetime, device: Any) -> Subscription:
    return _start(
        customer, plan, at=now - timedelta(days=2), method=DEMO_DECLINED_CARD, device=device
    )


def _camera(customer: Customer, serial: str, purchased: date) -> Device | None:
    """The customer's demo camera (registered the first time; None without the demo catalog)."""
    model = ProductModel.objects.filter(model_code=CAMERA_MODEL).first()
    if model is None:
        return None
    device = Device.objects.filter(product_model=model, serial=serial).first()
    if device is None:
        device = device_register(
            customer=customer, product_model=model, serial=serial, purchase_date=purchased
        )
    return device


def _second_customer() -> tuple[Customer, Device | None]:
    customer = customer_get_or_create(phone=SECOND_CUSTOMER_PHONE, name=SECOND_CUSTOMER_NAME)
    return customer, _camera(customer, CAMERA_SERIAL, CAMERA_PURCHASED)


def seed_plans_demo(*, now: datetime | None = None) -> str:
    """Load the demo catalog and the demo subscriptions (existing ones are left alone)."""
    now = now or timezone.now()
    counts = catalog_import(document=demo_catalog(), now=now)
    plans = {plan.code: plan for plan in Plan.objects.all()}
    zhang = Customer.objects.filter(phone=DEMO_CUSTOMER_PHONE).first()
    if zhang is None:
        return "plans: catalog loaded; no demo customer for subscriptions"
    ac = Device.objects.filter(customer=zhang, serial=DEMO_DEVICE_SERIAL).first()
    zhang_camera = _camera(zhang, DEMO_CAMERA_SERIAL, DEMO_CAMERA_PURCHASED)
    li, camera = _second_customer()

    # (customer, plan code, device, how it came to be)
    specs: list[tuple[Customer, str, Any, Callable[..., Subscription]]] = [
        (zhang, "cloud-30", zhang_camera, lambda c, p: _reminder_soon(c, p, now, zhang_camera)),
        (zhang, "ac-care-standard", ac, lambda c, p: _offer_accepted(c, p, now, ac)),
        (zhang, "warranty-plus", ac, lambda c, p: _auto_renew_off(c, p, now, ac)),
        (li, "cloud-90", camera, lambda c, p: _payment_overdue(c, p, now, camera)),
    ]
    created = 0
    for customer, code, device, make in specs:
        if (
            device is None
            or Subscription.objects.filter(customer=customer, plan__code=code).exists()
        ):
            continue
        make(customer, plans[code])
        created += 1
    # First payments are collected after commit; collect any the gateway has not been asked for
    # yet, so that the demo's states do not depend on when the worker runs.
    for pk in Invoice.objects.filter(
        subscription__customer__in=[zhang, li], status=InvoiceStatus.OPEN, payment_attempts=0
    ).values_list("pk", flat=True):
        invoice_collect(invoice_id=pk)
    total = Subscription.objects.filter(customer__in=[zhang, li]).count()
    return (
        f"plans: {counts['plans']} plans in {counts['families']} families, "
        f"{counts['offers']} retention offer(s); {total} demo subscriptions ({created} new) — "
        f"{zhang.name} {zhang.phone}: renewal reminder due, offer accepted, auto-renewal off; "
        f"{li.name} {li.phone}: payment overdue (demo declined card)"
    )
