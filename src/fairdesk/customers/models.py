"""Customers, their addresses and their devices (the installed base), and sign-in codes.

A customer signs in with a mobile number and a one-time code; the first sign-in creates the
customer and a Django user in the ``customer`` group. Staff are Django users with a password.
No logic here: writes go through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fairdesk.core.masking import mask_address, mask_name, mask_serial
from fairdesk.core.phones import mask_phone
from fairdesk.customers.choices import AddressStatus
from fairdesk.network.choices import ProductLine


class Customer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer",
        verbose_name=_("user"),
    )
    # mainland mobile number, 11 digits (normalised: no +86, no spaces)
    phone = models.CharField(_("mobile number"), max_length=11, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # masked: how a customer is named wherever a page names a row (the admin's titles,
        # links and history); their data is read field by field, by those who may
        return f"{mask_name(self.name) or '—'} ({mask_phone(self.phone)})"


class LoginCode(models.Model):
    """A one-time sign-in code sent to a mobile number (only its hash is stored)."""

    phone = models.CharField(_("mobile number"), max_length=11, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=128)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # when the last wrong code was entered: failures count towards the number's lockout by it
    last_failed_at = models.DateTimeField(_("last failed attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ip", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    label = models.CharField(_("label"), max_length=50, blank=True)  # 家, 公司…
    text = models.CharField(_("address"), max_length=300)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # how the resolver read it, kept at the time of entry (an address that does not resolve is
    # kept and usable: its requests are routed by hand)
    division_code = models.CharField(_("division code"), max_length=12, blank=True, db_index=True)
    division_name = models.CharField(_("division"), max_length=200, blank=True)
    division_status = models.CharField(
        _("address resolution"), max_length=16, choices=AddressStatus.choices
    )
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            # at most one default address per customer (the service keeps it so; this guards it)
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True),
                name="customers_address_one_default",
            )
        ]

    def __str__(self) -> str:
        return mask_address(self.text, self.division_code, self.division_name)  # as above


class ProductModel(models.Model):
    """A product model in the brand's catalog, with its warranty terms."""

    brand = models.CharField(_("brand"), max_length=100)
    product_line = models.CharField(_("product line"), max_length=32, choices=ProductLine.choices)
    model_code = models.CharField(_("model"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"))
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["brand", "product_line", "model_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "model_code"], name="customers_product_model_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model_code} {self.name}"


class Device(models.Model):
    """One unit a customer owns (the installed base)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="devices", verbose_name=_("customer")
    )
    product_model = models.ForeignKey(
        ProductModel,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("product model"),
    )
    serial = models.CharField(_("serial number"), max_length=64)
    purchase_date = models.DateField(_("purchase date"))
    # warranty end, computed from the model's terms when the device is registered
    warranty_until = models.DateField(_("warranty until"))
    proof = models.FileField(_("proof of purchase"), upload_to="proofs/%Y/%m/", blank=True)
    proof_content_type = models.CharField(_("proof type"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_model", "serial"], name="customers_device_serial_unique"
            )
        ]
        indexes = [models.Index(fields=["serial"])]

    def __str__(self) -> str:
        return f"{self.product_model.model_code} {mask_serial(self.serial)}"  # as above

    @property
    def label(self) -> str:
        """The model and the serial, as a request keeps them."""
        return f"{self.product_model.model_code} {self.serial}"
