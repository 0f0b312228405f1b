"""The service network in the API (mounted at /api/v1/): coverage lookup and outlets.

Error contract (``fairdesk.api`` renders every ``DomainError`` as ``{"error": {code, message,
details}}``):

* ``GET /coverage`` with neither ``address`` nor ``code`` (or blank ones): **422**
  ``address_required``; with both: 422 ``address_and_code``; an unknown ``code``: **404**
  ``division_not_found``.
* An ``address`` that does not resolve to one division (ambiguous, unknown, retired with several
  successors) is **not** an error: **200** with ``covered: false``, no outlets, and the resolution
  in ``division`` (its ``status``, ``note`` and ``candidates``, which can be asked for by ``code``).
* An unknown outlet code: **404** ``outlet_not_found``.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from fairdesk.api.errors import ErrorOut
from fairdesk.network import selectors
from fairdesk.network.choices import LEVEL_NAME, OutletStatus, ProductLine
from fairdesk.network.models import Coverage, Outlet

router = Router()


class CandidateOut(Schema):
    code: str
    level: str = Field(description="province | prefecture | county | township")
    name: str = Field(description="Full name, 省/地/县/乡 joined by “/”")


class DivisionOut(Schema):
    input: str = Field(description="The address or code asked about")
    code: str | None
    level: str | None
    name: str | None
    status: str = Field(description="resolved | ambiguous | retired | not_found")
    note: str | None = Field(description="The resolver's explanation, in the request's language")
    candidates: list[CandidateOut] = Field(
        description="Ambiguous: the possible readings; not found: suggestions; retired: successors"
    )


class MatchedDivisionOut(Schema):
    code: str
    level: str
    name: str


class CoveringOutletOut(Schema):
    code: str
    name: str
    phones: list[str]
    address: str
    opening_hours: str
    matched_division: MatchedDivisionOut = Field(
        description="The coverage row that makes this outlet serve the place"
    )
    coverage_level: str = Field(description="Level of the matched coverage row")


class NearestOutletOut(CoveringOutletOut):
    relation: str = Field(
        description="within (covers a part of the place) | same_county | same_prefecture | "
        "same_province"
    )


class CoverageAnswerOut(Schema):
    division: DivisionOut
    outlets: list[CoveringOutletOut] = Field(description="Serving outlets, most specific first")
    covered: bool
    nearest: list[NearestOutletOut] = Field(
        description="When not covered: outlets nearby, closest first"
    )


class AddressDivisionOut(Schema):
    code: str | None
    status: str | None


class OutletOut(Schema):
    code: str
    name: str
    address: str
    address_division: AddressDivisionOut
    phones: list[str]
    opening_hours: str
    product_lines: list[ProductLine]
    status: OutletStatus
    coverage_count: int = Field(description="Number of coverage rows")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_address_division(obj: Outlet) -> dict[str, str | None]:
        return {"code": obj.address_division_code or None, "status": obj.address_status or None}

    @staticmethod
    def resolve_coverage_count(obj: Outlet) -> int:
        count = getattr(obj, "coverage_count", None)
        return obj.coverages.count() if count is None else int(count)


class CoverageOut(Schema):
    division_code: str
    division_level: str
    division_name: str
    source_line: str
    created_at: datetime

    @staticmethod
    def resolve_division_level(obj: Coverage) -> str:
        return LEVEL_NAME[obj.division_level]


class OutletFilters(Schema):
    status: OutletStatus | None = None
    product_line: ProductLine | None = None
    q: str | None = Field(None, description="Search in code, name and address")


@router.get(
    "/coverage",
    response={200: CoverageAnswerOut, 404: ErrorOut, 422: ErrorOut},
    summary="Which outlets serve an address? / 哪个网点服务这个地址？",
)
def coverage(
    request: HttpRequest, address: str | None = None, code: str | None = None
) -> dict[str, object]:
    """Give a free-text ``address`` (e.g. 广西南宁市良庆区) or a division ``code`` (e.g. 450108).

    200 with ``covered: true`` and the serving outlets, most specific coverage first; or
    ``covered: false`` with ``nearest`` outlets, or with the resolution's candidates when the
    address is ambiguous or unknown. 422 when both are empty, 404 for an unknown code.
    """
    return selectors.coverage_for(address=address, code=code).as_dict()


@router.get(
    "/outlets", response={200: list[OutletOut], 422: ErrorOut}, summary="Outlets / 服务网点"
)
@paginate(PageNumberPagination, page_size=50)
def outlets(request: HttpRequest, filters: Query[OutletFilters]):
    """All outlets by code, with their number of coverage rows (paginated)."""
    return selectors.outlet_list(
        status=filters.status, product_line=filters.product_line, q=filters.q
    )


@router.get(
    "/outlets/{code}", response={200: OutletOut, 404: ErrorOut}, summary="One outlet / 网点详情"
)
def outlet_detail(request: HttpRequest, code: str) -> Outlet:
    outlet = selectors.outlet_get(code=code)
    outlet.coverage_count = outlet.coverages.count()  # type: ignore[attr-defined]
    return outlet


@router.get(
    "/outlets/{code}/coverage",
    response={200: list[CoverageOut], 404: ErrorOut},
    summary="An outlet's coverage / 网点服务范围",
)
@paginate(PageNumberPagination, page_size=200)
def outlet_coverage(request: HttpRequest, code: str):
    """The divisions an outlet covers, by code (each covers everything inside it)."""
    return selectors.outlet_coverage(outlet=selectors.outlet_get(code=code))
