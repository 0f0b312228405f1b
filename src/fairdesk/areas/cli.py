"""``fairdesk areas``: resolve place names and show divisions from the command line.

Pure Python: importing this module (and running its commands) needs no Django setup and no
database, so the commands start in the time it takes to load the gazetteer.

``fairdesk areas resolve [FILE]``
    One entry per line from FILE (standard input when FILE is absent or ``-``), one JSON object per
    line on standard output, in input order. Lines are read in batches of those that can be read
    without waiting (a file, a pipe a fast writer fills: up to ``BATCH_LINES``), resolved
    together (``resolve_many``, faster) and written and flushed at once; a line that arrives on
    its own is answered before the next one is read (so the command can sit at the end of a
    pipe, or answer a program that waits for each answer). The object is the resolver's
    contract::

        {"input": …, "status": "resolved|ambiguous|retired|not_found", "code": …, "level": …,
         "name": "省/地/县/乡", "candidates": [{"code", "level", "name"}, …], "note": …}

    A blank line still yields an object (``status: not_found``, ``code: null``) so that output line
    N always answers input line N. ``--format table`` prints aligned columns for humans instead
    (it reads all the input first, to size the columns). ``--lang en`` writes notes in English.

``fairdesk areas show CODE``
    A division: its path from the province down, its level, its children by level, and its
    history (former names or uses of the code, and retired codes that it took over). A retired code
    shows its history and its current successors. An unknown code is an error (exit status 1).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import io
import json
import os
import select
import stat
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any, TextIO

from fairdesk.areas.gazetteer import (
    LEVEL_LABELS_ZH,
    LEVEL_NAMES,
    Gazetteer,
    HistoricalUnit,
    get_gazetteer,
    level_of_code,
)

LANGS = ("zh-hans", "en")

BLANK_NOTE = "空行"
BLANK_NOTE_EN = "blank line"


# --------------------------------------------------------------------------- argument parsing


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``areas`` (with ``resolve`` and ``show``) to the ``fairdesk`` command's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "areas",
        help="administrative divisions: resolve place names, show a division",
        description="Administrative divisions of the PRC (MCA codes): resolve free-text place "
        "names, show a division with its parents, children and history. No database needed.",
    )
    sub = parser.add_subparsers(dest="areas_command", required=True, metavar="{resolve,show}")

    p = sub.add_parser(
        "resolve",
        help="resolve place names, one per line, to JSON lines",
        description="Read one place name or address per line (standard input when FILE is "
        "absent or '-') and write one JSON object per line, in input order. A blank line yields "
        'an object with status "not_found", so output line N answers input line N.',
    )
    p.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="UTF-8 text file, one entry per line; '-' or absent: standard input",
    )
    p.add_argument(
        "--format",
        choices=("json", "table"),
        default="json",
        help="json: one JSON object per line (default); table: aligned columns",
    )
    p.add_argument(
        "--lang", choices=LANGS, default="zh-hans", help="language of the notes (default zh-hans)"
    )

    p = sub.add_parser(
        "show",
        help="show a division: parents, children and history",
        description="Show a division by its MCA code (2, 4, 6 or 9 digits; 44 and 4403 are "
        "read as 440000 and 440300): its path, level, children by level and history.",
    )
    p.add_argument("code", metavar="CODE")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for humans (default) or one JSON object",
    )
    return parser


def run(ns: argparse.Namespace) -> int:
    """Run the ``areas`` subcommand chosen in ``ns``; return the exit status."""
    command = {"resolve": cmd_resolve, "show": cmd_show}[ns.areas_command]
    try:
        return command(ns)
    except BrokenPipeError:  # `… | head`: the reader has gone, which is not an error
        _silence_stdout()
        return 0


# --------------------------------------------------------------------------- I/O helpers


def _utf8_out(stream: TextIO) -> TextIO:
    """Write UTF-8 whatever the locale says (a C locale would choke on Chinese names)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding != "utf8" and hasattr(stream, "reconfigure"):
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(encoding="utf-8")
    return stream


def _open_input(path: str) -> IO[Any]:
    """The input as bytes (a file, or standard input's buffer), or as text when standard input
    is already text (tests, embedding)."""
    if path == "-":
        stdin = sys.stdin
        buffer = getattr(stdin, "buffer", None)
        return stdin if buffer is None else buffer
    return open(path, "rb")


# Lines read together at most (a batch's answers are held until it is written: ~1 KB a line).
BATCH_LINES = 10_000
READ_SIZE = 1 << 16


