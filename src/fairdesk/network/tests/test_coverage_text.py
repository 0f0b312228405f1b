"""Reading a free-text coverage list into entries (``network.services.parse_coverage_text``)."""

from __future__ import annotations

from fairdesk.network.services import parse_coverage_text


def test_separators_lines_and_order() -> None:
    text = (
        "黔东南榕江县、广西南宁市良庆区，海南共和县\n"
        "直辖县天门市;中山市石岐街道；A县/B县,C县\n\n  D县\u3000E县\tF县 "
    )
    entries = parse_coverage_text(text)
    assert [e.text for e in entries] == [
        "黔东南榕江县",
        "广西南宁市良庆区",
        "海南共和县",
        "直辖县天门市",
        "中山市石岐街道",
        "A县",
        "B县",
        "C县",
        "D县",
        "E县",
        "F县",
    ]
    assert [e.index for e in entries] == list(range(1, 12))
    assert [e.line_number for e in entries] == [1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4]


def test_blank_entries_and_crlf_are_dropped() -> None:
    entries = parse_coverage_text("南宁市、、 、\r\n\r\n，良庆区\r\n")
    assert [(e.text, e.line_number) for e in entries] == [("南宁市", 1), ("良庆区", 3)]


def test_numbering_and_trailing_etc_are_not_sent_to_the_resolver() -> None:
    entries = parse_coverage_text("1. 南宁市\n（2）柳州市等")
    assert [(e.text, e.query) for e in entries] == [
        ("1. 南宁市", "南宁市"),
        ("（2）柳州市等", "柳州市"),
    ]


def test_heading_becomes_its_own_entry_and_context() -> None:
    entries = parse_coverage_text("广西：南宁市、兴宁区\n柳州市")
    assert [(e.text, e.is_heading, e.heading) for e in entries] == [
        ("广西", True, ""),
        ("南宁市", False, "广西"),
        ("兴宁区", False, "广西"),
        ("柳州市", False, ""),
    ]


def test_empty_text() -> None:
    assert parse_coverage_text("") == []
    assert parse_coverage_text(" \n、\u3000\n") == []
