"""The contact API's view of a conversation, a callback, a complaint with its timeline, the
live queue and a staffing answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from fairdesk.contact import erlang, selectors
from fairdesk.contact.choices import CallbackStatus, ComplaintStatus, ContactStatus, Sender
from fairdesk.contact.models import Callback, Complaint, ComplaintEvent, Contact, ContactMessage
from fairdesk.core.localtime import local_or_none as _local
from fairdesk.core.phones import mask_phone


def _user_name(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


def _agent_name(agent: Any) -> str | None:
    return _user_name(agent.user) if agent is not None else None


def _message_out(message: ContactMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "sender": message.sender,
        "sender_label": str(Sender(message.sender).label),
        "agent": _agent_name(message.agent) if message.agent_id else None,
        "text": message.text,
        "at": _local(message.at),
    }


def render_contact(contact: Contact, *, now: datetime | None = None) -> dict[str, Any]:
    """A conversation with its messages and, while it waits, its place in the queue."""
    now = now or timezone.now()
    entry = selectors.contact_queue_position(contact, now=now)
    return {
        "id": contact.pk,
        "contact_type": contact.contact_type,
        "contact_type_label": str(contact.get_contact_type_display()),
        "channel": contact.channel,
        "status": contact.status,
        "status_label": str(contact.get_status_display()),
        "queue_class": selectors.queue_class(contact),
        "safety_hazard": contact.safety_hazard,
        "subject": contact.subject,
        "language": contact.language,
        "created_at": _local(contact.created_at),
        "queued_at": _local(contact.queued_at),
        "assigned_at": _local(contact.assigned_at),
        "closed_at": _local(contact.closed_at),
        "agent": _agent_name(contact.agent) if contact.agent_id else None,
        "can_request_human": contact.status == ContactStatus.BOT,
        "position": entry.position if entry else None,
        "estimated_wait_seconds": entry.estimated_wait_seconds if entry else None,
        "messages": [_message_out(m) for m in contact.messages.all()],
    }


def render_callback(callback: Callback, *, now: datetime) -> dict[str, Any]:
    """A callback; one whose window ended without a call shows as missed at once."""
    breached = selectors.callback_missed(callback, now)
    return {
        "id": callback.pk,
        "contact_id": callback.contact_id,
        "contact_type": callback.contact.contact_type,
        "phone": callback.phone,
        "window_start": _local(callback.window_start),
        "window_end": _local(callback.window_end),
        "status": CallbackStatus.MISSED if breached else callback.status,
        "status_label": str(
            CallbackStatus.MISSED.label if breached else callback.get_status_display()
        ),
        "breached": breached,
        "done_at": _local(callback.done_at),
        "missed_at": _local(callback.missed_at or (callback.window_end if breached else None)),
        "cancelled_at": _local(callback.cancelled_at),
        "escalation_level": callback.escalation_level,
        "changeable": selectors.callback_changeable(callback, now),
    }


def render_callback_windows(*, now: datetime) -> dict[str, Any]:
    """The staffed hours and the callback windows offered now."""
    calendar = selectors.callback_calendar()
    return {
        "hours": selectors.callback_hours_text(),
        "time_zone": calendar.timezone,
        "closed_days": sorted(calendar.holidays),
        "windows": [
            {"start": _local(start), "end": _local(end)}
            for start, end in selectors.callback_windows(now=now)
        ],
    }


def render_complaint(
    complaint: Complaint, *, user: Any, staff: bool, now: datetime
) -> dict[str, Any]:
    """A complaint (``staff``: with its customer, masked) and the steps ``user`` may take."""
    customer = complaint.customer
    return {
        "id": complaint.pk,
        "number": complaint.number,
        "category": complaint.category,
        "category_label": str(complaint.get_category_display()),
        "green": complaint.green,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "description": complaint.description,
        "due_at": _local(complaint.due_at),
        "overdue": complaint.due_at is not None and complaint.due_at < now,
        "escalation_level": complaint.escalation_level,
        "outcome": complaint.outcome,
        "external_body": complaint.external_body,
        "external_reference": complaint.external_reference,
        "outlet": complaint.outlet.code if complaint.outlet is not None else None,
        "service_request": (
            complaint.service_request.number if complaint.service_request is not None else None
        ),
        "customer": (
            {"id": customer.pk, "name": customer.name, "phone": mask_phone(customer.phone)}
            if staff
            else None
        ),
        "created_at": _local(complaint.created_at),
        "closed_at": _local(complaint.closed_at),
        "allowed_transitions": selectors.complaint_next_statuses(user, complaint, now=now),
    }


def _event_out(event: ComplaintEvent, *, staff: bool) -> dict[str, Any]:
    return {
        "at": _local(event.at),
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "to_status_label": str(ComplaintStatus(event.to_status).label),
        "actor_role": event.actor_role,
        "actor": _user_name(event.actor) if staff and event.actor_id else None,
        "note": event.note,
        "due_at": _local(event.due_at),
    }


def render_complaint_detail(complaint: Complaint, *, user: Any) -> dict[str, Any]:
    """A complaint with its timeline (staff also see who made each step)."""
    staff = selectors.is_contact_staff(user)
    out = render_complaint(complaint, user=user, staff=staff, now=timezone.now())
    out["timeline"] = [_event_out(e, staff=staff) for e in selectors.complaint_timeline(complaint)]
    return out


def render_queue(snapshot: selectors.QueueSnapshot) -> dict[str, Any]:
    return {
        "at": _local(snapshot.at),
        "agents_available": snapshot.agents_available,
        "mean_handle_seconds": snapshot.mean_handle_seconds,
        "waiting": len(snapshot.entries),
        "entries": [
            {
                "contact_id": e.contact_id,
                "position": e.position,
                "queue_class": e.queue_class,
                "contact_type": e.contact_type,
                "channel": e.channel,
                "safety_hazard": e.safety_hazard,
                "language": e.language,
                "product_line": e.product_line,
                "queued_at": _local(e.queued_at),
                "queue_time": _local(e.queue_time),
                "waited_seconds": e.waited_seconds,
                "estimated_wait_seconds": e.estimated_wait_seconds,
            }
            for e in snapshot.entries
        ],
    }


def render_staffing(result: erlang.Staffing) -> dict[str, Any]:
    return {
        "arrivals_per_hour": result.arrivals_per_hour,
        "handle_seconds": result.handle_seconds,
        "traffic_erlangs": result.traffic,
        "agents": result.agents,
        "service_level": result.service_level,
        "wait_probability": result.wait_probability,
        "average_wait_seconds": result.average_wait_seconds,
        "occupancy": result.occupancy,
    }
