"""The reader module (``_reader.py``) and how the resolver picks its compiled build or not."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from fairdesk.areas import _compiled, _reader, gazetteer, resolver


def test_reader_constants_agree_with_the_gazetteer() -> None:
    assert (_reader.PROVINCE, _reader.PREFECTURE, _reader.COUNTY, _reader.TOWNSHIP) == (
        gazetteer.PROVINCE,
        gazetteer.PREFECTURE,
        gazetteer.COUNTY,
        gazetteer.TOWNSHIP,
    )
    assert _reader.LEVEL_NAMES == gazetteer.LEVEL_NAMES
    assert max(map(len, _reader.TRAILING_FILLERS)) == _reader.TRAILING_MAX
    assert _reader.RESOLVED == resolver.RESOLVED


def test_the_extension_is_named_after_the_source(tmp_path: Path) -> None:
    source = tmp_path / "_reader.py"
    shutil.copyfile(_compiled.SOURCE, source)
    first = _compiled.extension_path(source, tmp_path)
    assert first.name.startswith(_compiled.MODULE_PREFIX)
    assert first.name.endswith(_compiled.ext_suffix())
    assert first == _compiled.extension_path(_compiled.SOURCE, tmp_path)
    source.write_text(source.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert _compiled.extension_path(source, tmp_path) != first


def test_a_missing_or_stale_build_falls_back_to_pure_python_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("FAIRDESK_PURE_READER", raising=False)
    monkeypatch.setattr(_compiled, "BUILD_DIR", tmp_path)
    # an extension built from another version of the source is never looked at
    (tmp_path / f"{_compiled.MODULE_PREFIX}0000000000000000{_compiled.ext_suffix()}").write_bytes(
        b"not an extension"
    )
    with caplog.at_level(logging.WARNING, logger="fairdesk.areas"):
        reader = _compiled.load_reader()
    assert reader is _reader
    assert "pure-Python reader" in caplog.text
    assert _compiled.why_pure and "no extension built from the current _reader.py" in (
        _compiled.why_pure
    )


def test_a_broken_build_falls_back_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("FAIRDESK_PURE_READER", raising=False)
    source = tmp_path / "_reader.py"  # another version of the source: another extension name
    source.write_text(_compiled.SOURCE.read_text("utf-8") + "\n# another version\n", "utf-8")
    monkeypatch.setattr(_compiled, "SOURCE", source)
    monkeypatch.setattr(_compiled, "BUILD_DIR", tmp_path)
    _compiled.extension_path().write_bytes(b"\x7fELF but not really")
    with caplog.at_level(logging.WARNING, logger="fairdesk.areas"):
        assert _compiled.load_reader() is _reader
    assert "compiled reader not used" in caplog.text


def test_the_pure_reader_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDESK_PURE_READER", "1")
    assert _compiled.load_reader() is _reader
    assert _compiled.why_pure == "FAIRDESK_PURE_READER is set"


def test_the_compiled_reader_when_built() -> None:
    try:
        reader = _compiled.load_compiled()
    except Exception as exc:
        if os.environ.get("FAIRDESK_REQUIRE_COMPILED", "") not in ("", "0"):
            raise AssertionError(f"the compiled reader is not built: {exc}") from exc
        pytest.skip(f"the compiled reader is not built: {exc}")
    assert reader is not _reader
    assert reader.__file__ == str(_compiled.extension_path())
    # its classes are compiled ones, not those of the module
    assert reader.Target is not _reader.Target
    assert reader.short_names("南涧彝族自治县", _reader.COUNTY) == _reader.short_names(
        "南涧彝族自治县", _reader.COUNTY
    )


def test_both_readers_give_the_same_answers() -> None:
    """A quick version of bench/compare_readers.py (which compares 250,000 inputs)."""
    try:
        compiled = _compiled.load_compiled()
    except Exception as exc:
        pytest.skip(f"the compiled reader is not built: {exc}")
    g = gazetteer.get_gazetteer()
    texts = [g.full_name(code, "") for code in sorted(g.divisions)[::97]]
    texts += [t[2:] + "路1号" for t in texts] + [t[:-1] + "市" for t in texts]
    texts += ["朝阳区", "杭州市下城区", "海南共和县", "黔东南榕江市", "南宁市全境", "北京市不存在"]
    answers = {}
    before = resolver.use_reader(_reader)
    try:
        for reader in (_reader, compiled):
            resolver.use_reader(reader)
            answers[reader] = [
                (r.as_dict(), r.as_dict("en"), r.filler) for r in map(resolver.resolve, texts)
            ]
    finally:
        resolver.use_reader(before)
    assert answers[_reader] == answers[compiled]


def test_code_numbers_order_like_prefixes() -> None:
    """A code lies inside a prefix's range exactly when it starts with the prefix: one current
    code in 23 against one county-or-higher prefix in 7, and the shapes where a padded number
    could mislead ('11' against '1100', a shorter code against a longer prefix)."""
    g = gazetteer.get_gazetteer()
    codes = sorted(g.divisions)
    prefixes = sorted({d.prefix for d in g.divisions.values() if d.level < gazetteer.TOWNSHIP})
    tricky = ["11", "1100", "110", "110000", "110100", "1101", "110101", "110101000", "110101001"]
    sample = [*tricky, *codes[::23]]
    numbers = [_reader.code_number(c) for c in sample]
    for p in [*tricky, *prefixes[::7]]:
        lo, hi = _reader.prefix_range(p)
        for c, num in zip(sample, numbers, strict=True):
            assert (lo <= num <= hi) == c.startswith(p), (p, c)
