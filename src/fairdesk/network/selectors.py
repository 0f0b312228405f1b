"""Reads of the service network: which outlet serves an address, outlet lists, summary numbers.

``coverage_for`` answers with one query for the covering rows: an outlet serves a division when
it covers the division itself or one of its ancestors, so the query is ``division_code IN
(province, prefecture, county, township)`` on an indexed column. Only when nothing covers the
place does a second query look for the nearest outlets (a code-range scan of the province on the
same index).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairdesk.areas.gazetteer import COUNTY, PROVINCE, TOWNSHIP, get_gazetteer
from fairdesk.areas.resolver import Resolution, resolve
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.network.choices import LEVEL_NAME, OutletStatus
from fairdesk.network.models import Coverage, Outlet, OutletMember

NEAREST_LIMIT = 5

# How a nearby outlet relates to the place asked about, closest first.
WITHIN = "within"  # covers a part of the place (the place is broader than the coverage)
SAME_COUNTY = "same_county"
SAME_PREFECTURE = "same_prefecture"
SAME_PROVINCE = "same_province"
_RELATION_OF_LEVEL = {3: SAME_COUNTY, 2: SAME_PREFECTURE, 1: SAME_PROVINCE}
_RELATION_RANK = {WITHIN: 0, SAME_COUNTY: 1, SAME_PREFECTURE: 2, SAME_PROVINCE: 3}


@dataclass(slots=True)
class OutletMatch:
    """An outlet and the coverage row that makes it serve (or be near) the place."""

    outlet: Outlet
    coverage: Coverage
    relation: str | None = None  # for nearest outlets only

    @property
    def coverage_level(self) -> str:
        return LEVEL_NAME[self.coverage.division_level]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.outlet.code,
            "name": self.outlet.name,
            "phones": list(self.outlet.phones or []),
            "address": self.outlet.address,
            "opening_hours": self.outlet.opening_hours,
            "matched_division": {
                "code": self.coverage.division_code,
                "level": self.coverage_level,
                "name": self.coverage.division_name,
            },
            "coverage_level": self.coverage_level,
        }
        if self.relation is not None:
            out["relation"] = self.relation
        return out


@dataclass(slots=True)
class CoverageAnswer:
    resolution: Resolution
    outlets: list[OutletMatch] = field(default_factory=list)
    nearest: list[OutletMatch] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.outlets)

    @property
    def division(self) -> dict[str, Any]:
        lang = get_language() or "zh-hans"
        res = self.resolution
        return {
            "input": res.input,
            "code": res.code if res.ok else None,
            "level": res.level if res.ok else None,
            "name": res.name if res.ok else None,
            "status": res.status,
            "note": (res.note_en if lang.startswith("en") else res.note) or None,
            "candidates": [c.as_dict() for c in res.candidates],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "division": self.division,
            "outlets": [m.as_dict() for m in self.outlets],
            "covered": self.covered,
            "nearest": [m.as_dict() for m in self.nearest],
        }


def _resolution_for_code(code: str) -> Resolution:
    g = get_gazetteer()
    code = (code or "").strip()
    div = g.divisions.get(code)
    if div is None:
        raise NotFound(
            _("There is no administrative division with code %(code)s.") % {"code": code},
            code="division_not_found",
            details={"code": code},
        )
    return Resolution(code, "resolved", div.code, LEVEL_NAME[div.level], g.full_name(code))


def _active_coverage(**lookup: Any) -> list[Coverage]:
    """Coverage rows of active outlets matching ``lookup`` (on ``division_code``), each with
    its outlet; in no particular order."""
    return list(
        Coverage.objects.filter(outlet__status=OutletStatus.ACTIVE, **lookup)
        .select_related("outlet")
        .order_by()
    )


class CoverageIndex:
    """Every coverage row of the active outlets, in memory, by division code: what
    ``coverage_for`` reads instead of the database when a caller keeps one (the routing
    configuration of ``service_requests``). Rows are kept as their values (a national network's
    tens of thousands take a few MB) and made into fresh instances when asked for; the outlets
    are shared, read-only."""

    def __init__(self, rows: list[tuple[int, str, int, str, int]], outlets: list[Outlet]) -> None:
        self._outlets = {outlet.pk: outlet for outlet in outlets}
        self._by_code: dict[str, list[tuple[int, str, int, str, int]]] = {}
        for row in rows:
            if row[4] in self._outlets:  # an outlet activated between the two reads is left out
                self._by_code.setdefault(row[1], []).append(row)
        self._codes = sorted(self._by_code)

    @classmethod
    def load(cls) -> CoverageIndex:
        """The active outlets' coverage now (two queries)."""
        rows = Coverage.objects.filter(outlet__status=OutletStatus.ACTIVE).values_list(
            "pk", "division_code", "division_level", "division_name", "outlet_id"
        )
        return cls(list(rows), list(Outlet.objects.filter(status=OutletStatus.ACTIVE)))

    def _rows(self, found: list[tuple[int, str, int, str, int]]) -> list[Coverage]:
        made = []
        for pk, code, level, name, outlet_id in found:
            row = Coverage(pk=pk, division_code=code, division_level=level, division_name=name)
            row.outlet = self._outlets[outlet_id]
            made.append(row)
        return made

    def at(self, codes: list[str]) -> list[Coverage]:
        """The rows of these division codes."""
        return self._rows([row for code in codes for row in self._by_code.get(code, ())])

    def within(self, low: str, high: str) -> list[Coverage]:
        """The rows whose division code is in ``[low, high)``."""
        start, end = bisect.bisect_left(self._codes, low), bisect.bisect_left(self._codes, high)
        return self._rows([row for code in self._codes[start:end] for row in self._by_code[code]])


