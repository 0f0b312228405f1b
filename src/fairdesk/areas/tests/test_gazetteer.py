"""The gazetteer: the MCA table as of 2025-12-31, its shape, and the history."""

from __future__ import annotations

from fairdesk.areas.gazetteer import (
    COUNTY,
    PREFECTURE,
    PROVINCE,
    TOWNSHIP,
    get_gazetteer,
    level_of_code,
)

G = get_gazetteer()


def test_counts_match_the_published_table() -> None:
    counts = {lvl: 0 for lvl in (PROVINCE, PREFECTURE, COUNTY, TOWNSHIP)}
    for div in G.divisions.values():
        counts[div.level] += 1
    # 34 provincial units minus 台湾省, which MCA publishes without a numeric code
    assert counts == {PROVINCE: 33, PREFECTURE: 333, COUNTY: 2845, TOWNSHIP: 38723}
    assert G.metadata["data_as_of"] == "2025-12-31"


def test_codes_are_hierarchical_by_prefix() -> None:
    for div in G.divisions.values():
        if div.parent:
            assert G.is_ancestor(div.parent, div.code), div
            assert div.code.startswith(G.divisions[div.parent].prefix)


def test_path_and_full_name() -> None:
    assert [d.code for d in G.path("440305007")] == ["440000", "440300", "440305", "440305007"]
    assert G.full_name("632521") == "青海省/海南藏族自治州/共和县"
    assert G.full_name("429006") == "湖北省/天门市"  # a county directly under its province
    assert G.full_name("441900113") == "广东省/东莞市/大朗镇"  # a township directly under a city


def test_contains_and_descendants() -> None:
    assert G.contains("450100", "450108") and G.contains("450108", "450108")
    assert not G.is_ancestor("450108", "450108")
    assert not G.contains("460000", "632521")
    assert "450108" in G.descendants("450000")


def test_history_gives_current_successors() -> None:
    assert G.current_successors("330103") == ["330105"]  # 杭州市下城区 → 拱墅区 (2021)
    assert G.current_successors("442000104") == ["442000118"]  # 东升镇 → 小榄镇 (2021)
    assert any(u.name == "下城区" and u.end_year == 2021 for u in G.history["330103"])


def test_level_of_code() -> None:
    assert level_of_code("440000") == PROVINCE
    assert level_of_code("440300") == PREFECTURE
    assert level_of_code("440305") == COUNTY
    assert level_of_code("440305007") == TOWNSHIP


def test_full_name_is_the_path_from_the_province() -> None:
    g = get_gazetteer()
    for code in list(g.divisions)[::97]:
        assert g.full_name(code) == "/".join(d.name for d in g.path(code))
        assert g.full_name(code, "") == "".join(d.name for d in g.path(code))
    assert g.full_name("999999") == ""
    # another separator is put in place of '/': no name may contain one
    assert not [d.code for d in g.divisions.values() if "/" in d.name]
