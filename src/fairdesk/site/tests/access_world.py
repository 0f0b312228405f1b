"""The world the role matrix walks (``test_access_matrix.py``): the demo's data (``seed_demo``:
one user per role, two customers with requests, plans, conversations, callbacks and
complaints), plus what the demo lacks — the customers' sign-in users, the manager of another
outlet, an open and a scheduled plan change, and an API token for every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from fairdesk.api.services import api_token_create
from fairdesk.contact.models import Callback, Complaint, Contact
from fairdesk.core import roles
from fairdesk.customers.demo import DEMO_CUSTOMER_PHONE
from fairdesk.customers.models import Address, Customer, Device, ProductModel
from fairdesk.network.models import Outlet
from fairdesk.network.services import outlet_member_set
from fairdesk.plans.choices import Timing, TimingRule
from fairdesk.plans.models import ChangePolicy, Plan, Subscription
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.service_requests.models import ServiceRequest

OTHER_PHONE = "13800000002"
#: The roles with a session (``None``: anonymous) and, but anonymous, an API token.
SESSION_ROLES = (
    "anonymous",
    "customer",
    "other_customer",
    "agent",
    "dispatcher",
    "outlet_manager",
    "technician",
    "other_manager",
    "brand_admin",
    "auditor",
    "admin",
)
TOKEN_ROLES = (*SESSION_ROLES[1:], "integration")


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, str]
    customer: Customer
    other_customer: Customer
    address: Address
    device: Device
    product_model: ProductModel
    request: ServiceRequest  # the customer's repair at the demo outlet (accepted)
    outlet: Outlet  # the demo outlet
    other_outlet: Outlet
    subscription: Subscription  # the customer's, live
    attempt_id: int  # an open change attempt of the customer's (its preview)
    change_id: int  # a scheduled change of the customer's (at the period's end)
    contact: Contact  # the customer's conversation answered by the demo agent
    waiting_contact: Contact  # the customer's conversation waiting in the queue
    callback: Callback  # the other customer's scheduled callback
    complaint: Complaint  # the customer's open complaint
    plan_to: Plan  # a plan the subscription may change to
    extra: dict[str, Any] = field(default_factory=dict)


def _sign_in_user(customer: Customer) -> Any:
    user = get_user_model().objects.create_user(f"c{customer.phone}")
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    customer.user = user
    customer.save(update_fields=["user"])
    return user


def make_world() -> World:
    call_command("seed_demo", stdout=StringIO())
    User = get_user_model()
    users: dict[str, Any] = {
        name: User.objects.get(username=name)
        for name in (
            "agent",
            "dispatcher",
            "outlet_manager",
            "technician",
            "brand_admin",
            "auditor",
            "admin",
            "integration",
        )
    }
    customer = Customer.objects.get(phone=DEMO_CUSTOMER_PHONE)
    other_customer = Customer.objects.get(phone=OTHER_PHONE)
    users["customer"] = _sign_in_user(customer)
    users["other_customer"] = _sign_in_user(other_customer)
    request = ServiceRequest.objects.get(customer=customer, kind="repair")
    assert request.outlet is not None
    other_outlet = Outlet.objects.exclude(pk=request.outlet.pk).order_by("code").first()
    assert other_outlet is not None
    other_manager = User.objects.create_user("other_manager", is_staff=True)
    other_manager.groups.add(Group.objects.get(name=roles.OUTLET_MANAGER))
    outlet_member_set(outlet=other_outlet, user=other_manager, role="manager")
    users["other_manager"] = other_manager

    # plans: the customer chooses the timing, so that a change can wait for the period's end
    ChangePolicy.objects.update_or_create(
        pk=1, defaults={"timing_rule": TimingRule.CUSTOMER_CHOICE}
    )
    subs = Subscription.objects.filter(customer=customer).select_related("plan__family")
    scheduled_on = next(s for s in subs if s.plan.code == "ac-care-standard")
    attempt = change_start(
        subscription=scheduled_on,
        to_plan=Plan.objects.get(code="ac-care-basic"),
        channel="portal",
        timing=Timing.PERIOD_END,
    )
    change = change_confirm(attempt_id=attempt.pk, channel="portal")
    subscription = next(s for s in subs if s.plan.code == "cloud-30")
    plan_to = Plan.objects.get(code="cloud-90")
    open_attempt = change_start(
        subscription=subscription, to_plan=plan_to, channel="portal", timing=Timing.IMMEDIATE
    )

    tokens = {}
    for role in TOKEN_ROLES:
        _token, key = api_token_create(client_name=f"matrix-{role}", user=users[role])
        tokens[role] = key

    contact = Contact.objects.filter(customer=customer, status="assigned").get()
    waiting = Contact.objects.filter(customer=customer, status="queued").first()
    assert waiting is not None
    callback = Callback.objects.filter(status="scheduled").select_related("contact").get()
    complaint = Complaint.objects.filter(customer=customer, status="investigating").get()
    address = customer.addresses.order_by("pk").first()
    device = customer.devices.order_by("pk").first()
    assert address is not None and device is not None
    assert change.effective_at > timezone.now() + timedelta(days=1)
    return World(
        users=users,
        tokens=tokens,
        customer=customer,
        other_customer=other_customer,
        address=address,
        device=device,
        product_model=device.product_model,
        request=request,
        outlet=request.outlet,
        other_outlet=other_outlet,
        subscription=subscription,
        attempt_id=open_attempt.pk,
        change_id=change.pk,
        contact=contact,
        waiting_contact=waiting,
        callback=callback,
        complaint=complaint,
        plan_to=plan_to,
    )
