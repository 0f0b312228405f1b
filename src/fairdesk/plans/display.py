"""Service plans in words: the one place where the names, labels and sentences that more than
one interface shows (the portal, the console, the API, the messages) are written.

* names in the reader's language: ``plan_name``, ``family_name``, ``offer_text``, and the device
  a plan covers (``device_name``);
* a change as a button or a headline: ``option_label`` ("Downgrade to 云存储·7天循环");
* the audit trail: ``PlanEventKind``'s labels (``choices``) for staff, ``event_text`` (a
  sentence for the customer), ``event_by`` (customer, staff or system) and ``event_details``
  (the recorded details, readable);
* why a plan ended, in the customer's words (``END_REASON_TEXT``).

Amounts are written by ``fairdesk.core.money``; instants by ``fairdesk.core.localtime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from fairdesk.core.localtime import local_text
from fairdesk.core.money import yuan
from fairdesk.core.sentences import sentences
from fairdesk.customers.models import Device
from fairdesk.plans.choices import ChangeKind, Channel, EndReason, PlanEventKind, Timing
from fairdesk.plans.models import Plan, PlanEvent, PlanFamily, RetentionOffer, Subscription

# --------------------------------------------------------------------------------------------
# Names in the reader's language
# --------------------------------------------------------------------------------------------


def in_chinese() -> bool:
    return get_language() == "zh-hans"


def plan_name(plan: Plan | None) -> str:
    """The plan's name in the active language ("" for no plan)."""
    if plan is None:
        return ""
    return plan.name if in_chinese() else plan.name_en


def family_name(family: PlanFamily) -> str:
    return family.name if in_chinese() else family.name_en


def device_name(device: Device | None, *, short: bool = False) -> str:
    """The device a plan covers, as its owner knows it: the product's name and the serial
    number (``short``: its last four characters, for messages); "" for no device."""
    if device is None:
        return ""
    model = device.product_model
    product = model.name_en if model.name_en and not in_chinese() else model.name
    if short:
        return _("%(product)s (serial …%(tail)s)") % {
            "product": product,
            "tail": device.serial[-4:],
        }
    return _("%(product)s, serial %(serial)s") % {"product": product, "serial": device.serial}


def plan_on_device(plan: Plan | None, device: Device | None) -> str:
    """A plan with the device it covers, for messages: ``Cloud 30-day for Smart camera C2
    (serial …0002)`` (the plan's name alone when it covers none)."""
    if device is None:
        return plan_name(plan)
    return _("%(plan)s for %(device)s") % {
        "plan": plan_name(plan),
        "device": device_name(device, short=True),
    }


def offer_text(offer: RetentionOffer) -> str:
    """A retention offer's text in the active language."""
    return offer.text if in_chinese() else offer.text_en


# --------------------------------------------------------------------------------------------
# Changes
# --------------------------------------------------------------------------------------------

#: A change as an option (a button, all alike) and as the headline of its preview.
OPTION_TEXT: Mapping[str, Promise] = {
    ChangeKind.UPGRADE: gettext_lazy("Upgrade to %(plan)s"),
    ChangeKind.DOWNGRADE: gettext_lazy("Downgrade to %(plan)s"),
    ChangeKind.SWITCH: gettext_lazy("Switch to %(plan)s"),
    ChangeKind.CANCEL: gettext_lazy("Cancel %(plan)s"),
}


def option_label(kind: str, plan: Plan | None) -> str:
    """``Downgrade to Cloud 7-day``; for a cancel, ``plan`` is the plan that ends."""
    return str(OPTION_TEXT[kind]) % {"plan": plan_name(plan)}


#: Why a plan ended, as the customer reads it.
END_REASON_TEXT: Mapping[str, Promise] = {
    EndReason.CANCELLED: gettext_lazy("cancelled"),
    EndReason.NOT_RENEWED: gettext_lazy("not renewed: auto-renewal was off"),
    EndReason.PAYMENT_FAILED: gettext_lazy("payment still missing after the grace period"),
}


def end_reason_text(reason: str) -> str:
    return str(END_REASON_TEXT.get(reason, reason))


# --------------------------------------------------------------------------------------------
# The audit trail
# --------------------------------------------------------------------------------------------


def event_label(kind: str) -> str:
    """The short label of an event (staff pages): ``PlanEventKind``'s."""
    return str(PlanEventKind(kind).label) if kind in PlanEventKind.values else kind


EventBy = Literal["customer", "staff", "system"]


def event_by(event: PlanEvent, sub: Subscription) -> EventBy:
    """Who acted: the customer (themselves, or their own channel), staff for them, or the
    system."""
    if event.actor_id is None:
        return "system" if event.channel == Channel.SYSTEM else "customer"
    return "customer" if event.actor_id == sub.customer.user_id else "staff"


