"""No private name of a dependency in fairdesk's code: the engineering guide's "public APIs only".

A name with a leading underscore is a library's own business: it changes without notice in any
release, so code that uses one breaks on an upgrade. This check reads the source (``ast``; it
imports nothing) and reports, as ``path:line:column: code message``:

PN001  an import of a private module or name of a watched package (``import psycopg._queries``,
       ``from psycopg import _queries``, ``from django.x._y import z``)
PN002  a private attribute of a name imported from a watched package
       (``import psycopg`` then ``psycopg._queries``; ``from django.db import connection`` then
       ``connection._cursor()``; ``models.Model._do_insert``)
PN003  a private attribute that only a dependency has, on any object: the deny-list
       (``obj._prepare_related_fields_for_save()``, ``log._get_user(environ)``, also as
       ``getattr(obj, "_save_table")``)
PN004  in a class that subclasses a watched package's class, ``self._x`` (or ``cls._x``) where
       ``_x`` is not defined by that class: a private attribute inherited from the dependency

Names Django documents as public despite the underscore (``_meta``, ``_state``,
``_default_manager``, ``_base_manager``, ``_db``) and dunder names are allowed. The watched
packages, the lists and the files excepted for now are in ``pyproject.toml``
(``[tool.check-private-names]``); an excepted file that has nothing to report is itself an
error, so that an exception is removed once its file is fixed.

Usage: ``python tools/check_private_names.py [PATH ...]`` (default: the configured paths);
exit status 1 when anything is reported.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    packages: frozenset[str]
    allowed: frozenset[str]
    denied: frozenset[str]
    paths: tuple[str, ...] = ()
    exclude_dirs: frozenset[str] = frozenset()
    exceptions: frozenset[str] = frozenset()


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


def load_config(pyproject: Path = ROOT / "pyproject.toml") -> Config:
    with pyproject.open("rb") as f:
        table = tomllib.load(f)["tool"]["check-private-names"]
    return Config(
        packages=frozenset(table["packages"]),
        allowed=frozenset(table["allowed"]),
        denied=frozenset(table["denied"]),
        paths=tuple(table.get("paths", ())),
        exclude_dirs=frozenset(table.get("exclude-dirs", ())),
        exceptions=frozenset(table.get("exceptions", ())),
    )


def is_private(name: str, config: Config) -> bool:
    """A leading underscore, not a dunder, not one of the documented names."""
    if not name.startswith("_") or name == "_":
        return False
    if name.startswith("__") and name.endswith("__"):
        return False
    return name not in config.allowed


def _watched(module: str, config: Config) -> bool:
    return module.split(".", 1)[0] in config.packages


def _root_name(node: ast.expr) -> str | None:
    """The name an attribute chain starts from: ``a`` for ``a.b.c``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@dataclass
