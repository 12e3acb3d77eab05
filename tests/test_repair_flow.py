"""The repair flow's own pieces: runtime reductions tracked as approximations and restored,
the kernel's freshness, the typed kind in old and new journals, the model's feedback."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.assist.proposal import Proposal
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.history import approximations_in_force
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_feedback import not_further, refused
from mlemod_tui.repair_flow import RepairFlow
from mlemod_tui.repair_loop import LoopResult
from mlemod_tui.report import render_markdown, report_data

SLOW = "from sklearn.ensemble import RandomForestClassifier\nforest = RandomForestClassifier(n_estimators=500)"
FAST = "from sklearn.ensemble import RandomForestClassifier\nforest = RandomForestClassifier(n_estimators=50)"


def _session(tmp_path: Path, cells: list[str]) -> NotebookSession:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    notebook = load_notebook(path)
    return NotebookSession(notebook, kernel_name="python3", output_path=notebook.default_output_path())


def _runtime_proposal(session: NotebookSession) -> Proposal:
    cell = session.notebook.cells[0]
    patch = Patch((diff_sources(cell.id, source_text(cell), FAST),))
    return Proposal(RepairKind.RUNTIME_REDUCTION, cell.id, patch, "fewer trees", "rule:fewer-trees")


def test_a_runtime_reduction_is_an_approximation_until_the_faithful_cells_are_restored(tmp_path: Path) -> None:
    session = _session(tmp_path, [SLOW, "print(forest)"])
    flow = RepairFlow(session)
    change = flow.prepare(_runtime_proposal(session))
    flow.apply(flow.problem_for(RepairKind.RUNTIME_REDUCTION, 0), change)
    assert change.approximation and approximations_in_force(session.history.applied) == [change]
    entry = json.loads(session.journal.path.read_text().splitlines()[0])
    assert entry["patch"]["approximation"] is True and entry["patch"]["kind"] == "runtime-reduction"
    data = report_data(session, LoopResult(True, RunResult([])), None)
    assert [a["id"] for a in data["approximations"]] == [change.id]
    markdown = render_markdown(data)
    assert "## Approximations (runtime reductions)" in markdown and "press `F`" in markdown

    [restoration] = flow.restore_faithful()
    assert source_text(session.notebook.cells[0]) == SLOW
    assert restoration.restores == change.id and not restoration.approximation
    assert approximations_in_force(session.history.applied) == []
    assert report_data(session, LoopResult(True, RunResult([])), None)["approximations"] == []
    assert flow.restore_faithful() == []  # nothing left to restore
    session.undo()  # the restoration is a patch like any other: undoable
    assert source_text(session.notebook.cells[0]) == FAST


def test_an_old_journal_with_kind_strings_still_replays(tmp_path: Path) -> None:
    session = _session(tmp_path, [SLOW])
    cell = session.notebook.cells[0]
    old = {  # as journals were written before the kind was an enum and approximations tracked
        "id": "abc", "kind": "runtime-reduction", "source": "rule:x", "rationale": "", "cell_ids": [cell.id],
        "diff": "", "before": {cell.id: SLOW}, "after": {cell.id: FAST}, "hunks_accepted": 1,
        "hunks_rejected": 0, "applied_at": "",
    }
    session.journal.path.parent.mkdir(parents=True)
    session.journal.path.write_text(json.dumps({"event": "applied", "id": "abc", "patch": old}) + "\n")
    result = session.resume_journal()
    assert result.replayed == 1
    [change] = session.history.applied
    assert change.kind is RepairKind.RUNTIME_REDUCTION and change.approximation
    assert change.to_json()["kind"] == "runtime-reduction"


async def test_the_kernel_differs_from_a_fresh_run_once_changed_code_ran(tmp_path: Path) -> None:
    session = _session(tmp_path, ["threshold = 10\nraise ValueError('not yet')", "print(threshold)"])
    await session.start()
    try:
        await session.run_all()
        assert session.kernel_differs_from_fresh() == ""  # the code that ran is the notebook's
        cell = session.notebook.cells[0]
        patch = Patch((diff_sources(cell.id, source_text(cell), "base = 5"),))
        flow = RepairFlow(session)
        change = flow.prepare(Proposal(RepairKind.ERROR_REPAIR, cell.id, patch, "", "model"))
        verdict = await flow.apply_and_verify(flow.problem_for(RepairKind.ERROR_REPAIR, 0), change)
        assert verdict.kept  # in this kernel `threshold` is still there from the failed run…
        assert "cell 0 as it was before the last change" in session.kernel_differs_from_fresh()
        fresh = await flow.clean_run()  # …a fresh one says what the user takes away
        assert session.kernel_differs_from_fresh() == ""
        assert fresh.first_failure is not None and fresh.first_failure.error is not None
        assert fresh.first_failure.error.ename == "NameError"
    finally:
        await session.stop()


def test_feedback_carries_the_rejected_diff_and_why() -> None:
    text = refused("removes `threshold`, used by cell 6", "-threshold = 1\n+pass\n").render()
    assert "refused: it removes `threshold`, used by cell 6" in text and "-threshold = 1" in text
    text = not_further("cell 0, which ran before, fails now (NameError)", "+x = y\n", None).render()
    assert "rolled back: cell 0, which ran before, fails now" in text and "+x = y" in text
