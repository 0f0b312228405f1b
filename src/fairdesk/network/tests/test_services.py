from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fairdesk.areas.resolver import resolve
from fairdesk.core.errors import DomainError
from fairdesk.network.choices import LineOutcome, OutletStatus
from fairdesk.network.models import Coverage, CoverageImport, CoverageImportLine, Outlet
from fairdesk.network.services import (
    ImportReport,
    coverage_import_apply,
    coverage_import_preview,
    outlet_create,
    outlet_update,
)

pytestmark = pytest.mark.django_db

BRIEF_LIST = "黔东南榕江县、广西南宁市良庆区、海南共和县、直辖县天门市、中山市石岐街道"
BRIEF_CODES = ["522632", "450108", "632521", "429006", "442000001"]
UNKNOWN = "火星市奥林匹斯县"


def codes(outlet: Outlet) -> list[str]:
    return sorted(outlet.coverages.values_list("division_code", flat=True))


def outcomes(report: ImportReport) -> list[str]:
    return [e.outcome for e in report.entries]


def test_brief_entries_resolve_and_become_coverage(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text=BRIEF_LIST, actor_name="t")
    assert outcomes(report) == [LineOutcome.ADDED] * 5
    assert [e.division_code for e in report.entries] == BRIEF_CODES
    assert codes(outlet) == sorted(BRIEF_CODES)
    row = outlet.coverages.get(division_code="632521")
    assert row.division_level == 3
    assert row.division_name == "青海省/海南藏族自治州/共和县"
    assert row.source_line == "海南共和县"
    assert outlet.coverages.get(division_code="442000001").division_level == 4
    # the import is recorded with every entry
    record = report.record
    assert record is not None and record.added_count == 5 and record.entries_count == 5
    lines = list(record.lines.order_by("index"))
    assert [(ln.index, ln.line_number, ln.text, ln.outcome) for ln in lines] == [
        (i + 1, 1, text, "added") for i, text in enumerate(BRIEF_LIST.split("、"))
    ]
    assert row.source_import_id == record.pk


def test_whole_prefecture_entry_covers_the_prefecture(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text="南宁市全境")
    [entry] = report.entries
    assert entry.outcome == LineOutcome.ADDED
    assert entry.division_code == "450100" and entry.division_level == 2
    assert "全境" in entry.note
    assert codes(outlet) == ["450100"]


def test_preview_writes_nothing(outlet: Outlet) -> None:
    report = coverage_import_preview(outlet=outlet, text=BRIEF_LIST + "\n朝阳区")
    assert outcomes(report)[:5] == [LineOutcome.ADDED] * 5
    assert report.entries[5].outcome == LineOutcome.NEEDS_CHOICE
    assert report.record is None
    assert Coverage.objects.count() == 0
    assert CoverageImport.objects.count() == 0


def test_ambiguous_entry_needs_a_choice_then_takes_it(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text="良庆区、朝阳区")
    assert outcomes(report) == [LineOutcome.ADDED, LineOutcome.NEEDS_CHOICE]
    pending = report.entries[1]
    assert {c["code"] for c in pending.candidates} >= {"110105", "220104"}
    assert pending.division_code is None
    assert codes(outlet) == ["450108"]
    assert report.record is not None and report.record.needs_choice_count == 1
    line = CoverageImportLine.objects.get(coverage_import=report.record, index=2)
    assert line.outcome == "needs_choice" and line.status == "ambiguous"
    assert {c["code"] for c in line.candidates} >= {"110105", "220104"}

    report = coverage_import_apply(outlet=outlet, text="良庆区、朝阳区", choices={2: "220104"})
    assert outcomes(report) == [LineOutcome.ALREADY_COVERED, LineOutcome.ADDED]
    assert report.entries[1].chosen_code == "220104"
    assert codes(outlet) == ["220104", "450108"]
    line = CoverageImportLine.objects.get(coverage_import=report.record, index=2)
    assert line.chosen_code == "220104" and line.division_code == "220104"


def test_choice_not_among_candidates_is_rejected_and_changes_nothing(outlet: Outlet) -> None:
    coverage_import_apply(outlet=outlet, text="良庆区")
    before_imports = CoverageImport.objects.count()
    with pytest.raises(DomainError) as exc:
        coverage_import_apply(outlet=outlet, text="榕江县、朝阳区", choices={2: "450108"})
    assert exc.value.code == "invalid_choice" and exc.value.status == 422
    assert exc.value.details["index"] == 2
    assert "110105" in exc.value.details["candidates"]
    assert codes(outlet) == ["450108"]  # 榕江县 (entry 1) was not added either
    assert CoverageImport.objects.count() == before_imports
    with pytest.raises(DomainError):
        coverage_import_apply(outlet=outlet, text="榕江县", choices={7: "522632"})
    with pytest.raises(DomainError):
        coverage_import_preview(outlet=outlet, text="榕江县、朝阳区", choices={2: "999999"})


