"""The wheel carries every package and the themes; pyproject lists every package."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _listed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_listed_in_pyproject() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "mlemod_tui").rglob("__init__.py")
    }
    assert found | {"mlemod_tui.themes"} == _listed_packages()


def test_wheel_carries_themes_and_stylesheet(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("mlemod_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme in ("mlemod-dark", "mlemod-light", "mlemod-high-contrast"):
        assert f"mlemod_tui/themes/{theme}.toml" in names
    assert "mlemod_tui/themes/app.tcss" in names
    assert "mlemod_tui/tui/app.py" in names and "mlemod_tui/core/kernel.py" in names
