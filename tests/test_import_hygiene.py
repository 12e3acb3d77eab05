"""The headless core must never import Textual: only mlemod_tui/tui/ may."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mlemod_tui

PACKAGE_DIR = Path(mlemod_tui.__file__).parent
UI_PACKAGE = "mlemod_tui.tui"


def headless_modules() -> list[str]:
    """Every module of the package outside the tui subpackage, found without importing any."""
    found = ["mlemod_tui"]
    pending = [(PACKAGE_DIR, "mlemod_tui.")]
    while pending:
        folder, prefix = pending.pop()
        for info in pkgutil.iter_modules([str(folder)], prefix):
            if info.name == UI_PACKAGE or info.name.startswith(UI_PACKAGE + "."):
                continue
            found.append(info.name)
            if info.ispkg:
                pending.append((folder / info.name.rsplit(".", 1)[1], info.name + "."))
    return sorted(found)


MODULES = headless_modules()

CHECK = """
import importlib, sys
importlib.import_module({name!r})
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
assert not loaded, f"{name} imported Textual: {{loaded[:5]}}"
"""


def test_the_walk_finds_the_core() -> None:
    for name in ("mlemod_tui.cli", "mlemod_tui.headless", "mlemod_tui.core.kernel"):
        assert name in MODULES
    assert not [m for m in MODULES if m.startswith(UI_PACKAGE)]


@pytest.mark.parametrize("name", MODULES)
def test_module_does_not_import_textual(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(name=name)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_run_help_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom mlemod_tui.cli import main\n"
        "assert main(['run', '--help']) == 0\n"
        "assert 'textual' not in sys.modules, 'run --help imported Textual'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mlemod-tui run" in done.stdout
