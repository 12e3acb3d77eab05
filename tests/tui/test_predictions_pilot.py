"""The scan's ⚠ follows the source: a cell is re-scanned whenever a patch changes it."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.history import build_applied
from mlemod_tui.core.journal import Journal
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _wait_for

BROKEN = "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf = df.append({'a': 2}, ignore_index=True)"
FIXED = (
    "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n"
    "df = pd.concat([df, pd.DataFrame([{'a': 2}])], ignore_index=True)"
)


def _journaled_fix(tmp_path: Path) -> Path:
    """A notebook whose journal (an earlier session) holds the fix of its broken cell."""
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell(BROKEN)]), path)
    notebook = load_notebook(path)
    cell = notebook.cells[1]
    patch = Patch((diff_sources(cell.id, BROKEN, FIXED),))
    change = build_applied(notebook, patch, kind="error-repair", source="rule:pandas-append", rationale="")
    Journal(path).append("applied", change)
    return path


async def test_resumed_patch_clears_the_warning_and_undo_brings_it_back(tmp_path: Path) -> None:
    """Issue 13 item 6."""
    app = make_app(_journaled_fix(tmp_path), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = next(s for s in app.screen_stack if isinstance(s, NotebookScreen))
        cells = screen.query_one(CellList)
        await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 10)
        await app.workers.wait_for_complete()
        assert cells.shown_glyph(1) == "predicted"  # the broken source, before the resume
        await pilot.click("#answer-resume")
        assert source_text(app.session.notebook.cells[1]) == FIXED
        await _wait_for(lambda: cells.shown_glyph(1) == "pending", pilot, 10)
        await pilot.press("u")
        assert source_text(app.session.notebook.cells[1]) == BROKEN
        await _wait_for(lambda: cells.shown_glyph(1) == "predicted", pilot, 10)
