"""The customers API's bodies and answers (Ninja schemas: most answers are model instances)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from fairdesk.api.pagination import PageQuery
from fairdesk.api.schemas import Day, Id
from fairdesk.customers import selectors
from fairdesk.customers.models import Address, Device
from fairdesk.network.choices import ProductLine


class CodeIn(Schema):
    phone: str = Field(description="Mainland mobile number, e.g. 13800138000 or +86 138 0013 8000")


class CodeSentOut(Schema):
    phone: str = Field(description="The number in normal form")
    expires_at: datetime
    resend_after: int = Field(description="Seconds before another code can be asked for")


class VerifyIn(Schema):
    phone: str
    code: str = Field(description="The six digits of the text message")


class CustomerOut(Schema):
    id: int
    phone: str
    name: str
    email: str
    language: str
    created_at: datetime


class ProductModelOut(Schema):
    id: int
    brand: str
    product_line: ProductLine
    model_code: str
    name: str
    name_en: str
    warranty_months: int
    active: bool = Field(description="On sale (devices of discontinued models can be registered)")


class ProductFilters(PageQuery):
    product_line: ProductLine | None = None
    limit: int = Field(100, ge=1, le=100, description="How many models (a page)")


class AddressResolutionOut(Schema):
    status: str = Field(description="resolved | ambiguous | retired | not_found")
    code: str | None
    name: str | None
    note: str | None = Field(description="How the resolver read the address (Chinese)")


class AddressIn(Schema):
    text: str = Field(description="The address as the customer writes it")
    label: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    is_default: bool = False


class AddressOut(Schema):
    id: int
    label: str
    text: str
    contact_name: str
    contact_phone: str
    is_default: bool
    division: AddressResolutionOut
    warning: str | None = Field(
        description="Set when the address could not be placed: it is kept, requests to it are "
        "routed by hand"
    )
    created_at: datetime

    @staticmethod
    def resolve_division(obj: Address) -> dict[str, Any]:
        return {
            "status": obj.division_status,
            "code": obj.division_code or None,
            "name": obj.division_name or None,
            "note": obj.resolution_note or None,
        }

    @staticmethod
    def resolve_warning(obj: Address) -> str | None:
        return selectors.address_warning(obj)


class WarrantyOut(Schema):
    status: str = Field(description="in_warranty | expired")
    until: date
    days_left: int
    days_expired: int
    label: str


class DeviceIn(Schema):
    product_model_id: Id
    serial: str
    purchase_date: Day


class DeviceOut(Schema):
    id: int
    product_model: ProductModelOut
    serial: str
    purchase_date: date
    warranty_until: date
    warranty: WarrantyOut
    proof_content_type: str = Field(description="image/jpeg, image/png, application/pdf or empty")
    created_at: datetime

    @staticmethod
    def resolve_warranty(obj: Device) -> dict[str, Any]:
        return selectors.device_warranty_status(obj).as_dict()
