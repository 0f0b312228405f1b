"""Following a request without signing in: the signed link in its confirmation.

The confirmation of a new request (SMS and portal, ``services/intake.py``) carries a link to a
public page of the request's progress. The link holds the request's number signed with the
site's key (``django.core.signing.TimestampSigner``, its own salt) and the time it was made, so
it cannot be guessed from a number nor made for another request, and it stops working
``REQUEST_TRACKING_LINK_DAYS`` days after it was sent (default 30; after that the customer signs
in). Anyone holding the link sees what the page shows, so it shows **no personal data**: not the
customer's name, phone, address or device (its label holds the serial), no staff names, no
outlet, no free text (a note, a reason): the status, the deadlines and the timeline in plain
words (``public_event_text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.service_requests.models import ServiceRequest, TimelineEvent
from fairdesk.service_requests.selectors.timeline import actor_display, public_event_text

SALT = "fairdesk.service_requests.tracking"
#: Between the number, the time and the signature: a dot keeps the link one plain URL segment
#: that every SMS app recognises (no colon).
SEPARATOR = "."


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, sep=SEPARATOR)


def link_days() -> int:
    return int(getattr(settings, "REQUEST_TRACKING_LINK_DAYS", 30))


def tracking_token(request: ServiceRequest) -> str:
    """The signed token of ``request``'s tracking link, made now."""
    return _signer().sign(request.number)


def tracking_link(request: ServiceRequest) -> str:
    """The whole link, for a message (``PUBLIC_URL`` and the portal's tracking page)."""
    path = reverse("portal:track", args=[tracking_token(request)])
    return f"{settings.PUBLIC_URL}{path}"


class LinkExpired(DomainError):
    status = 410
    code = "tracking_link_expired"


def access_tracked_request(token: str) -> ServiceRequest:
    """The request a tracking link names; ``NotFound`` (404 ``tracking_link_invalid``) for a
    link that was not made here or was changed, ``LinkExpired`` (410) for one too old."""
    try:
        number = _signer().unsign(token or "", max_age=timedelta(days=link_days()))
    except signing.SignatureExpired as exc:
        raise LinkExpired(
            _(
                "This link has expired: links in our messages work for %(days)d days. Sign in "
                "with your mobile number to follow your request."
            )
            % {"days": link_days()}
        ) from exc
    except signing.BadSignature as exc:
        raise _invalid() from exc
    request = ServiceRequest.objects.prefetch_related("clocks").filter(number=number).first()
    if request is None:  # signed here, but the request is gone
        raise _invalid()
    return request


def _invalid() -> NotFound:
    return NotFound(
        _(
            "This link is not valid. Check that it was copied whole from our message, or sign "
            "in with your mobile number to follow your request."
        ),
        code="tracking_link_invalid",
    )


@dataclass(frozen=True, slots=True)
class PublicEvent:
    at: datetime
    kind: str
    to_status: str
    actor: str  # a role in plain words ("Technician"), never a name
    text: str


def public_timeline(request: ServiceRequest) -> list[PublicEvent]:
    """The request's timeline for the public page: each event in plain words, the actor as a
    role, no free text."""
    events = TimelineEvent.objects.filter(request=request).order_by("at", "id")
    return [
        PublicEvent(e.at, e.kind, e.to_status or "", actor_display(e), public_event_text(e))
        for e in events
    ]
