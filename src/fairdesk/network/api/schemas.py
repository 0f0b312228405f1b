"""The network API's answers and filters."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from fairdesk.api.pagination import PageQuery
from fairdesk.network.choices import LEVEL_NAME, OutletStatus, ProductLine
from fairdesk.network.models import Coverage, Outlet


class CoverageCandidateOut(Schema):
    code: str
    level: str = Field(description="province | prefecture | county | township")
    name: str = Field(description="Full name, 省/地/县/乡 joined by “/”")


class CoverageDivisionOut(Schema):
    input: str = Field(description="The address or code asked about")
    code: str | None
    level: str | None
    name: str | None
    status: str = Field(description="resolved | ambiguous | retired | not_found")
    note: str | None = Field(description="The resolver's explanation, in the request's language")
    candidates: list[CoverageCandidateOut] = Field(
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
    division: CoverageDivisionOut
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


class OutletFilters(PageQuery):
    status: OutletStatus | None = None
    product_line: ProductLine | None = None
    q: str | None = Field(None, description="Search in code, name and address")
    limit: int = Field(50, ge=1, le=100, description="How many outlets (a page)")


class CoveragePage(PageQuery):
    limit: int = Field(200, ge=1, le=500, description="How many rows (a page)")
