"""``fairdesk areas resolve`` and ``fairdesk areas show`` (the CLI contract other tools rely on)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from fairdesk.areas import cli as areas_cli
from fairdesk.areas.gazetteer import get_gazetteer
from fairdesk.areas.resolver import resolve
from fairdesk.cli import main

CONTRACT_KEYS = {"input", "status", "code", "level", "name", "candidates", "note"}


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None
) -> tuple[int, str, str]:
    if stdin is not None:
        # a real text stream over bytes, as a pipe would give (the command reads its .buffer)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        code = main(argv)
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# --------------------------------------------------------------------------- resolve


def test_resolve_stdin_one_object_per_line_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["areas", "resolve"], capsys, stdin="广东省深圳市南山区\n杭州市下城区\n朝阳区\n"
    )
    assert code == 0
    rows = json_lines(out)
    assert [r["input"] for r in rows] == ["广东省深圳市南山区", "杭州市下城区", "朝阳区"]
    assert all(set(r) == CONTRACT_KEYS for r in rows)

    nanshan, xiacheng, chaoyang = rows
    assert nanshan["status"] == "resolved"
    assert (nanshan["code"], nanshan["level"]) == ("440305", "county")
    assert nanshan["name"] == "广东省/深圳市/南山区"

    assert xiacheng["status"] == "retired"
    assert xiacheng["code"] == "330105"  # 下城区 was merged into 拱墅区 in 2021
    assert xiacheng["note"]

    assert chaoyang["status"] == "ambiguous"
    assert chaoyang["code"] is None
    codes = {c["code"] for c in chaoyang["candidates"]}
    assert {"110105", "220104"} <= codes  # 北京市朝阳区, 长春市朝阳区
    assert all(set(c) == {"code", "level", "name"} for c in chaoyang["candidates"])


def test_resolve_output_is_the_resolver_contract(capsys: pytest.CaptureFixture[str]) -> None:
    entries = ["海南共和县", "黔东南榕江县", "直辖县天门市", "没有这个地方"]
    _, out, _ = run_cli(["areas", "resolve"], capsys, stdin="\n".join(entries))  # no final newline
    assert json_lines(out) == [resolve(e).as_dict("zh-hans") for e in entries]
    assert json_lines(out)[0]["code"] == "632521"
    assert "\\u" not in out  # Chinese is written as is (ensure_ascii=False)


def test_blank_lines_keep_line_numbers_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "resolve"], capsys, stdin="\n   \n\n")
    rows = json_lines(out)
    assert len(rows) == 3
    assert [r["input"] for r in rows] == ["", "   ", ""]
    assert all(r["status"] == "not_found" and r["code"] is None for r in rows)
    assert all(r["candidates"] == [] for r in rows)


def test_blank_line_needs_no_resolver() -> None:
    row = areas_cli.resolve_line("")
    assert set(row) == CONTRACT_KEYS
    assert row["status"] == "not_found"
    assert areas_cli.resolve_line(" ", lang="en")["note"] == "blank line"


def test_resolve_file_with_bom_and_crlf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "places.txt"
    path.write_bytes("\ufeff广东省深圳市南山区\r\n\r\n杭州市下城区\r\n".encode())
    code, out, _ = run_cli(["areas", "resolve", str(path)], capsys)
    assert code == 0
    rows = json_lines(out)
    assert [r["input"] for r in rows] == ["广东省深圳市南山区", "", "杭州市下城区"]
    assert rows[0]["code"] == "440305"


def test_lines_split_across_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads of a few bytes at a time: a character, a \r\n or the byte order mark cut in two
    between reads is still read whole, as text files are read in Python."""
    # (and one bad byte: replaced, not fatal)
    raw = "\ufeff南山区\r\n\r\n下城区\r朝阳区\n".encode() + b"\xff" + "末行".encode()
    expected = ["南山区", "", "下城区", "朝阳区", "\ufffd末行"]
    for size in (1, 2, 3, 5, 64):
        monkeypatch.setattr(areas_cli, "READ_SIZE", size)
        got = [line for batch in areas_cli._batches(io.BytesIO(raw)) for line in batch]
        assert got == expected, size
    assert list(areas_cli._batches(io.BytesIO(b""))) == []
    assert list(areas_cli._batches(io.BytesIO(b"\n"))) == [[""]]


