"""Reads of service requests, and **access control, in one place** (``access``). One module per
capability:

* ``access``: who is asking (``Principal``, ``principal_for``: ``customers.principal``,
  re-exported here) and what they are to a request
  (``capacities``); who sees which requests (``requests_visible_to``), who may do what (``can`` /
  ``check``, ``allowed_transitions``), whom they may file for, the device and address of a new
  request, who sees a full phone number, how an actor is named and recorded (the rules are in its
  docstring);
* ``reads``: finding requests — by number, the console's search box, filtered lists — always
  among those the user may see;
* ``promises``: the SLA side — business calendars, the policies that apply to a request (and those
  an out-of-coverage request does not get), the state of a request's clocks, breached clocks;
* ``timeline``: a request's timeline, each event in plain words, the actor named by role;
* ``tracking``: the signed, expiring link of a request's confirmation and what its public page
  shows (no personal data).

The public names are re-exported here: callers write ``selectors.request_get`` whichever module
defines it (a test that patches a function patches it in the module that calls it).
"""

from fairdesk.customers.principal import ANONYMOUS, Principal, principal_for
from fairdesk.service_requests.selectors.access import (
    ACTIONS,
    ASSIGN_OUTLET,
    TRANSITION,
    VIEW,
    access_filing_customer,
    access_intake_address,
    access_intake_device,
    actor_label,
    actor_role_for,
    allowed_transitions,
    can,
    can_view,
    capacities,
    check,
    check_belongs_to,
    check_files_for,
    customer_phone_for,
    files_for_anyone,
    filing_channel,
    may_file_for,
    may_serve_callers,
    phone_visible,
    requests_visible_to,
    sees_staff_names,
    signed_in_user,
)
from fairdesk.service_requests.selectors.promises import (
    ClockState,
    applicable_policies,
    breached_clocks,
    calendar_of,
    choose_policies,
    clock_state,
    clock_states,
    outlet_calendar,
    policy_candidates,
    promises_not_applying,
)
from fairdesk.service_requests.selectors.reads import (
    RequestFilters,
    normalize_number,
    open_request_like,
    request_filed_with_key,
    request_find,
    request_for_render,
    request_get,
    request_list,
)
from fairdesk.service_requests.selectors.timeline import (
    actor_display,
    event_text,
    public_event_text,
    timeline_for,
)
from fairdesk.service_requests.selectors.tracking import (
    LinkExpired,
    PublicEvent,
    access_tracked_request,
    public_timeline,
    tracking_link,
    tracking_token,
)

__all__ = [
    "ACTIONS",
    "ANONYMOUS",
    "ASSIGN_OUTLET",
    "TRANSITION",
    "VIEW",
    "ClockState",
    "LinkExpired",
    "Principal",
    "PublicEvent",
    "RequestFilters",
    "access_filing_customer",
    "access_intake_address",
    "access_intake_device",
    "access_tracked_request",
    "actor_display",
    "actor_label",
    "actor_role_for",
    "allowed_transitions",
    "applicable_policies",
    "breached_clocks",
    "calendar_of",
    "can",
    "can_view",
    "capacities",
    "check",
    "check_belongs_to",
    "check_files_for",
    "choose_policies",
    "clock_state",
    "clock_states",
    "customer_phone_for",
    "event_text",
    "files_for_anyone",
    "filing_channel",
    "may_file_for",
    "may_serve_callers",
    "normalize_number",
    "open_request_like",
    "outlet_calendar",
    "phone_visible",
    "policy_candidates",
    "principal_for",
    "promises_not_applying",
    "public_event_text",
    "public_timeline",
    "request_filed_with_key",
    "request_find",
    "request_for_render",
    "request_get",
    "request_list",
    "requests_visible_to",
    "sees_staff_names",
    "signed_in_user",
    "timeline_for",
    "tracking_link",
    "tracking_token",
]
