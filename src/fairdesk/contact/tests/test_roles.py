"""The roles' contact permissions, as the data migration ``0002_roles`` grants them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from fairdesk.core import roles

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def _contact(perms: set[str]) -> set[str]:
    return {p for p in perms if p.startswith("contact.")}


def test_the_roles_have_their_contact_permissions_after_migrate() -> None:
    assert _contact(_perms(roles.AGENT)) == {
        "contact.view_contact",
        "contact.view_contactmessage",
        "contact.view_assignment",
        "contact.view_callback",
        "contact.view_complaint",
        "contact.view_complaintevent",
    }
    admin = _contact(_perms(roles.BRAND_ADMIN))
    every_view = {
        f"contact.view_{model}"
        for model in (
            "agentprofile",
            "assignment",
            "callback",
            "complaint",
            "complaintevent",
            "complaintpolicy",
            "contact",
            "contactmessage",
            "faqentry",
        )
    }
    assert every_view <= admin
    assert {
        "contact.change_faqentry",
        "contact.change_complaintpolicy",
        "contact.change_agentprofile",
    } <= admin
    # contacts, callbacks, complaints and the logs change only through the services
    for model in ("contact", "contactmessage", "assignment", "callback", "complaint"):
        for verb in ("add", "change", "delete"):
            assert f"contact.{verb}_{model}" not in admin
    assert not any(p.startswith("contact.delete_") for p in admin)
    assert _contact(_perms(roles.AUDITOR)) == {
        "contact.view_complaint",
        "contact.view_complaintevent",
        "contact.view_assignment",
        "contact.view_complaintpolicy",
    }
    for role in (roles.CUSTOMER, roles.DISPATCHER, roles.TECHNICIAN, roles.OUTLET_MANAGER):
        assert _contact(_perms(role)) == set(), role
    # what the migration wrote is what core.roles lists
    for role, listed in roles.ROLE_PERMISSIONS.items():
        assert _perms(role) == set(listed), role


def test_an_agent_user_has_the_permissions(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("a1", password="x")
    user.groups.add(Group.objects.get(name=roles.AGENT))
    assert user.has_perm("contact.view_complaint")
    assert not user.has_perm("contact.change_complaint")
    assert not user.has_perm("contact.change_agentprofile")
