"""The resolver: the forms of the issue, one by one, and properties over the whole table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.areas.gazetteer import TOWNSHIP, get_gazetteer
from fairdesk.areas.resolver import AMBIGUOUS, NOT_FOUND, RESOLVED, RETIRED, normalize, resolve

# every test here runs with the compiled reader (when it is built) and the pure-Python one
pytestmark = pytest.mark.usefixtures("both_readers")

G = get_gazetteer()
CODES = sorted(G.divisions)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # province in full, short or missing
        ("广西壮族自治区南宁市良庆区", "450108"),
        ("广西南宁市良庆区", "450108"),
        ("南宁市良庆区", "450108"),
        ("内蒙古阿拉善盟阿拉善左旗", "152921"),
        ("宁夏银川市兴庆区", "640104"),
        # autonomous prefectures abbreviated, not mistaken for their seat
        ("黔东南榕江县", "522632"),
        ("凉山布拖县", "513429"),
        ("大理南涧彝族自治县", "532926"),
        ("湘西州永顺县", "433127"),
        ("恩施州咸丰县", "422826"),
        ("海西蒙古族茫崖市", "632803"),
        # the same short name in two provinces: decided by what follows
        ("海南共和县", "632521"),
        # province-governed county-level units
        ("直辖县天门市", "429006"),
        ("湖北省直辖县级行政区划天门市", "429006"),
        ("济源市市辖区", "419001"),
        # townships directly below a city without counties, suffix missing
        ("东莞市大朗镇", "441900113"),
        ("中山市石岐街道", "442000001"),
        ("嘉峪关市新城镇", "620200101"),
        ("儋州", "460400"),
        ("五指山市南圣", "469001101"),
        # whole street addresses
        ("广东省深圳市南山区粤海街道科技园路1号", "440305007"),
        ("广东省深圳市南山区科技园路1号", "440305"),
        # noise: spaces, full width, wrong or missing suffix, repeated parent
        (" 广 东 省　深圳市 南山区 ", "440305"),
        ("广东省深圳市南山区", "440305"),
        ("榕江市", "522632"),
        ("黔东南州榕江", "522632"),
        ("上海上海市浦东新区", "310115"),
        ("中国广东省深圳市南山区", "440305"),
        # whole-area markers and codes
        ("南宁市全境", "450100"),
        ("440305", "440305"),
    ],
)
def test_resolves(text: str, code: str) -> None:
    r = resolve(text)
    assert (r.status, r.code) == (RESOLVED, code), r
    assert r.name == G.full_name(code)
    assert r.level == G.divisions[code].level_name


def test_filler_and_street_remainder_are_reported() -> None:
    assert resolve("南宁市全境").filler == "全境"
    r = resolve("广东省深圳市南山区粤海街道科技园路1号")
    assert "科技园路1号" in (r.note or "") and "科技园路1号" in (r.note_en or "")
    assert "榕江县" in (resolve("榕江市").note or "")


@pytest.mark.parametrize(
    ("text", "successor", "year"),
    [
        ("杭州市下城区", "330105", "2021"),
        ("中山市东升镇", "442000118", "2021"),
        ("嘉兴市城区", "330402", "1993"),
    ],
)
def test_retired_names_give_the_successor(text: str, successor: str, year: str) -> None:
    r = resolve(text)
    assert (r.status, r.code) == (RETIRED, successor)
    assert year in (r.note or "") and year in (r.note_en or "")
    assert r.ok


def test_renamed_parent_still_resolves_the_child() -> None:
    r = resolve("襄樊市樊城区")
    assert (r.status, r.code) == (RESOLVED, "420606")
    assert "襄樊市" in (r.note or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("朝阳区", {"110105", "220104"}), ("大理", {"532900", "532901"})],
)
def test_ambiguous_lists_candidates_and_never_picks(text: str, expected: set[str]) -> None:
    r = resolve(text)
    assert r.status == AMBIGUOUS and r.code is None and not r.ok
    assert {c.code for c in r.candidates} == expected


def test_many_readings_are_capped_and_counted() -> None:
    r = resolve("城关镇")
    assert r.status == AMBIGUOUS
    assert len(r.candidates) == 20
    assert "82" in (r.note or "") or "种可能" in (r.note or "")


@pytest.mark.parametrize("text", ["火星市奥林匹斯区", "abc", "", "   ", "北京市不存在区"])
def test_not_found(text: str) -> None:
    r = resolve(text)
    assert r.status == NOT_FOUND and r.code is None and r.note


def test_not_found_suggests_what_was_understood() -> None:
    r = resolve("北京市不存在区")
    assert r.candidates[0].code == "110000"


def test_street_names_that_start_like_places_are_not_places() -> None:
    # 白云路 is a street; 白云 alone would be 白云区 — a short name must end the text or a link.
    r = resolve("广州市白云路")
    assert (r.status, r.code) == (RESOLVED, "440100")


def test_contract_dict() -> None:
    d = resolve("海南共和县").as_dict()
    assert d == {
        "input": "海南共和县",
        "status": "resolved",
        "code": "632521",
        "level": "county",
        "name": "青海省/海南藏族自治州/共和县",
        "candidates": [],
        "note": None,
    }
    assert resolve("杭州市下城区").as_dict("en")["note"].startswith("'下城区'")


def test_normalize() -> None:
    assert normalize(" 中国 广东省，深圳市（南山区） ") == "广东省深圳市南山区"
    assert normalize("ＡＢＣ１２３") == "ABC123"
    assert normalize("粤海街道办事处") == "粤海街道"


def test_noise_is_never_a_letter_or_digit() -> None:
    """normalize skips the noise pattern for texts of letters and digits only: that is right only
    while no character the pattern removes is one."""
    from fairdesk.areas.resolver import _NOISE_RE

    removed = [chr(c) for c in range(0x3400) if _NOISE_RE.fullmatch(chr(c))]
    removed += [chr(c) for c in range(0xFE00, 0x10000) if _NOISE_RE.fullmatch(chr(c))]
    assert len(removed) > 40
    assert [ch for ch in removed if ch.isalnum()] == []


def test_every_division_resolves_from_its_full_path() -> None:
    wrong = []
    for code in CODES:
        text = "".join(d.name for d in G.path(code))
        r = resolve(text)
        if (r.status, r.code) != (RESOLVED, code):
            wrong.append((text, r.status, r.code))
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(CODES), data=st.data())
def test_noise_does_not_change_the_answer(code: str, data: st.DataObject) -> None:
    text = "".join(d.name for d in G.path(code))
    noisy = "".join(ch + data.draw(st.sampled_from(["", " ", "\u3000", "，"])) for ch in text)
    assert resolve(noisy).code == code


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from([c for c in CODES if G.divisions[c].level == TOWNSHIP]),
    street=st.sampled_from(["人民路1号", "解放路88号3栋201室", "幸福小区5栋", "工业园区A座"]),
)
def test_street_detail_after_a_township_keeps_the_township(code: str, street: str) -> None:
    text = "".join(d.name for d in G.path(code)) + street
    r = resolve(text)
    assert (r.status, r.code) == (RESOLVED, code), r


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_gets_an_answer(text: str) -> None:
    r = resolve(text)
    assert r.status in {RESOLVED, AMBIGUOUS, RETIRED, NOT_FOUND}
    if r.status == RESOLVED:
        assert r.code in G.divisions


def test_cached_answers_are_independent_and_keep_each_input() -> None:
    first = resolve("朝阳区")
    first.candidates.clear()
    first.status = "resolved"
    again = resolve(" 朝阳区 ")
    assert again.status == "ambiguous" and len(again.candidates) == 2
    assert again.input == " 朝阳区 "


def test_official_names_are_not_read_as_short_names_with_a_wrong_suffix() -> None:
    # 深圳 + 市 spells the official name: no "read as" note, no heavier second reading
    r = resolve("广东省深圳市南山区")
    assert (r.status, r.code, r.note) == (RESOLVED, "440305", None)
    # a really wrong suffix is still read, with its note
    r = resolve("贵州省黔东南州榕江市")
    assert (r.status, r.code) == (RESOLVED, "522632") and "榕江县" in (r.note or "")


def test_building_the_index_leaves_the_collector_as_it_was() -> None:
    import gc

    from fairdesk.areas.resolver import get_index

    get_index()
    assert gc.isenabled()


def test_answers_of_resolve_many_are_independent() -> None:
    from fairdesk.areas.resolver import resolve_many

    first, second = resolve_many(["朝阳区", "朝阳区"])
    assert first is not second and first.candidates is not second.candidates
    first.candidates.clear()
    assert len(second.candidates) == 2 and len(resolve("朝阳区").candidates) == 2


def test_the_collector_pauses_while_one_caller_is_still_inside() -> None:
    """resolve_many and the index build pause the collector; callers in several threads may
    overlap, and it runs again only when the last one leaves, as it was before the first."""
    import gc

    from fairdesk.areas.resolver import _gc_paused

    assert gc.isenabled()
    first, second = _gc_paused(), _gc_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second caller is still reading
    second.__exit__(None, None, None)
    assert gc.isenabled()
    # a program that turned the collector off keeps it off
    gc.disable()
    try:
        with _gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    # an error inside still lets the collector run again
    with pytest.raises(ValueError), _gc_paused():
        raise ValueError
    assert gc.isenabled()
