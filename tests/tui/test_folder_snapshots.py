"""Snapshots of the folder screen: fresh, mid-run and done. State is driven directly (no
cluster, no scan worker), so the picture depends only on rendering code."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlemod_tui.batch.engine import Update
from mlemod_tui.batch.predictions import Prediction
from mlemod_tui.batch.result import NotebookResult
from mlemod_tui.tui.launch import folder_app
from mlemod_tui.tui.screens.folder_screen import FolderScreen
from tests.tui.conftest import SAMPLES

SIZE = (150, 14)
NAMES = ("clean_iris.ipynb", "digits_knn.ipynb", "missing_data_file_churn.ipynb", "out_of_order_bike_rentals.ipynb")
PREDICTIONS = (Prediction(), Prediction(crash_cells=(5,)), Prediction(), Prediction(order_problems=4))


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    for name in NAMES:
        shutil.copy(SAMPLES / name, tmp_path / name)
    return folder_app([tmp_path], autostart=False, animations=False, scan=False)


def _predicted(pilot) -> FolderScreen:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    for row, prediction in zip(screen.model.rows, PREDICTIONS, strict=True):
        screen.set_prediction(row.key, prediction)
    return screen  # type: ignore[no-any-return]


def _done(screen: FolderScreen, index: int, status: str, **extra: object) -> None:
    row = screen.model.rows[index]
    result = NotebookResult(str(row.path), status, **extra)  # type: ignore[arg-type]
    screen.apply(Update("done", row.path, result))


async def _mid_run(pilot) -> None:  # type: ignore[no-untyped-def]
    screen = _predicted(pilot)
    for row in screen.model.rows:
        screen.apply(Update("queued", row.path))
    _done(screen, 0, "reproducible", seconds=1.3, stored_seconds=1.27)
    screen.apply(Update("running", screen.model.rows[1].path))
    screen.apply(Update("running", screen.model.rows[2].path))
    await pilot.pause()


async def _all_done(pilot) -> None:  # type: ignore[no-untyped-def]
    screen = _predicted(pilot)
    _done(screen, 0, "reproducible", seconds=1.3, stored_seconds=1.27)
    patched = {"patches": ["rule:numpy-removed"], "families": ["numpy"]}
    _done(screen, 1, "reproducible", seconds=3.3, stored_seconds=1.9, **patched)
    _done(screen, 2, "crashes", detail="cell 3: FileNotFoundError: data/customer_churn.csv", seconds=1.6,
          stored_seconds=1.0)
    _done(screen, 3, "needs a model", detail="cell 4: NameError: name 'model' is not defined", seconds=2.4,
          stored_seconds=1.25)
    await pilot.press("s")  # by status
    await pilot.pause()


async def _fresh(pilot) -> None:  # type: ignore[no-untyped-def]
    _predicted(pilot)
    await pilot.pause()


def test_folder_fresh(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=_fresh)


def test_folder_mid_run(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=_mid_run)


def test_folder_done(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=_all_done)
