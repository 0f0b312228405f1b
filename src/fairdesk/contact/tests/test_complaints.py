"""Complaints (``services/complaints.py``): the lifecycle and who may move it, deadlines and their
escalation, the customer taking a late complaint outside, the checks of a step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairdesk.contact.choices import ComplaintStatus
from fairdesk.contact.models import Complaint
from fairdesk.contact.services.complaints import (
    check_complaint_transition,
    complaint_file,
    complaint_transition,
    complaints_escalate_due,
)
from fairdesk.contact.tests.conftest import T0, Clock, Staff
from fairdesk.contact.workflow import BRAND, CUSTOMER
from fairdesk.core import roles
from fairdesk.core.errors import DomainError
from fairdesk.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_complaint_lifecycle(customer: Customer, staff: Staff, clock: Clock) -> None:
    agent = staff("agent1")
    complaint = complaint_file(customer=customer, category="refund", description="退款迟迟未到账")
    assert complaint.green and complaint.due_at == T0 + timedelta(hours=24)
    with pytest.raises(DomainError):
        complaint_transition(
            complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=customer.user
        )
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.INVESTIGATING, actor=agent)
    complaint.refresh_from_db()
    assert complaint.due_at == T0 + timedelta(days=3) and complaint.owner == agent  # green: 3 days
    with pytest.raises(DomainError) as err:
        complaint_transition(complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent)
    assert err.value.code == "outcome_required"
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent, outcome="已退款"
    )
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.REJECTED, actor=customer.user
    )
    complaint_transition(
        complaint=complaint,
        to_status=ComplaintStatus.ESCALATED,
        actor=customer.user,
        external_body="12315",
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ESCALATED and complaint.closed_at is not None
    assert [e.to_status for e in complaint.events.all()] == [
        "received",
        "acknowledged",
        "investigating",
        "resolved",
        "rejected",
        "escalated",
    ]


def test_late_complaint_escalates_and_customer_may_go_outside(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    staff("boss", roles.BRAND_ADMIN)
    complaint = complaint_file(
        customer=customer, category="service_quality", description="师傅迟到"
    )
    clock.move_to(T0 + timedelta(hours=25))
    assert complaints_escalate_due() == 1 and complaints_escalate_due() == 0
    complaint_transition(
        complaint=complaint,
        to_status=ComplaintStatus.ESCALATED,
        actor=customer.user,
        external_body="12315",
    )


def test_only_agents_and_brand_admins_handle_complaints(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    auditor = staff("audit", roles.AUDITOR)
    complaint = complaint_file(customer=customer, category="refund", description="退款未到账")
    with pytest.raises(DomainError) as err:
        complaint_transition(
            complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=auditor
        )
    assert err.value.code == "forbidden"


def test_investigating_keeps_the_resolution_promise(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    agent = staff("agent1")
    complaint = complaint_file(
        customer=customer, category="service_quality", description="师傅迟到"
    )
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint.refresh_from_db()
    promised = complaint.due_at
    clock.move_to(T0 + timedelta(days=5))
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.INVESTIGATING, actor=agent)
    complaint.refresh_from_db()
    assert complaint.due_at == promised


def test_a_rejection_puts_the_brand_on_the_clock_again(
    customer: Customer, staff: Staff, clock: Clock
) -> None:
    agent = staff("agent1")
    complaint = complaint_file(customer=customer, category="refund", description="退款未到账")
    complaint_transition(complaint=complaint, to_status=ComplaintStatus.ACKNOWLEDGED, actor=agent)
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.RESOLVED, actor=agent, outcome="已退款"
    )
    clock.move_to(T0 + timedelta(days=1))
    complaint_transition(
        complaint=complaint, to_status=ComplaintStatus.REJECTED, actor=customer.user
    )
    complaint.refresh_from_db()
    assert complaint.due_at == T0 + timedelta(days=4)  # green: 3 days to answer the rejection
    clock.move_to(T0 + timedelta(days=4, minutes=1))
    assert complaints_escalate_due() == 1


RECEIVED, ACKNOWLEDGED = ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED
ESCALATED, RESOLVED = ComplaintStatus.ESCALATED, ComplaintStatus.RESOLVED


@pytest.mark.parametrize(
    ("status", "to", "role", "late", "code"),
    [
        (RECEIVED, ACKNOWLEDGED, CUSTOMER, False, "forbidden"),  # the brand's step
        (RECEIVED, ACKNOWLEDGED, None, False, "forbidden"),  # neither the customer nor staff
        (RECEIVED, ESCALATED, CUSTOMER, False, "illegal_transition"),
        # late: the customer may take it outside; the brand still may not skip to it
        (RECEIVED, ESCALATED, BRAND, True, "illegal_transition"),
        (RECEIVED, ESCALATED, CUSTOMER, True, "external_body_required"),
        (ACKNOWLEDGED, RESOLVED, BRAND, False, "outcome_required"),
    ],
)
def test_check_complaint_transition(
    status: str, to: str, role: str | None, late: bool, code: str
) -> None:
    due = T0 - timedelta(minutes=1) if late else T0 + timedelta(minutes=1)
    complaint = Complaint(status=status, due_at=due)
    with pytest.raises(DomainError) as err:
        check_complaint_transition(
            complaint=complaint, to_status=to, role=role, outcome="", external_body="", now=T0
        )
    assert err.value.code == code
