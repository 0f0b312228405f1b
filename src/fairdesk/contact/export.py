"""The complaint export for auditors: complaints with their deadlines met or missed and the
personal data taken out (``complaints_export``; served by ``GET /api/v1/complaints/export`` and
the page ``/audit/complaints/``), and complaint rates per outlet.

Who may read it is decided by ``selectors.check_may_export_complaints`` (auditors and brand
administrators). Redaction: no name, the customer as a stable pseudonym (``customer_pseudonym``),
phone numbers, identity card numbers, e-mail addresses and street addresses masked in the free
text (``core.masking.redact``: a street address is cut after its province, city or county).
"""

from __future__ import annotations

import csv
import hmac
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fairdesk.contact import workflow
from fairdesk.contact.choices import ComplaintStatus
from fairdesk.contact.models import Complaint, ComplaintEvent
from fairdesk.contact.services.complaints import check_complaint_category
from fairdesk.core.errors import DomainError
from fairdesk.core.localtime import SHANGHAI
from fairdesk.core.masking import redact

EXPORT_FORMATS = ("csv", "json")
#: A period of the export without ``from``: the last 30 days.
EXPORT_DEFAULT_DAYS = 30


def customer_pseudonym(customer_id: int) -> str:
    """A stable pseudonym: the same customer always gets the same one, and it cannot be turned
    back into the customer without the site's secret key (HMAC-SHA256 of the id)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"fairdesk.contact.customer:{customer_id}".encode(), "sha256"
    ).hexdigest()
    return f"P{digest[:16]}"


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def period_bounds(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    """Beijing days [from, to] inclusive as an instant range [start, end)."""
    return _local_day_start(period_from), _local_day_start(period_to + timedelta(days=1))


MET, MISSED, OPEN = "met", "missed", "open"


def _deadline_result(due: datetime | None, done: datetime | None, now: datetime) -> str | None:
    if due is None:
        return None
    if done is not None:
        return MET if done <= due else MISSED
    return MISSED if now > due else OPEN


def _deadline_figures(
    complaint: Complaint, events: list[ComplaintEvent], now: datetime
) -> dict[str, Any]:
    """The brand's deadlines, from the append-only events: acknowledgement (due when received),
    resolution (the first promise, made on acknowledgement — later steps do not move it), and
    every brand step (each event that left the brand a step carries its due time)."""
    first: dict[str, ComplaintEvent] = {}
    for event in events:
        first.setdefault(event.to_status, event)
    received = first.get(ComplaintStatus.RECEIVED)
    acknowledged = first.get(ComplaintStatus.ACKNOWLEDGED)
    resolved = first.get(ComplaintStatus.RESOLVED)
    ack_due = received.due_at if received else None
    resolve_due = acknowledged.due_at if acknowledged else None
    resolve_result = _deadline_result(resolve_due, resolved.at if resolved else None, now)
    if resolved is None and resolve_due is not None and complaint.status in workflow.CLOSED:
        resolve_result = MISSED  # taken outside without a resolution
    met = missed = 0
    for index, event in enumerate(events):
        if event.to_status not in workflow.BRAND_OWES or event.due_at is None:
            continue
        following = events[index + 1] if index + 1 < len(events) else None
        result = _deadline_result(event.due_at, following.at if following else None, now)
        if result == MET:
            met += 1
        elif result == MISSED:
            missed += 1
    return {
        "acknowledge_due": ack_due,
        "acknowledged_at": acknowledged.at if acknowledged else None,
        "acknowledge_deadline": _deadline_result(
            ack_due, acknowledged.at if acknowledged else None, now
        ),
        "resolve_due": resolve_due,
        "resolved_at": resolved.at if resolved else None,
        "resolve_deadline": resolve_result,
        "deadlines_met": met,
        "deadlines_missed": missed,
    }


#: The export's columns, in order (the CSV header; the JSON keys).
EXPORT_COLUMNS = (
    "number",
    "customer",
    "category",
    "green",
    "status",
    "outlet",
    "received_at",
    "acknowledge_due",
    "acknowledged_at",
    "acknowledge_deadline",
    "resolve_due",
    "resolved_at",
    "resolve_deadline",
    "deadlines_met",
    "deadlines_missed",
    "escalation_level",
    "closed_at",
    "outcome",
    "external_body",
    "description",
)


def complaints_export(
    *,
    period_from: date,
    period_to: date,
    category: str | None = None,
    outlet: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Complaints received in the Beijing days [from, to], oldest first, one row each, with the
    personal data taken out: no name, the customer as a stable pseudonym, phone numbers, identity
    card numbers, e-mail addresses and street addresses masked in the free text, and the names
    of the exported customers replaced wherever they appear (a name not on record cannot be
    recognised)."""
    now = now or timezone.now()
    start, end = period_bounds(period_from, period_to)
    qs = (
        Complaint.objects.filter(created_at__gte=start, created_at__lt=end)
        .select_related("outlet", "customer")
        .order_by("created_at", "id")
    )
    if category:
        qs = qs.filter(category=category)
    if outlet:
        qs = qs.filter(outlet__code=outlet)
    complaints = list(qs)
    events: dict[int, list[ComplaintEvent]] = defaultdict(list)
    for event in ComplaintEvent.objects.filter(complaint__in=[c.pk for c in complaints]).order_by(
        "complaint_id", "at", "id"
    ):
        events[event.complaint_id].append(event)
    # every exported customer's name is taken out of every row (complaints name other people)
    names = sorted({c.customer.name for c in complaints if c.customer.name})
    rows = []
    for complaint in complaints:
        row: dict[str, Any] = {
            "number": complaint.number,
            "customer": customer_pseudonym(complaint.customer_id),
            "category": complaint.category,
            "green": complaint.green,
            "status": complaint.status,
            "outlet": complaint.outlet.code if complaint.outlet else "",
            "received_at": complaint.created_at,
            **_deadline_figures(complaint, events[complaint.pk], now),
            "escalation_level": complaint.escalation_level,
            "closed_at": complaint.closed_at,
            "outcome": redact(complaint.outcome, names=names),
            "external_body": complaint.external_body,
            "description": redact(complaint.description, names=names),
        }
        rows.append({key: row[key] for key in EXPORT_COLUMNS})
    return rows


