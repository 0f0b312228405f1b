"""Hatchling build hook: compile the area reader (src/fairdesk/areas/_reader.py) with mypyc.

Runs for every wheel hatchling builds: the editable one that ``uv sync`` installs (the README's
``make demo`` / ``make test``, and CI), and the production one of ``uv build``.

* editable: the extension is written beside the source, into ``src/fairdesk/areas/_compiled/``
  (ignored by git), where the resolver finds it;
* production wheel: the extension goes into the wheel (``fairdesk/areas/_compiled/``), and the
  wheel is tagged for this interpreter and platform.

The extension is named after a hash of the source it was built from, and the resolver uses it
only when that matches the ``_reader.py`` beside it (``src/fairdesk/areas/_compiled.py``).
Anything that goes wrong here — no C compiler, no Python headers, a mypy error — is reported as a
warning and the build goes on without it: the pure-Python reader is used, with the same answers.
``FAIRDESK_NO_MYPYC=1`` skips the compilation.

uv rebuilds the editable install when ``_reader.py`` changes (``cache-keys`` in pyproject.toml).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

AREAS = Path("src", "fairdesk", "areas")


def _load_compiled_module(root: Path) -> Any:
    """``fairdesk/areas/_compiled.py``, loaded by path (fairdesk is not installed here)."""
    path = root / AREAS / "_compiled.py"
    spec = importlib.util.spec_from_file_location("_fairdesk_build_compiled", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


class ReaderBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"
    _tmp: Path | None = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("FAIRDESK_NO_MYPYC", "") not in ("", "0"):
            self.app.display_warning("fairdesk: FAIRDESK_NO_MYPYC is set: pure-Python reader")
            return
        root = Path(self.root)
        started = time.monotonic()
        try:
            compiled = _load_compiled_module(root)
            source = root / AREAS / "_reader.py"
            if version == "editable":
                dest = root / AREAS / "_compiled"
                built = compiled.build(dest, source=source)
                compiled.clean(dest, keep=built)
            else:
                dest = self._tmp = Path(tempfile.mkdtemp(prefix="fairdesk-wheel-"))
                built = compiled.build(dest, source=source)
                build_data["force_include"][str(built)] = f"fairdesk/areas/_compiled/{built.name}"
                build_data["pure_python"] = False
                build_data["infer_tag"] = True
        except Exception as exc:  # never fail the install: the pure-Python reader works
            self.app.display_warning(
                "fairdesk: the area reader was not compiled (the pure-Python reader will be "
                f"used, same answers, about half as fast): {exc}"
            )
            return
        self.app.display_info(
            f"fairdesk: compiled the area reader with mypyc in {time.monotonic() - started:.0f} s"
            f" ({built.name})"
        )

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
