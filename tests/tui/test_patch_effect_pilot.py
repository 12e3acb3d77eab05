"""After an applied patch re-runs, the screen shows today's runtime and score before and after,
and a patch that did not help says so and names the key that undoes it (issue 13 item 4)."""

from __future__ import annotations

from mlemod_tui.assist.proposal import Proposal
from mlemod_tui.core.notebook import source_text
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.screens.review_screen import ReviewAnswer
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for

CELLS = ["import time", "time.sleep(0.05)"]


async def test_a_slower_runtime_patch_says_it_did_not_help(write_notebook) -> None:
    app = make_app(write_notebook(CELLS))
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 20)
        screen = app.screen
        assert isinstance(screen, NotebookScreen)
        cell = app.session.notebook.cells[1]
        patch = Patch((diff_sources(cell.id, source_text(cell), "time.sleep(0.6)"),))
        proposal = Proposal(RepairKind.RUNTIME_REDUCTION, cell.id, patch, "n_jobs=-1", "rule:sklearn-n-jobs")
        seen.clear()
        problem = screen.flow.problem_for(RepairKind.RUNTIME_REDUCTION, 1)
        screen.apply_answer(problem, ReviewAnswer(proposal, {(cell.id, 0)}))
        await _wait_for(lambda: any(n.title == "Patch did not help" for n in app._notifications), pilot, 20)
        said = next(n for n in app._notifications if n.title == "Patch did not help").message
        assert said.startswith("rule:sklearn-n-jobs: cell 1 ")
        assert "slower: the patch did not help (u undoes it)" in said
        await pilot.press("u")
        assert source_text(app.session.notebook.cells[1]) == CELLS[1]