def _more_waiting(stream: IO[Any]) -> Callable[[], bool]:
    """A check: can more input be read at once, without waiting for whoever writes it?

    A regular file or a stream in memory: always. A pipe or a terminal: when ``select`` says
    so. Where that cannot be asked (not a file descriptor ``select`` takes): never, so every
    line is answered as soon as it is read."""
    try:
        fd = stream.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return lambda: True
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation: in memory
        return lambda: True

    def waiting() -> bool:
        try:
            return bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    return waiting


def _pieces(stream: IO[Any]) -> Iterator[str]:
    """The input as text, piece by piece, each as soon as it has been read.

    Bytes are read as they come (``read1``: what is buffered, else one read that waits for
    some), decoded as UTF-8 with a byte order mark dropped and bad bytes replaced, with
    ``\r\n`` and ``\r`` made ``\n`` (as text files are read in Python). Nothing is held in a
    buffer that ``select`` cannot see. A stream that is text already gives a line at a time,
    its ``\r\n`` made ``\n``."""
    if isinstance(stream, io.TextIOBase):  # (tests, embedding)
        for line in iter(stream.readline, ""):
            text = line.rstrip("\r\n")
            yield text + "\n" if text != line else text
        return
    decoder = io.IncrementalNewlineDecoder(
        codecs.getincrementaldecoder("utf-8-sig")(errors="replace"), translate=True
    )
    read = getattr(stream, "read1", stream.read)
    while True:
        data = read(READ_SIZE)
        text = decoder.decode(data, final=not data)
        if text:
            yield text
        if not data:
            return


def _batches(stream: IO[Any], limit: int | None = None) -> Iterator[list[str]]:
    """The lines, without their line endings, in batches: as many as can be read without
    waiting, up to ``limit``.

    A file, or a pipe that a fast writer fills, comes in large batches (read together, lines
    are resolved faster: ``resolver.resolve_many``); a line that arrives on its own — typed, or
    written by a program that waits for its answer — is a batch by itself, answered at once."""
    limit = limit or BATCH_LINES
    more_waiting = _more_waiting(stream)
    ready: list[str] = []
    tail = ""  # the start of a line whose end has not been read yet
    for text in _pieces(stream):
        *complete, tail = (tail + text).split("\n")
        ready.extend(complete)
        while len(ready) >= limit:
            yield ready[:limit]
            ready = ready[limit:]
        if ready and not more_waiting():
            yield ready
            ready = []
    if tail:
        ready.append(tail)
    for i in range(0, len(ready), limit):
        yield ready[i : i + limit]


# --------------------------------------------------------------------------- resolve


def resolve_line(line: str, lang: str = "zh-hans") -> dict[str, Any]:
    """The contract object for one input line (blank lines included)."""
    if not line.strip():
        return {
            "input": line,
            "status": "not_found",
            "code": None,
            "level": None,
            "name": None,
            "candidates": [],
            "note": BLANK_NOTE_EN if lang.startswith("en") else BLANK_NOTE,
        }
    from fairdesk.areas.resolver import resolve

    return resolve(line).as_dict(lang)


def resolve_lines(lines: list[str], lang: str = "zh-hans") -> Iterator[dict[str, Any]]:
    """The contract objects for lines read together, in their order: the lines are resolved
    at once (``resolve_many``), each object is made when it is asked for."""
    texts = [line for line in lines if line.strip()]
    answers: Iterator[Any] = iter(())
    if texts:  # (blank lines alone need no resolver)
        from fairdesk.areas.resolver import resolve_many

        answers = iter(resolve_many(texts))
    for line in lines:
        yield next(answers).as_dict(lang) if line.strip() else resolve_line(line, lang)


