from __future__ import annotations

from typing import Any

import pytest

from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)


@pytest.fixture
def make_user(django_user_model: Any) -> Any:
    def make(username: str, *, group: str | None = None, **fields: Any) -> Any:
        from django.contrib.auth.models import Group

        user = django_user_model.objects.create_user(
            username, password="pw-for-tests-123", **fields
        )
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user

    return make
