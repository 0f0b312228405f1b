"""tools/check_private_names.py: each pattern it reports, what it allows, its exceptions."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_private_names", ROOT / "tools" / "check_private_names.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tool = _load()
CONFIG = tool.load_config(ROOT / "pyproject.toml")


def codes(source: str) -> list[tuple[int, str]]:
    found = tool.check_source(textwrap.dedent(source), "example.py", CONFIG)
    return [(f.line, f.code) for f in found]


def test_the_configuration_watches_the_dependencies_and_allows_the_documented_names() -> None:
    assert {"django", "psycopg", "gunicorn", "ninja", "huey", "pydantic"} <= CONFIG.packages
    assert {"_meta", "_state", "_default_manager", "_base_manager", "_db"} == CONFIG.allowed
    assert {"_prepare_related_fields_for_save", "_get_user", "_do_insert", "_save_table"} <= (
        CONFIG.denied
    )


@pytest.mark.parametrize(
    "source",
    [
        "import psycopg._queries",
        "import django.db.models._private as p",
        "from psycopg import _queries",
        "from django.db.models._private import thing",
        "from gunicorn.glogging import _helper",
        "from ninja import _internal",
        "from huey.api import _Task",
        "from pydantic._internal import _model_construction",
    ],
)
def test_a_private_module_or_name_imported_is_reported(source: str) -> None:
    assert codes(source) and {code for _line, code in codes(source)} == {"PN001"}


def test_a_private_attribute_of_an_imported_module_or_object_is_reported() -> None:
    source = """
        import psycopg
        from django.db import connection, models
        from psycopg.pq import Escaping as E

        psycopg._queries.PostgresQuery
        connection._cursor()
        models.Model._do_insert
        E._escape
    """
    assert codes(source) == [(6, "PN002"), (7, "PN002"), (8, "PN002"), (9, "PN002")]


def test_a_denied_private_attribute_is_reported_on_any_object() -> None:
    source = """
        def save(obj, log, environ):
            obj._prepare_related_fields_for_save(operation_name="insert")
            log._get_user(environ)
            getattr(obj, "_save_table")()
    """
    assert codes(source) == [(3, "PN003"), (4, "PN003"), (5, "PN003")]


def test_overriding_a_denied_private_attribute_in_a_subclass_is_reported() -> None:
    source = """
        from psycopg import Cursor

        class Ours(Cursor):
            _query_cls = object
    """
    assert codes(source) == [(5, "PN003")]


def test_an_inherited_private_attribute_in_a_subclass_is_reported() -> None:
    source = """
        from django.db.backends.postgresql import base

        class Wrapper(base.DatabaseWrapper):
            _ours: float = 0.0

            def __init__(self):
                self._also_ours = 1

            def check(self):
                return self._ours, self._also_ours, self._helper(), self._inherited
    """
    assert codes(source) == [(11, "PN004"), (11, "PN004")]
    messages = [f.message for f in tool.check_source(textwrap.dedent(source), "x.py", CONFIG)]
    assert any("self._helper" in m for m in messages) and any("_inherited" in m for m in messages)


def test_documented_names_dunders_and_our_own_private_names_are_not_reported() -> None:
    source = """
        from django.db import models
        from django.utils.translation import gettext as _
        from fairdesk.core.rows import _plain_init

        class Outlet(models.Model):
            def label(self):
                return _("x"), self._meta.db_table, self._state.adding, self.__class__

        class Plain:
            def check(self):
                return self._ours

        def rows(model):
            return model._default_manager, model._base_manager, model.objects._db, _plain_init
    """
    assert codes(source) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_excepted_files_are_excused_and_tests_folders_skipped(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pkg/bad.py": "from psycopg import _queries\n",
            "pkg/excused.py": "from psycopg import _queries\n",
            "pkg/tests/test_x.py": "from psycopg import _queries\n",
        },
    )
    config = tool.Config(
        packages=CONFIG.packages,
        allowed=CONFIG.allowed,
        denied=CONFIG.denied,
        exclude_dirs=frozenset({"tests"}),
        exceptions=frozenset({"pkg/excused.py"}),
    )
    findings, excused = tool.check(["pkg"], config, root)
    assert [(f.path, f.code) for f in findings] == [("pkg/bad.py", "PN001")]
    assert excused == 1


def test_an_exception_that_is_no_longer_needed_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"pkg/fixed.py": "from psycopg import sql\n"})
    config = tool.Config(
        packages=CONFIG.packages,
        allowed=CONFIG.allowed,
        denied=CONFIG.denied,
        exceptions=frozenset({"pkg/fixed.py", "pkg/gone.py"}),
    )
    findings, _excused = tool.check(["pkg"], config, root)
    assert [(f.path, f.code) for f in findings] == [
        ("pkg/fixed.py", "PN000"),
        ("pkg/gone.py", "PN000"),
    ]


def test_the_command_fails_on_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from django.db.models.base import _x\n", encoding="utf-8")
    good = tmp_path / "good.py"
    good.write_text("from django.db import models\n", encoding="utf-8")
    assert tool.main([str(bad)]) == 1
    assert "PN001 import of a private name: django.db.models.base._x" in capsys.readouterr().out
    assert tool.main([str(good)]) == 0
