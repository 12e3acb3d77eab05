"""The folder screen: many notebooks, one row each; the scan's forecast, then their status.

Enter opens the notebook screen on the selected notebook (its own session and kernel) and
Escape comes back with the row updated. "Run all" runs the folder through the batch engine
(``mlemod_tui.batch``: Dask, a bounded number of kernels at once) in a thread worker, and the
rows follow it live. The rows' wording, sorting and filtering live in ``batch.folder``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.batch.engine import BatchConfig, BatchOutcome, BatchRun, Update
from mlemod_tui.batch.folder import FolderModel, FolderRow
from mlemod_tui.batch.predictions import Prediction, predict
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.errors import MlemodError
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.widgets.notebook_table import NotebookTable

SessionFactory = Callable[[Path], NotebookSession]


class FolderNotebookScreen(NotebookScreen):
    """The notebook screen as opened from the folder: Escape goes back to the folder."""

    BINDINGS: ClassVar[list[BindingType]] = [  # added to the notebook screen's own
        Binding("escape", "back", "Folder", tooltip="back to the folder (the kernel stops)"),
    ]

    def action_back(self) -> None:
        self.dismiss(None)


class FolderScreen(Screen[None]):
    CSS_PATH = "folder_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_all", "Run all", tooltip="run every notebook through the repair flow (rules)"),
        Binding("x", "stop", "Stop", tooltip="stop the run: running notebooks stop their kernels"),
        Binding("s", "sort", "Sort", tooltip="sort by name or by status"),
        Binding("f", "filter", "Filter", tooltip="show only one status"),
        Binding("enter", "open", "Open", show=False, tooltip="open the notebook screen on this notebook"),
        Binding("q", "quit", "Quit", tooltip="quit (a run stops first)"),
    ]

    def __init__(
        self,
        model: FolderModel,
        *,
        config: BatchConfig,
        session_factory: SessionFactory,
        assistant: Assistant | None = None,
        scan: bool = True,
        animations: bool = True,
        clock: Callable[[], float] = time.monotonic,
        autostart: bool = True,
    ) -> None:
        super().__init__()
        self.animations = animations
        self.clock = clock
        self.autostart = autostart
        self.model = model
        self.config = config
        self.session_factory = session_factory
        self.assistant = assistant
        self.scan = scan
        self.running_batch: BatchRun | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="folder-summary")
        yield NotebookTable(id="notebook-table")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(NotebookTable)
        table.show(self.model.visible())
        table.focus()
        self.refresh_summary()
        if self.scan:
            self.predict_all()

    # -- the scan's forecast, off the UI thread --------------------------------------------

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def predict_all(self) -> None:
        for row in list(self.model.rows):
            prediction = predict(row.path)
            self.app.call_from_thread(self.set_prediction, row.key, prediction)

    def set_prediction(self, key: str, prediction: Prediction) -> None:
        row = self.model.row(key)
        if row is not None:
            row.prediction = prediction
            self.query_one(NotebookTable).show_row(row)

    # -- run all: the batch engine in a thread worker --------------------------------------

    def action_run_all(self) -> None:
        if self.running_batch is not None:
            self.notify("A run is already going; x stops it.", timeout=3)
            return
        paths = [row.path for row in self.model.rows]
        self.running_batch = BatchRun(paths, self.config, lambda update: self.app.call_from_thread(self.apply, update))
        self.refresh_summary()
        self.run_batch(self.running_batch)

    @work(thread=True, exclusive=True, group="batch", exit_on_error=False)
    def run_batch(self, batch: BatchRun) -> None:
        try:
            outcome = batch.run()
        except Exception as exc:  # a cluster that cannot start: said on screen, the app lives on
            self.app.call_from_thread(self.batch_failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.batch_finished, outcome)

    def apply(self, update: Update) -> None:
        row = self.model.apply(update)
        if row is not None:
            self.query_one(NotebookTable).show_row(row)
            self.refresh_summary()

    def batch_finished(self, outcome: BatchOutcome) -> None:
        self.running_batch = None
        self.refresh_summary()
        done = "stopped" if outcome.interrupted else "done"
        self.notify(f"Run {done}: {len(outcome.results)} notebooks in {outcome.seconds:.0f} s.", timeout=6)

    def batch_failed(self, message: str) -> None:
        self.running_batch = None
        self.refresh_summary()
        self.notify(message, title="Run not started", severity="error", timeout=10)

    def action_stop(self) -> None:
        if self.running_batch is None:
            self.notify("Nothing is running.", timeout=3)
            return
        self.running_batch.stop()
        self.notify("Stopping: running notebooks shut their kernels down…", timeout=4)

    # -- sort, filter, summary ---------------------------------------------------------------

    def action_sort(self) -> None:
        self.model.next_sort()
        self.query_one(NotebookTable).show(self.model.visible())
        self.refresh_summary()

    def action_filter(self) -> None:
        self.model.next_filter()
        self.query_one(NotebookTable).show(self.model.visible())
        self.refresh_summary()

    def refresh_summary(self) -> None:
        running = " · running" if self.running_batch is not None else ""
        text = (
            f"{len(self.model.rows)} notebooks: {self.model.totals()}{running}   "
            f"sort: {self.model.sort} · filter: {self.model.filter}"
        )
        self.query_one("#folder-summary", Static).update(text)

    # -- one notebook: the notebook screen, and back -----------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one(NotebookTable).selected_key()
        row = self.model.row(key) if key is not None else None
        if row is None:
            return
        try:
            session = self.session_factory(row.path)
        except MlemodError as exc:
            self.notify(str(exc), title="Cannot open", severity="error", timeout=10)
            return
        screen = FolderNotebookScreen(
            session,
            assistant=self.assistant,
            animations=self.animations,
            clock=self.clock,
            autostart=self.autostart,
        )
        self.app.push_screen(screen, lambda _result: self.came_back(row, session))

    def came_back(self, row: FolderRow, session: NotebookSession) -> None:
        """The row says what the notebook screen left: today's verdict and patches applied."""
        result = session.overall_result()
        if any(run.status not in ("pending", "skipped") for run in result.runs):
            patches = len(session.history.applied)
            row.interactive = result.verdict() + (f"; {patches} patch(es) applied" if patches else "")
            self.query_one(NotebookTable).show_row(row)
        self.run_worker(session.stop(), group="stop-kernel", exit_on_error=False)

    def action_quit(self) -> None:
        if self.running_batch is not None:
            self.running_batch.stop()
        self.app.exit(0)
