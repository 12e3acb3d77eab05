"""The main screen: cell list, cell view, runtime and score panels, kernel bar, verdict line.

Keys become session and repair-flow commands run in workers; core and flow events come back
as messages and are rendered. The screen keeps no business state of its own beyond what is on
display: which problem to fix, how a patch is verified and whether it helped are the flow's.
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
from mlemod_tui.core.execution import RunEvent, RunResult
from mlemod_tui.core.history import AppliedPatch
from mlemod_tui.core.patch import PatchError
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.core.support_files import is_support_id
from mlemod_tui.errors import MlemodError
from mlemod_tui.repair_events import (
    FlowEvent,
    PatchApplied,
    PatchNotVerified,
    PatchVerified,
    Problem,
)
from mlemod_tui.repair_flow import RepairFlow
from mlemod_tui.tui.messages import (
    CellOutputReceived,
    CellRunFinished,
    CellRunStarted,
    FlowEventReceived,
    KernelDeathReported,
    RunCompleted,
    message_for,
)
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.help_screen import HelpScreen
from mlemod_tui.tui.screens.help_sections import help_sections
from mlemod_tui.tui.screens.model_offer import check_model, say_where_the_model_is
from mlemod_tui.tui.screens.notebook_bindings import (
    NOTEBOOK_BINDINGS,
    PROPOSAL_KEYS,
    RUN_ALL_TOOLTIPS,
)
from mlemod_tui.tui.screens.order_offer import offer_stored_order, toggle_order
from mlemod_tui.tui.screens.quit_offer import ask_before_quit
from mlemod_tui.tui.screens.resume_offer import offer_resume
from mlemod_tui.tui.screens.review_screen import ReviewAnswer, ReviewScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.widgets.cell_view import CellView
from mlemod_tui.tui.widgets.kernel_bar import KernelBar
from mlemod_tui.tui.widgets.layout import compact_footer
from mlemod_tui.tui.widgets.panel_summary import PanelSummary
from mlemod_tui.tui.widgets.runtime_panel import RuntimePanel
from mlemod_tui.tui.widgets.score_panel import ScorePanel
from mlemod_tui.tui.widgets.verdict_bar import VerdictBar

ELAPSED_REFRESH_SECONDS = 0.25
GPU_REFRESH_SECONDS = 2.0



class NotebookScreen(Screen[None]):
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
        self.flow = RepairFlow(session, self.assistant)
        self.animations = animations
        self.clock = clock
        self.autostart = autostart
        self._active_cell: tuple[int, float] | None = None  # (cell index, clock at start)
        self._run_in_progress = False
        self._order_known = False  # the order report is computed off the UI thread
        self._quit_question: ConfirmScreen | None = None
        session.subscribe(self._forward)
        self.flow.subscribe(self._forward_flow)

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        notebook = self.session.notebook
        yield KernelBar(id="kernel-bar")
        yield VerdictBar(id="verdict-bar")
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
        say_where_the_model_is(self.app, self.session, self.assistant)
        if self.animations:
            self.set_interval(ELAPSED_REFRESH_SECONDS, self._tick)
            self.set_interval(GPU_REFRESH_SECONDS, self._refresh_gpu)
        if self.autostart:
            self.start_kernel()
            self.check_model()
        if self.session.journal.pending_changes():
            self.call_after_refresh(offer_resume, self.app, self.session, self._show_replayed)

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
        self.query_one(VerdictBar).show_freshness(self.session.kernel_differs_from_fresh())
        self._offer_proposal(message.result)

    # -- repair flow events -> the verdict line ------------------------------------------

    def _forward_flow(self, event: FlowEvent) -> None:
        self.post_message(FlowEventReceived(event))

    def on_flow_event_received(self, message: FlowEventReceived) -> None:
        event = message.event
        if isinstance(event, PatchApplied):
            self._after_patch(event.change)
        effect = None
        if isinstance(event, PatchVerified | PatchNotVerified):
            effect = self.session.effect_of(event.change.id)
        bar = self.query_one(VerdictBar)
        bar.show_event(event, effect.describe() if effect is not None and effect.after is not None else "")
        bar.show_freshness(self.session.kernel_differs_from_fresh())

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
        self._quit_question = ask_before_quit(self.app, self.session, self.action_save)

    # -- repair: ask, review, apply through the flow, undo, clean run --------------------

    def _offer_proposal(self, result: RunResult) -> None:
        """Say which key asks for a proposal fitting what just happened (the flow decides)."""
        problem = self.flow.next_problem(result)
        if problem is None or problem.index is None:
            return
        key = PROPOSAL_KEYS[problem.kind]
        self.notify(f"{problem.description}: press {key} for a {problem.kind} proposal.", timeout=8)

    def action_propose_repair(self) -> None:
        index = self._selected()
        run = self.session.runner.runs.get(index)
        if run is None or run.error is None:
            failures = self.session.failing_indices()
            if not failures:
                self.notify("No failed cell to repair.", timeout=4)
                return
            index = failures[0]
        self._review(self.flow.problem_for(RepairKind.ERROR_REPAIR, index))

    def action_propose_runtime(self) -> None:
        today = self.session.today_seconds()
        if not today:
            self.notify("Run cells first: runtime proposals need today's timings.", timeout=4)
            return
        self._review(self.flow.problem_for(RepairKind.RUNTIME_REDUCTION, max(today, key=today.__getitem__)))

    def action_propose_score(self) -> None:
        reference = self.session.reference
        if reference is None or reference.cell_index < 0:
            self.notify("No stored score to calibrate toward (--metric / --target).", timeout=5)
            return
        self._review(self.flow.problem_for(RepairKind.SCORE_CALIBRATION, reference.cell_index))

    def _review(self, problem: Problem) -> None:
        if self._run_in_progress:
            self.notify("A run is in progress: wait or interrupt it (i) first.", timeout=4)
            return

        def reviewed(answer: ReviewAnswer | None) -> None:
            if answer is not None:
                self.apply_answer(problem, answer)

        self.app.push_screen(ReviewScreen(self.flow, problem), reviewed)

    def apply_answer(self, problem: Problem, answer: ReviewAnswer) -> None:
        """Apply what the person accepted, then let the flow verify it (its events render)."""
        try:
            change = self.flow.prepare(answer.proposal, accepted=answer.accepted, edited=answer.edited)
        except PatchError as exc:
            self.notify(str(exc), title="Not applied", severity="error", timeout=10)
            return
        if self.session.kernel.state != "idle" or self._run_in_progress:
            self.flow.apply(problem, change)  # verified by the next run
            return
        self._start_run(lambda _index: self.flow.apply_and_verify(problem, change), 0)

    def action_undo(self) -> None:
        self._history_step(self.flow.undo(), "undid", "Nothing to undo.")

    def action_redo(self) -> None:
        self._history_step(self.session.redo(), "redid", "Nothing to redo.")

    def _history_step(self, change: AppliedPatch | None, done: str, nothing: str) -> None:
        if change is None:
            self.notify(nothing, timeout=3)
            return
        first = self._after_patch(change)
        self.query_one(VerdictBar).show_verdict(None, f"{done} {change.source} on cell {first}")
        stale = first in self.session.runner.stale_indices()
        note = " Its results are another source's (↻) until it runs again (r)." if stale else ""
        self.notify(f"{done.capitalize()} {change.source} on cell {first}.{note}", timeout=6)

    def action_clean_run(self) -> None:
        """Restart and run all in the session's order: what a fresh kernel gives."""
        self._start_run(lambda _index: self.flow.clean_run(), 0)

    def action_restore_faithful(self) -> None:
        """The runtime reductions' faithful cells back, then a clean run: the final run."""
        restored = self.flow.restore_faithful()
        if not restored:
            self.notify("No runtime reduction to restore: the cells are the author's.", timeout=4)
            return
        for change in restored:
            self._after_patch(change)
        self.query_one(VerdictBar).show_verdict(None, f"the author's cells are back ({len(restored)} restored)")
        self.action_clean_run()

    def _after_patch(self, change: AppliedPatch) -> int:
        """Refresh what a patch, undo or redo touched; returns its first cell index."""
        notebook = self.session.notebook
        indices = sorted(notebook.index_of(cid) for cid in change.cell_ids if not is_support_id(cid))
        if not indices:  # only helper modules changed: stay on the cell that crashed
            indices = [self._selected()]
        cells = self.query_one(CellList)
        for index in indices:
            cells.refresh_source(index, patched=notebook.cells[index].id in self.session.patched_cells)
        self._refresh_staleness()
        self._refresh_panels()
        cells.select(indices[0])
        self._show_cell(indices[0])
        self.rescan_erosions()
        self.query_one(VerdictBar).show_freshness(self.session.kernel_differs_from_fresh())
        return indices[0]

    def _show_replayed(self, changes: list[AppliedPatch]) -> None:
        for change in changes:
            self._after_patch(change)

    def action_toggle_order(self) -> None:
        order = toggle_order(self.session)
        self._refresh_kernel_bar()
        self.notify(f"Run all follows the {order} order.", timeout=4)

    def _show_order_problems(self) -> None:
        """An out-of-order notebook: mark the cells and offer the stored execution order."""
        self._order_known = True
        self._show_predictions()
        offer_stored_order(self.app, self.session, self._refresh_kernel_bar)

    @work(group="model", exit_on_error=False)
    async def check_model(self) -> None:
        await check_model(self.app, self.assistant)

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
