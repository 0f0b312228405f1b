"""The form that files a service request, shared by the portal (the customer books a repair) and
the console (an agent files for a caller): the fields, the customer's own devices and addresses
to choose from, and filing from it.

Filing calls ``customers.services.address_create`` for an address typed in, then
``services.intake.service_request_create``, which decides everything else (who may file for
whom, routing, deadlines, idempotency). Its errors land on the form's fields.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairdesk.core.bounds import DayField
from fairdesk.core.errors import DomainError
from fairdesk.customers import selectors as customer_selectors
from fairdesk.customers import services as customer_services
from fairdesk.service_requests import selectors as sr_selectors
from fairdesk.service_requests.choices import Kind, Priority
from fairdesk.service_requests.services.intake import service_request_create

NEW_ADDRESS = "new"
NO_DEVICE = ""

#: Visit windows a customer can choose, in local time (Asia/Shanghai): (start, end).
VISIT_SLOTS: dict[str, tuple[time, time]] = {
    "morning": (time(9, 0), time(12, 0)),
    "afternoon": (time(13, 0), time(18, 0)),
    "evening": (time(18, 0), time(21, 0)),
}
SLOT_CHOICES = [
    ("", _("Any time")),
    ("morning", _("Morning, 09:00–12:00")),
    ("afternoon", _("Afternoon, 13:00–18:00")),
    ("evening", _("Evening, 18:00–21:00")),
]
#: What a customer books on the portal (the other kinds have their own pages or the hotline).
BOOKABLE_KINDS = [
    (Kind.REPAIR, _("Repair: something is broken")),
    (Kind.INSTALLATION, _("Installation")),
    (Kind.MAINTENANCE, _("Maintenance or cleaning")),
]


def visit_window(day: date | None, slot: str) -> tuple[datetime | None, datetime | None]:
    """A day and a slot → aware datetimes in the current time zone; (None, None) if no day."""
    if day is None:
        return None, None
    tz = timezone.get_current_timezone()
    if slot in VISIT_SLOTS:
        start, end = VISIT_SLOTS[slot]
        return (
            timezone.make_aware(datetime.combine(day, start), tz),
            timezone.make_aware(datetime.combine(day, end), tz),
        )
    begin = timezone.make_aware(datetime.combine(day, time(8, 0)), tz)
    return begin, begin + timedelta(hours=13)


class RequestForm(forms.Form):
    """What is wrong, with what, where and when: shared by the portal and the console."""

    #: The customer's open request this one would repeat (set by ``file_request``).
    open_request: Any = None

    kind = forms.ChoiceField(
        label=_("What do you need?"),
        choices=BOOKABLE_KINDS,
        initial=Kind.REPAIR,
        widget=forms.RadioSelect,
    )
    device = forms.ChoiceField(label=_("Which device?"), required=False, widget=forms.RadioSelect)
    product_description = forms.CharField(
        label=_("Or describe the product"),
        max_length=300,
        required=False,
        help_text=_("Brand, type and model if you know it, e.g. Gree air conditioner KFR-35GW."),
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens, since when, any error code on the display."),
    )
    urgent = forms.BooleanField(
        label=_("Safety hazard: gas or burning smell, sparks, water leaking onto electrics"),
        required=False,
    )
    address = forms.ChoiceField(label=_("Where?"), widget=forms.RadioSelect)
    new_address = forms.CharField(
        label=_("New address"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": "广东省深圳市南山区粤海街道科技园路1号",
                "autocomplete": "street-address",
            }
        ),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_day = DayField(
        label=_("Preferred day of the visit"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    preferred_slot = forms.ChoiceField(
        label=_("Preferred time"), choices=SLOT_CHOICES, required=False
    )
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    new_problem = forms.BooleanField(
        label=_("This is another problem: file a new request"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        devices: list[tuple[str, str]] | None = None,
        addresses: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["device"]).choices = [
            *(devices or []),
            (NO_DEVICE, _("Not registered / another product")),
        ]
        cast(forms.ChoiceField, self.fields["address"]).choices = [
            *(addresses or []),
            (NEW_ADDRESS, _("Another address")),
        ]
        if addresses and not self.is_bound:
            self.initial.setdefault("address", addresses[0][0])
        if not addresses:
            self.initial.setdefault("address", NEW_ADDRESS)
        if devices and not self.is_bound:
            self.initial.setdefault("device", devices[0][0])

    def clean_preferred_day(self) -> date | None:
        day = self.cleaned_data.get("preferred_day")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The preferred day cannot be in the past."))
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("address") == NEW_ADDRESS and not (data.get("new_address") or "").strip():
            self.add_error("new_address", _("Enter the address where the technician should come."))
        if not data.get("device") and not (data.get("product_description") or "").strip():
            self.add_error(
                "product_description",
                _("Choose one of your devices, or describe the product."),
            )
        start, end = visit_window(data.get("preferred_day"), data.get("preferred_slot") or "")
        data["preferred_start"], data["preferred_end"] = start, end
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _device_choices(customer: Any) -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    choices = []
    for device in customer_selectors.customer_devices(customer=customer):
        model = device.product_model
        name = model.name_en if english and model.name_en else model.name
        choices.append((str(device.pk), f"{name} · {model.model_code} · {device.serial}"))
    return choices


def _address_choices(customer: Any) -> list[tuple[str, str]]:
    """The customer's addresses that name a place (one the resolver could not find at all, from
    before such addresses were refused, is not offered: a request to it would be refused)."""
    return [
        (str(a.pk), f"{a.label} · {a.text}" if a.label else a.text)
        for a in customer_selectors.customer_addresses(customer=customer).exclude(
            division_status="not_found"
        )
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
    "address_not_found": "new_address",
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


def _is_a_second_booking(form: RequestForm, *, customer: Any, device: Any, address: Any) -> bool:
    """Whether the customer already has an open request for this device (or this product at
    this address): then the form asks first — the Back button and a second send, or the same
    fault booked twice — and shows the open one (``form.open_request``), where information can
    be added; ticking ``new_problem`` files a new request anyway."""
    data = form.cleaned_data
    existing = sr_selectors.open_request_like(
        customer=customer,
        kind=data["kind"],
        device=device,
        address=address,
        product=data["product_description"] or "",
    )
    if existing is None:
        return False
    form.open_request = existing
    same = existing.description.strip() == (data["description"] or "").strip()
    message = (
        _("You already sent this request: it is %(number)s (%(status)s). Nothing new was filed.")
        if same
        else _(
            "There is already an open request for this: %(number)s (%(status)s). Add what you "
            "want to say to it, or tick “another problem” to file a new request."
        )
    )
    form.add_error(
        None, message % {"number": existing.number, "status": existing.get_status_display()}
    )
    return True


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
        sent_before = sr_selectors.request_filed_with_key(
            user=request.user, key=data["idempotency_key"]
        )
        if (
            not data["new_problem"]
            and sent_before is None
            and _is_a_second_booking(form, customer=customer, device=device, address=address)
        ):
            return None
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
            sent = cast(QueryDict, form.data).copy()
            sent["idempotency_key"] = uuid.uuid4().hex
            form.data = sent
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
