"""**Access control** of service requests, in this one place: who is asking (``Principal``), what
they may see and do, whom they may file for, and which phone numbers they see.

Who sees what (``requests_visible_to``):

* a customer: their own requests;
* outlet staff (a user with an active ``network.OutletMember``): their outlets' requests only,
  whatever their groups;
* agents, central dispatchers (the ``dispatcher`` group without an outlet), brand administrators
  and auditors: every request;
* and everyone the requests they filed themselves (an integration sees what it filed).

Who may do what (``can`` / ``check``): ``view`` for everyone who sees the request;
``transition`` by the state machine's table (``workflow.TRANSITIONS``) and the user's capacities
on the request (``capacities``); ``assign_outlet`` for central dispatchers and brand
administrators. Auditors read everything and change nothing. A request the user cannot see is
"not found" (404), so that numbers cannot be probed; one they see but may not change is 403.

Phone numbers are masked (``fairdesk.core.phones.mask_phone``) except for the customer
themselves, the staff of the request's outlet, central dispatchers and brand administrators,
and an agent serving that very customer (``serving``, passed by the console).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fairdesk.core.choices import is_value, label
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.phones import mask_phone, normalize_mobile
from fairdesk.customers.principal import Principal, principal_for
from fairdesk.network.choices import MemberRole
from fairdesk.service_requests import workflow
from fairdesk.service_requests.choices import FIELD_KINDS, ActorRole, Channel, Status
from fairdesk.service_requests.models import ServiceRequest

VIEW = "view"
TRANSITION = "transition"
ASSIGN_OUTLET = "assign_outlet"
ACTIONS = (VIEW, TRANSITION, ASSIGN_OUTLET)

_MANAGING_ROLES = frozenset({MemberRole.MANAGER, MemberRole.DISPATCHER})


def _serving_id(serving: Any) -> int | None:
    if serving is None:
        return None
    if isinstance(serving, int):
        return serving
    return getattr(serving, "pk", None)


def capacities(
    principal: Principal, request: ServiceRequest, *, serving: Any = None
) -> frozenset[str]:
    """What the principal is to this request (``workflow``: owner, agent, manage, field …)."""
    caps: set[str] = set()
    if not principal.authenticated:
        return frozenset()
    if principal.customer_id is not None and request.customer_id == principal.customer_id:
        caps.add(workflow.OWNER)
    if principal.central:
        caps.add(workflow.MANAGE)
    role = principal.outlet_roles.get(request.outlet_id) if request.outlet_id else None
    if role in _MANAGING_ROLES:
        caps.add(workflow.MANAGE)
    elif role == MemberRole.TECHNICIAN:
        caps.add(workflow.FIELD)
    if principal.agent and not principal.outlet_staff:
        caps.add(workflow.AGENT)
        if request.kind not in FIELD_KINDS:
            caps.add(workflow.MANAGE)  # the service desk handles the desk kinds
        if _serving_id(serving) == request.customer_id:
            caps.add(workflow.AGENT_FOR_CUSTOMER)
    return workflow.holders(caps)


# --------------------------------------------------------------------------------------------
# Access control
# --------------------------------------------------------------------------------------------


def requests_visible_to(user: Any) -> QuerySet[ServiceRequest]:
    """The requests a user may see (no query is run until the queryset is used)."""
    principal = principal_for(user)
    qs = ServiceRequest.objects.all()
    if not principal.authenticated:
        return qs.none()
    if principal.sees_all:
        return qs
    condition = Q(created_by_id=principal.user_id)
    if principal.customer_id is not None:
        condition |= Q(customer_id=principal.customer_id)
    if principal.outlet_roles:
        condition |= Q(outlet_id__in=sorted(principal.outlet_roles))
    return qs.filter(condition)


def can_view(user: Any, request: ServiceRequest) -> bool:
    principal = principal_for(user)
    if not principal.authenticated:
        return False
    if principal.sees_all:
        return True
    if principal.customer_id is not None and request.customer_id == principal.customer_id:
        return True
    if request.outlet_id is not None and request.outlet_id in principal.outlet_roles:
        return True
    return request.created_by_id is not None and request.created_by_id == principal.user_id


def _transition_denial(
    user: Any, request: ServiceRequest, to_status: str, serving: Any
) -> DomainError | None:
    """Why ``user`` may not move ``request`` to ``to_status`` (None: they may)."""
    principal = principal_for(user)
    if not is_value(Status, to_status):
        return DomainError(
            _("Unknown status: %(status)s.") % {"status": to_status},
            code="invalid_status",
            status=422,
            details={"to": to_status, "allowed": list(Status.values)},
        )
    allowed = workflow.allowed_from(request.status)
    if to_status not in allowed:
        return DomainError(
            _("A request that is “%(from)s” cannot become “%(to)s”.")
            % {"from": label(Status, request.status), "to": label(Status, to_status)},
            code="illegal_transition",
            status=409,
            details={"from": request.status, "to": to_status, "allowed": sorted(allowed)},
        )
    granted = capacities(principal, request, serving=serving) & allowed[to_status]
    if not granted:
        return DomainError(
            _("You may not make this change to request %(number)s.") % {"number": request.number},
            code="forbidden",
            status=403,
            details={"from": request.status, "to": to_status},
        )
    if (
        to_status == Status.CANCELLED
        and request.visited_at is not None
        and workflow.acts_only_as_customer(granted)
    ):
        return DomainError(
            _(
                "A technician has already been on site: the outlet can cancel request "
                "%(number)s for you."
            )
            % {"number": request.number},
            code="cancel_after_visit",
            status=409,
            details={"from": request.status, "to": to_status},
        )
    return None


def can(
    user: Any,
    action: str,
    request: ServiceRequest,
    *,
    to_status: str | None = None,
    serving: Any = None,
) -> bool:
    """Whether ``user`` may do ``action`` (view, transition, assign_outlet) on ``request``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not can_view(user, request):
        return False
    if action == VIEW:
        return True
    if action == ASSIGN_OUTLET:
        return principal_for(user).central and request.status not in (
            Status.CLOSED,
            Status.CANCELLED,
            Status.RESOLVED,
        )
    if to_status is None:
        return bool(allowed_transitions(user, request, serving=serving))
    return _transition_denial(user, request, to_status, serving) is None


