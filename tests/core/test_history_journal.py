"""Applied patches: exact undo/redo, the journal written at once, and replay after a crash."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.history import PatchHistory, build_applied
from mlemod_tui.core.journal import Journal, journal_path
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.patch import Patch, PatchError, diff_sources

ORIGINAL = (
    "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n"
    "df = df.append({'a': 2}, ignore_index=True)  # keep me\nprint(len(df))\n"
)
FIXED = (
    "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n"
    "df = pd.concat([df, pd.DataFrame([{'a': 2}])], ignore_index=True)  # keep me\nprint(len(df))\n"
)


def _notebook(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell(ORIGINAL)]), path)
    return load_notebook(path)


def _change(notebook, new: str = FIXED):  # type: ignore[no-untyped-def]
    cell = notebook.cells[1]
    patch = Patch((diff_sources(cell.id, source_text(cell), new),))
    return build_applied(notebook, patch, kind="error-repair", source="rule:pandas-append", rationale="why")


def test_undo_and_redo_restore_exact_sources(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    history = PatchHistory()
    history.apply(notebook, _change(notebook))
    assert source_text(notebook.cells[1]) == FIXED
    history.undo(notebook)
    assert source_text(notebook.cells[1]) == ORIGINAL  # byte for byte, comment included
    history.redo(notebook)
    assert source_text(notebook.cells[1]) == FIXED
    assert history.redo(notebook) is None


def test_rejecting_every_hunk_applies_nothing(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    cell = notebook.cells[1]
    patch = Patch((diff_sources(cell.id, ORIGINAL, FIXED),))
    with pytest.raises(PatchError):
        build_applied(notebook, patch, kind="error-repair", source="m", rationale="", accepted=set())


def test_an_edit_replaces_the_hunks(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    cell = notebook.cells[1]
    patch = Patch((diff_sources(cell.id, ORIGINAL, FIXED),))
    edited = ORIGINAL.replace("print(len(df))", "print(df.shape)")
    change = build_applied(
        notebook, patch, kind="error-repair", source="m", rationale="", edited={cell.id: edited}
    )
    assert change.after[cell.id] == edited and change.before[cell.id] == ORIGINAL


def test_journal_is_written_per_patch_and_replays(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    journal = Journal(notebook.path)
    history = PatchHistory()
    change = _change(notebook)
    history.apply(notebook, change)
    journal.append("applied", change)
    lines = journal_path(notebook.path).read_text().splitlines()
    assert json.loads(lines[0])["patch"]["after"][notebook.cells[1].id] == FIXED
    # the app is killed here: a fresh load of the untouched original replays the journal
    reopened = load_notebook(notebook.path)
    assert Journal(reopened.path).pending_changes() == 1
    result = Journal(reopened.path).replay(reopened)
    assert result.replayed == 1 and source_text(reopened.cells[1]) == FIXED
    # undo is journaled too, and a replay ends where the session ended
    history.undo(notebook)
    journal.append("undone", change)
    again = load_notebook(notebook.path)
    assert Journal(again.path).pending_changes() == 0
    Journal(again.path).replay(again)
    assert source_text(again.cells[1]) == ORIGINAL


def test_replay_skips_a_patch_whose_cell_changed_and_ignores_a_torn_line(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    journal = Journal(notebook.path)
    journal.append("applied", _change(notebook))
    with journal.path.open("a") as handle:
        handle.write('{"event": "applied", "patch": {')  # the app died mid-write
    other = load_notebook(notebook.path)
    other.set_source(other.cells[1].id, "changed by hand\n")
    result = Journal(other.path).replay(other)
    assert result.replayed == 0 and "changed" in result.skipped[0]
    assert source_text(other.cells[1]) == "changed by hand\n"