def test_unresolved_entry_is_recorded_with_suggestions(outlet: Outlet) -> None:
    resolution = resolve(UNKNOWN)
    assert resolution.status == "not_found"
    report = coverage_import_apply(outlet=outlet, text=f"良庆区\n{UNKNOWN}")
    entry = report.entries[1]
    assert entry.outcome == LineOutcome.UNRESOLVED
    assert entry.entry.line_number == 2
    assert entry.candidates == [c.as_dict() for c in resolution.candidates]
    assert report.needs_attention
    line = report.record.lines.get(index=2)  # type: ignore[union-attr]
    assert line.outcome == "unresolved" and line.text == UNKNOWN
    assert line.candidates == entry.candidates
    assert report.record.unresolved_count == 1  # type: ignore[union-attr]
    assert codes(outlet) == ["450108"]


def test_unresolved_entry_can_take_one_of_its_suggestions(outlet: Outlet) -> None:
    typo = "南宁市梁庆区"  # a typo for 良庆区
    res = resolve(typo)
    assert res.status == "not_found"
    assert "450108" in [c.code for c in res.candidates]
    suggestion = "450108"
    report = coverage_import_apply(outlet=outlet, text=typo, choices={1: suggestion})
    assert outcomes(report) == [LineOutcome.ADDED]
    assert codes(outlet) == [suggestion]


def test_reimport_is_idempotent(outlet: Outlet) -> None:
    text = BRIEF_LIST + "\n南宁市全境"
    first = coverage_import_apply(outlet=outlet, text=text)
    assert first.count(LineOutcome.ADDED) == 5  # 良庆区 is inside 南宁市 (entry 6)
    assert first.entries[1].covered_by == {
        "code": "450100",
        "name": "广西壮族自治区/南宁市",
        "entry": 6,
    }
    rows = list(Coverage.objects.order_by("id").values_list("id", "division_code"))
    second = coverage_import_apply(outlet=outlet, text=text)
    assert outcomes(second) == [LineOutcome.ALREADY_COVERED] * 6
    assert not second.changes_anything
    assert list(Coverage.objects.order_by("id").values_list("id", "division_code")) == rows
    # replace mode with the same list is a no-op too
    third = coverage_import_apply(outlet=outlet, text=text, replace=True)
    assert third.removed == [] and third.count(LineOutcome.ADDED) == 0
    assert list(Coverage.objects.order_by("id").values_list("id", "division_code")) == rows


def test_entry_inside_broader_coverage_is_reported_as_covered(outlet: Outlet) -> None:
    coverage_import_apply(outlet=outlet, text="南宁市全境")
    report = coverage_import_apply(outlet=outlet, text="广西南宁市良庆区、榕江县")
    first = report.entries[0]
    assert first.outcome == LineOutcome.ALREADY_COVERED
    assert first.covered_by == {"code": "450100", "name": "广西壮族自治区/南宁市", "entry": None}
    assert report.entries[1].outcome == LineOutcome.ADDED
    assert codes(outlet) == ["450100", "522632"]


def test_broader_entry_later_in_the_same_list_covers_earlier_ones(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text="良庆区、青秀区\n南宁市全境\n良庆区")
    assert outcomes(report) == [
        LineOutcome.ALREADY_COVERED,
        LineOutcome.ALREADY_COVERED,
        LineOutcome.ADDED,
        LineOutcome.ALREADY_COVERED,
    ]
    assert report.entries[0].covered_by["entry"] == 3  # type: ignore[index]
    assert codes(outlet) == ["450100"]


def test_duplicate_entry_in_one_list(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text="榕江县、黔东南榕江县")
    assert outcomes(report) == [LineOutcome.ADDED, LineOutcome.ALREADY_COVERED]
    assert report.entries[1].covered_by == {
        "code": "522632",
        "name": "贵州省/黔东南苗族侗族自治州/榕江县",
        "entry": 1,
    }
    assert codes(outlet) == ["522632"]


