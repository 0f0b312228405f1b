from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fairdesk.areas.gazetteer import get_gazetteer
from fairdesk.core.errors import DomainError, NotFound
from fairdesk.network.choices import OutletStatus
from fairdesk.network.models import Outlet
from fairdesk.network.selectors import coverage_for, network_summary
from fairdesk.network.services import outlet_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def nanning(make_outlet: Callable[..., Outlet]) -> dict[str, Outlet]:
    """Four outlets around 良庆区 at four levels, plus one in a sibling county."""
    return {
        "province": make_outlet("P", coverage="广西全境"),
        "prefecture": make_outlet("F", coverage="南宁市全境"),
        "county": make_outlet("C", coverage="广西南宁市良庆区"),
        "township": make_outlet("T", coverage="南宁市良庆区良庆镇"),
        "sibling": make_outlet("S", coverage="南宁市青秀区"),
    }


def test_most_specific_coverage_first(nanning: dict[str, Outlet]) -> None:
    answer = coverage_for(code="450108100")  # 良庆镇
    assert answer.covered
    assert [m.outlet.code for m in answer.outlets] == ["T", "C", "F", "P"]
    assert [m.coverage_level for m in answer.outlets] == [
        "township",
        "county",
        "prefecture",
        "province",
    ]
    assert answer.nearest == []

    answer = coverage_for(address="广西南宁市良庆区")
    assert answer.resolution.code == "450108"
    assert [m.outlet.code for m in answer.outlets] == ["C", "F", "P"]
    assert answer.as_dict()["outlets"][0]["matched_division"] == {
        "code": "450108",
        "level": "county",
        "name": "广西壮族自治区/南宁市/良庆区",
    }


def test_prefecture_coverage_covers_townships_and_inactive_outlets_do_not(
    nanning: dict[str, Outlet],
) -> None:
    for key in ("province", "county", "township"):
        outlet_update(outlet=nanning[key], status=OutletStatus.SUSPENDED)
    answer = coverage_for(code="450108101")  # 那马镇, in 良庆区
    assert [m.outlet.code for m in answer.outlets] == ["F"]
    assert answer.outlets[0].coverage.division_code == "450100"


def test_covering_query_is_one_query(
    nanning: dict[str, Outlet], django_assert_num_queries: Any
) -> None:
    get_gazetteer()
    with django_assert_num_queries(1):
        answer = coverage_for(code="450108100")
    assert len(answer.outlets) == 4


def test_not_covered_lists_nearest(make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("SIB", coverage="南宁市青秀区")  # sibling county, same prefecture
    make_outlet("PROV", coverage="柳州市全境")  # same province
    make_outlet("FAR", coverage="黔东南榕江县")  # another province
    make_outlet("TOWN", coverage="南宁市良庆区那马镇")  # inside the county asked for
    answer = coverage_for(address="广西南宁市良庆区")
    assert not answer.covered
    assert [(m.outlet.code, m.relation) for m in answer.nearest] == [
        ("TOWN", "within"),
        ("SIB", "same_prefecture"),
        ("PROV", "same_province"),
    ]
    body = answer.as_dict()
    assert body["covered"] is False and body["outlets"] == []
    assert body["nearest"][1]["relation"] == "same_prefecture"


def test_township_not_covered_prefers_same_county(make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("SIB", coverage="南宁市青秀区")
    make_outlet("NEXT", coverage="南宁市良庆区那马镇")
    answer = coverage_for(code="450108100")  # 良庆镇
    assert [(m.outlet.code, m.relation) for m in answer.nearest] == [
        ("NEXT", "same_county"),
        ("SIB", "same_prefecture"),
    ]


def test_province_administered_county(make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("HB", coverage="直辖县天门市")
    make_outlet("WH", coverage="武汉市全境")
    answer = coverage_for(code="429006001")
    assert [m.outlet.code for m in answer.outlets] == ["HB"]
    answer = coverage_for(code="429005")  # 潜江市, a sibling under the province
    assert [(m.outlet.code, m.relation) for m in answer.nearest] == [
        ("HB", "same_province"),
        ("WH", "same_province"),
    ]


def test_unresolved_address_is_not_covered_with_the_resolution(
    make_outlet: Callable[..., Outlet],
) -> None:
    make_outlet("BJ", coverage="北京市全境")
    answer = coverage_for(address="朝阳区")
    assert not answer.covered and answer.nearest == []
    division = answer.division
    assert division["status"] == "ambiguous" and division["code"] is None
    assert {c["code"] for c in division["candidates"]} >= {"110105", "220104"}


def test_bad_arguments() -> None:
    with pytest.raises(DomainError) as exc:
        coverage_for(address="  ")
    assert exc.value.code == "address_required" and exc.value.status == 422
    with pytest.raises(DomainError):
        coverage_for(address="良庆区", code="450108")
    with pytest.raises(NotFound):
        coverage_for(code="999999")


def test_network_summary(make_outlet: Callable[..., Outlet]) -> None:
    empty = network_summary()
    assert empty["outlets"] == 0 and empty["counties_covered"] == 0
    assert empty["provinces_total"] == 33 and empty["counties_total"] > 2800
    make_outlet("A", coverage="南宁市全境、榕江县、中山市石岐街道")
    make_outlet("B", coverage="良庆区")  # inside A's prefecture: no new county
    closed = make_outlet("Z", coverage="北京市全境")
    outlet_update(outlet=closed, status=OutletStatus.CLOSED)
    g = get_gazetteer()
    nanning_counties = [c for c in g.descendants("450100") if g.divisions[c].level == 3]
    summary = network_summary()
    assert summary["outlets"] == 2
    assert summary["counties_covered"] == len(nanning_counties) + 1
    assert summary["provinces_covered"] == 3  # 广西, 贵州, 广东 (石岐街道 counts for 广东)


def test_the_coverage_index_answers_what_the_database_does(
    nanning: dict[str, Outlet], make_outlet: Callable[..., Outlet]
) -> None:
    """``coverage_for`` from a ``CoverageIndex`` (the routing configuration kept in memory)
    gives the same answer as from the database: covered places, the nearest outlets of an
    uncovered one, and a suspended outlet left out."""
    from fairdesk.network.selectors import CoverageIndex, coverage_for

    outlet_update(outlet=nanning["sibling"], status=OutletStatus.SUSPENDED)
    make_outlet("G", coverage="黔东南榕江县")
    index = CoverageIndex.load()
    assert coverage_for(code="522600", index=index).nearest  # 黔东南: within it, not covering
    for code in ("450108", "450108001", "450100", "450000", "450102", "450300", "520000", "522600"):
        assert coverage_for(code=code, index=index).as_dict() == coverage_for(code=code).as_dict()
    assert coverage_for(code="450108", index=index).outlets
