from __future__ import annotations

import pytest

from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
from fairdesk.portal.tests.fixtures import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()
