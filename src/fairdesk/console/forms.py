"""Forms of the console (parsing only; the services decide)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Phone number, request number or device serial"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "enterkeyhint": "search",
                "placeholder": _("e.g. 138 0013 8000, SR-…, or a serial number"),
            }
        ),
    )


class NewCallerForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=32, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)


class QueueFilterForm(forms.Form):
    """The queue's filters (unknown values are ignored, never an error page)."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    outlet = forms.ChoiceField(label=_("Outlet"), required=False)
    breached = forms.BooleanField(label=_("Missed deadlines only"), required=False)
    coverage = forms.ChoiceField(
        label=_("Coverage"),
        required=False,
        choices=[
            ("", _("All")),
            ("out", _("Out of coverage (central queue)")),
            ("in", _("In an outlet's coverage")),
        ],
    )

    def __init__(self, *args: object, outlets: list[tuple[str, str]], **kwargs: object) -> None:
        from fairdesk.service_requests.choices import Status

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("All")), *Status.choices]
        cast(forms.ChoiceField, self.fields["outlet"]).choices = [("", _("All")), *outlets]


class TransitionForm(forms.Form):
    to_status = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class AssignOutletForm(forms.Form):
    outlet = forms.CharField(label=_("Outlet code"), max_length=32)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


# --- service plans (the agent acts for the customer: the same choices as the portal) ---------


class PlanChangeForm(forms.Form):
    """Step 1: the option chosen. ``to_plan`` empty means cancel (as in the API's null)."""

    to_plan = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    timing = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)


class PlanTimingForm(forms.Form):
    timing = forms.CharField(max_length=16, widget=forms.HiddenInput)


class PlanConfirmForm(forms.Form):
    """Step 2: where a credit goes (the original payment method unless the customer chooses
    account credit) and a reason, never required."""

    refund_to = forms.ChoiceField(
        label=_("A credit for unused time goes to"), widget=forms.RadioSelect, initial="original"
    )
    reason = forms.CharField(
        label=_("Reason the customer gives (optional)"), max_length=300, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from fairdesk.plans.choices import RefundTo

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["refund_to"]).choices = RefundTo.choices


class AutoRenewForm(forms.Form):
    on = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")],
        coerce=lambda value: value == "on",
        widget=forms.HiddenInput,
    )
    consent_text = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
