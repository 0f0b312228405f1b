"""The complaint lifecycle's table (``workflow.py``): who may make which step, and the customer
taking a complaint outside while the brand is late on its step."""

from __future__ import annotations

import pytest

from fairdesk.contact import workflow
from fairdesk.contact.choices import ComplaintStatus as S
from fairdesk.contact.workflow import BRAND, CUSTOMER


@pytest.mark.parametrize(
    ("frm", "to", "late", "who"),
    [
        (S.RECEIVED, S.ACKNOWLEDGED, False, {BRAND}),
        (S.RECEIVED, S.ACKNOWLEDGED, True, {BRAND}),
        (S.RECEIVED, S.ESCALATED, False, set()),
        (S.RECEIVED, S.ESCALATED, True, {CUSTOMER}),  # the brand is late: the customer may
        (S.INVESTIGATING, S.ESCALATED, True, {CUSTOMER}),
        (S.REJECTED, S.ESCALATED, False, {CUSTOMER, BRAND}),
        (S.RESOLVED, S.ACCEPTED, True, {CUSTOMER}),
        (S.ACCEPTED, S.ESCALATED, True, set()),  # closed is closed
        (S.RECEIVED, S.RESOLVED, True, set()),
    ],
)
def test_who_may(frm: str, to: str, late: bool, who: set[str]) -> None:
    assert workflow.who_may(frm, to, late=late) == who


def test_next_statuses_add_the_late_escalation_for_the_customer_only() -> None:
    assert workflow.next_statuses(S.RECEIVED, CUSTOMER) == []
    assert workflow.next_statuses(S.RECEIVED, CUSTOMER, late=True) == [S.ESCALATED]
    assert workflow.next_statuses(S.RECEIVED, BRAND, late=True) == [S.ACKNOWLEDGED]
    assert workflow.next_statuses(S.RESOLVED, CUSTOMER, late=True) == [
        S.ACCEPTED,
        S.REJECTED,
        S.ESCALATED,
    ]
    assert workflow.next_statuses(S.ACKNOWLEDGED, BRAND) == [S.INVESTIGATING, S.RESOLVED]
