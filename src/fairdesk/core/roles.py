"""The roles of fairdesk, as Django groups with permissions.

A role is a group; its permissions are listed here, in one place, and written by a data migration
(and re-applied by ``roles_sync`` whenever apps add models). Later issues extend ROLE_PERMISSIONS.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext_lazy as _

CUSTOMER = "customer"
AGENT = "agent"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
OUTLET_MANAGER = "outlet_manager"
BRAND_ADMIN = "brand_admin"
AUDITOR = "auditor"
INTEGRATION = "integration"

ROLE_LABELS = {
    CUSTOMER: _("Customer"),
    AGENT: _("Hotline / online agent"),
    DISPATCHER: _("Dispatcher"),
    TECHNICIAN: _("Technician"),
    OUTLET_MANAGER: _("Outlet manager"),
    BRAND_ADMIN: _("Brand administrator"),
    AUDITOR: _("Auditor"),
    INTEGRATION: _("API integration"),
}

# Every role but "customer" and "integration" is staff: people who work for the brand or its
# outlets, or audit it. An integration is a system (the brand's app, a device platform) calling
# the API with a token as its user: it files requests for any customer and sees the requests it
# filed; it has no page and no permission in the admin.
STAFF_ROLES = frozenset(ROLE_LABELS) - {CUSTOMER, INTEGRATION}


def is_staff_member(user: Any) -> bool:
    """Signed-in, active staff: a superuser, ``is_staff``, or a member of a staff role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return bool(user.groups.filter(name__in=STAFF_ROLES).exists())


def masks_personal_data(groups: Collection[str], *, superuser: bool = False) -> bool:
    """Auditors read everything with personal data masked (``core.masking``): names, numbers,
    serials, street addresses. A superuser reads it as stored."""
    return AUDITOR in groups and not superuser


def user_masks_personal_data(user: Any) -> bool:
    """``masks_personal_data`` for a user (their groups read once per user object): for the
    admin of the apps that cannot ask ``customers.principal``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "fairdesk_masked", None)
    if cached is None:
        groups = set(user.groups.values_list("name", flat=True))
        cached = masks_personal_data(groups, superuser=bool(user.is_superuser))
        user.fairdesk_masked = cached
    return bool(cached)


def brand_admins() -> list[Any]:
    """The active brand administrators, in a stable order: who escalations reach last."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=BRAND_ADMIN)
        .distinct()
        .order_by("pk")
    )


# "app_label.codename" per role. view_* for read-only roles; brand admins define the network.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    CUSTOMER: [],
    AGENT: ["network.view_outlet", "network.view_coverage"],
    DISPATCHER: ["network.view_outlet", "network.view_coverage"],
    TECHNICIAN: ["network.view_outlet"],
    OUTLET_MANAGER: ["network.view_outlet", "network.view_coverage", "network.view_coverageimport"],
    BRAND_ADMIN: [
        "network.add_outlet",
        "network.change_outlet",
        "network.view_outlet",
        "network.delete_outlet",
        "network.add_coverage",
        "network.change_coverage",
        "network.delete_coverage",
        "network.view_coverage",
        "network.add_coverageimport",
        "network.view_coverageimport",
    ],
    AUDITOR: [
        "network.view_outlet",
        "network.view_coverage",
        "network.view_coverageimport",
    ],
    INTEGRATION: [],
}

# Customers, devices, the product catalog and the outbox (fairdesk.customers, .notifications).
# Customers themselves need no model permission: they reach only their own rows, through the
# customers selectors. Agents look callers up and file for them; brand admins keep the catalog.
_CUSTOMERS_READ = [
    "customers.view_customer",
    "customers.view_address",
    "customers.view_device",
    "customers.view_productmodel",
]
_CUSTOMERS_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [
        *_CUSTOMERS_READ,
        "customers.add_customer",
        "customers.change_customer",
        "notifications.view_message",
    ],
    DISPATCHER: list(_CUSTOMERS_READ),
    TECHNICIAN: ["customers.view_device", "customers.view_productmodel"],
    OUTLET_MANAGER: list(_CUSTOMERS_READ),
    BRAND_ADMIN: [
        *_CUSTOMERS_READ,
        "customers.add_productmodel",
        "customers.change_productmodel",
        "notifications.view_message",
    ],
    AUDITOR: [*_CUSTOMERS_READ, "notifications.view_message"],
}
for _role, _perms in _CUSTOMERS_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _perms

# Service requests (fairdesk.service_requests) and outlet staff (network.OutletMember). These are
# the admin's model permissions; which requests a user sees and may change is decided per request
# by fairdesk.service_requests.selectors (outlet staff: their outlets' requests only), and
# requests change only through the services, never through the admin.
_SR_READ = [
    "service_requests.view_servicerequest",
    "service_requests.view_timelineevent",
    "service_requests.view_slaclock",
    "service_requests.view_slapolicy",
    "service_requests.view_businesscalendar",
]
_SR_PERMISSIONS: dict[str, list[str]] = {
    AGENT: list(_SR_READ),
    DISPATCHER: [*_SR_READ, "network.view_outletmember"],
    TECHNICIAN: ["service_requests.view_servicerequest", "service_requests.view_timelineevent"],
    OUTLET_MANAGER: [*_SR_READ, "network.view_outletmember"],
    BRAND_ADMIN: [
        *_SR_READ,
        "service_requests.add_slapolicy",
        "service_requests.change_slapolicy",
        "service_requests.add_businesscalendar",
        "service_requests.change_businesscalendar",
        "api.view_apiclient",
        "api.add_apiclient",
        "api.change_apiclient",
        "api.view_apitoken",
        "api.change_apitoken",
        "network.view_outletmember",
        "network.add_outletmember",
        "network.change_outletmember",
        "network.delete_outletmember",
    ],
    AUDITOR: [*_SR_READ, "network.view_outletmember"],
}
for _role, _perms in _SR_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _perms


