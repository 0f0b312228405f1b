"""Who is asking: a user's ``Principal`` — their customer record, role groups and active outlet
memberships — read in one query and kept (``principal_for``). Every app's access rules start
here (``customers.selectors``, ``service_requests.selectors``, ``plans``, ``contact``); the role
predicates (central dispatch, seeing everything, masked personal data) are its properties, so
that each is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import BigIntegerField, CharField, QuerySet, Value

from fairdesk.api.services import ACCESS, ACCESS_ON_USER
from fairdesk.core import roles
from fairdesk.customers.models import Customer
from fairdesk.network.selectors import memberships_of


@dataclass(frozen=True, slots=True)
class Principal:
    """What a user is, for access control everywhere (computed once per user object, one
    query)."""

    user_id: int | None = None
    customer_id: int | None = None
    groups: frozenset[str] = frozenset()
    outlet_roles: Mapping[int, str] = field(default_factory=dict)
    superuser: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def brand_admin(self) -> bool:
        return self.superuser or roles.BRAND_ADMIN in self.groups

    @property
    def agent(self) -> bool:
        return roles.AGENT in self.groups

    @property
    def auditor(self) -> bool:
        return roles.AUDITOR in self.groups

    @property
    def integration(self) -> bool:
        """An API integration's user (the ``integration`` role): files for any customer."""
        return roles.INTEGRATION in self.groups

    @property
    def outlet_staff(self) -> bool:
        return bool(self.outlet_roles)

    @property
    def central_dispatcher(self) -> bool:
        """A dispatcher of the brand (not of an outlet): routes the central queue."""
        return roles.DISPATCHER in self.groups and not self.outlet_roles

    @property
    def central(self) -> bool:
        """May act on any request as its outlet would (central dispatch, brand administration)."""
        return self.brand_admin or self.central_dispatcher

    @property
    def masked(self) -> bool:
        """Reads personal data masked (``core.masking``): auditors."""
        return roles.masks_personal_data(self.groups, superuser=self.superuser)

    @property
    def sees_all(self) -> bool:
        if self.brand_admin:
            return True
        if self.outlet_staff:
            return False
        return self.agent or self.auditor or self.central_dispatcher


ANONYMOUS = Principal()


def principal_for(user: Any) -> Principal:
    """The principal of a user: their customer record, groups and active outlet memberships,
    read in one query; kept on the user object for the rest of the request, and by the process
    while the *access* configuration is unchanged (``core.generations``: a group or membership
    change is seen by the very next call)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    if not getattr(user, "is_active", False):
        return ANONYMOUS
    cached = getattr(user, "fairdesk_principal", None)
    if cached is not None:
        return cached
    # the access generation the request's token was authenticated under, else read now
    access = getattr(user, ACCESS_ON_USER, None) or ACCESS.current()
    principal = access.get(
        ("principal", user.pk), lambda: _principal(user.pk, bool(user.is_superuser))
    )
    user.fairdesk_principal = principal
    return principal


def _principal(user_id: int, superuser: bool) -> Principal:
    customer_id: int | None = None
    groups: set[str] = set()
    outlet_roles: dict[int, str] = {}
    for kind, number, text in _principal_rows(user_id):
        if kind == "c":
            customer_id = number
        elif kind == "g":
            groups.add(str(text))
        else:
            outlet_roles[int(number or 0)] = str(text)
    return Principal(
        user_id=user_id,
        customer_id=customer_id,
        groups=frozenset(groups),
        outlet_roles=outlet_roles,
        superuser=superuser,
    )


def _principal_rows(user_id: int) -> QuerySet[Any, tuple[str, int | None, str | None]]:
    """(kind, id, text) rows: ("c", customer id, None), ("g", None, group name) and ("o",
    outlet id, role) for each active membership — one UNION ALL query."""
    no_id = Value(None, output_field=BigIntegerField())
    no_text = Value(None, output_field=CharField())
    customer = Customer.objects.filter(user_id=user_id).order_by()
    return customer.values_list(Value("c"), "id", no_text).union(
        Group.objects.filter(user__id=user_id).order_by().values_list(Value("g"), no_id, "name"),
        memberships_of(user_id=user_id).values_list(Value("o"), "outlet_id", "role"),
        all=True,
    )