def test_a_text_stream_gives_the_same_lines() -> None:
    """Standard input that is text already (embedding): the same lines as bytes would give."""
    text = "南山区\r\n\r\n下城区\n朝阳区\r\n末行"
    got = [line for batch in areas_cli._batches(io.StringIO(text)) for line in batch]
    assert got == ["南山区", "", "下城区", "朝阳区", "末行"]
    assert list(areas_cli._batches(io.StringIO(""))) == []
    assert list(areas_cli._batches(io.StringIO("\n"))) == [[""]]


def test_a_file_is_read_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "places.txt"
    path.write_text("".join(f"第{i}行\n" for i in range(25)), encoding="utf-8")
    with path.open("rb") as fh:
        sizes = [len(batch) for batch in areas_cli._batches(fh, limit=10)]
    assert sizes == [10, 10, 5]


def test_a_pipe_is_answered_as_far_as_it_has_been_written() -> None:
    """Lines that came together are one batch; the command does not wait for more (or for the
    end of the input) before answering what has come."""
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb") as writer:
        batches = areas_cli._batches(reader)
        # were the command to wait for more, the end of the input comes (and the test fails)
        watchdog = threading.Timer(30, lambda: os.close(write_fd))
        watchdog.start()
        writer.write("南山区\n下城区\n朝阳".encode())
        writer.flush()
        assert next(batches) == ["南山区", "下城区"]  # 朝阳 is not a whole line yet
        writer.write("区\n".encode())
        writer.flush()
        assert next(batches) == ["朝阳区"]
        writer.write("末行".encode())
        writer.close()
        assert next(batches) == ["末行"]
        assert list(batches) == []
        watchdog.cancel()


def test_batches_give_the_answers_of_one_line_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["广东省深圳市南山区", "", "朝阳区", "杭州市下城区", "北京市不存在区", "朝阳区", " "]
    lines = lines * 5
    path = tmp_path / "places.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(areas_cli, "BATCH_LINES", 4)
    for lang in ("zh-hans", "en"):
        code, out, _ = run_cli(["areas", "resolve", "--lang", lang, str(path)], capsys)
        assert code == 0
        assert json_lines(out) == [areas_cli.resolve_line(line, lang) for line in lines]


def test_dash_means_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "resolve", "-"], capsys, stdin="广东省深圳市南山区\n")
    assert json_lines(out)[0]["code"] == "440305"


def test_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["areas", "resolve", str(tmp_path / "nope.txt")], capsys)
    assert code == 1
    assert out == ""
    assert "nope.txt" in err


def test_lang_en_notes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "resolve", "--lang", "en"], capsys, stdin="杭州市下城区\n")
    expected = resolve("杭州市下城区")
    assert json_lines(out)[0]["note"] == expected.note_en
    assert expected.note_en and expected.note_en != expected.note


