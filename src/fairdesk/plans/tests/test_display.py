"""Service plans in words (``plans.display``): every event of the audit trail has a label for
staff and a sentence for the customer; names follow the reader's language; details are readable."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from fairdesk.plans.choices import ChangeKind, PlanEventKind
from fairdesk.plans.display import (
    OPTION_TEXT,
    event_details,
    event_label,
    event_text,
    option_label,
    plan_name,
)
from fairdesk.plans.models import Plan

EXAMPLE_DATA: dict[str, Any] = {
    "plan": "cloud-30",
    "to_plan": "cloud-7",
    "fen": 3000,
    "change": "downgrade",
    "change_kind": "downgrade",
    "charge_fen": 0,
    "credit_fen": 1234,
    "effective_at": "2026-12-23T02:00:00+00:00",
    "period_start": "2026-11-23T02:00:00+00:00",
    "period_end": "2026-12-23T02:00:00+00:00",
    "renews_at": "2026-12-23T02:00:00+00:00",
    "reason": "not_renewed",
    "old_fen": 3000,
    "new_fen": 3500,
}


@pytest.mark.parametrize("kind", PlanEventKind.values)
def test_every_event_has_a_label_and_a_sentence(kind: str) -> None:
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert event_label(kind) and event_label(kind) != kind
            assert event_text(kind, EXAMPLE_DATA, {"cloud-30": "Cloud 30-day"}) != kind


def test_a_sentence_names_the_plans_and_writes_the_amounts() -> None:
    names = {"cloud-30": "Cloud 30-day", "cloud-7": "Cloud 7-day"}
    with translation.override("en"):
        confirmed = event_text(PlanEventKind.CHANGE_CONFIRMED, EXAMPLE_DATA, names)
        renewed = event_text(PlanEventKind.RENEWED, EXAMPLE_DATA, names)
        ended = event_text(PlanEventKind.ENDED, EXAMPLE_DATA, names)
    assert confirmed == (
        "Change confirmed: Downgrade to Cloud 7-day, effective 2026-12-23 10:00. Credited ¥12.34."
    )
    assert renewed == "Renewed: Cloud 30-day, ¥30.00 for 2026-11-23 10:00 – 2026-12-23 10:00."
    assert ended == "The plan ended: not renewed: auto-renewal was off."


def test_details_for_staff_are_readable() -> None:
    data = {"fen": -3000, "effective_at": "2026-12-23T02:00:00+00:00", "x": 0, "plan": "cloud-30"}
    data |= {"timing": "immediate", "auto_renew": True, "invoice": 7, "mystery": "m"}
    with translation.override("en"):
        details = [(d.label, d.value, d.verbatim) for d in event_details(data)]
    assert details == [
        ("amount", "-¥30.00", False),
        ("effective", "2026-12-23 10:00", False),
        ("plan", "cloud-30", True),
        ("takes effect", "Immediately", False),
        ("auto-renewal", "on", False),
        ("invoice", "#7", False),
        ("mystery", "m", True),  # a key not named: shown as recorded
    ]
    with translation.override("zh-hans"):
        labels = [d.label for d in event_details(data)]
    assert labels[:2] == ["金额", "生效时间"]


def test_names_follow_the_readers_language() -> None:
    plan = Plan(code="cloud-30", name="云存储·30天循环", name_en="Cloud 30-day")
    with translation.override("zh-hans"):
        assert plan_name(plan) == "云存储·30天循环"
        assert option_label(ChangeKind.CANCEL, plan) == str(OPTION_TEXT[ChangeKind.CANCEL]) % {
            "plan": "云存储·30天循环"
        }
    with translation.override("en"):
        assert option_label(ChangeKind.CANCEL, plan) == "Cancel Cloud 30-day"
    assert plan_name(None) == ""
