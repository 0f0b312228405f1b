"""The ``import_coverage`` management command: a file or standard input, ``--choose``,
``--replace``, ``--dry-run``, its exit status and usage errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fairdesk.network.models import CoverageImport, Outlet

pytestmark = pytest.mark.django_db


def run(
    *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        call_command("import_coverage", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return out.getvalue(), err.getvalue(), code


def test_import_from_file(tmp_path: Path, make_outlet: Callable[..., Outlet]) -> None:
    outlet = make_outlet("GZ01")
    path = tmp_path / "list.txt"
    path.write_text("黔东南榕江县、广西南宁市良庆区\n南宁市全境\n", encoding="utf-8")
    out, err, code = run("GZ01", str(path))
    assert code == 0, err
    assert "+ #1 L1 黔东南榕江县" in out and "522632" in out
    assert "= #2 L1 广西南宁市良庆区" in out
    assert "2 added, 1 already covered" in out
    assert sorted(outlet.coverages.values_list("division_code", flat=True)) == ["450100", "522632"]
    # again: nothing changes, still success
    out, _err, code = run("GZ01", str(path))
    assert code == 0 and "0 added, 3 already covered" in out


def test_ambiguous_from_stdin_exits_non_zero_and_choose_settles_it(
    make_outlet: Callable[..., Outlet], monkeypatch: pytest.MonkeyPatch
) -> None:
    outlet = make_outlet("BJ01")
    out, err, code = run("BJ01", "-", stdin="朝阳区\n", monkeypatch=monkeypatch)
    assert code == 1
    assert "? #1 L1 朝阳区" in out and "--choose 1=110105" in out
    assert "need attention" in err
    assert not outlet.coverages.exists()
    assert CoverageImport.objects.get(outlet=outlet).needs_choice_count == 1

    out, err, code = run(
        "BJ01", "-", "--choose", "1=110105", stdin="朝阳区\n", monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert list(outlet.coverages.values_list("division_code", flat=True)) == ["110105"]


def test_replace_and_dry_run(tmp_path: Path, make_outlet: Callable[..., Outlet]) -> None:
    outlet = make_outlet("GX01", coverage="良庆区、榕江县")
    path = tmp_path / "list.txt"
    path.write_text("榕江县", encoding="utf-8")
    out, _err, code = run("GX01", str(path), "--replace", "--dry-run")
    assert code == 0 and "x removed 450108" in out and "(dry run)" in out
    assert outlet.coverages.count() == 2
    out, _err, code = run("GX01", str(path), "--replace")
    assert code == 0
    assert list(outlet.coverages.values_list("division_code", flat=True)) == ["522632"]


def test_unresolved_exits_non_zero(tmp_path: Path, make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("X1")
    path = tmp_path / "list.txt"
    path.write_text("良庆区\n火星市奥林匹斯县", encoding="utf-8")
    out, _err, code = run("X1", str(path))
    assert code == 1 and "! #2 L2 火星市奥林匹斯县" in out


def test_usage_errors(tmp_path: Path, make_outlet: Callable[..., Outlet]) -> None:
    make_outlet("X2")
    path = tmp_path / "list.txt"
    path.write_text("朝阳区", encoding="utf-8")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("import_coverage", "NOPE", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_coverage", "X2", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError):
        call_command("import_coverage", "X2", str(path), "--choose", "1=450108")
    with pytest.raises(CommandError):
        call_command("import_coverage", "X2", str(path), "--choose", "one")
    assert not CoverageImport.objects.exists()
