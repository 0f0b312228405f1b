"""Writes of service plans, one module per capability (import from the module; nothing is
re-exported here):

* ``catalog``: loading a catalog document (``catalog_import``) and announcing a new price with
  notice (``plan_price_change``);
* ``subscriptions``: the auto-renewal consent text, subscribing (``check_subscription`` then
  ``do_subscription_start``), auto-renewal on and off, and ending a subscription;
* ``changes``: every change in two steps — choose (``change_start``, the preview; the timing may
  be switched with ``change_retime``) then confirm (``check_change_confirm`` then
  ``do_change_confirm``) — a retention offer taken instead, and undoing a scheduled change;
* ``renewals``: the clock — renewals and ends at the period end, lapses after the grace period,
  renewal reminders, and the worker's minute (``plans_process_due``);
* ``billing``: invoices, collecting them through the payment gateway, credits for unused time,
  refunds, and writing off what an ended plan still asked for;
* ``notices``: what a payment provider's verified notification records (a charge or a refund
  whose outcome came later), through ``billing``'s own functions;
* ``ledger``: one balanced double-entry transaction (``ledger_post``);
* ``audit``: one event of a subscription's audit trail (``event_record``);
* ``messages``: the confirmations, notices and reminders customers get (portal inbox and SMS).

The rules in one place:

* one timing rule for every change (``ChangePolicy.timing_rule``; ``customer_choice`` offers the
  same two timings for every kind of change);
* every change — upgrade, downgrade, switch, cancel — is ``change_start`` (choose: shows the
  preview) then ``change_confirm``; nothing else is needed, whoever carries it out;
* amounts come from ``selectors.change_quote`` (one proration clock, ``proration.py``) and are
  honoured for 30 minutes after the preview;
* a credit first settles what this subscription still owes, the rest goes back to the original
  payment method (account credit only if the customer chooses it);
* a scheduled change is applied before the renewal it precedes, in the same transaction, so
  nothing is charged at the old price after its effective date.

Every write is keyword-only, checks first (``check_*``: no write) and writes in one transaction
(``do_*``), with its audit event and its confirmation message (the outbox) in that same
transaction. Who may act on what is decided by ``selectors.access_*``, which the services call
with their ``actor`` (None: fairdesk itself — the worker, the demo). Calls to the payment gateway
happen after commit (``billing.invoice_collect``, ``billing.refund_execute``), each with an
idempotency key, and are retried by the worker, so a crash never loses or doubles money.

Lock order (to stay free of deadlocks): the customer row (starting a subscription, confirming
a change: a device keeps one live plan of a family, ``covers.held_cover``), then the
subscription row (``selectors.lock_subscription``: the row alone, then read with its plan), then
its change attempt or change, then its invoices and refunds.
"""