def test_table_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["areas", "resolve", "--format", "table"], capsys, stdin="广东省深圳市南山区\n朝阳区\n"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["input", "status", "code", "level", "name", "note"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "440305" in lines[2] and "resolved" in lines[2] and "广东省/深圳市/南山区" in lines[2]
    assert lines[3].startswith("朝阳区") and "ambiguous" in lines[3]
    assert any(line.strip().startswith("→ 110105") for line in lines[4:])


def test_table_columns_align_with_wide_characters() -> None:
    rows: list[dict[str, Any]] = [
        {"input": "南山区", "status": "resolved", "code": "440305", "level": "county",
         "name": "广东省/深圳市/南山区", "candidates": [], "note": None},
        {"input": "abc", "status": "not_found", "code": None, "level": None, "name": None,
         "candidates": [{"code": "1", "level": "county", "name": "x"}], "note": "n"},
    ]  # fmt: skip
    out = io.StringIO()
    areas_cli.write_table(rows, out)
    header, _, first, second, cand = out.getvalue().splitlines()
    # "status" starts in the same terminal column on every line
    col = areas_cli.display_width(header[: header.index("status")])
    assert areas_cli.display_width(first[: first.index("resolved")]) == col
    assert areas_cli.display_width(second[: second.index("not_found")]) == col
    assert cand.strip() == "→ 1  county  x"


def test_resolve_streams_line_by_line() -> None:
    """Each answer comes out before the next line goes in (usable at the end of a pipe)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairdesk.cli", "areas", "resolve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        proc.stdin.write("广东省深圳市南山区\n".encode())
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # stdin still open: no EOF seen yet
        assert first["code"] == "440305"
        proc.stdin.write(b"\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["input"] == ""
        proc.stdin.close()
        assert proc.stdout.read() == b""
        assert proc.wait() == 0
    finally:
        watchdog.cancel()
        proc.kill()


# --------------------------------------------------------------------------- show


def test_show_county(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["areas", "show", "440305"], capsys)
    assert code == 0
    assert out.startswith("440305  南山区  (county 县级)")
    assert "path 路径: 440000 广东省 / 440300 深圳市 / 440305 南山区" in out
    n = len(get_gazetteer().children["440305"])
    assert f"children 下级: {n} (township 乡级 {n})" in out
    assert "440305007 粤海街道" in out


def test_show_lists_retired_predecessors(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "show", "330105"], capsys)
    assert "330103  下城区  1983–2021" in out


def test_show_former_use_of_a_code(capsys: pytest.CaptureFixture[str]) -> None:
    # 419001 is 济源市 today; from 1987 to 1990 it was the code of 义马市 (now 411281)
    _, out, _ = run_cli(["areas", "show", "419001"], capsys)
    assert "419001  义马市  1987–1990" in out
    assert "411281 河南省/三门峡市/义马市" in out


def test_show_retired_code_gives_successors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["areas", "show", "330103"], capsys)
    assert code == 0
    assert "330103  下城区  retired code 已撤销的代码" in out
    assert "330105  浙江省/杭州市/拱墅区" in out.split("current successors 现行区划:")[1]


def test_show_retired_township(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "show", "442000104"], capsys)  # 中山市东升镇 → 小榄镇, 2021
    assert "东升镇" in out and "442000118  广东省/中山市/小榄镇" in out


def test_show_short_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "show", "44"], capsys)
    assert out.startswith("440000  广东省  (province 省级)")
    _, out, _ = run_cli(["areas", "show", "4403"], capsys)
    assert out.startswith("440300  深圳市  (prefecture 地级)")


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["areas", "show", "441900", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["full_name"] == "广东省/东莞市"
    assert [p["code"] for p in data["path"]] == ["440000", "441900"]
    # a city without counties: its townships hang directly below
    assert set(data["children_by_level"]) == {"township"}
    assert data["children_count"] == len(data["children"]) > 0


@pytest.mark.parametrize("raw", ["999999", "abc", "12345", "440305999"])
def test_show_unknown_code_fails(raw: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["areas", "show", raw], capsys)
    assert code == 1
    assert out == ""
    assert ("unknown division code" in err and "未知的区划代码" in err) or (
        "is not a division code" in err and "不是区划代码" in err
    )


def test_areas_commands_do_not_load_django() -> None:
    script = (
        "import sys\n"
        "from fairdesk.cli import main\n"
        "assert main(['areas', 'show', '440305']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja'))\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stderr == "[]"


def test_console_exits_at_once_with_all_output_and_status(tmp_path: Path) -> None:
    """The ``fairdesk`` script ends the area commands without tearing the index down
    (``exit_now``): every answer of a 4,000-line file is still written, in order, nothing is left
    on stderr, and the exit status is the command's."""
    entries = ["广东省深圳市南山区", "朝阳区", "杭州市下城区", "北京市不存在区", ""] * 800
    src = tmp_path / "in.txt"
    src.write_text("\n".join(entries) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with out.open("wb") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "fairdesk.cli", "areas", "resolve", str(src)],
            stdout=fh,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["input"] for line in lines] == entries
    assert {json.loads(line)["status"] for line in lines[:5]} == {
        "resolved",
        "ambiguous",
        "retired",
        "not_found",
    }
    # a failing command keeps its status and its message
    failed = subprocess.run(
        [sys.executable, "-m", "fairdesk.cli", "areas", "show", "999999"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "未知的区划代码" in failed.stderr


def test_console_exit_after_a_closed_pipe_is_quiet() -> None:
    """`fairdesk areas resolve FILE | head -1`: the reader goes away; no traceback, status 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairdesk.cli", "areas", "resolve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write("广东省深圳市南山区\n".encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["code"] == "440305"
        proc.stdout.close()  # the reader has gone
        proc.stdin.write("北京市\n".encode() * 5000)
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
        assert proc.stderr.read() == b""
    finally:
        proc.kill()
