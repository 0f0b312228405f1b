"""The kinds of text message fairdesk sends, and the template parameters of each.

SMS providers in China send templates approved in advance, not free text: a text message is a
template id (``settings.SMS_TEMPLATES``, by kind) and the values of the template's parameters.
So every SMS names its kind here, and carries its parameters (``Message.params``, written with
the message, in the transaction of the change it reports). The names are the template's
variables (Alibaba Cloud: ``${code}``); their order is the order of the values of a Tencent Cloud
template (``{1}``, ``{2}``…). ``docs/notifications.md`` has the suggested wording of each.

A kind missing here is a programming error (``message_send`` refuses it); a kind without a
template in ``SMS_TEMPLATES`` is a configuration error reported at start (``checks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

SMS_KINDS: dict[str, tuple[str, ...]] = {
    # the sign-in code: six digits, valid for `minutes`
    "login_code": ("code", "minutes"),
    # a new service request: its number, its kind, the earliest promised deadline (Beijing time)
    # and the link that shows its progress without signing in (signed, expires)
    "service_request.created": ("number", "kind", "deadline", "link"),
    # a new safety request (a gas smell, sparks, smoke): what to do now is the template's own
    # text; its number, the earliest promised deadline (Beijing time) and the progress link
    "service_request.safety": ("number", "deadline", "link"),
    # plans: each with the plan's name; amounts in yuan, dates in Beijing time
    "plans.subscribed": ("plan", "price", "period_end"),
    "plans.change_confirmed": ("change", "plan", "effective"),
    "plans.change_undone": ("plan", "date"),
    "plans.price_notice": ("plan", "new_price", "old_price", "date"),
    "plans.payment_failed": ("plan", "amount", "grace_until"),
    "plans.renewal_reminder": ("plan", "date", "amount"),
    # the contact centre: a complaint received, a callback booked (or moved), a callback
    # cancelled by the customer, a callback missed
    "contact.complaint": ("number", "due"),
    "contact.callback": ("start", "end"),
    "contact.callback_cancelled": ("start", "end"),
    "contact.callback_missed": ("end",),
}

#: Kinds whose text no one but the recipient may read: never logged, never shown to staff
#: outside the demo (and never in the admin), removed from the outbox once it has left.
SECRET_KINDS = frozenset({"login_code"})

#: What replaces the text and parameters of a secret message once it has left the outbox.
REMOVED = "—"


def check_sms_params(kind: str, params: Mapping[str, object] | None) -> dict[str, str]:
    """The parameters of a text message of ``kind``, as strings: exactly the template's names
    (``ValueError`` otherwise: a producer that forgot one would send a broken text)."""
    names = SMS_KINDS.get(kind)
    if names is None:
        raise ValueError(f"{kind!r} is not a kind of text message (notifications.kinds)")
    given = dict(params or {})
    if set(given) != set(names):
        raise ValueError(
            f"a {kind!r} text message takes the parameters {list(names)}, got {sorted(given)}"
        )
    return {name: str(given[name]).strip() for name in names}