def check(
    user: Any,
    action: str,
    request: ServiceRequest,
    *,
    to_status: str | None = None,
    serving: Any = None,
) -> None:
    """``can``, or the reason why not: 404 when the user cannot see the request, 403 when they
    may not do this, 409 for a transition the state machine does not allow from here."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not can_view(user, request):
        raise NotFound(
            _("There is no service request %(number)s.") % {"number": request.number},
            code="request_not_found",
            details={"number": request.number},
        )
    if action == VIEW:
        return
    if action == TRANSITION:
        if to_status is None:
            raise ValueError("check(…, 'transition', …) needs to_status")
        denial = _transition_denial(user, request, to_status, serving)
        if denial is not None:
            raise denial
        return
    if not principal_for(user).central:
        raise DomainError(
            _("Only central dispatch or a brand administrator may route a request by hand."),
            code="forbidden",
            status=403,
        )
    if request.status in (Status.CLOSED, Status.CANCELLED, Status.RESOLVED):
        raise DomainError(
            _("Request %(number)s is %(status)s: it cannot be routed any more.")
            % {"number": request.number, "status": request.get_status_display()},
            code="illegal_transition",
            status=409,
        )


def allowed_transitions(user: Any, request: ServiceRequest, *, serving: Any = None) -> list[str]:
    """The statuses ``user`` may move ``request`` to, in the table's order (for buttons)."""
    if not can_view(user, request):
        return []
    return [
        to
        for to in workflow.allowed_from(request.status)
        if _transition_denial(user, request, to, serving) is None
    ]


def files_for_anyone(principal: Principal) -> bool:
    """Who files requests for any customer: agents of the brand (not of an outlet), central
    dispatch, brand administrators and API integrations (a user in the ``integration`` role).
    Everyone else files for themselves only (a customer), or not at all (outlet staff,
    technicians, auditors). A token has exactly its user's rights: being called through an API
    client grants nothing."""
    return (
        principal.brand_admin
        or principal.central_dispatcher
        or (not principal.outlet_staff and (principal.agent or principal.integration))
    )


def may_serve_callers(user: Any) -> bool:
    """Who serves callers in the console — adds a caller who is not a customer yet, files for
    them, and is "serving" them while on the call: those who file for anyone."""
    principal = principal_for(user)
    return principal.authenticated and files_for_anyone(principal)


def may_file_for(user: Any, customer: Any) -> bool:
    """Whether ``user`` (signed in, or an integration's user) may file a request for
    ``customer``: for anyone (``files_for_anyone``), or a customer for themselves."""
    principal = principal_for(user)
    if not principal.authenticated:
        return False
    return files_for_anyone(principal) or (
        principal.customer_id is not None and principal.customer_id == customer.pk
    )


def check_files_for(user: Any, customer: Any) -> None:
    """``may_file_for``, or 403 ``forbidden``."""
    if not may_file_for(user, customer):
        raise _may_not_file()


def _may_not_file() -> DomainError:
    return DomainError(
        _("You may not file a service request for this customer."),
        code="forbidden",
        status=403,
    )


