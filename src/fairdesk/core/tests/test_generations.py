"""Answers kept while their configuration's generation is unchanged (``core.generations``)."""

from __future__ import annotations

import pytest

from fairdesk.core.generations import Kept, generation
from fairdesk.core.models import Generation

pytestmark = pytest.mark.django_db


def test_answers_are_kept_while_the_generation_is_the_same() -> None:
    kept = Kept("test")
    computed: list[str] = []

    def compute(answer: str) -> str:
        computed.append(answer)
        return answer

    assert kept.current().get("k", lambda: compute("without a row")) == "without a row"
    assert kept.current().get("k", lambda: compute("still none")) == "still none"  # not kept
    Generation.objects.create(name="test", value=1)
    assert kept.current().get("k", lambda: compute("first")) == "first"
    assert kept.current().get("k", lambda: compute("again")) == "first"
    Generation.objects.filter(name="test").update(value=2)
    assert kept.current().get("k", lambda: compute("second")) == "second"
    assert computed == ["without a row", "still none", "first", "second"]
    assert generation("test") == 2 and generation("nothing") is None


def test_a_none_is_kept_only_when_asked_and_the_answers_are_bounded() -> None:
    Generation.objects.create(name="test", value=1)
    kept = Kept("test", limit=2)
    answers = kept.current()
    calls: list[int] = []

    def none() -> None:
        calls.append(1)

    answers.get("unknown", none, keep_none=False)
    answers.get("unknown", none, keep_none=False)
    assert len(calls) == 2  # an unknown key is not kept
    answers.get("a", lambda: 1)
    answers.get("b", lambda: 2)
    answers.get("c", lambda: 3)  # past the limit: the older answers go
    assert kept.current().get("a", lambda: 10) == 10
    assert kept.current().get("c", lambda: 30) == 3
