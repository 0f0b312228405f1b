"""Settings every test starts from (pytest's root conftest: src/ and tests/ alike)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _demo_payment_gateway(settings: Any) -> Iterator[None]:
    """Tests pay through the labelled demo gateway, as the demo does (outside the demo no gateway
    is configured by default); a test of another gateway sets its own."""
    from fairdesk.plans.gateway import gateways_reset

    settings.PAYMENT_GATEWAY = "local"
    gateways_reset()
    yield
    gateways_reset()
