"""Agents and the queue's dispatch.

* ``agent_profile_ensure`` and ``agent_set_status``: an agent's profile (skills, languages,
  limit) and their own switch (available, busy, away);
* ``queue_dispatch`` hands waiting contacts to agents with ``ordering.assign`` — the published
  rule — and logs every assignment with its reason. It runs after every event that can free an
  agent or add a contact (on commit), and every minute on the worker.

Lock order (``services``): the waiting contacts, then the available agents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.contact import ordering
from fairdesk.contact.choices import AgentStatus, ContactStatus, Sender
from fairdesk.contact.models import AgentProfile, Assignment, Contact
from fairdesk.contact.selectors import access_agent, agent_state, queue_item
from fairdesk.contact.services.messages import say
from fairdesk.core.errors import DomainError


def agent_profile_ensure(
    *,
    user: Any,
    product_lines: Iterable[str] = (),
    languages: Iterable[str] = ("zh-hans",),
    max_concurrent: int = 2,
    now: datetime | None = None,
) -> AgentProfile:
    """The user's agent profile, created (idle, away) on the first call."""
    now = now or timezone.now()
    profile, _created = AgentProfile.objects.get_or_create(
        user=user,
        defaults={
            "status_since": now,
            "idle_since": now,
            "product_lines": list(product_lines),
            "languages": list(languages),
            "max_concurrent": max_concurrent,
        },
    )
    return profile


def check_agent_status(status: str) -> str:
    if status not in AgentStatus.values:
        raise DomainError(_("Unknown agent status."), code="invalid_status", status=422)
    return status


def agent_set_status(*, agent_user: Any, status: str, now: datetime | None = None) -> AgentProfile:
    """The agent's own switch; becoming available hands them waiting contacts (on commit)."""
    now = now or timezone.now()
    check_agent_status(status)
    with transaction.atomic():
        agent = AgentProfile.objects.select_for_update(of=("self",)).get(
            pk=access_agent(agent_user).pk
        )
        if agent.status != status:
            agent.status, agent.status_since = status, now
            if status == AgentStatus.AVAILABLE and not open_count(agent.pk):
                agent.idle_since = now
            agent.save()
        transaction.on_commit(lambda: queue_dispatch())
    return agent


def open_count(agent_id: int) -> int:
    """How many conversations the agent has open."""
    return Contact.objects.filter(agent_id=agent_id, status=ContactStatus.ASSIGNED).count()


def refresh_idle(agent_id: int, now: datetime) -> None:
    """The agent's last open conversation ended: they are idle from ``now`` (inside the caller's
    transaction, after its contact rows)."""
    if not open_count(agent_id):
        AgentProfile.objects.filter(pk=agent_id).update(idle_since=now)


def queue_dispatch(*, now: datetime | None = None) -> int:
    """Assign waiting contacts by the published rule; every assignment logged with its reason.
    How many were assigned."""
    now = now or timezone.now()
    with transaction.atomic():
        # a callback joins the queue when its window opens (queued_at = window start)
        waiting = list(
            Contact.objects.select_for_update(of=("self",))
            .filter(status=ContactStatus.QUEUED, queued_at__lte=now)
            .order_by("pk")
        )
        if not waiting:
            return 0
        agents = list(
            AgentProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(status=AgentStatus.AVAILABLE)
            .order_by("pk")
        )
        if not agents:
            return 0
        states = [agent_state(a, open_count(a.pk)) for a in agents]
        by_id = {c.pk: c for c in waiting}
        agents_by_id = {a.pk: a for a in agents}
        plan = ordering.assign([queue_item(c) for c in waiting], states, now)
        for item in plan:
            _hand_over(by_id[item.contact_id], agents_by_id[item.agent_id], item, now)
        return len(plan)


def _hand_over(
    contact: Contact, agent: AgentProfile, item: ordering.Assignment, now: datetime
) -> None:
    """Give the contact to the agent: assigned, the assignment logged with the rule's reason,
    and the customer told who joined (inside the caller's transaction, rows locked)."""
    contact.status, contact.agent, contact.assigned_at = ContactStatus.ASSIGNED, agent, now
    contact.save(update_fields=["status", "agent", "assigned_at"])
    Assignment.objects.create(
        contact=contact,
        agent=agent,
        at=now,
        waited_seconds=item.reason["waited_seconds"],
        reason=item.reason,
    )
    with translation.override(contact.language):
        say(
            contact,
            Sender.SYSTEM,
            _("%(agent)s has joined the conversation.")
            % {"agent": agent.user.get_full_name() or agent.user.get_username()},
            at=now,
        )


def contact_take_next(*, agent_user: Any, now: datetime | None = None) -> Contact:
    """The agent asks for work: the next waiting contact **by the published rule** that this
    agent can take (skills, language) — never one the agent picks. The agent becomes available
    if they were not; 409 ``at_capacity`` when they already hold as many conversations as they
    may, 404 ``queue_empty`` when no waiting contact is theirs to take."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = (
            AgentProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=access_agent(agent_user).pk)
        )
        if agent.status != AgentStatus.AVAILABLE:
            agent.status, agent.status_since = AgentStatus.AVAILABLE, now
            agent.save(update_fields=["status", "status_since"])
        state = agent_state(agent, open_count(agent.pk))
        if state.active_contacts >= state.max_concurrent:
            raise DomainError(
                _("You already have %(n)s open conversations: finish one first.")
                % {"n": state.active_contacts},
                code="at_capacity",
                status=409,
            )
        waiting = list(
            Contact.objects.select_for_update(of=("self",))
            .filter(status=ContactStatus.QUEUED, queued_at__lte=now)
            .order_by("pk")
        )
        plan = ordering.assign([queue_item(c) for c in waiting], [state], now)
        if not plan:
            raise DomainError(
                _("No waiting contact is yours to take: the queue is empty for your skills."),
                code="queue_empty",
                status=404,
            )
        item = plan[0]
        contact = next(c for c in waiting if c.pk == item.contact_id)
        _hand_over(contact, agent, item, now)
    return contact
