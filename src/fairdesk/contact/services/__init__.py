"""Writes of the contact centre, one module per capability:

* ``conversations``: a contact's start (web chat with the assistant, or a phone call logged by
  its agent), the assistant's answers and the one-step hand-over to a person, the customer's and
  the agent's messages, the type the agent sets, closing;
* ``queue``: agents' profiles and status, and ``queue_dispatch`` — the published rule
  (``ordering``) applied, every assignment logged with its reason;
* ``callbacks``: booking a window within the staffed hours, the customer cancelling or moving
  it, calling back, missed callbacks escalated once per level;
* ``complaints``: filing, the lifecycle (``workflow``) with its deadlines, late steps escalated;
* ``due``: the worker's minute — dispatch, missed callbacks, late complaints;
* ``messages``: what they share — the checks of what people write, a message appended to a
  conversation, the type a customer's words give it (plan change, refund, complaint), an
  escalation to the brand administrators.

Every function is keyword-only; a write checks first (``check_*`` here, ``selectors.access_*``
for who may), then writes in one transaction with its log entries (messages, assignments,
complaint events) and its notifications (the outbox, delivered after commit). The queue is
dispatched on commit of every change that can free an agent or add a contact.

Lock order (``select_for_update`` and the rows an UPDATE locks), to stay free of deadlocks:
a callback, then contacts (several: by id), then agent profiles (several: by id). A complaint
is locked alone. One exception, safe because nothing waits for the first row while holding the
second: a conversation with the assistant that finds its customer already waiting elsewhere may
update that waiting contact after locking itself (a hazard moves the held place up).
"""
