"""Fixtures for TUI tests: a real session on a copy of a notebook, and an app factory."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.session import NotebookSession, ScoreOptions
from mlemod_tui.tui.app import MlemodApp

SAMPLES = Path(__file__).resolve().parents[2] / "sample_notebooks"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a sample notebook (and the data files beside it) into tmp_path."""

    def copy(name: str) -> Path:
        for item in SAMPLES.iterdir():
            if item.suffix in (".csv", ".ipynb") and not item.name.endswith(".modernized.ipynb"):
                shutil.copy(item, tmp_path / item.name)
        return tmp_path / name

    return copy


@pytest.fixture
def write_notebook(tmp_path: Path) -> Callable[..., Path]:
    """Write a notebook of code strings (or ("markdown", text) pairs) into tmp_path."""

    def write(cells: list[object], name: str = "nb.ipynb") -> Path:
        made = []
        for cell in cells:
            if isinstance(cell, tuple):
                made.append(new_markdown_cell(cell[1]))
            else:
                made.append(new_code_cell(str(cell)))
        path = tmp_path / name
        nbformat.write(new_notebook(cells=made), path)
        return path

    return write


def make_app(
    path: Path,
    *,
    budget: float | None = None,
    autostart: bool = True,
    animations: bool = False,
    clock: Callable[[], float] | None = None,
    theme: str = "mlemod-dark",
) -> MlemodApp:
    notebook = load_notebook(path)
    session = NotebookSession(
        notebook,
        kernel_name="python3",
        output_path=notebook.default_output_path(),
        budget=budget,
        score_options=ScoreOptions(),
    )
    kwargs = {"clock": clock} if clock else {}
    return MlemodApp(session, theme_name=theme, animations=animations, autostart=autostart, **kwargs)
