"""Forms of the network pages and admin (parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairdesk.core.errors import DomainError
from fairdesk.network.choices import ImportMode, ProductLine
from fairdesk.network.models import Outlet
from fairdesk.network.services import check_outlet_code, check_phones


class CoverageLookupForm(forms.Form):
    address = forms.CharField(
        label=_("Your address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("e.g. 广西南宁市良庆区 or 黔东南榕江县"),
                # what is typed here is an address in Chinese, in any language of the page
                "data-user": "",
                "autocomplete": "street-address",
                "enterkeyhint": "search",
            }
        ),
    )
    code = forms.RegexField(
        regex=r"^\d{6}(\d{3})?$",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("A division code has 6 or 9 digits.")},
    )


class OutletAdminForm(forms.ModelForm):
    """Phones as text (one per line) and product lines as checkboxes instead of raw JSON."""

    phones = forms.CharField(
        label=_("phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One number per line (or separated by commas)."),
    )
    product_lines = forms.MultipleChoiceField(
        label=_("product lines served"),
        required=False,
        choices=ProductLine.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Outlet
        fields = ["code", "name", "address", "phones", "opening_hours", "product_lines", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["phones"] = "\n".join(self.instance.phones or [])
            self.initial["product_lines"] = list(self.instance.product_lines or [])

    def clean_code(self) -> str:
        try:
            return check_outlet_code(self.cleaned_data.get("code") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_phones(self) -> list[str]:
        try:
            return check_phones(self.cleaned_data.get("phones") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class CoverageImportForm(forms.Form):
    text = forms.CharField(
        label=_("Coverage list"),
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "cols": 80,
                "placeholder": (
                    "黔东南榕江县、广西南宁市良庆区、海南共和县\n直辖县天门市、中山市石岐街道\n南宁市全境"
                ),
            }
        ),
        help_text=_(
            "Paste the areas as the brand publishes them: one per line or separated by "
            "、 ， ; or /. “南宁市全境” covers the whole prefecture."
        ),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=ImportMode.choices,
        initial=ImportMode.ADD,
        widget=forms.RadioSelect,
    )
