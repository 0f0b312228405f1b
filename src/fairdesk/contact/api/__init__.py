"""Contacts, callbacks, complaints, the live queue and staffing in the API (mounted at /api/v1/,
tag "contact").

Authentication: the API shell's (``fairdesk.api.auth``) — ``Authorization: Bearer <token>`` (an
integration acting as its user) or the session of a signed-in user (unsafe methods need the CSRF
token).

Access (``contact.selectors``, the ``access_*`` and ``check_*`` functions): a customer sees only
their own contacts, callbacks and complaints (another's answers 404, the same as one that does
not exist); agents and brand administrators see all; auditors read complaints through the
redacted export only (``GET /complaints/export``, auditors and brand administrators).

One module per resource: ``contacts`` (conversations: one step to a person), ``callbacks``,
``complaints`` (and the auditors' ``export``), ``queue`` (the live queue and Erlang C staffing);
``schemas`` and ``rendering`` are theirs.

A person is one action away (guarantee F6): ``POST /contacts/{id}/human``, or a message saying
人工 / 转人工 / agent, puts the conversation in the queue at once. A customer waits in one web
chat at a time: asking again in another chat answers with the one that holds the place.
Words about a plan change, a refund or a complaint make a conversation not yet with an agent
that green-channel type (noted in the conversation).

Callbacks are booked within the contact centre's staffed hours (``GET /callbacks/windows``);
the customer cancels or moves one while it is booked (``POST /callbacks/{id}/cancel``,
``/move``). The queue's order is the
published rule (``contact.ordering``; the public page ``/queue-rule/``); every contact shows its
position and an estimated wait.

Times are ISO 8601 in Asia/Shanghai; times sent must carry their offset.

Errors have one shape, ``{"error": {"code", "message", "details"}}``:

* 401 ``not_authenticated``, ``invalid_token``;
* 403 ``forbidden`` (not a customer where one is needed, not staff where staff is needed, not an
  auditor or brand administrator for the export), ``csrf_failed``, ``not_an_agent``,
  ``not_your_contact``;
* 404 ``contact_not_found`` (also one you may not see), ``callback_not_found``,
  ``complaint_not_found``;
* 409 ``contact_closed``, ``illegal_transition``, ``callback_closed``, ``callback_in_progress``;
* 422 ``invalid_input`` (the body or query, with ``details``), ``invalid_text`` (a control
  character or invalid Unicode), ``invalid_contact_type``,
  ``invalid_language``, ``empty_message``, ``message_too_long``, ``timezone_required``,
  ``invalid_window``, ``outside_hours`` (a callback window outside the staffed hours, which the
  message and ``details`` give), ``invalid_phone``, ``invalid_category``, ``invalid_status``,
  ``outcome_required``, ``external_body_required``, ``not_yours``,
  ``service_request_not_found``, ``subscription_not_found``, ``contact_not_found`` (in the body),
  ``invalid_format``, ``invalid_period``, ``outlet_not_found``, ``not_a_number``,
  ``invalid_arrivals``, ``invalid_handle_time``, ``invalid_target_share``,
  ``invalid_target_seconds``, ``too_many_agents``.

Nothing is changed by a request that fails.
"""

from __future__ import annotations

from fairdesk.contact.api import callbacks, complaints, contacts, export, queue  # noqa: F401
from fairdesk.contact.api.router import router

__all__ = ["router"]
