"""Escalation of breached promises (run every minute by the worker: ``tasks.py``): level 1 to
the outlet's managers, level 2 to the brand's administrators, each exactly once per clock."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairdesk.core import roles
from fairdesk.core.localtime import local_text as _local
from fairdesk.core.safety import hazards_in, safety_advice
from fairdesk.core.sentences import sentences
from fairdesk.network.choices import MemberRole
from fairdesk.network.selectors import outlet_members
from fairdesk.notifications.services import message_send
from fairdesk.service_requests.choices import ActorRole, EventKind
from fairdesk.service_requests.display import format_duration
from fairdesk.service_requests.models import ServiceRequest, SlaClock, TimelineEvent
from fairdesk.service_requests.selectors import breached_clocks, clock_state

log = logging.getLogger("fairdesk.service_requests")

DEFAULT_LEVEL2_HOURS = 4


def escalation_recipients(sr: ServiceRequest, level: int) -> list[Any]:
    if level == 1 and sr.outlet is not None:
        managers = list(outlet_members(outlet=sr.outlet, roles=[MemberRole.MANAGER]))
        if managers:
            return managers
    return roles.brand_admins()


def _notify(
    recipients: list[Any], *, kind: str, subject: str, body: str, reference: str, key: str
) -> None:
    """An escalation's messages to staff: in the portal inbox and by e-mail when they have one,
    each once (``key`` and the recipient make the dedupe key)."""
    if not recipients:
        log.warning("%s %s: nobody to notify", kind, key)
    for user in recipients:
        message_send(
            channel="portal",
            user=user,
            kind=kind,
            subject=subject,
            body=body,
            reference=reference,
            dedupe_key=f"{key}:u{user.pk}",
        )
        if user.email:
            message_send(
                channel="email",
                recipient=user.email,
                user=user,
                kind=kind,
                subject=subject,
                body=body,
                reference=reference,
                dedupe_key=f"{key}:e{user.pk}",
            )


def safety_alert(*, sr: ServiceRequest, now: datetime) -> None:
    """A safety request is escalated the moment it is filed (in its creating transaction): the
    outlet's managers (the brand's administrators for the central queue or an outlet without a
    manager) are told with what to do, and the timeline says who was told."""
    recipients = escalation_recipients(sr, 1)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Safety hazard: %(number)s") % {"number": sr.number}
        body = sentences(
            _(
                "Request %(number)s (%(kind)s) reports a safety hazard: %(description)s "
                "Outlet: %(outlet)s. Call the customer now; the customer has been told:"
            )
            % {
                "number": sr.number,
                "kind": sr.get_kind_display(),
                "description": sr.description[:200],
                "outlet": sr.outlet.name if sr.outlet else _("central queue"),
            },
            *safety_advice(sr.description),
        )
    _notify(
        recipients,
        kind="service_request.safety_alert",
        subject=subject,
        body=body,
        reference=sr.number,
        key=f"safety:{sr.pk}",
    )
    TimelineEvent.objects.create(
        request=sr,
        at=now,
        actor_role=ActorRole.SYSTEM,
        from_status=sr.status,
        to_status=sr.status,
        kind=EventKind.SAFETY_ALERT,
        data={
            "hazards": hazards_in(sr.description),
            "notified": [u.get_username() for u in recipients],
        },
    )


def sla_clock_escalate(*, clock: SlaClock, level: int, now: datetime) -> bool:
    """Escalate one breached clock to ``level``, exactly once (False: already done, or met)."""
    with transaction.atomic():
        claimed = SlaClock.objects.filter(
            pk=clock.pk,
            escalation_level=level - 1,
            met_at__isnull=True,
            stopped_at__isnull=True,
        ).update(escalation_level=level, escalated_at=now)
        if not claimed:
            return False
        clock.escalation_level, clock.escalated_at = level, now
        sr = clock.request
        state = clock_state(clock, now=now)
        recipients = escalation_recipients(sr, level)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("SLA breach, level %(level)s: %(number)s") % {
                "level": level,
                "number": sr.number,
            }
            body = _(
                "Request %(number)s (%(kind)s): the %(clock)s deadline %(deadline)s (Beijing "
                "time) was missed by %(overdue)s. Outlet: %(outlet)s. Status: %(status)s."
            ) % {
                "number": sr.number,
                "kind": sr.get_kind_display(),
                "clock": clock.get_clock_type_display(),
                "deadline": _local(clock.deadline),
                "overdue": format_duration(state.overdue_by or timedelta(0)),
                "outlet": sr.outlet.name if sr.outlet else _("central queue"),
                "status": sr.get_status_display(),
            }
            if level >= 2:
                body = sentences(body, _("Still not met: escalated to the brand's administrators."))
        _notify(
            recipients,
            kind="sla.escalation",
            subject=subject,
            body=body,
            reference=sr.number,
            key=f"sla:{clock.pk}:{level}",
        )
        TimelineEvent.objects.create(
            request=sr,
            at=now,
            actor_role=ActorRole.SYSTEM,
            from_status=sr.status,
            to_status=sr.status,
            kind=EventKind.ESCALATED,
            data={
                "clock_type": clock.clock_type,
                "cycle": clock.cycle,
                "level": level,
                "deadline": clock.deadline.isoformat(),
                "overdue_seconds": int((state.overdue_by or timedelta(0)).total_seconds()),
                "notified": [u.get_username() for u in recipients],
            },
        )
    return True


def sla_escalate_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate every breached, unmet clock; return the number of escalations sent.

    Level 1 goes to the managers of the request's outlet (the brand administrators when the
    request is in the central queue or the outlet has no manager); level 2, once the clock is
    overdue by ``SLA_ESCALATION_LEVEL2_HOURS`` (default 4) and still unmet, to the brand
    administrators. Each level is sent exactly once per clock: it is claimed by a conditional
    UPDATE of ``escalation_level`` (two workers racing: one wins) and the messages carry the
    dedupe key ``sla:<clock>:<level>:<recipient>``.
    """
    now = now or timezone.now()
    hours = getattr(settings, "SLA_ESCALATION_LEVEL2_HOURS", DEFAULT_LEVEL2_HOURS)
    level2_after = timedelta(hours=hours)
    sent = 0
    level2_due = Q(escalation_level=1) & (
        Q(paused_at__isnull=True, deadline__lte=now - level2_after)
        | Q(paused_at__isnull=False, deadline__lte=F("paused_at") - level2_after)
    )
    due = (
        breached_clocks(now=now)
        .filter(Q(escalation_level=0) | level2_due)
        .select_related("request__outlet", "request__customer")
        .order_by("deadline", "pk")[:batch]
    )
    for clock in list(due):
        state = clock_state(clock, now=now)
        if not state.breached:
            continue
        if clock.escalation_level < 1 and sla_clock_escalate(clock=clock, level=1, now=now):
            sent += 1
        overdue = state.overdue_by or timedelta(0)
        if (
            clock.escalation_level == 1
            and overdue >= level2_after
            and sla_clock_escalate(clock=clock, level=2, now=now)
        ):
            sent += 1
    return sent