def coverage_for(
    *, address: str | None = None, code: str | None = None, index: CoverageIndex | None = None
) -> CoverageAnswer:
    """The active outlets serving a place, most specific coverage first.

    Give a free-text ``address`` (resolved with the gazetteer) or a division ``code``. A place is
    served by an outlet covering the place itself or a division containing it (a prefecture's
    coverage serves its counties and townships). When none does, ``nearest`` lists outlets close
    by: those covering a part of the place, then the same county, prefecture, province.
    An address that does not resolve to one division gives an answer with no outlets and the
    resolution (its candidates or suggestions); an empty one is a ``DomainError``. With an
    ``index`` the rows come from it, not from the database.
    """
    address = (address or "").strip()
    code = (code or "").strip()
    if address and code:
        raise DomainError(
            _("Give either an address or a division code, not both."),
            code="address_and_code",
            status=422,
        )
    if code:
        resolution = _resolution_for_code(code)
    elif address:
        resolution = resolve(address)
    else:
        raise DomainError(
            _("Enter an address, for example 广西南宁市良庆区."),
            code="address_required",
            status=422,
        )
    answer = CoverageAnswer(resolution)
    if not resolution.ok or not resolution.code:
        return answer

    g = get_gazetteer()
    target = resolution.code
    path = g.path(target)
    ancestors = [d.code for d in path]
    rows = (
        index.at(ancestors) if index is not None else _active_coverage(division_code__in=ancestors)
    )
    # Most specific first; one line per outlet (its most specific row); stable by outlet code.
    rows.sort(key=lambda c: (-c.division_level, c.outlet.code))
    seen: set[int] = set()
    for row in rows:
        if row.outlet_id not in seen:
            seen.add(row.outlet_id)
            answer.outlets.append(OutletMatch(row.outlet, row))
    if answer.outlets:
        return answer

    # Not covered: the nearest outlets, inside the province (one range scan on the code index).
    province = path[0]
    prefix = province.prefix
    nearby = (
        index.within(prefix, prefix + ":")
        if index is not None
        else _active_coverage(division_code__gte=prefix, division_code__lt=prefix + ":")
    )
    ranked: list[tuple[tuple[int, int, str, str], OutletMatch]] = []
    target_div = g.divisions[target]
    for row in nearby:
        if target_div.level < TOWNSHIP and g.is_ancestor(target, row.division_code):
            relation = WITHIN
        else:
            relation = SAME_PROVINCE
            for anc in reversed(path[:-1]):
                if g.contains(anc.code, row.division_code):
                    relation = _RELATION_OF_LEVEL.get(anc.level, SAME_PROVINCE)
                    break
        key = (_RELATION_RANK[relation], -row.division_level, row.outlet.code, row.division_code)
        ranked.append((key, OutletMatch(row.outlet, row, relation)))
    ranked.sort(key=lambda item: item[0])
    seen = set()
    for _key, match in ranked:
        if match.outlet.pk in seen:
            continue
        seen.add(match.outlet.pk)
        answer.nearest.append(match)
        if len(answer.nearest) >= NEAREST_LIMIT:
            break
    return answer