# Service plans (fairdesk.plans). The catalog (families, plans, retention offers, the one change
# policy) is kept by brand admins in the admin; a price changes only through
# plans.services.plan_price_change (the plan's "announce a new price" fields), so price changes
# themselves are view-only. Subscriptions and their money change only through the services
# (portal, console, API, worker): view permissions for everyone here. Agents see what a caller
# needs explained (subscriptions, changes, invoices, payments, refunds, the timeline); brand
# admins and auditors also see the ledger and the demo gateway's book.
_PLANS_CATALOG_READ = [
    "plans.view_planfamily",
    "plans.view_plan",
    "plans.view_pricechange",
    "plans.view_retentionoffer",
    "plans.view_changepolicy",
]
_PLANS_SUBSCRIPTIONS_READ = [
    "plans.view_subscription",
    "plans.view_autorenewconsent",
    "plans.view_changeattempt",
    "plans.view_planchange",
    "plans.view_invoice",
    "plans.view_payment",
    "plans.view_refund",
    "plans.view_planevent",
]
_PLANS_BOOKS_READ = ["plans.view_ledgerentry", "plans.view_localgatewayrecord"]
_PLANS_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [*_PLANS_CATALOG_READ, *_PLANS_SUBSCRIPTIONS_READ],
    BRAND_ADMIN: [
        *_PLANS_CATALOG_READ,
        *_PLANS_SUBSCRIPTIONS_READ,
        *_PLANS_BOOKS_READ,
        "plans.add_planfamily",
        "plans.change_planfamily",
        "plans.add_plan",
        "plans.change_plan",
        "plans.add_retentionoffer",
        "plans.change_retentionoffer",
        "plans.change_changepolicy",
    ],
    AUDITOR: [*_PLANS_CATALOG_READ, *_PLANS_SUBSCRIPTIONS_READ, *_PLANS_BOOKS_READ],
}
for _role, _perms in _PLANS_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _perms


# The contact centre (fairdesk.contact). Kept minimal: these are the admin's model permissions
# only. Who sees which contact, callback or complaint, who may take or answer a conversation and
# who may move a complaint is decided by fairdesk.contact.selectors and .workflow; contacts,
# callbacks and complaints change only through the services (portal, console, API, worker), and
# an agent's own status through the console. Agents read the conversations, the assignment log,
# callbacks and complaints with their timelines; brand admins keep the assistant's answers, the
# complaint policy and the agents (skills, languages, limit) and read everything; auditors read
# complaints, their timelines, the assignment log (the published rule applied) and the policy.
# Customers need no model permission: they reach only their own rows, through the selectors.
_CONTACT_DESK_READ = [
    "contact.view_contact",
    "contact.view_contactmessage",
    "contact.view_assignment",
    "contact.view_callback",
    "contact.view_complaint",
    "contact.view_complaintevent",
]
_CONTACT_PERMISSIONS: dict[str, list[str]] = {
    AGENT: list(_CONTACT_DESK_READ),
    BRAND_ADMIN: [
        *_CONTACT_DESK_READ,
        "contact.view_faqentry",
        "contact.add_faqentry",
        "contact.change_faqentry",
        "contact.view_complaintpolicy",
        "contact.add_complaintpolicy",  # the admin allows it only while there is no policy row
        "contact.change_complaintpolicy",
        "contact.view_agentprofile",
        "contact.add_agentprofile",
        "contact.change_agentprofile",
    ],
    AUDITOR: [
        "contact.view_complaint",
        "contact.view_complaintevent",
        "contact.view_assignment",
        "contact.view_complaintpolicy",
    ],
}
for _role, _perms in _CONTACT_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _perms


# The staff password lock (django-axes): who failed to sign in, from where, and the locks in
# force. Brand administrators alone read it and lift a lock (deleting an access attempt); no
# other role sees these pages.
_STAFF_SIGN_IN_PERMISSIONS: dict[str, list[str]] = {
    BRAND_ADMIN: [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
}
for _role, _perms in _STAFF_SIGN_IN_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _perms


def sync_roles(apps: Any = None, using: str = "default", strict: bool = True) -> None:
    """Create every role group and give it exactly the permissions listed above.

    ``apps`` is the app registry: a data migration passes its historical one (so this works in a
    migration, before ``post_migrate`` has created any permission); the default is the real one.
    Permissions (and content types) that do not exist yet are created first. Idempotent.
    ``strict=False`` (for migrations) skips permissions of models that do not exist yet at that
    point of the migration graph, instead of failing; ``roles_sync`` or a later migration that
    calls this again grants them.
    """
    from django.contrib.auth.management import create_permissions

    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    for app_config in apps.get_app_configs():
        # A migration's historical app configs have no models module, and create_permissions
        # skips such apps; it only needs to know the app has models (the well-known recipe).
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            if stub:
                app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {
        tuple(dotted.split(".", 1)) for perms in ROLE_PERMISSIONS.values() for dotted in perms
    }
    found = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(codename__in={codename for _app, codename in wanted})
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(".".join(key) for key in wanted - set(found))
    if missing and strict:
        raise LookupError(f"roles: unknown permissions {', '.join(missing)}")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        keys = [tuple(dotted.split(".", 1)) for dotted in perms]
        group.permissions.set([found[key] for key in keys if key in found])