def test_replace_mode_removes_what_the_list_does_not_name(outlet: Outlet) -> None:
    coverage_import_apply(outlet=outlet, text="良庆区、榕江县、直辖县天门市")
    kept = outlet.coverages.get(division_code="522632")
    report = coverage_import_apply(outlet=outlet, text="榕江县、海南共和县", replace=True)
    assert outcomes(report) == [LineOutcome.ALREADY_COVERED, LineOutcome.ADDED]
    assert [r["code"] for r in report.removed] == ["429006", "450108"]
    assert codes(outlet) == ["522632", "632521"]
    assert outlet.coverages.get(division_code="522632").pk == kept.pk  # kept, not re-created
    record = report.record
    assert record is not None and record.mode == "replace" and record.removed_count == 2
    assert [r["code"] for r in record.removed] == ["429006", "450108"]


def test_replace_with_broader_entry_drops_narrow_rows(outlet: Outlet) -> None:
    coverage_import_apply(outlet=outlet, text="良庆区")
    report = coverage_import_apply(outlet=outlet, text="南宁市全境", replace=True)
    assert outcomes(report) == [LineOutcome.ADDED]
    assert [r["code"] for r in report.removed] == ["450108"]
    assert codes(outlet) == ["450100"]


def test_ignored_entries_are_reported(outlet: Outlet) -> None:
    report = coverage_import_apply(outlet=outlet, text="1、良庆区\n——\n广西：兴宁区")
    assert [(e.entry.text, e.outcome) for e in report.entries] == [
        ("1", LineOutcome.IGNORED),
        ("良庆区", LineOutcome.ADDED),
        ("——", LineOutcome.IGNORED),
        ("广西", LineOutcome.IGNORED),
        ("兴宁区", LineOutcome.ADDED),
    ]
    assert report.record is not None and report.record.ignored_count == 3
    assert codes(outlet) == ["450102", "450108"]


def test_heading_disambiguates_plain_county_names(outlet: Outlet) -> None:
    plain = coverage_import_preview(outlet=outlet, text="鼓楼区")
    assert plain.entries[0].outcome == LineOutcome.NEEDS_CHOICE
    report = coverage_import_apply(outlet=outlet, text="福州市：鼓楼区、台江区")
    assert [e.division_code for e in report.entries[1:]] == ["350102", "350103"]


def test_empty_list_is_an_error(outlet: Outlet) -> None:
    with pytest.raises(DomainError) as exc:
        coverage_import_apply(outlet=outlet, text=" 、\n ")
    assert exc.value.code == "empty_list"
    assert CoverageImport.objects.count() == 0


def test_actor_is_recorded(outlet: Outlet, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("brand", password="x")
    report = coverage_import_apply(outlet=outlet, text="良庆区", actor=user)
    assert report.record is not None
    assert report.record.actor == user and report.record.actor_name == "brand"


# --- outlets -------------------------------------------------------------------------------


def test_outlet_create_resolves_address_and_validates(make_outlet: Callable[..., Outlet]) -> None:
    outlet = outlet_create(
        code="GX-01",
        name=" 南宁服务中心 ",
        address="广西南宁市良庆区",
        phones="0771-1234567\n400-820-8820、0771-1234567",
        product_lines=["safe", "safe"],
    )
    assert outlet.name == "南宁服务中心"
    assert outlet.address_division_code == "450108" and outlet.address_status == "resolved"
    assert outlet.phones == ["0771-1234567", "400-820-8820"]
    assert outlet.product_lines == ["safe"]
    assert outlet.status == OutletStatus.ACTIVE

    with pytest.raises(DomainError) as exc:
        outlet_create(code="GX-01", name="again")
    assert exc.value.code == "duplicate_code" and exc.value.status == 409
    for bad in (
        {"code": "bad code", "name": "x"},
        {"code": "X1", "name": " "},
        {"code": "X2", "name": "x", "phones": ["call me"]},
        {"code": "X3", "name": "x", "product_lines": ["spaceship"]},
        {"code": "X4", "name": "x", "status": "sleeping"},
    ):
        with pytest.raises(DomainError):
            outlet_create(**bad)
    assert Outlet.objects.count() == 1


def test_outlet_update_changes_only_what_is_given(outlet: Outlet) -> None:
    before = Outlet.objects.get(pk=outlet.pk)
    updated = outlet_update(outlet=outlet, status=OutletStatus.SUSPENDED, address="黔东南榕江县")
    assert updated.status == "suspended"
    assert updated.address_division_code == "522632"
    assert updated.name == before.name and updated.phones == before.phones
    with pytest.raises(DomainError):
        outlet_update(outlet=outlet, product_lines=["nope"])
    assert Outlet.objects.get(pk=outlet.pk).product_lines == before.product_lines
