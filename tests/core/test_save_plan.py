"""A save never replaces a file holding more of today's results (issue 13 item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.save_plan import SavedResults, SavePlan, SaveRefused, saved_results
from mlemod_tui.core.session import NotebookSession


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("print(x + 1)")]), path)
    return path


def _session(path: Path) -> NotebookSession:
    notebook = load_notebook(path)
    return NotebookSession(notebook, kernel_name="python3", output_path=notebook.default_output_path())


async def test_a_session_that_ran_nothing_does_not_replace_an_executed_save(tmp_path: Path) -> None:
    path = _write(tmp_path)
    first = _session(path)
    await first.start()
    try:
        await first.run_all()
    finally:
        await first.stop()
    saved = first.save()
    assert json.loads(saved.read_text())["metadata"]["mlemod"]["results"] == {"cells_run": 2}
    before = saved.read_bytes()

    second = _session(path)  # reopened: nothing run yet
    plan = second.save_plan()
    assert plan.loses_results
    assert plan.contents() == "no patch applied; no cell run today, so the outputs are the original's stored ones"
    refused = r"holds today's results of 2 cell\(s\) \(saved .* UTC\) and this session has run none"
    with pytest.raises(SaveRefused, match=refused):
        second.save()
    assert saved.read_bytes() == before


def test_first_save_and_saves_with_as_many_results_go_ahead(tmp_path: Path) -> None:
    plan = SavePlan(tmp_path / "out.ipynb", 1, 0, 3, None)
    assert not plan.loses_results
    assert not SavePlan(tmp_path / "out.ipynb", 0, 3, 3, SavedResults(3, None)).loses_results
    assert SavePlan(tmp_path / "out.ipynb", 0, 2, 3, SavedResults(3, None)).loses_results
    assert plan.contents() == "1 patch(es) applied; no cell run today, so the outputs are the original's stored ones"
    ran = SavePlan(tmp_path / "out.ipynb", 0, 2, 3, None).contents()
    assert ran == "no patch applied; today's results of 2 of 3 code cell(s)"


def test_files_the_tool_did_not_write_are_not_guarded(tmp_path: Path) -> None:
    path = _write(tmp_path)
    original = list(load_notebook(path).cells)
    assert saved_results(tmp_path / "missing.ipynb", original) is None
    (tmp_path / "junk.ipynb").write_text("not json")
    assert saved_results(tmp_path / "junk.ipynb", original) is None
    assert saved_results(path, original) is None  # no metadata.mlemod


def test_an_older_save_without_the_count_is_judged_by_its_timings(tmp_path: Path) -> None:
    path = _write(tmp_path)
    original = list(load_notebook(path).cells)
    node = nbformat.read(path, as_version=4)
    node.metadata["mlemod"] = {"saved_at": "2026-12-07T03:34:40Z", "patches": []}
    node.cells[1].metadata["execution"] = {"iopub.status.idle": "2026-12-07T03:34:39Z"}
    old_save = tmp_path / "nb.modernized.ipynb"
    nbformat.write(node, old_save)
    assert saved_results(old_save, original) == SavedResults(1, "2026-12-07T03:34:40Z")