def event_by_text(event: PlanEvent, sub: Subscription) -> str:
    """Who acted, for staff: "customer", "system" or the staff member's user name."""
    by = event_by(event, sub)
    if by == "staff" and event.actor is not None:
        return event.actor.get_username()
    return _("system") if by == "system" else _("customer")


def who_text(channel: str) -> str:
    """Who acted, for the customer: by the channel it came through."""
    texts: dict[str, str] = {
        Channel.PORTAL: _("you, on the portal"),
        Channel.CONSOLE: _("an agent, for you"),
        Channel.API: _("you, in the app"),
        Channel.SYSTEM: _("automatically"),
    }
    return texts.get(channel, channel)


def _iso_text(value: Any) -> str:
    """A recorded instant (ISO 8601 text) on the Beijing clock ("" if it is not one)."""
    try:
        return local_text(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return ""


def event_text(kind: str, data: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """An event in a plain sentence for the customer. ``names``: plan names by code."""

    def plan(key: str) -> str:
        code = data.get(key) or ""
        return names.get(code, code)

    def money(key: str) -> str:
        return yuan(int(data.get(key) or 0))

    if kind == PlanEventKind.SUBSCRIBED:
        renew = (
            pgettext("auto-renewal", "on")
            if data.get("auto_renew")
            else pgettext("auto-renewal", "off")
        )
        text = _("Subscribed to %(plan)s: %(amount)s for the first period. Auto-renewal %(renew)s.")
        return text % {"plan": plan("plan"), "amount": money("fen"), "renew": renew}
    if kind == PlanEventKind.PAYMENT_SUCCEEDED:
        return _("Payment of %(amount)s received.") % {"amount": money("fen")}
    if kind == PlanEventKind.PAYMENT_FAILED:
        return _("Payment of %(amount)s failed; we retry automatically.") % {"amount": money("fen")}
    if kind == PlanEventKind.REFUND_PAID:
        return _("%(amount)s refunded to your original payment method.") % {"amount": money("fen")}
    if kind == PlanEventKind.REFUND_FAILED:
        return _("A refund failed at the payment provider; we retry automatically.")
    if kind == PlanEventKind.AUTO_RENEW_ON:
        return _("Auto-renewal turned on.")
    if kind == PlanEventKind.AUTO_RENEW_OFF:
        return _("Auto-renewal turned off.")
    if kind == PlanEventKind.CHANGE_STARTED:
        to = plan("to_plan") if data.get("to_plan") else ""
        what = str(OPTION_TEXT.get(data.get("change") or "", "%(plan)s"))
        return _("Preview opened: %(what)s.") % {"what": what % {"plan": to or _("this plan")}}
    if kind == PlanEventKind.OFFER_SHOWN:
        return _("A retention offer was shown with the preview.")
    if kind == PlanEventKind.OFFER_ACCEPTED:
        return _("You accepted the retention offer; nothing else changed.")
    if kind == PlanEventKind.OFFER_DECLINED:
        return _("The retention offer was declined by confirming the change.")
    if kind == PlanEventKind.CHANGE_CONFIRMED:
        to = plan("to_plan") if data.get("to_plan") else _("this plan")
        what = str(OPTION_TEXT.get(data.get("change_kind") or "", "%(plan)s"))
        parts = [
            _("Change confirmed: %(what)s, effective %(date)s.")
            % {"what": what % {"plan": to}, "date": _iso_text(data.get("effective_at"))}
        ]
        if data.get("charge_fen"):
            parts.append(_("Charged %(amount)s.") % {"amount": money("charge_fen")})
        if data.get("credit_fen"):
            parts.append(_("Credited %(amount)s.") % {"amount": money("credit_fen")})
        return sentences(*parts)
    if kind == PlanEventKind.CHANGE_UNDONE:
        if data.get("replaced_by_attempt"):
            return _("The scheduled change was replaced by a newer one.")
        return _("The scheduled change was undone.")
    if kind == PlanEventKind.CHANGE_APPLIED:
        return _("The scheduled change took effect.")
    if kind == PlanEventKind.RENEWED:
        return _("Renewed: %(plan)s, %(amount)s for %(start)s – %(end)s.") % {
            "plan": plan("plan"),
            "amount": money("fen"),
            "start": _iso_text(data.get("period_start")),
            "end": _iso_text(data.get("period_end")),
        }
    if kind == PlanEventKind.ENDED:
        return _("The plan ended: %(reason)s.") % {
            "reason": end_reason_text(data.get("reason", ""))
        }
    if kind == PlanEventKind.RENEWAL_REMINDER:
        return _("Reminder sent: %(amount)s will be charged on %(date)s.") % {
            "amount": money("fen"),
            "date": _iso_text(data.get("renews_at")),
        }
    if kind == PlanEventKind.PRICE_NOTICE:
        text = _("Price notice: %(plan)s costs %(new)s (now %(old)s) for periods from %(date)s.")
        return text % {
            "plan": plan("plan"),
            "new": money("new_fen"),
            "old": money("old_fen"),
            "date": _iso_text(data.get("effective_at")),
        }
    return kind


#: Amounts in events' details whose key does not end in "_fen".
MONEY_KEYS = frozenset({"settled", "refunded", "account_credit"})
#: Instants in events' details whose key does not end in "_at".
INSTANT_KEYS = frozenset({"period_start", "period_end"})
#: Details that name a row by its id (an invoice, a refund, an attempt): shown as "#12".
ID_KEYS = frozenset({"invoice", "refund", "attempt", "replaced_by_attempt", "device"})
#: Details shown as recorded: codes (a plan's, an offer's) and a gateway's own words.
VERBATIM_KEYS = frozenset({"plan", "to_plan", "offer", "error"})
#: The names of events' details (``PlanEvent.data``'s keys), for staff; a key not named here
#: is shown as it is recorded.
DETAIL_LABELS: Mapping[str, Promise] = {
    "plan": pgettext_lazy("plan event detail", "plan"),
    "to_plan": pgettext_lazy("plan event detail", "new plan"),
    "offer": pgettext_lazy("plan event detail", "retention offer"),
    "fen": pgettext_lazy("plan event detail", "amount"),
    "charge_fen": pgettext_lazy("plan event detail", "charge"),
    "credit_fen": pgettext_lazy("plan event detail", "credit"),
    "new_fen": pgettext_lazy("plan event detail", "new price"),
    "old_fen": pgettext_lazy("plan event detail", "old price"),
    "settled": pgettext_lazy("plan event detail", "settled"),
    "refunded": pgettext_lazy("plan event detail", "refunded"),
    "account_credit": pgettext_lazy("plan event detail", "account credit"),
    "auto_renew": pgettext_lazy("plan event detail", "auto-renewal"),
    "change": pgettext_lazy("plan event detail", "change"),
    "change_kind": pgettext_lazy("plan event detail", "change"),
    "kind": pgettext_lazy("plan event detail", "kind"),
    "timing": pgettext_lazy("plan event detail", "takes effect"),
    "effective_at": pgettext_lazy("plan event detail", "effective"),
    "renews_at": pgettext_lazy("plan event detail", "renews"),
    "period_start": pgettext_lazy("plan event detail", "period start"),
    "period_end": pgettext_lazy("plan event detail", "period end"),
    "invoice": pgettext_lazy("plan event detail", "invoice"),
    "refund": pgettext_lazy("plan event detail", "refund"),
    "attempt": pgettext_lazy("plan event detail", "attempt"),
    "replaced_by_attempt": pgettext_lazy("plan event detail", "replaced by attempt"),
    "error": pgettext_lazy("plan event detail", "error"),
    "device": pgettext_lazy("plan event detail", "device"),
}


@dataclass(frozen=True)
class Detail:
    """One recorded detail of an event, in words: its name and value; ``verbatim``: the value is
    a code or a gateway's own words, shown as recorded."""

    key: str
    label: str
    value: str
    verbatim: bool = False


def _detail_value(key: str, value: Any) -> str:
    money = key == "fen" or key.endswith("_fen") or key in MONEY_KEYS
    if isinstance(value, bool):
        if key == "auto_renew":
            return pgettext("auto-renewal", "on") if value else pgettext("auto-renewal", "off")
        return pgettext("detail", "yes") if value else pgettext("detail", "no")
    if money and isinstance(value, int):
        return yuan(value)
    if key in ID_KEYS or (key == "change" and isinstance(value, int)):  # "change": a kind, or an id
        return f"#{value}"
    if isinstance(value, str) and (key.endswith("_at") or key in INSTANT_KEYS):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        return local_text(instant)
    if key in ("change", "change_kind", "kind") and value in ChangeKind.values:
        return str(ChangeKind(value).label)
    if key == "timing" and value in Timing.values:
        return str(Timing(value).label)
    return str(value)


def event_details(data: Mapping[str, Any]) -> list[Detail]:
    """An event's recorded details for staff, in words: each named, amounts in yuan, instants
    on the Beijing clock, kinds and timings by their labels (empty values left out)."""
    details = []
    for key, value in data.items():
        if value is None or value == "" or (value == 0 and not isinstance(value, bool)):
            continue
        label = DETAIL_LABELS.get(key)
        details.append(
            Detail(
                key=key,
                label=str(label) if label is not None else key,
                value=_detail_value(key, value),
                verbatim=key in VERBATIM_KEYS or label is None,
            )
        )
    return details
