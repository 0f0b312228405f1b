"""Forms of the customer pages (parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairdesk.core.bounds import DayField
from fairdesk.customers.models import ProductModel
from fairdesk.customers.services import setting


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "138 0013 8000",
                "enterkeyhint": "send",
            }
        ),
    )


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\s*\d{6}\s*",
                "placeholder": "123456",
                "enterkeyhint": "go",
            }
        ),
    )


class AddressForm(forms.Form):
    text = forms.CharField(
        label=_("Address"),
        max_length=300,
        widget=forms.TextInput(
            attrs={
                "placeholder": "广东省深圳市南山区粤海街道科技园路1号",
                "autocomplete": "street-address",
            }
        ),
    )
    label = forms.CharField(
        label=_("Label (e.g. home, office)"),
        max_length=50,
        required=False,
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    is_default = forms.BooleanField(label=_("Make this my default address"), required=False)


class ProductModelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProductModel) -> str:
        english = (get_language() or "").startswith("en") and obj.name_en
        return f"{obj.name_en if english else obj.name} · {obj.model_code}"


class DeviceForm(forms.Form):
    product_model = ProductModelChoiceField(
        label=_("Product model"),
        queryset=ProductModel.objects.filter(active=True).order_by(
            "product_line", "brand", "model_code"
        ),
        empty_label=_("Choose your model"),
    )
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        help_text=_("Printed on the label of the device and on the box."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    purchase_date = DayField(
        label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    proof = forms.FileField(
        label=_("Proof of purchase (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = setting("DEVICE_PROOF_MAX_BYTES") / (1024 * 1024)
        self.fields["proof"].help_text = _(
            "A photo of the receipt or invoice (JPEG or PNG) or a PDF, up to %(mb)s MB."
        ) % {"mb": f"{limit:g}"}
