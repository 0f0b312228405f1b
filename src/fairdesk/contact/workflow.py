"""The complaint lifecycle as a table: who may move a complaint from which status to which.

received → acknowledged → investigating → resolved → accepted | rejected → escalated outside.
"brand" is staff handling complaints (agents, brand administrators); "customer" is the
complaint's own customer. Each brand step has a deadline (``services._due_for``).
"""

from __future__ import annotations

from fairdesk.contact.choices import ComplaintStatus as S

BRAND, CUSTOMER = "brand", "customer"

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.RECEIVED, S.ACKNOWLEDGED): frozenset({BRAND}),
    (S.ACKNOWLEDGED, S.INVESTIGATING): frozenset({BRAND}),
    (S.ACKNOWLEDGED, S.RESOLVED): frozenset({BRAND}),
    (S.INVESTIGATING, S.RESOLVED): frozenset({BRAND}),
    (S.RESOLVED, S.ACCEPTED): frozenset({CUSTOMER}),
    (S.RESOLVED, S.REJECTED): frozenset({CUSTOMER}),
    (S.REJECTED, S.INVESTIGATING): frozenset({BRAND}),
    # the customer may take the record outside once the brand answered, or after a rejection
    (S.RESOLVED, S.ESCALATED): frozenset({CUSTOMER, BRAND}),
    (S.REJECTED, S.ESCALATED): frozenset({CUSTOMER, BRAND}),
}
#: ... and at any time while the brand is late on its step (checked in services).
OVERDUE_ESCALATION_FROM = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING})
CLOSED = frozenset({S.ACCEPTED, S.ESCALATED})
#: Statuses in which the brand owes the next step (a rejection must be answered: investigate again)
BRAND_OWES = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.REJECTED})


def allowed(from_status: str, to_status: str) -> frozenset[str]:
    return TRANSITIONS.get((from_status, to_status), frozenset())


def next_statuses(from_status: str, role: str) -> list[str]:
    return [to for (frm, to), who in TRANSITIONS.items() if frm == from_status and role in who]
