"""After undo (or any source change) the old run's results are not passed off as today's."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from textual.widgets import Static

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.core.notebook import source_text
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.screens.review_screen import ReviewScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.widgets.runtime_panel import RuntimePanel
from mlemod_tui.tui.widgets.score_panel import ScorePanel
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for, plain

BROKEN = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf = df.append({'a': 3}, ignore_index=True)"


def _notebook(tmp_path: Path) -> Path:
    score = new_code_cell("print(f'Accuracy: {len(df) / 3:.4f}')")
    score.outputs = [new_output("stream", name="stdout", text="Accuracy: 1.0000\n")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(BROKEN), score]), path)
    return path


async def test_undo_marks_the_cell_stale_and_the_panels_say_so(tmp_path: Path) -> None:
    """Issue 13 item 2: after u the source is the broken one again; the cell is not ✓, and the
    score and runtime panels say their figures come from a run of different code."""
    app = make_app(_notebook(tmp_path))
    app.assistant = Assistant(None)
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 30)
        await pilot.press("e")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.proposal is not None, pilot, 15)
        seen.clear()
        await pilot.press("a", "ctrl+s")  # applied, then verified from the patched cell on
        await _wait_for(_completed(seen), pilot, 20)
        screen = app.screen
        assert isinstance(screen, NotebookScreen)
        cells = screen.query_one(CellList)
        assert cells.shown_glyph(0) == "ok" and cells.shown_glyph(1) == "ok"
        assert "within" in plain(screen.query_one(ScorePanel))
        assert "different code" not in plain(screen.query_one(ScorePanel))

        await pilot.press("up")  # cell 0, the patched one
        await pilot.press("u")
        assert source_text(app.session.notebook.cells[0]) == BROKEN
        assert cells.shown_glyph(0) == "stale"
        assert "stale" in plain(screen.query_one("#cell-title", Static))
        assert "different code" in plain(screen.query_one(ScorePanel))
        assert "different code" in plain(screen.query_one(RuntimePanel))

        await pilot.press("U")  # redo: the source that ran is back, the run describes it again
        assert cells.shown_glyph(0) == "ok"
        assert "different code" not in plain(screen.query_one(ScorePanel))
