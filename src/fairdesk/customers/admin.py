"""Admin of customers, addresses, the product catalog, devices and sign-in codes.

Writes that have rules go through the services: a customer is created with
``customer_get_or_create`` (the number normalised), the catalog with ``product_model_save``.
Addresses and devices are entered by customers (portal, API) and agents (console), so they are
read-only here; sign-in codes are read-only everywhere. Who sees which customers is
``selectors.customers_visible_to`` (outlet staff: those with a request at their outlet), and
auditors see their personal data masked (``core.admin.PersonalDataAdmin``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fairdesk.core.admin import NoAddOrChange, PersonalDataAdmin
from fairdesk.core.errors import DomainError
from fairdesk.core.phones import mask_phone
from fairdesk.customers import selectors, services
from fairdesk.customers.models import Address, Customer, Device, LoginCode, ProductModel

ADDRESS_FIELDS = {
    "text": "address",
    "contact_name": "name",
    "contact_phone": "phone",
    "division_code": "division_code",
    "division_name": "division_name",
    "resolution_note": "text",
    "customer": "customer",
}


class AddressInline(PersonalDataAdmin, NoAddOrChange, admin.TabularInline):
    model = Address
    personal_fields = ADDRESS_FIELDS
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "label",
        "text",
        "division_status",
        "division_name",
        "is_default",
        "created_at",
    )


class DeviceInline(PersonalDataAdmin, NoAddOrChange, admin.TabularInline):
    model = Device
    personal_fields = {"serial": "serial"}
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "product_model",
        "serial",
        "purchase_date",
        "warranty_until",
        "created_at",
    )
    show_change_link = True


class CustomerAdminForm(forms.ModelForm):
    # any way of writing the number (+86, spaces, dashes): normalised by clean_phone
    phone = forms.CharField(label=_("mobile number"), max_length=32)

    class Meta:
        model = Customer
        fields = ["phone", "name", "email", "language"]

    def clean_phone(self) -> str:
        try:
            phone = services.check_mobile(self.cleaned_data.get("phone") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        if Customer.objects.filter(phone=phone).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A customer with this mobile number already exists."))
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            if "email" in data:
                data["email"] = services.check_email(data["email"])
        except DomainError as exc:
            self.add_error("email", exc.message)
        return data


@admin.register(Customer)
class CustomerAdmin(PersonalDataAdmin, admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["masked_phone", "name", "language", "created_at"]
    search_fields = ["phone", "name", "email"]
    readonly_fields = ["user", "created_at"]
    inlines = [AddressInline, DeviceInline]
    personal_fields = {"phone": "phone", "name": "name", "email": "email", "user": "user"}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        visible = selectors.customers_visible_to(request.user)
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return ["phone", *fields] if obj is not None else fields

    @admin.display(description=_("mobile number"), ordering="phone")
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        if change:
            services.customer_update(
                customer=obj, name=obj.name, email=obj.email, language=obj.language
            )
            return
        created = services.customer_get_or_create(phone=obj.phone, name=obj.name)
        services.customer_update(customer=created, email=obj.email, language=obj.language)
        obj.pk = created.pk
        obj.created_at = created.created_at


@admin.register(Address)
class AddressAdmin(PersonalDataAdmin, NoAddOrChange, admin.ModelAdmin):
    list_display = ["text", "customer", "division_status", "division_name", "is_default"]
    personal_fields = ADDRESS_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Address]:
        visible = selectors.customers_visible_to(request.user)
        return super().get_queryset(request).filter(customer__in=visible.values("pk"))

    list_filter = ["division_status", "is_default"]
    list_select_related = ["customer"]
    search_fields = ["text", "customer__phone", "division_code", "division_name"]
    fields = readonly_fields = (
        "customer",
        "label",
        "text",
        "contact_name",
        "contact_phone",
        "division_status",
        "division_code",
        "division_name",
        "resolution_note",
        "is_default",
        "created_at",
    )


class ProductModelAdminForm(forms.ModelForm):
    class Meta:
        model = ProductModel
        fields = [
            "brand",
            "product_line",
            "model_code",
            "name",
            "name_en",
            "warranty_months",
            "active",
        ]

    def clean_warranty_months(self) -> int:
        try:
            return services.check_warranty_months(self.cleaned_data["warranty_months"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    form = ProductModelAdminForm
    list_display = ["model_code", "name", "brand", "product_line", "warranty_months", "active"]
    list_filter = ["product_line", "active", "brand"]
    search_fields = ["model_code", "name", "name_en", "brand"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # brand and model code identify a model; devices refer to it
        return ["brand", "model_code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: ProductModel, form: Any, change: bool) -> None:
        saved = services.product_model_save(
            brand=obj.brand,
            model_code=obj.model_code,
            name=obj.name,
            name_en=obj.name_en,
            product_line=obj.product_line,
            warranty_months=obj.warranty_months,
            active=obj.active,
        )
        obj.pk = saved.pk


@admin.register(Device)
class DeviceAdmin(PersonalDataAdmin, NoAddOrChange, admin.ModelAdmin):
    personal_fields = {"serial": "serial", "customer": "customer", "proof_link": "hidden"}
    list_display = [
        "serial",
        "product_model",
        "customer",
        "purchase_date",
        "warranty_until",
        "warranty",
    ]
    list_filter = ["product_model__product_line"]
    list_select_related = ["product_model", "customer"]
    search_fields = ["serial", "customer__phone", "product_model__model_code"]
    fields = readonly_fields = (
        "customer",
        "product_model",
        "serial",
        "purchase_date",
        "warranty_until",
        "warranty",
        "proof_link",
        "proof_content_type",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Device]:
        visible = selectors.customers_visible_to(request.user)
        return super().get_queryset(request).filter(customer__in=visible.values("pk"))

    @admin.display(description=_("warranty"))
    def warranty(self, obj: Device) -> str:
        return selectors.device_warranty_status(obj).label

    @admin.display(description=_("proof of purchase"))
    def proof_link(self, obj: Device) -> str:
        if not obj.proof:
            return "—"
        url = reverse("customers:device_proof", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.proof_content_type or _("file"))


@admin.register(LoginCode)
class LoginCodeAdmin(NoAddOrChange, admin.ModelAdmin):
    """Sign-in codes: only their hashes are stored; for looking into a customer's complaint."""

    list_display = ["masked_phone", "created_at", "expires_at", "attempts", "used_at", "ip"]
    search_fields = ["phone"]
    fields = readonly_fields = (
        "phone",
        "ip",
        "created_at",
        "expires_at",
        "attempts",
        "last_failed_at",
        "used_at",
    )

    @admin.display(description=_("mobile number"), ordering="phone")
    def masked_phone(self, obj: LoginCode) -> str:
        return mask_phone(obj.phone)