def outlet_get(*, code: str) -> Outlet:
    """The outlet with this code, or ``NotFound``."""
    outlet = Outlet.objects.filter(code=code).first()
    if outlet is None:
        raise NotFound(
            _("There is no outlet with code %(code)s.") % {"code": code},
            code="outlet_not_found",
            details={"code": code},
        )
    return outlet


def outlet_list(
    *, status: str | None = None, product_line: str | None = None, q: str | None = None
) -> QuerySet[Outlet]:
    """Outlets with their number of coverage rows, by code (one query per page)."""
    qs = Outlet.objects.annotate(coverage_count=Count("coverages")).order_by("code")
    if status:
        qs = qs.filter(status=status)
    if product_line:
        # JSON list membership that works on SQLite and PostgreSQL alike.
        qs = qs.filter(product_lines__icontains=f'"{product_line}"')
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(address__icontains=q))
    return qs


def outlet_coverage(*, outlet: Outlet) -> QuerySet[Coverage]:
    return Coverage.objects.filter(outlet=outlet).order_by("division_code")


def network_summary() -> dict[str, int]:
    """Headline numbers: active outlets, counties and provinces with active coverage.

    A county counts as covered when it, its prefecture or its province is covered; township
    coverage makes a county partly covered (``counties_partial``).
    """
    g = get_gazetteer()
    codes = set(
        Coverage.objects.filter(outlet__status=OutletStatus.ACTIVE)
        .values_list("division_code", flat=True)
        .distinct()
    )
    counties = [d for d in g.divisions.values() if d.level == COUNTY]
    provinces = [d for d in g.divisions.values() if d.level == PROVINCE]
    covered: set[str] = set()
    partial: set[str] = set()
    for code in codes:
        div = g.divisions.get(code)
        if div is None:
            continue
        if div.level == COUNTY:
            covered.add(code)
        elif div.level < COUNTY:
            covered.update(c for c in g.descendants(code) if g.divisions[c].level == COUNTY)
        else:
            partial.update(d.code for d in g.path(code) if d.level == COUNTY)
    province_prefixes = {code[:2] for code in codes}
    return {
        "outlets": Outlet.objects.filter(status=OutletStatus.ACTIVE).count(),
        "counties_covered": len(covered),
        "counties_partial": len(partial - covered),
        "counties_total": len(counties),
        "provinces_covered": sum(1 for p in provinces if p.prefix in province_prefixes),
        "provinces_total": len(provinces),
    }


def outlet_roles_of(*, user: Any) -> dict[int, str]:
    """The outlets a user works at, ``{outlet_id: role}`` (active memberships; one query).

    An anonymous or inactive user works nowhere.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return {}
    return dict(memberships_of(user_id=user.pk).values_list("outlet_id", "role"))


def memberships_of(*, user_id: int) -> QuerySet[OutletMember]:
    """A user's active memberships (unordered: callers may combine it with other queries)."""
    return OutletMember.objects.filter(user_id=user_id, active=True).order_by()


def outlet_members(*, outlet: Outlet, roles: list[str] | None = None) -> QuerySet[Any]:
    """The active users working at an outlet (optionally only those with one of ``roles``)."""
    from django.contrib.auth import get_user_model

    members = OutletMember.objects.filter(outlet=outlet, active=True)
    if roles is not None:
        members = members.filter(role__in=roles)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members.values("user_id"))
        .order_by("pk")
    )
