from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.network.models import Outlet
from fairdesk.network.services import coverage_import_apply, outlet_create


@pytest.fixture
def make_outlet(db: None) -> Callable[..., Outlet]:
    counter = {"n": 0}

    def make(code: str | None = None, *, coverage: str | None = None, **fields: Any) -> Outlet:
        counter["n"] += 1
        fields.setdefault("name", f"测试网点{counter['n']}")
        fields.setdefault("phones", [f"400-800-{counter['n']:04d}"])
        outlet = outlet_create(code=code or f"T{counter['n']:03d}", **fields)
        if coverage:
            coverage_import_apply(outlet=outlet, text=coverage, actor_name="test")
        return outlet

    return make


@pytest.fixture
def outlet(make_outlet: Callable[..., Outlet]) -> Outlet:
    return make_outlet("NN01", name="南宁良庆服务中心")