class _Scope:
    """A class that subclasses a watched class: what it defines itself."""

    node: ast.ClassDef
    defined: set[str] = field(default_factory=set)


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, config: Config) -> None:
        self.path = path
        self.config = config
        self.findings: list[Finding] = []
        # names bound by an import from a watched package: local name -> dotted source
        self.bound: dict[str, str] = {}
        self.classes: list[_Scope | None] = []

    def report(self, node: ast.AST, code: str, message: str) -> None:
        line, column = getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1
        self.findings.append(Finding(self.path, line, column, code, message))

    # PN001, and the names that PN002 follows
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _watched(alias.name, self.config):
                continue
            private = [p for p in alias.name.split(".") if is_private(p, self.config)]
            if private:
                self.report(node, "PN001", f"import of a private module: {alias.name}")
            if alias.asname:
                self.bound[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                self.bound[top] = top
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and _watched(module, self.config):
            private = [p for p in module.split(".") if is_private(p, self.config)]
            if private:
                self.report(node, "PN001", f"import from a private module: {module}")
            for alias in node.names:
                if is_private(alias.name, self.config):
                    self.report(node, "PN001", f"import of a private name: {module}.{alias.name}")
                if alias.name != "*":
                    self.bound[alias.asname or alias.name] = f"{module}.{alias.name}"
        self.generic_visit(node)

    # PN002, PN003, PN004
    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if is_private(name, self.config):
            root = _root_name(node.value)
            scope = self.classes[-1] if self.classes else None
            if root is not None and root in self.bound:
                self.report(
                    node, "PN002", f"private attribute {name} of {self.bound[root]} ({root})"
                )
            elif name in self.config.denied:
                self.report(node, "PN003", f"private attribute of a dependency: {name}")
            elif (
                scope is not None
                and isinstance(node.value, ast.Name)
                and node.value.id in {"self", "cls"}
                and name not in scope.defined
            ):
                self.report(
                    node,
                    "PN004",
                    f"{node.value.id}.{name}: a private attribute that {scope.node.name} "
                    "inherits from a dependency",
                )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in {"getattr", "setattr", "hasattr", "delattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            name = node.args[1].value
            root = _root_name(node.args[0])
            if name in self.config.denied or (
                is_private(name, self.config) and root is not None and root in self.bound
            ):
                self.report(node, "PN003", f"{func.id}(…, {name!r}): private attribute")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword)
        subclasses_watched = any(
            (root := _root_name(base)) is not None and root in self.bound for base in node.bases
        )
        if subclasses_watched:
            for statement in node.body:
                for name in _names_bound_by(statement) & self.config.denied:
                    self.report(
                        statement,
                        "PN003",
                        f"{node.name} overrides a private attribute of a dependency: {name}",
                    )
        self.classes.append(_Scope(node, _defined_by(node)) if subclasses_watched else None)
        for statement in node.body:
            self.visit(statement)
        self.classes.pop()


def _names_bound_by(statement: ast.stmt) -> set[str]:
    """The names a statement of a class body binds: a method, a nested class, an attribute."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _defined_by(node: ast.ClassDef) -> set[str]:
    """The names a class defines itself: in its body, and as ``self.x = …`` in its methods."""
    defined: set[str] = set()
    for statement in node.body:
        defined |= _names_bound_by(statement)
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(sub, ast.Assign):
            targets = list(sub.targets)
        elif isinstance(sub, ast.AnnAssign | ast.AugAssign):
            targets = [sub.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id in {"self", "cls"}
            ):
                defined.add(target.attr)
    return defined


def check_source(source: str, path: str, config: Config) -> list[Finding]:
    visitor = _Visitor(path, config)
    visitor.visit(ast.parse(source, filename=path))
    return sorted(visitor.findings)


def python_files(paths: Iterable[str], config: Config, root: Path = ROOT) -> Iterator[Path]:
    for name in paths:
        path = (root / name) if not Path(name).is_absolute() else Path(name)
        candidates = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for candidate in candidates:
            parts = candidate.relative_to(path if path.is_dir() else path.parent).parts
            if not config.exclude_dirs.intersection(parts[:-1]):
                yield candidate


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def check(paths: Iterable[str], config: Config, root: Path = ROOT) -> tuple[list[Finding], int]:
    """What to report for ``paths``: the findings outside the exceptions, and an error for each
    excepted file that has none. Also the number of findings excused by an exception."""
    findings: list[Finding] = []
    excused: dict[str, int] = {}
    for path in python_files(paths, config, root):
        name = _relative(path, root)
        found = check_source(path.read_text(encoding="utf-8"), name, config)
        if name in config.exceptions:
            excused[name] = len(found)
        else:
            findings.extend(found)
    for name in sorted(config.exceptions):
        if not (root / name).exists():
            findings.append(Finding(name, 0, 0, "PN000", "excepted, but no such file: remove it"))
        elif excused.get(name) == 0:
            findings.append(
                Finding(name, 1, 1, "PN000", "excepted, but nothing to report: remove it")
            )
    return findings, sum(excused.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("paths", nargs="*", help="files or folders (default: configured)")
    args = parser.parse_args(argv)
    config = load_config()
    findings, excused = check(args.paths or config.paths, config)
    for finding in findings:
        print(finding)
    print(
        f"private names: {len(findings)} reported, {excused} in "
        f"{len(config.exceptions)} excepted files"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
