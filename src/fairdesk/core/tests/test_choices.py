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


def test_labels_are_kept_per_language_for_every_choice() -> None:
    """Every choices class of every model, languages alternated (the texts are kept per
    language): the label Django shows, for a value, a member, something else and None."""
    import importlib.util
    import inspect

    from django.apps import apps
    from django.db.models import Choices

    classes = set()
    for app in apps.get_app_configs():
        if app.name.startswith("fairdesk.") and importlib.util.find_spec(f"{app.name}.choices"):
            module = importlib.import_module(f"{app.name}.choices")
            classes |= {
                c
                for _name, c in inspect.getmembers(module, inspect.isclass)
                if issubclass(c, Choices) and c.__module__ == module.__name__
            }
    assert Kind in classes and len(classes) > 10
    for _round in range(2):
        for language in ["zh-hans", "en", "zh-hans"]:
            with translation.override(language):
                for choices in classes:
                    for member in choices:
                        expected = str(member.label)
                        assert label(choices, member.value) == expected
                        assert label(choices, member) == expected
                    assert label(choices, "no such value") == "no such value"
                    assert label(choices, None) == "None"
                    assert label(choices, ["x"]) == "['x']"  # unhashable: its text
    with translation.override("zh-hans"):
        assert label(Kind, "repair") != "Repair"  # the Chinese label


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
