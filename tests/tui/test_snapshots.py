"""Snapshot tests: the screen in its main states, deterministic.

The app runs with no kernel started, no spinner or clock ticking, fixed environment facts,
and core events posted by hand, so the picture depends only on rendering code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_output

from mlemod_tui.core.environment import EnvironmentFacts
from mlemod_tui.core.execution import CellError, CellRun
from mlemod_tui.core.kernel import StreamText
from mlemod_tui.tui.messages import CellOutputReceived, CellRunFinished, CellRunStarted
from tests.tui.conftest import SAMPLES, make_app

SIZE = (140, 40)
FACTS = EnvironmentFacts(
    python="3.11.7",
    versions={"numpy": "2.4.6", "pandas": "3.1.1", "sklearn": "1.9.1", "matplotlib": "3.11.2"},
)
TRACEBACK = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mAttributeError\x1b[39m                            Traceback (most recent call last)",
    "Cell \x1b[32mIn[3]\x1b[39m, line 2\n      1 feature_cols = ['sqft', 'bedrooms', 'age', 'dist_km']\n"
    "\x1b[32m----> 2\x1b[39m X = df.ix[:, feature_cols].as_matrix()",
    "\x1b[31mAttributeError\x1b[39m: 'DataFrame' object has no attribute 'ix'",
]


def _frozen_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    source = SAMPLES / "house_prices_linear.ipynb"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    app = make_app(path, autostart=False, animations=False, clock=lambda: 100.0, budget=60.0)
    app.session.environment = FACTS
    app.session.kernel.state = "idle"
    return app


def _finish(app, index: int, status: str, seconds: float, outputs: list) -> None:  # type: ignore[no-untyped-def]
    cell = app.session.notebook.cells[index]
    cell.outputs = outputs
    run = CellRun(index, cell.id, status=status, seconds=seconds, outputs=outputs)  # type: ignore[arg-type]
    if status == "error":
        run.error = CellError("AttributeError", "'DataFrame' object has no attribute 'ix'", TRACEBACK)
    app.session.runner.runs[index] = run
    app.screen.post_message(CellRunFinished(run))


async def _refresh_kernel_bar(pilot) -> None:  # type: ignore[no-untyped-def]
    await _settle(pilot)
    pilot.app.screen._refresh_kernel_bar()
    await pilot.pause()


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the after-first-paint work (reference score, erosion scan) finish."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_freshly_opened(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=_refresh_kernel_bar)


def test_mid_run(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await _settle(pilot)
        _finish(app, 2, "ok", 2.5, [])
        await pilot.pause()
        app.screen.post_message(CellRunStarted(3))
        for line in ("loading houses.csv", "rows: 500"):
            app.screen.post_message(CellOutputReceived(3, StreamText("stdout", line + "\n")))
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause(0.2)  # the output view repaints on its refresh timer
        await _refresh_kernel_bar(pilot)

    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=run_before)


async def _crash(pilot) -> None:  # type: ignore[no-untyped-def]
    """Cells 2-3 ran, cell 4 failed with a traceback, the rest were skipped; 4 is selected."""
    app = pilot.app
    await _settle(pilot)
    _finish(app, 2, "ok", 2.5, [])
    _finish(app, 3, "ok", 0.04, [])
    _finish(app, 4, "error", 0.31, [_error_output()])
    for index in (5, 6, 7):
        _finish(app, index, "skipped", None, [])  # type: ignore[arg-type]
    await pilot.pause()
    await pilot.press("n")  # next failing cell
    await _refresh_kernel_bar(pilot)
    await pilot.pause(0.1)  # the outputs scroll to the traceback's last line after a refresh


def _error_output():  # type: ignore[no-untyped-def]
    return new_output(
        "error",
        ename="AttributeError",
        evalue="'DataFrame' object has no attribute 'ix'",
        traceback=TRACEBACK,
    )


def test_crashed_cell(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=_crash)


@pytest.mark.parametrize("theme", ["mlemod-dark"])
def test_help_screen(snap_compare, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=run_before)


async def _review(pilot) -> None:  # type: ignore[no-untyped-def]
    """Cell 4 failed; `e` asks the rules, which answer at once with a patch."""
    app = pilot.app
    await _settle(pilot)
    _finish(app, 4, "error", 0.31, [_error_output()])
    await pilot.pause()
    await pilot.press("n")
    await pilot.press("e")  # the rules answer at once: no model needed
    await pilot.pause(0.2)


def test_review_screen_with_a_rule_proposal(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=_review)


# Issue 13 item 11: below 120 columns the source and outputs keep the room (the side panels
# give way to one summary line), and the review keys stay in the footer.
SMALL = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30")]


@pytest.mark.parametrize("size", SMALL)
def test_small_terminal_freshly_opened(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=size, run_before=_refresh_kernel_bar)


@pytest.mark.parametrize("size", SMALL)
def test_small_terminal_crashed_cell(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=size, run_before=_crash)


@pytest.mark.parametrize("size", SMALL)
def test_small_terminal_review_screen(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=size, run_before=_review)


# Issue 11: the verdict of a patch's verification re-run (kept / not further, with the reason
# and the key that undoes it), a kernel that no longer matches a fresh run (R: clean re-run),
# and a review that says the proposal removes a name a later cell uses.

FIXED_CELL_4 = (
    "feature_cols = ['sqft', 'bedrooms', 'age', 'dist_km']\n"
    "X = df.loc[:, feature_cols].to_numpy()\ny = df.loc[:, 'price'].to_numpy()\nX.shape, y.shape"
)
DROPS_X = "feature_cols = ['sqft', 'bedrooms', 'age', 'dist_km']\ny = df.loc[:, 'price'].to_numpy()"


def _proposal(app, new_source: str):  # type: ignore[no-untyped-def]
    from mlemod_tui.assist.proposal import Proposal
    from mlemod_tui.core.notebook import source_text
    from mlemod_tui.core.patch import Patch, diff_sources
    from mlemod_tui.core.repair_kind import RepairKind

    cell = app.session.notebook.cells[4]
    patch = Patch((diff_sources(cell.id, source_text(cell), new_source),))
    return Proposal(RepairKind.ERROR_REPAIR, cell.id, patch, "`.ix` and `.as_matrix` were removed.", "rule:pandas-ix")


def _verdict(kept: bool):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        from mlemod_tui.core.execution import RunResult
        from mlemod_tui.repair_events import PatchNotVerified, PatchVerified, Verdict
        from mlemod_tui.tui.messages import FlowEventReceived

        await _crash(pilot)
        app = pilot.app
        flow = app.screen.flow
        problem = flow.problem_for(flow.next_problem(app.session.overall_result()).kind, 4)
        change = flow.prepare(_proposal(app, FIXED_CELL_4))
        app.session.kernel_history.ran.append((4, app.session.notebook.cells[4].source))
        app.session.apply(change)
        if kept:
            reason = "the re-run got through every cell after it"
            event = PatchVerified(problem, change, Verdict(True, reason, RunResult([])))
        else:
            reason = "cell 4 still fails the same way (AttributeError)"
            event = PatchNotVerified(problem, change, Verdict(False, reason, RunResult([])))
        app.screen.post_message(FlowEventReceived(event))
        await pilot.pause(0.2)
        app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("kept", [pytest.param(True, id="kept"), pytest.param(False, id="not-further")])
def test_verdict_after_a_patch_and_a_kernel_unlike_a_fresh_run(snap_compare, tmp_path: Path, kept: bool) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=_verdict(kept))


async def _review_removing_a_name(pilot) -> None:  # type: ignore[no-untyped-def]
    from mlemod_tui.assist.proposer import ProposalOutcome

    await _review(pilot)
    review = pilot.app.screen
    await pilot.app.workers.wait_for_complete()
    review._show_outcome(ProposalOutcome(_proposal(pilot.app, DROPS_X)))
    await pilot.pause(0.2)


def test_review_screen_says_a_proposal_removes_a_name_a_later_cell_uses(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_frozen_app(tmp_path), terminal_size=SIZE, run_before=_review_removing_a_name)