def access_filing_customer(
    *,
    user: Any,
    customer_id: int | None = None,
    customer_phone: str | None = None,
) -> Any:
    """The customer a caller files a request for: a customer files for themselves (naming
    someone else is 403); agents, central dispatch, brand administrators and integrations name
    the customer by id or mobile number (422 ``customer_required`` when neither, 404
    ``customer_not_found``). Anyone else is refused (403 ``forbidden``) before any customer is
    looked up, so that they cannot learn whether a number is a customer's."""
    from fairdesk.customers.models import Customer

    principal = principal_for(user)
    if not files_for_anyone(principal):
        if principal.customer_id is None:
            raise _may_not_file()
        own = Customer.objects.get(pk=principal.customer_id)
        phone = normalize_mobile(customer_phone) if customer_phone else None
        if customer_id not in (None, own.pk) or (customer_phone and phone != own.phone):
            raise DomainError(
                _("You can file service requests for yourself only."),
                code="forbidden",
                status=403,
            )
        return own
    if customer_id is not None:
        customer = Customer.objects.filter(pk=customer_id).first()
    elif customer_phone:
        phone = normalize_mobile(customer_phone)
        if phone is None:
            raise DomainError(
                _("Not a mobile number: %(phone)s.") % {"phone": customer_phone},
                code="invalid_phone",
                status=422,
            )
        customer = Customer.objects.filter(phone=phone).first()
    else:
        raise DomainError(
            _("Say whose request this is: customer_id or customer_phone."),
            code="customer_required",
            status=422,
        )
    if customer is None:
        raise NotFound(_("There is no such customer."), code="customer_not_found")
    check_files_for(user, customer)
    return customer


def filing_channel(*, user: Any, client: Any, customer: Any, requested: str | None) -> str:
    """The channel of a request filed through the API: an integration's own choice of ``api``
    (default) or ``device``; the portal for a customer filing for themselves, the console for
    staff. Only integrations set it (422 ``invalid_channel``)."""
    if client is not None:
        return requested or Channel.API
    if requested is not None:
        raise DomainError(
            _("Only integrations set the channel."), code="invalid_channel", status=422
        )
    if principal_for(user).customer_id == customer.pk:
        return Channel.PORTAL
    return Channel.CONSOLE


def check_belongs_to(customer: Any, *, device: Any = None, address: Any = None) -> None:
    """That the device and the address of a new request are the customer's own (422
    ``device_not_owned`` / ``address_not_owned``)."""
    if device is not None and device.customer_id != customer.pk:
        raise _not_owned("device")
    if address is not None and address.customer_id != customer.pk:
        raise _not_owned("address")


def _not_owned(what: str) -> DomainError:
    if what == "device":
        return DomainError(
            _("This device is not registered to this customer."),
            code="device_not_owned",
            status=422,
        )
    return DomainError(
        _("This address is not one of this customer's."), code="address_not_owned", status=422
    )


def access_intake_device(customer: Any, device_id: int | None) -> Any:
    """The customer's device ``device_id`` with its product model (None for no id)."""
    from fairdesk.customers.models import Device

    if device_id is None:
        return None
    device = Device.objects.select_related("product_model").filter(pk=device_id).first()
    if device is None:
        raise _not_owned("device")
    check_belongs_to(customer, device=device)
    return device


def access_intake_address(customer: Any, address_id: int | None) -> Any:
    """The customer's address ``address_id`` (None for no id)."""
    from fairdesk.customers.models import Address

    if address_id is None:
        return None
    address = Address.objects.filter(pk=address_id).first()
    if address is None:
        raise _not_owned("address")
    check_belongs_to(customer, address=address)
    return address


def phone_visible(user: Any, request: ServiceRequest, *, serving: Any = None) -> bool:
    """Whether ``user`` sees the customer's full phone number on this request."""
    principal = principal_for(user)
    if not can_view(user, request):
        return False
    if principal.customer_id is not None and principal.customer_id == request.customer_id:
        return True
    if principal.central:
        return True
    if request.outlet_id is not None and request.outlet_id in principal.outlet_roles:
        return True
    return principal.agent and _serving_id(serving) == request.customer_id


def customer_phone_for(user: Any, request: ServiceRequest, *, serving: Any = None) -> str:
    """The customer's phone number as ``user`` may see it (masked unless ``phone_visible``)."""
    phone = request.customer.phone
    return phone if phone_visible(user, request, serving=serving) else mask_phone(phone)


def actor_role_for(principal: Principal, request: ServiceRequest, *, api_client: Any = None) -> str:
    """How an actor is named in the timeline (``ActorRole``)."""
    if api_client is not None:
        return ActorRole.INTEGRATION
    if principal.customer_id is not None and principal.customer_id == request.customer_id:
        return ActorRole.CUSTOMER
    role = principal.outlet_roles.get(request.outlet_id) if request.outlet_id else None
    if role is not None:
        return str(role)
    if principal.brand_admin:
        return ActorRole.BRAND_ADMIN
    if principal.central_dispatcher:
        return ActorRole.CENTRAL_DISPATCHER
    if principal.agent:
        return ActorRole.AGENT
    return ActorRole.SYSTEM if not principal.authenticated else ""


def signed_in_user(actor: Any) -> Any:
    """The actor as a user row to record (None for the system or an anonymous caller)."""
    if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False):
        return actor
    return None


def actor_label(actor: Any) -> str:
    """Who acted, as kept in the timeline: a staff user's name; for a customer, their masked
    number (a customer's username holds the full number, which staff must not all see)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    if principal_for(actor).customer_id is None:  # staff: no query for a customer row
        return str(actor.get_username())
    return mask_phone(actor.customer.phone)


def sees_staff_names(user: Any) -> bool:
    """Whether ``user`` sees the names of the staff in a timeline (staff do; customers see
    roles)."""
    principal = principal_for(user)
    return principal.sees_all or principal.outlet_staff
