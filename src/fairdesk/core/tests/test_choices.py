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
