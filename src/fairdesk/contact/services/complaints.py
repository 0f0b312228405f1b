"""Complaints: filing, the lifecycle and its deadlines.

* ``complaint_file``: a customer's complaint gets a number, the deadline of its
  acknowledgement and, for plan-change, refund and obstruction complaints, the green channel;
* ``complaint_transition``: one step of the lifecycle (``workflow``: who may move it from which
  status to which; ``selectors.complaint_role``: what the actor is to it), each step a
  ``ComplaintEvent`` with the deadline of the next;
* ``complaints_escalate_due`` (every minute): a brand step past its deadline escalates once per
  level (1 at the deadline, 2 a day on).

The customer is told of every step. Lock order (``services``): the complaint row only.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.contact import workflow
from fairdesk.contact.choices import GREEN_CATEGORIES, ComplaintCategory, ComplaintStatus
from fairdesk.contact.models import Complaint, ComplaintEvent, ComplaintPolicy, Contact
from fairdesk.contact.selectors import brand_late, complaint_role
from fairdesk.contact.services.messages import check_message, tell_brand
from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import local_text as _local
from fairdesk.core.sentences import clause, sentences
from fairdesk.customers.models import Customer
from fairdesk.notifications.services import message_send, message_send_to_customer

COMPLAINT_LEVEL2_AFTER = timedelta(hours=24)


def complaint_policy() -> ComplaintPolicy:
    """The one row of deadlines (created with the defaults on first use)."""
    policy, _created = ComplaintPolicy.objects.get_or_create(pk=1)
    return policy


def due_for(complaint: Complaint, status: str, now: datetime) -> datetime | None:
    """The deadline of the step that follows ``status`` (None: a closed complaint)."""
    policy = complaint_policy()
    if status == ComplaintStatus.RECEIVED:
        return complaint.created_at + timedelta(hours=policy.acknowledge_hours)
    if status in (ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.INVESTIGATING):
        days = policy.green_resolve_days if complaint.green else policy.resolve_days
        return now + timedelta(days=days)
    if status == ComplaintStatus.REJECTED:  # the brand must answer the rejection: a new round
        days = policy.green_resolve_days if complaint.green else policy.resolve_days
        return now + timedelta(days=days)
    if status == ComplaintStatus.RESOLVED:  # the customer's turn: accept, reject or go outside
        return now + timedelta(days=policy.customer_answer_days)
    return None


def check_complaint_category(category: str) -> str:
    if category not in ComplaintCategory.values:
        raise DomainError(
            _("Choose what the complaint is about."), code="invalid_category", status=422
        )
    return category


def check_complaint(
    *,
    customer: Customer,
    category: str,
    description: str,
    service_request: Any = None,
    subscription: Any = None,
) -> str:
    """The category, the description (stripped) and that the linked request and subscription
    are the customer's: 422 ``invalid_category``, ``empty_message``, ``message_too_long``,
    ``not_yours``."""
    check_complaint_category(category)
    description = check_message(description)
    for linked in (service_request, subscription):
        if linked is not None and linked.customer_id != customer.pk:
            raise DomainError(_("That record is not yours."), code="not_yours", status=422)
    return description


def complaint_file(
    *,
    customer: Customer,
    category: str,
    description: str,
    service_request: Any = None,
    subscription: Any = None,
    contact: Contact | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Complaint:
    """File a complaint for ``customer`` (``actor``: who files it; None or the customer's user:
    the customer)."""
    now = now or timezone.now()
    description = check_complaint(
        customer=customer,
        category=category,
        description=description,
        service_request=service_request,
        subscription=subscription,
    )
    outlet = getattr(service_request, "outlet", None)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=f"TMP-{uuid.uuid4().hex[:16]}",  # replaced by the real number below
            customer=customer,
            category=category,
            green=category in GREEN_CATEGORIES,
            description=description,
            status=ComplaintStatus.RECEIVED,
            outlet=outlet,
            service_request=service_request,
            subscription=subscription,
            contact=contact,
            created_at=now,
        )
        complaint.number = f"TS{_local(now)[:10].replace('-', '')}{complaint.pk:05d}"
        complaint.due_at = due_for(complaint, ComplaintStatus.RECEIVED, now)
        complaint.save(update_fields=["number", "due_at"])
        ComplaintEvent.objects.create(
            complaint=complaint,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_role=workflow.CUSTOMER
            if actor is None or getattr(actor, "pk", None) == customer.user_id
            else workflow.BRAND,
            from_status="",
            to_status=ComplaintStatus.RECEIVED,
            due_at=complaint.due_at,
        )
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            body = _(
                "Complaint %(number)s received at %(at)s. We will acknowledge it by %(due)s."
            ) % {
                "number": complaint.number,
                "at": _local(now),
                "due": _local(complaint.due_at),
            }
            message_send_to_customer(
                customer=customer,
                channels=("portal", "sms"),
                kind="contact.complaint",
                subject=_("Complaint received"),
                body=body,
                reference=complaint.number,
                params={"number": complaint.number, "due": _local(complaint.due_at)},
            )
    return complaint


def check_complaint_status(to_status: str) -> str:
    if to_status not in ComplaintStatus.values:
        raise DomainError(_("Unknown status."), code="invalid_status", status=422)
    return to_status


def check_complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    role: str | None,
    outcome: str,
    external_body: str,
    now: datetime,
) -> str:
    """May ``role`` make this step now, with what it needs? The role (403 ``forbidden``: no role,
    or a step that is not theirs; 409 ``illegal_transition``; 422 ``outcome_required``,
    ``external_body_required``)."""
    if role is None:
        raise DomainError(_("You may not make this step."), code="forbidden", status=403)
    who = workflow.who_may(complaint.status, to_status, late=brand_late(complaint, now))
    if role not in who:
        if workflow.allowed(complaint.status, to_status):
            raise DomainError(_("You may not make this step."), code="forbidden", status=403)
        raise DomainError(
            _("A complaint cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": ComplaintStatus(complaint.status).label,
                "to": ComplaintStatus(to_status).label,
            },
            code="illegal_transition",
            status=409,
        )
    if to_status == ComplaintStatus.RESOLVED and not outcome.strip():
        raise DomainError(_("Describe the outcome."), code="outcome_required", status=422)
    if to_status == ComplaintStatus.ESCALATED and not external_body.strip():
        raise DomainError(
            _("Say where the complaint goes (for example 12315)."),
            code="external_body_required",
            status=422,
        )
    return role


def complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    actor: Any,
    note: str = "",
    outcome: str = "",
    external_body: str = "",
    external_reference: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Move a complaint one step; who may is decided by ``workflow`` (the customer answers a
    resolution and may escalate outside; staff do the rest)."""
    now = now or timezone.now()
    check_complaint_status(to_status)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=complaint.pk)
        )
        role = check_complaint_transition(
            complaint=complaint,
            to_status=to_status,
            role=complaint_role(actor, complaint),
            outcome=outcome,
            external_body=external_body,
            now=now,
        )
        from_status = complaint.status
        complaint.status = to_status
        if to_status == ComplaintStatus.RESOLVED:
            complaint.outcome = outcome.strip()
        if to_status == ComplaintStatus.ESCALATED:
            complaint.external_body = external_body.strip()[:100]
            complaint.external_reference = external_reference.strip()[:100]
        if role == workflow.BRAND and complaint.owner_id is None:
            complaint.owner = actor
        keeps_deadline = from_status == ComplaintStatus.ACKNOWLEDGED and to_status in (
            ComplaintStatus.INVESTIGATING,
        )
        if not keeps_deadline:  # the promise made at acknowledgement stands while investigating
            complaint.due_at = due_for(complaint, to_status, now)
            complaint.escalation_level = 0
        if to_status in workflow.CLOSED:
            complaint.closed_at = now
        complaint.save()
        ComplaintEvent.objects.create(
            complaint=complaint,
            at=now,
            actor=actor,
            actor_role=role,
            from_status=from_status,
            to_status=to_status,
            note=(note or outcome or external_body).strip(),
            due_at=complaint.due_at,
        )
        customer = complaint.customer
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            body = _("Complaint %(number)s: %(status)s.") % {
                "number": complaint.number,
                "status": ComplaintStatus(to_status).label,
            }
            if complaint.due_at and to_status in workflow.BRAND_OWES:
                body = sentences(
                    body, _("Next step due by %(due)s.") % {"due": _local(complaint.due_at)}
                )
            if to_status == ComplaintStatus.RESOLVED:
                body = sentences(
                    body,
                    _("Outcome: %(outcome)s. Please accept or reject it.")
                    % {"outcome": clause(complaint.outcome)},
                )
            message_send(
                channel="portal",
                customer=customer,
                kind="contact.complaint",
                subject=_("Complaint update"),
                body=body,
                reference=complaint.number,
            )
    return complaint


