"""A signed-in customer's own account, addresses and devices."""

from __future__ import annotations

from typing import Any

from ninja import File, Form, Status, UploadedFile

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.customers import selectors, services
from fairdesk.customers.api.router import router
from fairdesk.customers.api.schemas import AddressIn, AddressOut, CustomerOut, DeviceIn, DeviceOut
from fairdesk.customers.models import Customer


@router.get(
    "/me",
    auth=api_auth,
    response=responds(CustomerOut, 401, 403),
    summary="Me / 我的账户",
)
def me(request: ApiRequest) -> Customer:
    return selectors.access_own_customer(request.auth.user)


@router.get(
    "/me/addresses",
    auth=api_auth,
    response=responds(list[AddressOut], 401, 403),
    summary="My addresses / 我的地址",
)
def my_addresses(request: ApiRequest) -> Any:
    return selectors.customer_addresses(customer=selectors.access_own_customer(request.auth.user))


@router.post(
    "/me/addresses",
    auth=api_auth,
    response=responds(AddressOut, 401, 403, 422, ok=(201,)),
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
    response=responds(list[DeviceOut], 401, 403),
    summary="My devices / 我的设备",
)
def my_devices(request: ApiRequest) -> Any:
    return selectors.customer_devices(customer=selectors.access_own_customer(request.auth.user))


@router.post(
    "/me/devices",
    auth=api_auth,
    response=responds(DeviceOut, 401, 403, 409, 422, ok=(201,)),
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
