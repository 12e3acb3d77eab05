"""The folder screen with Pilot: the scan's forecast, sort and filter, Run all on a real
LocalCluster with live rows, and Enter/Escape through the notebook screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlemod_tui.batch.folder import FolderModel
from mlemod_tui.tui.launch import folder_app
from mlemod_tui.tui.screens.folder_screen import FolderNotebookScreen, FolderScreen
from mlemod_tui.tui.widgets.notebook_table import NotebookTable
from tests.tui.conftest import SAMPLES

FAST = ("clean_iris.ipynb", "missing_data_file_churn.ipynb", "out_of_order_bike_rentals.ipynb")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    for name in FAST:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def _statuses(screen: FolderScreen) -> dict[str, str]:
    return {row.path.name: row.state for row in screen.model.rows}


async def test_fresh_folder_shows_the_scan_forecast_and_sorts_and_filters(course: Path) -> None:
    app = folder_app([course], autostart=False, animations=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FolderScreen)
        predicted = {row.path.name: row.prediction.describe() for row in screen.model.rows if row.prediction}
        assert predicted["out_of_order_bike_rentals.ipynb"] == "4 order problems"
        assert predicted["clean_iris.ipynb"] == "nothing predicted"
        assert set(_statuses(screen).values()) == {"not run"}
        table = screen.query_one(NotebookTable)
        assert table.row_count == 3
        await pilot.press("f")  # all -> "not run" (the only status present)
        assert screen.model.filter == "not run" and table.row_count == 3
        await pilot.press("s")
        assert screen.model.sort == "status"


async def test_run_all_turns_rows_live_and_enter_escape_round_trip(course: Path) -> None:
    app = folder_app([course / FAST[0], course / FAST[1]], autostart=False, animations=False)
    seen: list[str] = []
    async with app.run_test(size=(140, 30)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, FolderScreen)
        original_apply = screen.apply

        def spy(update):  # type: ignore[no-untyped-def]
            seen.append(f"{update.kind} {update.notebook.name}")
            original_apply(update)

        screen.apply = spy  # type: ignore[method-assign]
        await pilot.press("r")
        await pilot.pause()
        assert screen.running_batch is not None
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.running_batch is None
        assert _statuses(screen) == {"clean_iris.ipynb": "reproducible", "missing_data_file_churn.ipynb": "crashes"}
        assert "running clean_iris.ipynb" in seen and "done clean_iris.ipynb" in seen
        table = screen.query_one(NotebookTable)
        row = table.get_row(str(course / FAST[1]))
        assert "FileNotFoundError" in str(row[2])

        # Enter opens the notebook screen on the selected notebook; Escape comes back
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FolderNotebookScreen)
        assert app.screen.session.notebook.path == course / FAST[1]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await app.workers.wait_for_complete()

    # a new folder screen starts from the stored results
    assert FolderModel.of([course / FAST[0]]).rows[0].state == "not run"  # no store: not run
    again = folder_app([course / FAST[0], course / FAST[1]], autostart=False, animations=False)
    async with again.run_test(size=(140, 30)) as pilot:
        await again.workers.wait_for_complete()
        rows = again.screen.model.rows  # type: ignore[attr-defined]
        assert [(row.state, row.stored) for row in rows] == [("reproducible", True), ("crashes", True)]
