"""Forms of the portal (parsing only; the services decide what is allowed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

# --- service plans ------------------------------------------------------------------------------

#: The demo gateway's payment methods (``plans.gateway.LocalGateway``): one that pays and one that
#: is declined, to show what a failed payment does. No real money moves.
DEMO_PAYMENT_METHODS = [
    ("demo-card-6222", _("Demo bank card ending 6222 (payments go through)")),
    ("demo-declined-0004", _("Demo bank card ending 0004 (declined: shows a failed payment)")),
]
NO_PLAN_DEVICE = ""


class SubscribeForm(forms.Form):
    """Subscribe to a plan: how to pay, auto-renewal (off unless ticked, with the consent text
    posted back as shown), and the device the plan covers (one of ``devices``: the customer's
    that it may cover)."""

    payment_method = forms.ChoiceField(
        label=_("Pay with"), choices=DEMO_PAYMENT_METHODS, initial=DEMO_PAYMENT_METHODS[0][0]
    )
    auto_renew = forms.BooleanField(label=_("Renew automatically"), required=False)
    consent_text = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    # the id of one of the customer's devices; which ones a plan may cover is the service's
    # rule (``plans.covers``): the list offers those, a stale page gets the service's answer
    device = forms.IntegerField(
        label=_("Which device does it cover?"),
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.Select,
        error_messages={
            "required": _("Choose the device this plan covers."),
            "invalid": _("Choose the device this plan covers."),
            "min_value": _("Choose the device this plan covers."),
            "max_value": _("Choose the device this plan covers."),
        },
    )

    def __init__(self, *args: Any, devices: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        choose = (NO_PLAN_DEVICE, _("Choose a device"))
        cast(forms.Select, self.fields["device"].widget).choices = [choose, *(devices or [])]


class ChangeStartForm(forms.Form):
    """One of the change options of "My plan": a plan code, or ``cancel``."""

    to = forms.SlugField(max_length=40)


class ChangeConfirmForm(forms.Form):
    """The preview's form: every field optional (the defaults are preselected)."""

    timing = forms.ChoiceField(required=False, choices=[("", "")])
    refund_to = forms.ChoiceField(required=False, choices=[("", "")])
    reason = forms.CharField(
        label=_("Why are you changing? (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, timings: list[str] | None = None, **kw: Any) -> None:
        from fairdesk.plans.choices import RefundTo

        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["timing"]).choices = [
            ("", ""),
            *((t, t) for t in timings or []),
        ]
        cast(forms.ChoiceField, self.fields["refund_to"]).choices = [("", ""), *RefundTo.choices]


class AutoRenewForm(forms.Form):
    on = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda v: v == "1")
    consent_text = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


# --- contact us, callbacks, complaints ------------------------------------------------------------

#: What a contact is about, in the customer's words (the values are ``contact.ContactType``).
CONTACT_TYPE_CHOICES = [
    ("buy_upgrade", _("Buy or upgrade a plan")),
    ("downgrade_cancel", _("Downgrade or cancel a plan")),
    ("refund", _("A refund")),
    ("complaint", _("A complaint")),
    ("repair", _("A repair")),
    ("consultation", _("A question")),
]
NOT_LINKED = ""


class ContactStartForm(forms.Form):
    """Contact us: what it is about, and (optionally) the first words."""

    contact_type = forms.ChoiceField(
        label=_("What is it about?"), choices=CONTACT_TYPE_CHOICES, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Your message (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Type 人工 or “agent” at any time to talk to a person."),
    )


class ChatSayForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


#: The value of an offered callback window: its start and end, ISO 8601 with the offset.
WINDOW_SEPARATOR = "/"


def window_value(start: datetime, end: datetime) -> str:
    return f"{start.isoformat()}{WINDOW_SEPARATOR}{end.isoformat()}"


def window_choices(windows: Sequence[tuple[datetime, datetime]]) -> list[Any]:
    """The offered windows for a select, grouped by day (Beijing time): 14:00–15:00 under
    "2026-11-23 星期一"."""
    from django.utils import formats, timezone

    groups: dict[str, list[tuple[str, str]]] = {}
    for start, end in windows:
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        day = formats.date_format(local_start, "Y-m-d l")
        label = f"{local_start:%H:%M}–{local_end:%H:%M}"
        groups.setdefault(day, []).append((window_value(start, end), label))
    return [("", _("Choose a window")), *groups.items()]


class CallbackWindowForm(forms.Form):
    """One of the callback windows offered (Beijing time, within the staffed hours); the value
    is parsed here, the window checked by the service."""

    window = forms.CharField(
        label=_("When should we call? (Beijing time)"),
        max_length=80,
        widget=forms.Select,
        error_messages={"required": _("Choose a window.")},
    )

    def __init__(
        self, *args: Any, windows: Sequence[tuple[datetime, datetime]] = (), **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        cast(forms.Select, self.fields["window"].widget).choices = window_choices(windows)

    def clean_window(self) -> str:
        value = str(self.cleaned_data["window"])
        start, sep, end = value.partition(WINDOW_SEPARATOR)
        try:
            window_start, window_end = datetime.fromisoformat(start), datetime.fromisoformat(end)
        except ValueError as exc:
            raise forms.ValidationError(_("Choose one of the windows offered.")) from exc
        if not sep or window_start.tzinfo is None or window_end.tzinfo is None:
            raise forms.ValidationError(_("Choose one of the windows offered."))
        self.cleaned_data["window_start"] = window_start
        self.cleaned_data["window_end"] = window_end
        return value


class CallbackForm(CallbackWindowForm):
    """A callback: what it is about, the number, one of the windows offered, a note."""

    contact_type = forms.ChoiceField(
        label=_("What is it about?"), choices=CONTACT_TYPE_CHOICES, widget=forms.RadioSelect
    )
    phone = forms.CharField(
        label=_("Call me on"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    text = forms.CharField(
        label=_("What should we know before calling? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["contact_type", "phone", "window", "text"]


class ComplaintForm(forms.Form):
    """A complaint: its category, what happened, and optionally one of my records."""

    category = forms.ChoiceField(label=_("What is the complaint about?"), choices=[])
    description = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, when, and what you would like us to do."),
    )
    service_request = forms.ChoiceField(
        label=_("About one of my service requests (optional)"), required=False
    )
    subscription = forms.ChoiceField(label=_("About one of my plans (optional)"), required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]] | None = None,
        requests: list[tuple[str, str]] | None = None,
        subscriptions: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = list(categories or [])
        cast(forms.ChoiceField, self.fields["service_request"]).choices = [
            (NOT_LINKED, _("None")),
            *(requests or []),
        ]
        cast(forms.ChoiceField, self.fields["subscription"]).choices = [
            (NOT_LINKED, _("None")),
            *(subscriptions or []),
        ]


class ComplaintAnswerForm(forms.Form):
    """The customer's answer to a resolution, or taking the complaint outside."""

    note = forms.CharField(
        label=_("Why? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    external_body = forms.CharField(label=_("Where to"), max_length=100, required=False)
    external_reference = forms.CharField(
        label=_("Their case number (optional)"), max_length=100, required=False
    )
