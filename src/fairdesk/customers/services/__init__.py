"""Writes of customers, addresses, devices and the product catalog; customer sign-in. One module
per capability:

* ``sign_in``: mobile numbers and one-time sign-in codes — requesting and verifying a code, the
  limits and the lock after wrong codes, purging old codes (the rules are in its docstring);
* ``profile``: a customer's record (created for a caller, details changed) and their addresses,
  each resolved to a division;
* ``devices``: the product catalog (a model's warranty terms) and registering a customer's device
  (serial number, purchase date, proof of purchase, warranty end);
* ``common``: what they share — the limits (settings with defaults, ``setting``), the cleaning of
  what people type, the 422 error of a failed check.

The public names are re-exported here, so callers import ``fairdesk.customers.services`` (or a
name from it) whichever module defines the name.
"""

from fairdesk.customers.services.common import DEFAULTS, setting
from fairdesk.customers.services.devices import (
    EARLIEST_PURCHASE,
    MAX_WARRANTY_MONTHS,
    ProofCheck,
    add_months,
    check_proof,
    check_purchase_date,
    check_serial,
    check_warranty_months,
    device_register,
    product_model_save,
    warranty_end,
)
from fairdesk.customers.services.profile import (
    address_create,
    address_delete,
    address_update,
    check_contact_phone,
    check_email,
    customer_get_or_create,
    customer_update,
)
from fairdesk.customers.services.sign_in import (
    CODE_LENGTH,
    HOUR,
    check_mobile,
    code_hash,
    format_wait,
    login_code_request,
    login_code_verify,
    login_codes_purge,
    login_locked_until,
)

__all__ = [
    "CODE_LENGTH",
    "DEFAULTS",
    "EARLIEST_PURCHASE",
    "HOUR",
    "MAX_WARRANTY_MONTHS",
    "ProofCheck",
    "add_months",
    "address_create",
    "address_delete",
    "address_update",
    "check_contact_phone",
    "check_email",
    "check_mobile",
    "check_proof",
    "check_purchase_date",
    "check_serial",
    "check_warranty_months",
    "code_hash",
    "customer_get_or_create",
    "customer_update",
    "device_register",
    "format_wait",
    "login_code_request",
    "login_code_verify",
    "login_codes_purge",
    "login_locked_until",
    "product_model_save",
    "setting",
    "warranty_end",
]
