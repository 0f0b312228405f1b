"""core.choices.label answers as get_FOO_display would."""

from __future__ import annotations

import pytest
from django.utils import translation

from fairdesk.core.choices import label
from fairdesk.service_requests.choices import Kind
from fairdesk.service_requests.models import ServiceRequest


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_label_is_get_foo_display(language: str) -> None:
    with translation.override(language):
        for value in [*Kind.values, "not a kind"]:
            assert label(Kind, value) == ServiceRequest(kind=value).get_kind_display()
    with translation.override("en"):
        assert label(Kind, "repair") == "Repair"


def test_is_value_and_rank_answer_as_the_values_list() -> None:
    from fairdesk.core.choices import is_value, rank
    from fairdesk.service_requests.choices import ClockType

    for value in Kind.values:
        assert is_value(Kind, value)
        assert rank(Kind, value) == Kind.values.index(value)
    for wrong in ["not a kind", "", None, 3, ["repair"]]:
        assert not is_value(Kind, wrong)
    assert rank(ClockType, "no such clock") == len(ClockType.values)  # last
    assert sorted(reversed(ClockType.values), key=lambda v: rank(ClockType, v)) == list(
        ClockType.values
    )