def complaints_escalate_due(*, now: datetime | None = None) -> int:
    """Brand steps past their deadline: escalate once per level (1 at the deadline, 2 a day on).
    How many levels were sent."""
    now = now or timezone.now()
    count = 0
    for complaint in Complaint.objects.filter(
        status__in=workflow.BRAND_OWES, due_at__lt=now, escalation_level__lt=2
    ):
        assert complaint.due_at is not None  # filtered on
        level = 2 if now >= complaint.due_at + COMPLAINT_LEVEL2_AFTER else 1
        with transaction.atomic():
            if not Complaint.objects.filter(
                pk=complaint.pk, escalation_level__lt=level, status=complaint.status
            ).update(escalation_level=level):
                continue
            with translation.override(settings.LANGUAGE_CODE):
                body = _(
                    "Complaint %(number)s (%(status)s) was due by %(due)s (level %(level)d)."
                ) % {
                    "number": complaint.number,
                    "status": ComplaintStatus(complaint.status).label,
                    "due": _local(complaint.due_at),
                    "level": level,
                }
            tell_brand(
                kind="contact.complaint_overdue",
                subject=_("Complaint overdue"),
                body=body,
                reference=complaint.number,
                key=f"complaint:{complaint.pk}:{complaint.status}:{level}",
            )
            count += 1
    return count
