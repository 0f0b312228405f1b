"""Fixtures of the areas tests: the resolver with each of its two readers."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from fairdesk.areas import _compiled, resolver


@pytest.fixture(scope="module", params=["compiled", "pure"])
def both_readers(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """Run a test module once with the compiled reader (skipped when it is not built) and once
    with the pure-Python one; the resolver's reader is put back afterwards."""
    if request.param == "compiled":
        try:
            reader = _compiled.load_compiled()
        except Exception as exc:
            pytest.skip(f"the compiled reader is not built: {exc}")
    else:
        reader = _compiled.load_pure()
    before = resolver.use_reader(reader)
    try:
        yield reader
    finally:
        resolver.use_reader(before)