def cmd_resolve(ns: argparse.Namespace) -> int:
    out = _utf8_out(sys.stdout)
    try:
        stream = _open_input(ns.file)
    except OSError as exc:
        print(
            f"fairdesk areas resolve: 无法读取文件 cannot read {ns.file}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    try:
        if ns.format == "table":
            lines = [line for batch in _batches(stream) for line in batch]
            write_table(list(resolve_lines(lines, ns.lang)), out)
        else:
            dumps = json.JSONEncoder(ensure_ascii=False).encode
            for batch in _batches(stream):
                out.write("".join([f"{dumps(obj)}\n" for obj in resolve_lines(batch, ns.lang)]))
                out.flush()
    finally:
        if stream is not sys.stdin and stream is not getattr(sys.stdin, "buffer", None):
            stream.close()
    return 0


def exit_now(status: int) -> None:
    """End the process at once, after the output is flushed: for the command line only.

    The area index is about 400,000 small objects; tearing them down one by one at interpreter
    exit takes about 0.4 s, a third of a short run (``fairdesk areas show``, a small file). The
    operating system takes the memory back whole. Nothing else is pending here: the commands
    open no database, and the output streams and logging are flushed first.
    """
    import logging

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(status)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def display_width(text: str) -> int:
    """Terminal columns taken by ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


TABLE_COLUMNS = ("input", "status", "code", "level", "name", "note")


def write_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    """Aligned columns; the candidates of an entry follow it, indented, one per line."""
    cells = [[str(row.get(col) or "") for col in TABLE_COLUMNS] for row in rows]
    widths = [
        max([display_width(col), *(display_width(c[i]) for c in cells)])
        for i, col in enumerate(TABLE_COLUMNS)
    ]

    def emit(values: list[str]) -> None:
        head = [_pad(v, w) for v, w in zip(values[:-1], widths[:-1], strict=True)]
        out.write("  ".join([*head, values[-1]]).rstrip() + "\n")

    emit(list(TABLE_COLUMNS))
    emit(["-" * w for w in widths])
    for row, values in zip(rows, cells, strict=True):
        emit(values)
        for cand in row.get("candidates") or ():
            out.write(f"    → {cand['code']}  {cand['level']}  {cand['name']}\n")
    out.flush()


# --------------------------------------------------------------------------- show


def normalise_code(raw: str) -> str | None:
    """An MCA code from what was typed: 44 → 440000, 4403 → 440300; None if not a code."""
    code = raw.strip()
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == 2:
        return code + "0000"
    if len(code) == 4:
        return code + "00"
    if len(code) in (6, 9):
        return code
    return None


def _level_label(level: int) -> str:
    return f"{LEVEL_NAMES[level]} {LEVEL_LABELS_ZH[level]}"


def _years(unit: HistoricalUnit) -> str:
    start = str(unit.start_year) if unit.start_year else "…"
    end = str(unit.end_year) if unit.end_year else "…"
    return f"{start}–{end}"


def _describe_code(g: Gazetteer, code: str) -> str:
    """A code with its current full name, or its last historical name."""
    if code in g.divisions:
        return f"{code} {g.full_name(code)}"
    units = g.history.get(code)
    if units:
        return f"{code} {units[-1].name} (retired 已撤销)"
    return code


def history_of(g: Gazetteer, code: str) -> dict[str, list[HistoricalUnit]]:
    """Former names/uses of ``code`` and the retired codes that name it as a successor."""
    former = list(g.history.get(code, ()))
    predecessors = [u for u in g.retired if code in u.successors and u.code != code]
    predecessors.sort(key=lambda u: (u.end_year or 0, u.code))
    return {"former": former, "predecessors": predecessors}


def _unit_dict(g: Gazetteer, unit: HistoricalUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": LEVEL_NAMES.get(unit.level),
        "start_year": unit.start_year,
        "end_year": unit.end_year,
        "reason": unit.reason,
        "context": unit.context,
        "source": unit.source,
        "successors": list(unit.successors),
        "current_successors": g.current_successors(unit.code) if unit.successors else [],
    }


def show_data(g: Gazetteer, code: str) -> dict[str, Any] | None:
    """Everything ``show`` prints, as data; None when the code is neither current nor retired."""
    div = g.get(code)
    hist = history_of(g, code)
    if div is None:
        if not hist["former"]:
            return None
        return {
            "code": code,
            "status": "retired",
            "name": hist["former"][-1].name,
            "level": LEVEL_NAMES.get(level_of_code(code)),
            "history": [_unit_dict(g, u) for u in hist["former"]],
            "predecessors": [_unit_dict(g, u) for u in hist["predecessors"]],
            "current_successors": [
                {"code": c, "level": g.divisions[c].level_name, "name": g.full_name(c)}
                for c in g.current_successors(code)
            ],
        }
    children = g.children.get(code, [])
    by_level = Counter(g.divisions[c].level_name for c in children)
    descendants = Counter(g.divisions[c].level_name for c in g.descendants(code))
    return {
        "code": code,
        "status": "current",
        "name": div.name,
        "full_name": g.full_name(code),
        "level": div.level_name,
        "path": [{"code": d.code, "name": d.name, "level": d.level_name} for d in g.path(code)],
        "children_count": len(children),
        "children_by_level": dict(by_level),
        "descendants_by_level": dict(descendants),
        "children": [
            {"code": c, "name": g.divisions[c].name, "level": g.divisions[c].level_name}
            for c in children
        ],
        "history": [_unit_dict(g, u) for u in hist["former"]],
        "predecessors": [_unit_dict(g, u) for u in hist["predecessors"]],
    }


def _write_units(g: Gazetteer, units: list[HistoricalUnit], out: TextIO, *, arrow: bool) -> None:
    for u in units:
        line = f"  {u.code}  {u.name}  {_years(u)}"
        extra = [x for x in (u.reason, u.context) if x]
        if extra:
            line += f"  ({', '.join(extra)})"
        if arrow and u.successors:
            line += "  → " + "; ".join(_describe_code(g, s) for s in u.successors)
        out.write(line + "\n")
        if u.source:
            out.write(f"      source 依据: {u.source}\n")


def write_show(g: Gazetteer, code: str, out: TextIO) -> None:
    div = g.get(code)
    hist = history_of(g, code)
    if div is None:
        level = level_of_code(code)
        name = hist["former"][-1].name
        out.write(f"{code}  {name}  retired code 已撤销的代码  ({_level_label(level)})\n")
        out.write("history 沿革:\n")
        _write_units(g, hist["former"], out, arrow=True)
        successors = g.current_successors(code)
        out.write("current successors 现行区划:\n")
        if successors:
            for c in successors:
                out.write(f"  {c}  {g.full_name(c)}  ({g.divisions[c].level_name})\n")
        else:
            out.write("  (none recorded 无记载)\n")
        if hist["predecessors"]:
            out.write("took over 承接的旧区划:\n")
            _write_units(g, hist["predecessors"], out, arrow=False)
        return

    out.write(f"{code}  {div.name}  ({_level_label(div.level)})\n")
    path = " / ".join(f"{d.code} {d.name}" for d in g.path(code))
    out.write(f"path 路径: {path}\n")
    children = g.children.get(code, [])
    by_level = Counter(g.divisions[c].level for c in children)
    summary = ", ".join(f"{_level_label(lv)} {n}" for lv, n in sorted(by_level.items()))
    out.write(f"children 下级: {len(children)}" + (f" ({summary})" if summary else "") + "\n")
    descendants = Counter(g.divisions[c].level for c in g.descendants(code))
    if descendants and descendants != by_level:
        summary = ", ".join(f"{_level_label(lv)} {n}" for lv, n in sorted(descendants.items()))
        out.write(f"all below 全部下辖: {summary}\n")
    if children:
        _write_wrapped([f"{c} {g.divisions[c].name}" for c in children], out)
    out.write("history 沿革:")
    if not hist["former"] and not hist["predecessors"]:
        out.write(" none recorded 无记载\n")
        return
    out.write("\n")
    if hist["former"]:
        out.write(" former names or uses of this code 本代码的旧名称或旧用途:\n")
        _write_units(g, hist["former"], out, arrow=True)
    if hist["predecessors"]:
        out.write(" retired divisions taken over 承接的已撤销区划:\n")
        _write_units(g, hist["predecessors"], out, arrow=False)


def _write_wrapped(items: list[str], out: TextIO, width: int = 96) -> None:
    line = " "
    for item in items:
        if display_width(line) + display_width(item) + 2 > width and line.strip():
            out.write(line.rstrip() + "\n")
            line = " "
        line += " " + item + " "
    if line.strip():
        out.write(line.rstrip() + "\n")


def cmd_show(ns: argparse.Namespace) -> int:
    out = _utf8_out(sys.stdout)
    code = normalise_code(ns.code)
    if code is None:
        _utf8_out(sys.stderr).write(
            f"fairdesk areas show: {ns.code!r} 不是区划代码 is not a division code "
            "(MCA codes have 6 digits, townships 9 民政部代码为6位，乡级9位)\n"
        )
        return 1
    g = get_gazetteer()
    data = show_data(g, code)
    if data is None:
        _utf8_out(sys.stderr).write(
            f"fairdesk areas show: 未知的区划代码 unknown division code {code} "
            f"(not in the {g.metadata.get('data_as_of', 'current')} table nor in the history "
            "现行表和沿革中均无此代码)\n"
        )
        return 1
    if ns.format == "json":
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        write_show(g, code, out)
    out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m fairdesk.areas.cli resolve …``: the same commands, without ``fairdesk``."""
    parser = argparse.ArgumentParser(prog="fairdesk")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = sys.argv[1:] if argv is None else argv
    return run(parser.parse_args(["areas", *args]))


if __name__ == "__main__":
    exit_now(main())
