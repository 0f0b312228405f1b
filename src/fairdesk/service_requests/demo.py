"""Demo data for service requests: outlet staff for the demo customer's outlet, and requests.

Idempotent: staff memberships are set (not duplicated); requests are filed only when the demo
customer has none yet.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from fairdesk.core import roles
from fairdesk.customers.demo import DEMO_CUSTOMER_PHONE
from fairdesk.customers.models import Customer
from fairdesk.network.choices import MemberRole
from fairdesk.network.services import outlet_member_set
from fairdesk.service_requests.choices import Status
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.services.intake import service_request_create
from fairdesk.service_requests.services.transitions import service_request_transition


def seed_service_requests_demo() -> str:
    """Outlet staff for the outlet serving the demo customer, and two requests; a summary line."""
    customer = Customer.objects.filter(phone=DEMO_CUSTOMER_PHONE).first()
    if customer is None:
        return "service requests: no demo customer"
    address = customer.addresses.filter(division_status="resolved").first()
    if address is None:
        return "service requests: the demo customer has no resolved address"
    users = {u.username: u for u in get_user_model().objects.filter(username__in=_USERS)}
    with transaction.atomic():
        first = ServiceRequest.objects.filter(customer=customer).order_by("pk").first()
        filed = 0
        if first is None:
            device = customer.devices.first()
            first = service_request_create(
                customer=customer,
                kind="repair",
                channel="portal",
                actor=customer.user,
                description="空调开机后不制冷，室外机有异响。",
                address=address,
                device=device,
                product_description="" if device else "壁挂式空调",
            )
            service_request_create(
                customer=customer,
                kind="installation",
                channel="console",
                actor=users.get(roles.AGENT),
                description="新购热水器上门安装。",
                address=address,
                product_description="储水式电热水器 60 升",
            )
            filed = 2
        outlet = first.outlet
        if outlet is None:
            return "service requests: the demo request is out of coverage; no outlet staff set"
        # the demo's outlet manager and technician work at the outlet that got the repair
        for username, role in _STAFF.items():
            if username in users:
                outlet_member_set(outlet=outlet, user=users[username], role=role)
        manager = users.get(roles.OUTLET_MANAGER)
        if filed and manager is not None:
            service_request_transition(
                request=first, to_status=Status.ACCEPTED, actor=manager, reason=""
            )
    return (
        f"service requests: outlet {outlet.code} staff ({', '.join(_STAFF)}), "
        f"{filed} demo requests filed"
    )


# demo users (created by seed_demo, one per role) who work at the demo customer's outlet; the
# dispatcher stays central (no outlet: sees the whole brand's queue)
_STAFF = {
    roles.OUTLET_MANAGER: MemberRole.MANAGER,
    roles.TECHNICIAN: MemberRole.TECHNICIAN,
}
_USERS = [*_STAFF, roles.AGENT]
