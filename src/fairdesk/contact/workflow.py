"""The complaint lifecycle as a table: who may move a complaint from which status to which.

received → acknowledged → investigating → resolved → accepted | rejected → escalated outside.
"brand" is staff handling complaints (agents, brand administrators); "customer" is the
complaint's own customer (``selectors.complaint_role`` says which a user is). Each brand step
has a deadline (``services.complaints.due_for``); while the brand is late on its step, the
customer may also take the complaint outside (``late``).
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
#: ... and at any time while the brand is late on its step (``late``).
OVERDUE_ESCALATION_FROM = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING})
CLOSED = frozenset({S.ACCEPTED, S.ESCALATED})
#: Statuses in which the brand owes the next step (a rejection must be answered: investigate again)
BRAND_OWES = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.REJECTED})


def allowed(from_status: str, to_status: str) -> frozenset[str]:
    """Who may make the step by the table (empty: the step does not exist)."""
    return TRANSITIONS.get((from_status, to_status), frozenset())


def who_may(from_status: str, to_status: str, *, late: bool = False) -> frozenset[str]:
    """Who may make the step now: the table's roles, and the customer taking the complaint
    outside while the brand is ``late`` on its step."""
    who = allowed(from_status, to_status)
    if late and to_status == S.ESCALATED and from_status in OVERDUE_ESCALATION_FROM:
        who |= {CUSTOMER}
    return who


def next_statuses(from_status: str, role: str, *, late: bool = False) -> list[str]:
    """Where ``role`` may move a complaint from ``from_status`` now."""
    out = [to for (frm, to), who in TRANSITIONS.items() if frm == from_status and role in who]
    if role in who_may(from_status, S.ESCALATED, late=late) and S.ESCALATED not in out:
        out.append(S.ESCALATED)
    return out