@dataclass(frozen=True)
class OutletRate:
    outlet: str
    outlet_name: str
    complaints: int
    service_requests: int
    rate: float | None  # complaints per service request (None without requests)


def complaint_rates_per_outlet(*, period_from: date, period_to: date) -> list[OutletRate]:
    """Complaints ÷ service requests per outlet, both counted by when they were received in the
    Beijing days [from, to]. Outlets with neither are left out."""
    from fairdesk.network.models import Outlet
    from fairdesk.service_requests.models import ServiceRequest

    start, end = period_bounds(period_from, period_to)
    complaints = dict(
        Complaint.objects.filter(created_at__gte=start, created_at__lt=end, outlet__isnull=False)
        .values("outlet_id")
        .annotate(n=Count("id"))
        .values_list("outlet_id", "n")
    )
    requests = dict(
        ServiceRequest.objects.filter(
            created_at__gte=start, created_at__lt=end, outlet__isnull=False
        )
        .values("outlet_id")
        .annotate(n=Count("id"))
        .values_list("outlet_id", "n")
    )
    ids = set(complaints) | set(requests)
    outlets = Outlet.objects.filter(pk__in=ids).order_by("code")
    return [
        OutletRate(
            outlet=o.code,
            outlet_name=o.name,
            complaints=complaints.get(o.pk, 0),
            service_requests=requests.get(o.pk, 0),
            rate=(complaints.get(o.pk, 0) / requests[o.pk]) if requests.get(o.pk) else None,
        )
        for o in outlets
    ]


# --------------------------------------------------------------------------------------------
# The export's query and its CSV
# --------------------------------------------------------------------------------------------


def check_export_query(
    *,
    format: str,
    period_from: date | None,
    period_to: date | None,
    category: str | None,
    outlet: str | None,
    today: date,
) -> tuple[date, date]:
    """The period of an export asked for (to: today by default; from: 30 days before to), after
    checking the query: 422 ``invalid_format``, ``invalid_period``, ``invalid_category``,
    ``outlet_not_found``."""
    from fairdesk.network.models import Outlet

    if format not in EXPORT_FORMATS:
        raise DomainError(_("Choose csv or json."), code="invalid_format", status=422)
    period_to = period_to or today
    period_from = period_from or period_to - timedelta(days=EXPORT_DEFAULT_DAYS - 1)
    if period_from > period_to:
        raise DomainError(_("The period starts after it ends."), code="invalid_period", status=422)
    if category:
        check_complaint_category(category)
    if outlet and not Outlet.objects.filter(code=outlet).exists():
        raise DomainError(_("There is no such outlet."), code="outlet_not_found", status=422)
    return period_from, period_to


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # not a formula when opened in a spreadsheet
    return text


def export_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV: UTF-8 with the byte-order mark (Excel), a header row, times in Beijing
    time, no cell that a spreadsheet would read as a formula."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with the byte-order mark
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in EXPORT_COLUMNS])
    return buffer.getvalue()
