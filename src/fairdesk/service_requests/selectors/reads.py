"""Finding service requests: one by its number, the console's search box, filtered lists —
always among the requests the user may see (``access.requests_visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers.selectors import check_searches_by_personal_data, personal_data_for
from fairdesk.service_requests.choices import FIELD_KINDS, FINAL_STATES, Status
from fairdesk.service_requests.models import IdempotencyRecord, ServiceRequest
from fairdesk.service_requests.selectors.access import requests_visible_to


def _with_related(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    return qs.select_related("customer", "outlet", "device__product_model").prefetch_related(
        "clocks"
    )


def normalize_number(number: str) -> str:
    return (number or "").strip().upper()


def request_get(*, user: Any, number: str) -> ServiceRequest:
    """The request with this number, if ``user`` may see it; else ``NotFound`` (404)."""
    number = normalize_number(number)
    sr = _with_related(requests_visible_to(user)).filter(number=number).first()
    if sr is None:
        raise NotFound(
            _("There is no service request %(number)s.") % {"number": number},
            code="request_not_found",
            details={"number": number},
        )
    return sr


def request_for_render(pk: int) -> ServiceRequest:
    """A request the caller has just filed (or filed before, for a retry), with what its
    rendering reads: the filer sees what they filed, whatever else they may see."""
    return _with_related(ServiceRequest.objects.all()).get(pk=pk)


def request_find(*, user: Any, query: str, limit: int = 20) -> list[ServiceRequest]:
    """The console's search box: a request number, a mobile number or a device serial.

    Only among the requests ``user`` may see; newest first.
    """
    text = (query or "").strip()
    if not text:
        return []
    qs = _with_related(requests_visible_to(user))
    number = normalize_number(text)
    if number.startswith("SR"):
        return list(qs.filter(number=number)[:limit])
    if personal_data_for(user).masked:
        return []  # auditors find requests by their number only, never by a person's data
    phone = normalize_mobile(text)
    condition = Q(device__serial=text)
    if len(text) >= 4:
        condition |= Q(device_label__icontains=text)
    if phone:
        condition |= Q(customer__phone=phone)
    return list(qs.filter(condition).order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True, slots=True)
class RequestFilters:
    status: str | None = None
    kind: str | None = None
    outlet_code: str | None = None
    customer_phone: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    out_of_coverage: bool | None = None


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, datetime.min.time()))


def request_list(*, user: Any, filters: RequestFilters | None = None) -> QuerySet[ServiceRequest]:
    """The requests ``user`` may see, filtered, newest first (customer, outlet, device and clocks
    fetched with it: a page costs a constant number of queries).

    ``created_to`` as a date includes the whole day (Asia/Shanghai).
    """
    f = filters or RequestFilters()
    qs = _with_related(requests_visible_to(user))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.outlet_code:
        qs = qs.filter(outlet__code=f.outlet_code)
    if f.customer_phone:
        check_searches_by_personal_data(user)
        phone = normalize_mobile(f.customer_phone)
        if phone is None:
            raise DomainError(
                _("Not a mobile number: %(phone)s.") % {"phone": f.customer_phone},
                code="invalid_phone",
                status=422,
            )
        qs = qs.filter(customer__phone=phone)
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from))
    if f.created_to:
        end = f.created_to
        if isinstance(end, datetime):
            qs = qs.filter(created_at__lte=_day_start(end))
        else:
            qs = qs.filter(created_at__lt=_day_start(end + timedelta(days=1)))
    if f.out_of_coverage is not None:
        qs = qs.filter(out_of_coverage=f.out_of_coverage)
    return qs.order_by("-created_at", "-id")


def open_request_like(
    *, customer: Any, kind: str, device: Any = None, address: Any = None, product: str = ""
) -> ServiceRequest | None:
    """The customer's newest open field request for the same device (or, with no registered
    device, the same address and product description): what a second booking of the same
    fault would duplicate. None for desk kinds, or when there is none."""
    if kind not in FIELD_KINDS:
        return None
    open_ = ServiceRequest.objects.filter(customer=customer, kind__in=FIELD_KINDS).exclude(
        status__in=[*FINAL_STATES, Status.RESOLVED]
    )
    if device is not None:
        open_ = open_.filter(device=device)
    else:
        open_ = open_.filter(
            device__isnull=True, address=address, product_description=product.strip()
        )
    return open_.order_by("-created_at", "-pk").first()


def request_filed_with_key(*, user: Any, key: str) -> int | None:
    """The id of the request this signed-in user filed with this Idempotency-Key (a form sent
    again: the request is answered again, not questioned as a second booking)."""

    if not key or user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        IdempotencyRecord.objects.filter(key=key, client=None, user=user)
        .values_list("service_request_id", flat=True)
        .first()
    )
