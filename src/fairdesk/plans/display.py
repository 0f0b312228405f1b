"""Service plans in words: the one place where the names and labels that more than one
interface shows (the portal, the console, the API, the messages) are written.

* names in the reader's language: ``plan_name``, ``offer_text``;
* who acted on a subscription (``event_by``: customer, staff or system).
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import get_language

from fairdesk.plans.choices import Channel
from fairdesk.plans.models import Plan, PlanEvent, RetentionOffer, Subscription


def in_chinese() -> bool:
    return get_language() == "zh-hans"


def plan_name(plan: Plan | None) -> str:
    """The plan's name in the active language ("" for no plan)."""
    if plan is None:
        return ""
    return plan.name if in_chinese() else plan.name_en


def offer_text(offer: RetentionOffer) -> str:
    """A retention offer's text in the active language."""
    return offer.text if in_chinese() else offer.text_en


EventBy = Literal["customer", "staff", "system"]


def event_by(event: PlanEvent, sub: Subscription) -> EventBy:
    """Who acted: the customer (themselves, or their own channel), staff for them, or the
    system."""
    if event.actor_id is None:
        return "system" if event.channel == Channel.SYSTEM else "customer"
    return "customer" if event.actor_id == sub.customer.user_id else "staff"
