"""Customers in the API (mounted at /api/v1/): sign-in with a code, the catalog, my addresses
and devices.

Sign-in is a session: ``POST /auth/code`` sends a code, ``POST /auth/verify`` checks it and sets
the session cookie; the ``/me/…`` endpoints then need that cookie (and, for POST, Django's CSRF
token in ``X-CSRFToken``, like every cookie-authenticated API). Errors have the one shape
``{"error": {"code", "message", "details"}}``: 401 ``not_signed_in``, 403 ``not_a_customer`` /
``csrf_failed``, 422 for bad input (``invalid_phone``, ``wrong_code``, ``invalid_serial``,
``proof_type`` …), 409 ``duplicate_serial``, 429 for limits with ``details.retry_after`` seconds.
"""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import ErrorOut
from fairdesk.core.errors import DomainError
from fairdesk.customers import selectors, services
from fairdesk.customers.http import client_ip
from fairdesk.customers.models import Address, Customer, Device
from fairdesk.network.choices import ProductLine

router = Router(tags=["customers"])


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


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


class ProductFilters(Schema):
    product_line: ProductLine | None = None


class DivisionOut(Schema):
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
    division: DivisionOut
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
    product_model_id: int
    serial: str
    purchase_date: date


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


# --------------------------------------------------------------------------------------------
# Sign-in
# --------------------------------------------------------------------------------------------


def _same_origin_only(request: HttpRequest) -> None:
    """Sign-in CSRF guard. There is no session (so no CSRF token) before signing in, but a
    browser always says where a request comes from: a cross-site ``Origin`` or
    ``Sec-Fetch-Site: cross-site`` is refused, so another site cannot sign a visitor in to an
    account of its choosing. Apps and scripts send neither header and are not affected."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site", "")
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    if site == "cross-site" or (origin is not None and origin not in allowed):
        raise DomainError(
            _("Sign-in requests must come from fairdesk's own pages or an app."),
            code="csrf_failed",
            status=403,
        )


@router.post(
    "/auth/code",
    response={202: CodeSentOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send a sign-in code / 发送登录验证码",
    tags=["auth"],
)
def auth_code(request: HttpRequest, payload: CodeIn) -> Status[Any]:
    """Send a six-digit code by text message (valid 5 minutes). Limits: one a minute and five an
    hour per number, twenty an hour per IP; over a limit, 429 with ``details.retry_after``.
    Refused (403 ``csrf_failed``) when a browser says the request comes from another site."""
    _same_origin_only(request)
    row = services.login_code_request(phone=payload.phone, ip=client_ip(request))
    return Status(
        202,
        {
            "phone": row.phone,
            "expires_at": row.expires_at,
            "resend_after": services.setting("LOGIN_CODE_RESEND_SECONDS"),
        },
    )


@router.post(
    "/auth/verify",
    response={200: CustomerOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Sign in with the code / 验证码登录",
    tags=["auth"],
)
def auth_verify(request: HttpRequest, payload: VerifyIn) -> Customer:
    """Check the code and start a session (cookie). The first sign-in creates the account.
    Refused (403 ``csrf_failed``) when a browser says the request comes from another site."""
    _same_origin_only(request)
    customer = services.login_code_verify(
        phone=payload.phone, code=payload.code, ip=client_ip(request)
    )
    login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
    return customer


@router.post(
    "/auth/sign-out",
    response={204: None},
    summary="Sign out / 退出登录",
    tags=["auth"],
)
def auth_sign_out(request: HttpRequest) -> Status[Any]:
    logout(request)
    return Status(204, None)


# --------------------------------------------------------------------------------------------
# Catalog and my things
# --------------------------------------------------------------------------------------------


@router.get(
    "/products",
    response={200: list[ProductModelOut], 422: ErrorOut},
    summary="Product catalog / 产品型号",
)
@paginate(PageNumberPagination, page_size=100)
def products(request: HttpRequest, filters: Query[ProductFilters]):
    """The models on sale, by product line, with their warranty terms."""
    return selectors.product_model_list(product_line=filters.product_line)


@router.get(
    "/me",
    auth=api_auth,
    response={200: CustomerOut, 401: ErrorOut, 403: ErrorOut},
    summary="Me / 我的账户",
)
def me(request: ApiRequest) -> Customer:
    return selectors.access_own_customer(request.auth.user)


@router.get(
    "/me/addresses",
    auth=api_auth,
    response={200: list[AddressOut], 401: ErrorOut, 403: ErrorOut},
    summary="My addresses / 我的地址",
)
def my_addresses(request: ApiRequest) -> Any:
    return selectors.customer_addresses(customer=selectors.access_own_customer(request.auth.user))


@router.post(
    "/me/addresses",
    auth=api_auth,
    response={201: AddressOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add an address / 添加地址",
)
def my_address_create(request: ApiRequest, payload: AddressIn) -> Status[Any]:
    """The address is resolved to a division; one that cannot be placed is still saved, with
    ``warning`` set (requests to it are routed by hand)."""
    address = services.address_create(
        customer=selectors.access_own_customer(request.auth.user),
        **payload.dict(),
    )
    return Status(201, address)


@router.get(
    "/me/devices",
    auth=api_auth,
    response={200: list[DeviceOut], 401: ErrorOut, 403: ErrorOut},
    summary="My devices / 我的设备",
)
def my_devices(request: ApiRequest) -> Any:
    return selectors.customer_devices(customer=selectors.access_own_customer(request.auth.user))


@router.post(
    "/me/devices",
    auth=api_auth,
    response={201: DeviceOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register a device / 登记设备",
)
def my_device_register(
    request: ApiRequest,
    payload: Form[DeviceIn],
    proof: UploadedFile | None = File(None),  # noqa: B008
) -> Status[Any]:
    """Multipart form: ``product_model_id``, ``serial``, ``purchase_date`` (YYYY-MM-DD) and an
    optional ``proof`` of purchase (JPEG, PNG or PDF by content, at most 5 MB). The warranty end
    is computed from the model's warranty months."""
    device = services.device_register(
        customer=selectors.access_own_customer(request.auth.user),
        product_model=selectors.product_model_get(pk=payload.product_model_id),
        serial=payload.serial,
        purchase_date=payload.purchase_date,
        proof=proof,
    )
    return Status(201, device)
