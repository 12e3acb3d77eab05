"""The main screen: cell list, cell view, runtime and score panels, kernel bar.

Keys become session commands run in workers; core events come back as messages and are
rendered. The screen keeps no business state of its own beyond what is on display.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.rules import scan_notebook
from mlemod_tui.core.environment import query_local_gpus
from mlemod_tui.core.execution import RunEvent
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.errors import MlemodError
from mlemod_tui.tui.messages import (
    CellOutputReceived,
    CellRunFinished,
    CellRunStarted,
    KernelDeathReported,
    RunCompleted,
    message_for,
)
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.help_screen import HelpScreen
from mlemod_tui.tui.screens.help_sections import help_sections
from mlemod_tui.tui.screens.proposal_actions import ProposalActions
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.widgets.cell_view import CellView
from mlemod_tui.tui.widgets.kernel_bar import KernelBar
from mlemod_tui.tui.widgets.layout import compact_footer
from mlemod_tui.tui.widgets.panel_summary import PanelSummary
from mlemod_tui.tui.widgets.runtime_panel import RuntimePanel
from mlemod_tui.tui.widgets.score_panel import ScorePanel

ELAPSED_REFRESH_SECONDS = 0.25
GPU_REFRESH_SECONDS = 2.0

NOTEBOOK_BINDINGS = [
    # Most needed first: below 120 columns the footer shows as many as fit, from the left.
    Binding("r", "run_cell", "Run cell", tooltip="run the selected cell"),
    Binding("a", "run_all", "Run all", tooltip="run every code cell (in the run order shown on the kernel bar)"),
    Binding("e", "propose_repair", "Repair", tooltip="propose an error repair for the selected failed cell"),
    Binding("i", "interrupt", "Interrupt", tooltip="interrupt the running cell"),
    Binding("u", "undo", "Undo", tooltip="undo the last applied patch (exact previous source)"),
    Binding("s", "save", "Save", tooltip="save the notebook atomically to the output path"),
    Binding("question_mark,f1", "help", "Help", key_display="?", tooltip="this list of keys"),
    Binding("q", "quit", "Quit", tooltip="quit (asks when there is unsaved work)"),
    Binding("t", "run_to", "To here", tooltip="run from the top down to the selected cell"),
    Binding("f", "run_from", "From here", tooltip="run the selected cell and all after it"),
    Binding("K", "restart_kernel", "Restart", tooltip="restart the kernel (asks first)"),
    Binding("o", "toggle_outputs", "Outputs", tooltip="show or hide the cell's outputs"),
    Binding("n", "next_failure", "Next fail", tooltip="jump to the next failing cell", show=False),
    Binding("p", "previous_failure", "Prev fail", tooltip="jump to the previous failing cell", show=False),
    Binding("b", "propose_runtime", "Speed up", tooltip="propose a runtime reduction (budget)", show=False),
    Binding("c", "propose_score", "Calibrate", tooltip="propose a score calibration toward the reference", show=False),
    Binding("O", "toggle_order", "Order", tooltip="run all in the stored execution order or top-down", show=False),
    Binding("U", "redo", "Redo", tooltip="redo the last undone patch", show=False),
    Binding(
        "v",
        "toggle_panels",
        "Panels",
        tooltip="show or hide the runtime and score panels (below 120 columns they take the cell list's place)",
        show=False,
    ),
]
RUN_ALL_TOOLTIPS = {
    "top-down": "run every code cell from the top (O switches the order)",
    "stored": "run every code cell in the stored execution order (O switches the order)",
}


class NotebookScreen(ProposalActions, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(NOTEBOOK_BINDINGS)

    def __init__(
        self,
        session: NotebookSession,
        *,
        assistant: Assistant | None = None,
        animations: bool = True,
        clock: Callable[[], float],
        autostart: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.assistant = assistant or Assistant(None)
        self.animations = animations
        self.clock = clock
        self.autostart = autostart
        self._active_cell: tuple[int, float] | None = None  # (cell index, clock at start)
        self._run_in_progress = False
        self._order_known = False  # the order report is computed off the UI thread
        self._quit_question: ConfirmScreen | None = None
        session.subscribe(self._forward)

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        notebook = self.session.notebook
        yield KernelBar(id="kernel-bar")
        yield PanelSummary(id="panel-summary")
        with Horizontal(id="main"):
            yield CellList(notebook, spinner=self.animations, id="cell-list")
            yield CellView(notebook, id="cell-view")
            with Vertical(id="side"):
                runtime = RuntimePanel(id="runtime-panel")
                runtime.border_title = "Runtime"
                yield runtime
                score = ScorePanel(id="score-panel")
                score.border_title = "Score"
                yield score
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        compact_footer(self, event.size.width)

    def on_mount(self) -> None:
        notebook = self.session.notebook
        self.sub_title = str(notebook.path)
        first_code = next(iter(notebook.code_cell_indices()), 0)
        cells = self.query_one(CellList)
        cells.focus()
        if notebook.cells:
            cells.select(first_code)
            self._show_cell(first_code)
        self._refresh_kernel_bar()
        self.call_after_refresh(self.find_reference_score)
        self.say_where_the_model_is()
        if self.animations:
            self.set_interval(ELAPSED_REFRESH_SECONDS, self._tick)
            self.set_interval(GPU_REFRESH_SECONDS, self._refresh_gpu)
        if self.autostart:
            self.start_kernel()
            self.check_model()
        if self.session.journal.pending_changes():
            self.call_after_refresh(self._offer_resume)

    # -- core events -> messages -> widgets ---------------------------------------------

    def _forward(self, event: RunEvent) -> None:
        """Runner callback (on the app's loop, inside a worker): hand the event to Textual."""
        self.post_message(message_for(event))

    def on_cell_run_started(self, message: CellRunStarted) -> None:
        self._active_cell = (message.index, self.clock())
        self.query_one(CellList).set_status(message.index, "running")
        self.query_one(CellView).start_live(message.index)
        self._refresh_kernel_bar()

    def on_cell_output_received(self, message: CellOutputReceived) -> None:
        self.query_one(CellView).feed_live(message.index, message.event)

    def on_cell_run_finished(self, message: CellRunFinished) -> None:
        run = message.run
        if self._active_cell and self._active_cell[0] == run.index:
            self._active_cell = None
        self._refresh_staleness()
        self.query_one(CellList).set_status(run.index, run.status, run.seconds)
        view = self.query_one(CellView)
        view.stop_live(run.index)
        if view.index == run.index:
            self._show_cell(run.index)
        self._refresh_panels()

    def on_kernel_death_reported(self, message: KernelDeathReported) -> None:
        self._refresh_kernel_bar()
        self.notify(
            f"{message.message}. Press K to restart it; your cells and outputs are kept.",
            title="Kernel died",
            severity="error",
            timeout=10,
        )

    def on_run_completed(self, message: RunCompleted) -> None:
        failure = message.result.first_failure
        if failure is not None:
            self.query_one(CellList).select(failure.index)
            self._show_cell(failure.index)
        self._refresh_kernel_bar()
        self._refresh_panels()
        self._offer_proposal(message.result)

    def on_cell_list_cell_selected(self, message: CellList.CellSelected) -> None:
        self._show_cell(message.index)

    # -- actions -------------------------------------------------------------------------

    def action_run_cell(self) -> None:
        self._start_run(self.session.run_cell, self._selected())

    def action_run_all(self) -> None:
        self._start_run(lambda _index: self.session.run_all(), 0)

    def action_run_to(self) -> None:
        self._start_run(self.session.run_to, self._selected())

    def action_run_from(self) -> None:
        self._start_run(self.session.run_from, self._selected())

    def action_interrupt(self) -> None:
        if not self._run_in_progress:
            self.notify("Nothing is running.", timeout=3)
            return
        self.interrupt_kernel()

    def action_restart_kernel(self) -> None:
        def answered(answer: str | None) -> None:
            if answer == "restart":
                self.restart_kernel()

        self.app.push_screen(
            ConfirmScreen(
                "Restart the kernel? Its variables are lost; cells, outputs and edits are kept.",
                [("restart", "Restart"), ("cancel", "Cancel")],
            ),
            answered,
        )

    def action_next_failure(self) -> None:
        self._jump_failure(forward=True)

    def action_previous_failure(self) -> None:
        self._jump_failure(forward=False)

    def action_toggle_outputs(self) -> None:
        self.query_one(CellView).toggle_outputs()

    def action_toggle_panels(self) -> None:
        """The stylesheet decides what that means at this width: wide, the panels hide; below
        120 columns, they show in the cell list's place (the source keeps its width)."""
        self.toggle_class("-panels-toggled")

    def action_save(self) -> None:
        try:
            path = self.session.save()
        except MlemodError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self.notify(f"Saved {path}", timeout=4)

    def action_help(self) -> None:
        everywhere = type(self.app).BINDINGS
        self.app.push_screen(HelpScreen(help_sections(self.key_bindings(), everywhere)))

    def key_bindings(self) -> list[Binding]:
        """The notebook keys, described as they act now (`a` follows the run order in force)."""
        return [
            dataclasses.replace(binding, tooltip=RUN_ALL_TOOLTIPS[self.session.order])
            if binding.action == "run_all"
            else binding
            for binding in NOTEBOOK_BINDINGS
        ]

    def action_quit(self) -> None:
        if not self.session.dirty:
            self.app.exit(0)
            return
        if self._quit_question is not None and self._quit_question in self.app.screen_stack:
            return  # already asking (q, ctrl+q, ctrl+c and the palette all come here)

        def answered(answer: str | None) -> None:
            if answer == "save":
                self.action_save()
                if not self.session.dirty:
                    self.app.exit(0)
            elif answer == "discard":
                self.app.exit(0)

        plan = self.session.save_plan()
        if plan.loses_results:  # "Save and quit" would replace more results with fewer
            question = (
                f"This session: {plan.contents()}. {plan.conflict()} Quit and keep that file? "
                "The patches stay in the journal and are offered again when you reopen the notebook."
            )
            answers = [("discard", "Quit, keep the saved file"), ("cancel", "Cancel")]
        else:
            question = f"Unsaved: {plan.contents()}. Save to {plan.path} first?"
            answers = [("save", "Save and quit"), ("discard", "Quit without saving"), ("cancel", "Cancel")]
        self._quit_question = ConfirmScreen(question, answers)
        self.app.push_screen(self._quit_question, answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim Interrupt in the footer when nothing runs. Run keys stay live so that pressing
        one at the wrong moment says why nothing happens."""
        if action == "interrupt":
            return True if self._run_in_progress else None
        return True

    # -- workers -------------------------------------------------------------------------

    @work(group="kernel", exit_on_error=False)
    async def start_kernel(self) -> None:
        self._refresh_kernel_bar()
        try:
            await self.session.start()
        except MlemodError as exc:
            self.notify(str(exc), title="Kernel did not start", severity="error", timeout=15)
            return
        finally:
            self._refresh_kernel_bar()
        await self._probe()

    @work(group="kernel", exit_on_error=False)
    async def restart_kernel(self) -> None:
        try:
            self._refresh_kernel_bar("starting")
            await self.session.restart()
        except MlemodError as exc:
            self.notify(str(exc), title="Restart failed", severity="error", timeout=15)
        finally:
            self._refresh_kernel_bar()
            self.refresh_bindings()
        await self._probe()

    @work(thread=True, group="score", exit_on_error=False)
    def find_reference_score(self) -> None:
        """The reference scan reads every stored output (0.2 s on 1,000 cells), and the
        erosion scan parses every cell: both after the first paint, off the UI thread."""
        _ = self.session.reference
        self.app.call_from_thread(self._refresh_panels)
        self._predict_erosions()
        self.app.call_from_thread(self._show_predictions)
        report = self.session.order_report
        if report.problems:
            self.app.call_from_thread(self._show_order_problems)

    @work(thread=True, group="scan", exclusive=True, exit_on_error=False)
    def rescan_erosions(self) -> None:
        """A patch, undo, redo or resume changed sources: the ⚠ marks follow the new code."""
        self._predict_erosions()
        self.app.call_from_thread(self._show_predictions)

    def _predict_erosions(self) -> None:
        """Before running: what the offline rules expect to break, per cell index."""
        self.session.predictions = {
            found.index: [
                f"{f.rule_id} (line {f.lines[0]})" if f.lines else f.rule_id for f in found.findings
            ]
            for found in scan_notebook(self.session.notebook, include_warnings=False)
            if found.findings
        }

    def _show_predictions(self) -> None:
        """⚠ on the cells the scan expects to break, and on those with order problems."""
        marked = set(self.session.predictions)
        if self._order_known:
            marked |= self.session.order_report.cells_with_problems()
        self.query_one(CellList).mark_predicted(marked)
        self._show_cell(self._selected())

    def _refresh_gpu(self) -> None:
        """While a local kernel is busy it cannot answer the probe: read its GPU here."""
        if self._run_in_progress and not self.session.kernel.attached and self.session.environment:
            self.read_local_gpus()

    @work(thread=True, group="gpu", exclusive=True, exit_on_error=False)
    def read_local_gpus(self) -> None:
        gpus = query_local_gpus()
        if gpus is None or self.session.environment is None:
            return
        self.session.environment = dataclasses.replace(self.session.environment, gpus=gpus)
        self.app.call_from_thread(self._refresh_kernel_bar)

    @work(group="control", exit_on_error=False)
    async def interrupt_kernel(self) -> None:
        await self.session.interrupt()

    @work(group="run", exit_on_error=False)
    async def _run_worker(self, command: Callable[[int], Awaitable[Any]], index: int) -> None:
        try:
            await command(index)
        except MlemodError as exc:
            self.notify(str(exc), title="Cannot run", severity="error", timeout=10)
        finally:
            self._run_in_progress = False
            self._active_cell = None
            self._refresh_kernel_bar()
            self.refresh_bindings()
        if self.session.kernel.state == "idle":
            await self._probe()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for unexpected worker failures: a clear message, never a dump."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="Unexpected error", severity="error")
            self._run_in_progress = False
            self.refresh_bindings()

    # -- helpers ---------------------------------------------------------------------------

    def _start_run(self, command: Callable[[int], Awaitable[Any]], index: int) -> None:
        if self._run_in_progress:
            self.notify("A run is in progress: interrupt it (i) first.", timeout=4)
            return
        state = self.session.kernel.state
        if state != "idle":
            hint = " Press K to restart it." if state == "dead" else ""
            self.notify(f"The kernel is {state}.{hint}", severity="warning", timeout=5)
            return
        self._run_in_progress = True
        self.refresh_bindings()
        self._run_worker(command, index)

    async def _probe(self) -> None:
        try:
            await self.session.probe_environment()
        except MlemodError:
            return  # the kernel bar keeps its previous facts; the kernel state says why
        self._refresh_kernel_bar()

    def _selected(self) -> int:
        return self.query_one(CellList).selected_index

    def _show_cell(self, index: int) -> None:
        status = self.query_one(CellList).status_of(index)
        origin = ""
        if index in self.session.runner.runs:
            origin = "stored outputs (original)" if status == "pending" else f"today: {status}"
            if index in self.session.runner.stale_indices():
                origin += " · stale: from a run of the previous source (r re-runs it)"
        predicted = self.session.predictions.get(index)
        if predicted and status == "pending":
            origin += " · predicted to break: " + ", ".join(predicted)
        order_problems = self.session.order_report.problems_of(index) if self._order_known else []
        if order_problems:
            origin += " · " + "; ".join(problem.message for problem in order_problems)
        self.query_one(CellView).show_cell(index, origin)

    def _jump_failure(self, *, forward: bool) -> None:
        failures = self.session.failing_indices()
        if not failures:
            self.notify("No failing cell.", timeout=3)
            return
        current = self._selected()
        if forward:
            target = next((i for i in failures if i > current), failures[0])
        else:
            target = next((i for i in reversed(failures) if i < current), failures[-1])
        self.query_one(CellList).select(target)
        self._show_cell(target)

    def _tick(self) -> None:
        if self._active_cell is None:
            return
        index, since = self._active_cell
        elapsed = self.clock() - since
        self.query_one(CellList).set_elapsed(index, elapsed)
        self._refresh_panels()

    def _refresh_panels(self) -> None:
        session = self.session
        running = None
        if self._active_cell is not None:
            running = (self._active_cell[0], self.clock() - self._active_cell[1])
        stale = session.runner.stale_indices()
        summary = session.runtime_summary()
        self.query_one(RuntimePanel).show(summary, session.today_seconds(), session.stored_seconds, running, stale)
        comparison = session.score_comparison()
        self.query_one(ScorePanel).show(comparison, session.every_score_comparison(), session.noise, stale)
        self.query_one(PanelSummary).show(summary, comparison, stale)

    def _refresh_staleness(self) -> None:
        """Mark the cells whose source changed since they ran (a patch, undo or redo)."""
        self.query_one(CellList).mark_stale(set(self.session.runner.stale_indices()))

    def _refresh_kernel_bar(self, state: str | None = None) -> None:
        kernel = self.session.kernel
        name = f"{kernel.kernel_name} (attached)" if kernel.attached else kernel.kernel_name
        self.query_one(KernelBar).show(
            name,
            state or kernel.state,
            self.session.environment,
            attached=kernel.attached,
            order=self.session.order,
        )
