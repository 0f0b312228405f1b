"""Forms of the catalog's admin pages that check what the catalog file checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairdesk.network.choices import ProductLine
from fairdesk.plans.choices import DEVICE_KINDS
from fairdesk.plans.models import PlanFamily

if TYPE_CHECKING:  # generic in django-stubs only, not at runtime
    PlanFamilyFormBase = forms.ModelForm[PlanFamily]
else:
    PlanFamilyFormBase = forms.ModelForm


class PlanFamilyForm(PlanFamilyFormBase):
    """A family: the product lines its plans cover and the families it relates to, under the
    catalog file's rules (``catalog._check_product_lines``, ``catalog._check_related``)."""

    product_lines = forms.MultipleChoiceField(
        label=gettext_lazy("product lines covered"),
        choices=ProductLine.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Each subscription covers one of the customer's devices of these."),
    )

    class Meta:
        model = PlanFamily
        fields = ["code", "kind", "name", "name_en", "product_lines", "related"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "related" in self.fields and self.instance.pk is not None:
            related = self.fields["related"]
            assert isinstance(related, forms.ModelMultipleChoiceField)
            related.queryset = PlanFamily.objects.exclude(pk=self.instance.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = set(data.get("product_lines") or [])
        if data.get("kind") in DEVICE_KINDS and not lines:
            self.add_error("product_lines", _("Say which product lines this family's plans cover."))
        for other in data.get("related") or []:
            if lines and not lines & set(other.product_lines or []):
                self.add_error(
                    "related",
                    _(
                        "“%(family)s” covers no product line in common with this family: a "
                        "switch keeps the device the plan covers."
                    )
                    % {"family": other.code},
                )
        return data
