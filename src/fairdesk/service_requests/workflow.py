"""The state machine of a service request: one table, in one place.

``TRANSITIONS[from_status][to_status]`` is the set of *capacities* that may make the transition.
A capacity is what a user is to one request (``selectors.capacities``):

* ``owner`` — the request's customer;
* ``agent`` — a hotline agent (the service desk: for the desk kinds — consultation, plan change,
  refund, complaint — agents also hold ``manage``);
* ``agent_for_customer`` — an agent acting for the caller they are serving (the console passes
  ``serving``), who must be the request's customer: what the customer may do, an agent may do
  for them on the phone;
* ``manage`` — a manager or dispatcher of the request's outlet, a central dispatcher (dispatcher
  without an outlet), a brand administrator;
* ``field`` — a technician of the request's outlet, and everyone with ``manage``.

Auditors hold no capacity: they read everything and change nothing.
"""

from __future__ import annotations

from fairdesk.service_requests.choices import Status

OWNER = "owner"
AGENT = "agent"
AGENT_FOR_CUSTOMER = "agent_for_customer"
MANAGE = "manage"
FIELD = "field"

_CUSTOMER = frozenset({OWNER, AGENT_FOR_CUSTOMER})

S = Status
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.NEW: {
        S.ACCEPTED: frozenset({MANAGE}),
        S.WAITING_CUSTOMER: frozenset({MANAGE, AGENT}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.ACCEPTED: {
        S.SCHEDULED: frozenset({MANAGE}),
        S.WAITING_CUSTOMER: frozenset({MANAGE, AGENT}),
        S.WAITING_PARTS: frozenset({MANAGE}),
        S.RESOLVED: frozenset({MANAGE}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.SCHEDULED: {
        S.EN_ROUTE: frozenset({FIELD}),
        S.WAITING_CUSTOMER: frozenset({FIELD, AGENT}),
        S.WAITING_PARTS: frozenset({MANAGE}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.EN_ROUTE: {
        S.ON_SITE: frozenset({FIELD}),
        S.SCHEDULED: frozenset({FIELD}),
        S.WAITING_CUSTOMER: frozenset({FIELD}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.ON_SITE: {
        S.RESOLVED: frozenset({FIELD}),
        S.WAITING_PARTS: frozenset({FIELD}),
        S.WAITING_CUSTOMER: frozenset({FIELD}),
    },
    S.WAITING_CUSTOMER: {
        S.ACCEPTED: frozenset({MANAGE, AGENT}),
        S.SCHEDULED: frozenset({MANAGE}),
        S.WAITING_PARTS: frozenset({FIELD}),
        S.RESOLVED: frozenset({MANAGE}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.WAITING_PARTS: {
        S.SCHEDULED: frozenset({MANAGE}),
        S.WAITING_CUSTOMER: frozenset({FIELD}),
        S.RESOLVED: frozenset({MANAGE}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.RESOLVED: {
        S.CLOSED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
        S.REOPENED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.REOPENED: {
        S.ACCEPTED: frozenset({MANAGE}),
        S.SCHEDULED: frozenset({MANAGE}),
        S.WAITING_CUSTOMER: frozenset({MANAGE, AGENT}),
        S.WAITING_PARTS: frozenset({MANAGE}),
        S.RESOLVED: frozenset({MANAGE}),
        S.CANCELLED: frozenset({OWNER, AGENT_FOR_CUSTOMER, MANAGE}),
    },
    S.CLOSED: {},
    S.CANCELLED: {},
}


def allowed_from(status: str) -> dict[str, frozenset[str]]:
    """The transitions out of ``status``: ``{to_status: capacities}``."""
    return TRANSITIONS.get(status, {})


def who_may(from_status: str, to_status: str) -> frozenset[str]:
    """The capacities that may move a request from one status to another (empty: illegal)."""
    return TRANSITIONS.get(from_status, {}).get(to_status, frozenset())


def holders(capacities: frozenset[str] | set[str]) -> frozenset[str]:
    """Expand capacities: ``manage`` implies ``field``."""
    out = set(capacities)
    if MANAGE in out:
        out.add(FIELD)
    return frozenset(out)


def acts_only_as_customer(granted: frozenset[str] | set[str]) -> bool:
    """Whether a user's right to a transition comes only from being (or serving) the customer."""
    return bool(granted) and set(granted) <= _CUSTOMER


def reason_required(from_status: str, to_status: str, *, as_customer: bool) -> bool:
    """A reason is required to pause (what are we waiting for?), to reopen (what is wrong?), to
    put a visit back (why?), and for staff to cancel. A customer never has to give a reason to
    cancel (reason surveys are optional)."""
    if to_status in (S.WAITING_CUSTOMER, S.WAITING_PARTS, S.REOPENED):
        return True
    if from_status == S.EN_ROUTE and to_status == S.SCHEDULED:
        return True
    return to_status == S.CANCELLED and not as_customer
