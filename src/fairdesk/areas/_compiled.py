"""Build and load the compiled area reader (``_reader.py`` compiled with mypyc).

The reader is one plain, typed Python module. When a wheel of fairdesk is built (``uv sync``
builds the editable one, ``uv build`` the production one), the hatchling hook in
``hatch_build.py`` calls :func:`build` to compile it with mypyc into a C extension named after a
hash of the source: ``_compiled/_fairdesk_reader_<sha256[:16]><EXT_SUFFIX>``. At run time
:func:`load_reader` uses that extension only when its name matches the hash of the ``_reader.py``
beside it — an extension built from an older version of the file is never used — and otherwise
falls back to the pure-Python module, with a logged warning. The two give the same answers
(``bench/compare_readers.py``; the tests run both).

``FAIRDESK_PURE_READER=1`` forces the pure-Python reader (to compare, or to debug).

This file imports only the standard library: the build hook loads it by path, in the isolated
build environment, where fairdesk itself is not installed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

log = logging.getLogger("fairdesk.areas")

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_reader.py"
BUILD_DIR = HERE / "_compiled"
MODULE_PREFIX = "_fairdesk_reader_"
PURE_MODULE = "fairdesk.areas._reader"

# Why the compiled reader is not in use, when it is not (None when it is); for tests and the
# benchmarks.
why_pure: str | None = None


def ext_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or importlib.machinery.EXTENSION_SUFFIXES[0]


def source_key(source: Path | None = None) -> str:
    """The hash that names an extension built from this source."""
    return hashlib.sha256((source or SOURCE).read_bytes()).hexdigest()[:16]


def extension_path(source: Path | None = None, build_dir: Path | None = None) -> Path:
    """Where the extension built from this source is (or would be)."""
    return (build_dir or BUILD_DIR) / f"{MODULE_PREFIX}{source_key(source)}{ext_suffix()}"


def load_pure() -> ModuleType:
    return importlib.import_module(PURE_MODULE)


def load_compiled() -> ModuleType:
    """The compiled reader built from the current source; raises when there is none."""
    path = extension_path()
    if not path.is_file():
        raise FileNotFoundError(f"no extension built from the current _reader.py ({path.name})")
    return load_extension(path)


def load_extension(path: Path) -> ModuleType:
    """A built reader extension, imported under its hashed name (once per process)."""
    name = path.name[: -len(ext_suffix())]
    mod = sys.modules.get(name)
    if mod is not None:
        return mod
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - not a loadable file
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[name]
        raise
    return mod


def load_reader() -> ModuleType:
    """The compiled reader when it is there and current, else the pure-Python one."""
    global why_pure
    if os.environ.get("FAIRDESK_PURE_READER", "") not in ("", "0"):
        why_pure = "FAIRDESK_PURE_READER is set"
        return load_pure()
    try:
        mod = load_compiled()
    except Exception as exc:  # a missing, stale or broken build: never fatal
        why_pure = str(exc)
        log.warning(
            "area resolver: compiled reader not used (%s); using the pure-Python reader, "
            "about half as fast. Reinstall (uv sync) with a C compiler to build it.",
            exc,
        )
        return load_pure()
    why_pure = None
    return mod


# ------------------------------------------------------------------------------------------------
# Build (called by hatch_build.py; needs mypy, setuptools and a C compiler)


def build(dest: Path, source: Path | None = None, timeout: float = 900) -> Path:
    """Compile ``source`` with mypyc into ``dest`` and return the extension's path.

    The module is compiled under its hashed top-level name, so the extension is one file with no
    shared library beside it. Raises on any failure (the caller decides what to do)."""
    import shutil
    import subprocess
    import tempfile

    source = source or SOURCE
    key = source_key(source)
    name = f"{MODULE_PREFIX}{key}"
    dest.mkdir(parents=True, exist_ok=True)
    ignore = dest / ".gitignore"  # build output, never committed
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="fairdesk-mypyc-") as tmp:
        work = Path(tmp)
        shutil.copyfile(source, work / f"{name}.py")
        env = {**os.environ, "MYPY_CACHE_DIR": str(work / ".mypy_cache")}
        proc = subprocess.run(
            [sys.executable, "-m", "mypyc", f"{name}.py"],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"mypyc failed ({proc.returncode}):\n{proc.stdout[-4000:]}")
        built = work / f"{name}{ext_suffix()}"
        if not built.is_file():
            raise RuntimeError(f"mypyc did not produce {built.name}:\n{proc.stdout[-4000:]}")
        target = dest / built.name
        partial = dest / f".{built.name}.partial"
        shutil.copyfile(built, partial)
        os.replace(partial, target)
    return target


def clean(dest: Path, keep: Path | None = None) -> None:
    """Remove the extensions built from other versions of the source."""
    if not dest.is_dir():
        return
    for old in dest.glob(f"{MODULE_PREFIX}*"):
        if keep is None or old.name != keep.name:
            old.unlink(missing_ok=True)


if __name__ == "__main__":  # build in place: python -m fairdesk.areas._compiled
    path = build(BUILD_DIR)
    clean(BUILD_DIR, keep=path)
    print(path)
