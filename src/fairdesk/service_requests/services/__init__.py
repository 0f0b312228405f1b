"""Writes of service requests, one module per capability:

* ``intake``: filing a request — ``check_service_request`` (every rule, no write), then
  ``do_service_request_create`` (routing, the rows, the confirmation) — and idempotency keys;
* ``routing``: which outlet a new request goes to, and routing by hand;
* ``clocks``: the SLA clocks a request starts and what a change of status does to them;
* ``transitions``: the state machine's changes, and the automatic closing of resolved requests;
* ``escalation``: breached promises escalated once per level, and safety requests at once;
* ``notes``: information added to an open request (a timeline event, no status change).

Every function is keyword-only, checks first, runs its writes in one transaction and appends to
the timeline in that same transaction. Messages go through the notification outbox (written in
the transaction, delivered after commit). Lock order (to stay free of deadlocks): the service
request row, then its SLA clock rows.
"""
