"""Helper modules beside a notebook as patch targets: which files qualify, exact undo, the
author's copy kept, and journal replay."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.history import PatchHistory, build_applied
from mlemod_tui.core.journal import Journal
from mlemod_tui.core.notebook import Notebook, load_notebook
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.core.support_files import current_text, support_id

OLD = "def show(x):\n    print 'x =', x\n"
NEW = "def show(x):\n    print('x =', x)\n"


def _notebook(tmp_path: Path) -> Notebook:
    folder = tmp_path / "course" / "week1"
    folder.mkdir(parents=True)
    (folder / "helpers.py").write_text(OLD)
    os.chmod(folder / "helpers.py", 0o644)
    (tmp_path / "course" / "shared").mkdir()
    (tmp_path / "course" / "shared" / "style.py").write_text("x = 1\n")
    path = folder / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("from helpers import show")]), path)
    return load_notebook(path)


def test_only_python_files_of_the_notebook_folder_or_the_one_above_qualify(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    folder = notebook.folder
    assert support_id(notebook, folder / "helpers.py") == "file:helpers.py"
    assert support_id(notebook, "helpers.py") == "file:helpers.py"
    assert support_id(notebook, folder.parent / "shared" / "style.py") == "file:../shared/style.py"
    assert support_id(notebook, numpy.__file__) is None  # a library is never ours to patch
    assert support_id(notebook, folder / "missing.py") is None
    assert support_id(notebook, folder / "nb.ipynb") is None
    (tmp_path / "elsewhere.py").write_text("")
    assert support_id(notebook, tmp_path / "elsewhere.py") is None  # two levels up


def test_a_helper_patch_writes_the_file_keeps_the_original_and_undoes_exactly(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    helper = notebook.folder / "helpers.py"
    patch = Patch((diff_sources("file:helpers.py", OLD, NEW),))
    change = build_applied(notebook, patch, kind="error-repair", source="rule:py-print-statement", rationale="")
    history = PatchHistory()
    history.apply(notebook, change)
    assert helper.read_text() == NEW
    assert (notebook.folder / "helpers.py.orig").read_text() == OLD
    assert helper.stat().st_mode & 0o777 == 0o644  # the file keeps its mode
    history.undo(notebook)
    assert helper.read_text() == OLD
    history.redo(notebook)
    assert current_text(notebook, "file:helpers.py") == NEW


def test_the_journal_replays_a_helper_patch_only_onto_the_file_it_was_made_for(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    helper = notebook.folder / "helpers.py"
    patch = Patch((diff_sources("file:helpers.py", OLD, NEW),))
    change = build_applied(notebook, patch, kind="error-repair", source="rule:py-print-statement", rationale="")
    journal = Journal(notebook.path)
    journal.append("applied", change)
    replay = journal.replay(load_notebook(notebook.path))
    assert (replay.replayed, replay.skipped) == (1, [])
    assert helper.read_text() == NEW
    helper.write_text("something else\n")  # changed since: the journal must not overwrite it
    replay = journal.replay(load_notebook(notebook.path))
    assert replay.replayed == 0 and "changed since" in replay.skipped[0]
    assert helper.read_text() == "something else\n"
