"""Filing a request from a form: shared by the portal (the customer) and the console (an agent).

The form offers the customer's own devices and addresses (``customers.selectors``); filing calls
``customers.services.address_create`` for an address typed in, then
``service_requests.services.intake.service_request_create``, which decides everything else (who may
file for whom, routing, deadlines, idempotency). Errors land on the form's fields.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers import services as customer_services
from fairdesk.portal.forms import NEW_ADDRESS, RequestForm
from fairdesk.service_requests.choices import Priority
from fairdesk.service_requests.services.intake import service_request_create


def _device_choices(customer: Any) -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    choices = []
    for device in customer_selectors.customer_devices(customer=customer):
        model = device.product_model
        name = model.name_en if english and model.name_en else model.name
        choices.append((str(device.pk), f"{name} · {model.model_code} · {device.serial}"))
    return choices


def _address_choices(customer: Any) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.label} · {a.text}" if a.label else a.text)
        for a in customer_selectors.customer_addresses(customer=customer)
    ]


def request_form_for(customer: Any, data: Any = None, **kwargs: Any) -> RequestForm:
    """The booking form with the customer's own devices and addresses to choose from."""
    form = RequestForm(
        data,
        devices=_device_choices(customer),
        addresses=_address_choices(customer),
        **kwargs,
    )
    if data is None:
        form.initial["idempotency_key"] = uuid.uuid4().hex
    return form


_FIELD_OF_ERROR = {
    "invalid_contact_phone": "contact_phone",
    "name_too_long": "contact_name",
    "address_required": "new_address",
    "address_too_long": "new_address",
    "label_too_long": "new_address",
    "description_required": "description",
    "description_too_long": "description",
    "product_required": "product_description",
    "product_description_too_long": "product_description",
    "invalid_window": "preferred_day",
    "invalid_kind": "kind",
}


def _address_for(customer: Any, data: dict[str, Any]) -> Any:
    """The chosen address, or the typed one (an address the customer already has is reused, so
    that sending the form twice files one request at one address)."""
    if data["address"] != NEW_ADDRESS:
        return customer_selectors.address_get(customer=customer, pk=int(data["address"]))
    text = unicodedata.normalize("NFKC", data["new_address"] or "").strip()
    existing = customer_selectors.customer_addresses(customer=customer).filter(text=text).first()
    if existing is not None:
        return existing
    return customer_services.address_create(
        customer=customer,
        text=text,
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
    )


def file_request(
    request: HttpRequest, *, customer: Any, form: RequestForm, channel: str
) -> Any | None:
    """Create the request the form describes (adding the new address first, if one was typed).

    Returns the request, or None after putting the services' errors on the form.
    """
    data = form.cleaned_data
    try:
        address = _address_for(customer, data)
        device = (
            customer_selectors.device_get(customer=customer, pk=int(data["device"]))
            if data["device"]
            else None
        )
        return service_request_create(
            customer=customer,
            kind=data["kind"],
            channel=channel,
            actor=request.user,
            description=data["description"],
            address=address,
            device=device,
            product_description=data["product_description"],
            priority=Priority.URGENT if data["urgent"] else Priority.NORMAL,
            preferred_start=data["preferred_start"],
            preferred_end=data["preferred_end"],
            idempotency_key=data["idempotency_key"] or None,
        )
    except DomainError as exc:
        if exc.code == "idempotency_key_reused":
            # the form was sent before, then changed (the Back button): a new form, a new key
            form.data = form.data.copy()
            form.data["idempotency_key"] = uuid.uuid4().hex
            number = (exc.details or {}).get("number", "")
            form.add_error(
                None,
                _(
                    "This form was already sent: it filed request %(number)s. Send it again "
                    "to file another request."
                )
                % {"number": number},
            )
            return None
        form.add_error(_FIELD_OF_ERROR.get(exc.code), exc.message)
        return None
