from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from fairdesk.core.roles import ROLE_PERMISSIONS, sync_roles

pytestmark = pytest.mark.django_db


def perms_of(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_migration_created_every_role_with_its_permissions() -> None:
    groups = {g.name: g for g in Group.objects.all()}
    assert set(ROLE_PERMISSIONS) <= set(groups)
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms_of(groups[role]) == set(perms), role
    assert "network.add_coverageimport" in perms_of(groups["brand_admin"])
    # auditors read everything and change nothing
    auditor = perms_of(groups["auditor"])
    assert {
        "network.view_outlet",
        "network.view_coverage",
        "network.view_coverageimport",
    } <= auditor
    assert all(p.split(".", 1)[1].startswith("view_") for p in auditor), auditor
    assert perms_of(groups["customer"]) == set()


def test_sync_roles_is_idempotent_and_repairs_drift() -> None:
    auditor = Group.objects.get(name="auditor")
    auditor.permissions.add(Permission.objects.get(codename="delete_outlet"))
    Group.objects.filter(name="technician").delete()
    sync_roles()
    sync_roles()
    assert perms_of(Group.objects.get(name="auditor")) == set(ROLE_PERMISSIONS["auditor"])
    assert perms_of(Group.objects.get(name="technician")) == set(ROLE_PERMISSIONS["technician"])
    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == len(ROLE_PERMISSIONS)


def test_unknown_permission_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ROLE_PERMISSIONS, "agent", ["network.fly_outlet"])
    with pytest.raises(LookupError, match=r"network\.fly_outlet"):
        sync_roles()
    sync_roles(strict=False)
    assert perms_of(Group.objects.get(name="agent")) == set()


def test_role_user_has_the_permissions(django_user_model) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("d", password="x")
    user.groups.add(Group.objects.get(name="dispatcher"))
    assert user.has_perm("network.view_coverage")
    assert not user.has_perm("network.add_coverageimport")
