"""Service plans in the API (mounted at /api/v1/, tag "plans").

Authentication: the same as the service-request API — ``Authorization: Bearer <token>`` (an
integration acting as its user) or the session of a signed-in user (unsafe methods need the CSRF
token). ``GET /plans`` is public: the catalog and its change policy are published rules.

Access (``plans.selectors.access_*``, also called by the services): a customer sees and changes
only their own subscriptions (another's answers 404, the same as one that does not exist); agents
and brand administrators see all and act for customers; other staff (outlet staff, technicians,
auditors) see none.

Every change — upgrade, downgrade, switch, cancel — takes the same two calls, whoever makes it:
``POST /subscriptions/{id}/changes`` (choose: the attempt, its preview and at most one retention
offer), then ``POST /changes/{attempt_id}/confirm``. Nothing else is ever needed: no agent, no
call, no payment of an open balance, no waiting period. ``accept-offer`` is the optional
alternative to confirming when an offer is shown; an unconfirmed attempt simply lapses.

One module per resource: ``catalog`` (the plans on sale, the consent text), ``subscriptions``
(list, start, read, ledger, events, auto-renewal), ``changes`` (choose, preview, timing, confirm,
offer, undo); ``schemas`` and ``rendering`` are theirs, ``router`` their one router. Money is
integer fen (``…_fen``) with the same amount as a yuan string (``…_yuan``, "299.00"). Times are
ISO 8601 in Asia/Shanghai.

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated``, ``invalid_token``;
* 403 ``forbidden`` (starting a subscription for someone else), ``csrf_failed``;
* 404 ``subscription_not_found`` (also for one you may not see), ``attempt_not_found``,
  ``change_not_found``, ``plan_not_found`` (in the path), ``customer_not_found``;
* 409 ``subscription_ended``, ``attempt_finished``, ``quote_expired`` (the preview is older than
  30 minutes or the subscription moved on: start again), ``no_offer``, ``change_not_undoable``,
  ``already_subscribed`` (the device has a live plan of that family already, or a change to one
  scheduled; ``details.subscription_id`` names it when it is the customer's own);
* 422 ``invalid_input`` (the body or query, with ``details``), ``plan_not_found`` (in the body),
  ``plan_not_on_sale``, ``same_plan``, ``timing_not_available``, ``consent_required`` (with
  ``details.consent_text``), ``auto_renew_unavailable``, ``payment_method_required``,
  ``customer_required``, ``device_required`` and ``device_not_covered`` (a plan covers one of
  the customer's devices of a product line its family covers; ``details.product_lines``),
  ``device_not_owned``, ``change_not_related`` (a plan changes only to a plan of its family or
  of a related one), ``reason_too_long``.
"""

from __future__ import annotations

from fairdesk.plans.api import catalog, changes, subscriptions  # noqa: F401 (routes)
from fairdesk.plans.api.router import router

__all__ = ["router"]
