"""Every applied patch records today's runtime and score before and after (issue 13 item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.history import build_applied
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.core.patch_effect import Measure, PatchEffect
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_loop import LoopResult
from mlemod_tui.report import render_markdown, report_data

CELLS = ["import time", "time.sleep(0.05)\nprint('accuracy: 0.90')"]


def _session(tmp_path: Path, cells: list[str]) -> NotebookSession:
    path = tmp_path / "nb.ipynb"
    node = new_notebook(cells=[new_code_cell(c) for c in cells])
    node.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy: 0.90\n")]
    nbformat.write(node, path)
    notebook = load_notebook(path)
    return NotebookSession(notebook, kernel_name="python3", output_path=notebook.default_output_path())


def _patch(session: NotebookSession, index: int, new: str, kind: str):  # type: ignore[no-untyped-def]
    cell = session.notebook.cells[index]
    patch = Patch((diff_sources(cell.id, source_text(cell), new),))
    return build_applied(session.notebook, patch, kind=kind, source="rule:test", rationale="")


async def test_a_runtime_patch_that_made_the_cell_slower_says_it_did_not_help(tmp_path: Path) -> None:
    session = _session(tmp_path, CELLS)
    await session.start()
    try:
        await session.run_all()
        today_before = session.runner.runs[1].seconds
        session.apply(_patch(session, 1, "time.sleep(0.6)\nprint('accuracy: 0.90')", "runtime-reduction"))
        await session.run_cell(1)
    finally:
        await session.stop()
    effect = session.effects[-1]
    assert effect.before.seconds == today_before  # today's, not the stored original's
    assert effect.after is not None and effect.after.seconds is not None
    assert effect.after.seconds > effect.before.seconds
    assert effect.before.score == effect.after.score == 0.90
    assert effect.helped() is False
    assert "slower: the patch did not help (u undoes it)" in effect.describe()

    measured = [json.loads(line) for line in session.journal.path.read_text().splitlines()]
    assert measured[-1]["event"] == "measured" and measured[-1]["effect"]["helped"] is False
    assert session.journal.pending_changes() == 1  # the measure changes nothing on replay

    saved = json.loads(session.save().read_text())
    recorded = saved["metadata"]["mlemod"]["patches"][0]["effect"]
    assert recorded["before"]["seconds"] == today_before and recorded["helped"] is False

    data = report_data(session, LoopResult(run=session.overall_result(), reproducible=False), None)
    assert data["effects"][0]["helped"] is False
    assert "## Effect of each patch" in render_markdown(data)


async def test_a_repair_that_makes_the_cell_run_helped(tmp_path: Path) -> None:
    session = _session(tmp_path, ["x = 1", "print(y)"])
    await session.start()
    try:
        await session.run_all()
        session.apply(_patch(session, 1, "print(x)", "error-repair"))
        await session.run_cell(1)
    finally:
        await session.stop()
    effect = session.effects[-1]
    assert effect.before.failed and effect.after is not None and not effect.after.failed
    assert effect.helped() is True and effect.describe().endswith("— it helped")


def test_a_calibration_is_judged_by_the_distance_to_the_reference() -> None:
    far, near = Measure(1.0, False, 0.80, -0.1), Measure(1.0, False, 0.88, -0.02)
    closer = PatchEffect("p", "score-calibration", "rule:x", (3,), far, near)
    further = PatchEffect("p", "score-calibration", "rule:x", (3,), near, far)
    assert closer.helped() is True
    assert further.helped() is False and "no closer to the reference" in further.describe()
    assert PatchEffect("p", "runtime-reduction", "rule:x", (3,), Measure(None, False, None, None)).helped() is None
