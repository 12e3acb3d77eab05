"""The proposal side of the notebook screen: ask, review, apply, re-run, undo, resume.

A mixin so the notebook screen stays about running cells; it uses the screen's session,
assistant, run starter and cell display.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import work

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.history import AppliedPatch, build_applied
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.core.support_files import describe_target, is_support_id
from mlemod_tui.errors import MlemodError
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.pull_screen import PullScreen
from mlemod_tui.tui.screens.review_screen import ReviewAnswer, ReviewScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.wording import sentence

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen[None]
else:
    _Base = object


class ProposalActions(_Base):
    """Keys e/b/c (propose), u/U (undo/redo), O (run order), and the offers made on open."""

    session: NotebookSession
    assistant: Assistant
    _run_in_progress: bool
    _order_known: bool

    def _start_run(self, command: Callable[[int], Awaitable[Any]], index: int) -> None:
        raise NotImplementedError

    def _show_cell(self, index: int) -> None:
        raise NotImplementedError

    def _selected(self) -> int:
        raise NotImplementedError

    def _refresh_kernel_bar(self, state: str | None = None) -> None:
        raise NotImplementedError

    def _show_predictions(self) -> None:
        raise NotImplementedError

    def _refresh_staleness(self) -> None:
        raise NotImplementedError

    def _refresh_panels(self) -> None:
        raise NotImplementedError

    def rescan_erosions(self) -> Any:
        raise NotImplementedError

    def _offer_proposal(self, result: RunResult) -> None:
        """Say which proposal fits what just happened (the key asks for it)."""
        failure = result.first_failure
        if failure is not None and failure.status in ("error", "timeout"):
            self.notify(f"Cell {failure.index} failed: press e for a repair proposal.", timeout=8)
        elif self.session.runtime_summary().over_budget:
            self.notify("The run is over its budget: press b for a runtime reduction.", timeout=8)
        elif self.session.score_comparison().verdict == "drifted":
            self.notify("The score drifted beyond tolerance: press c for a calibration.", timeout=8)

    def action_propose_repair(self) -> None:
        index = self._selected()
        run = self.session.runner.runs.get(index)
        if run is None or run.error is None:
            failures = self.session.failing_indices()
            if not failures:
                self.notify("No failed cell to repair.", timeout=4)
                return
            index = failures[0]
        self._review(RepairKind.ERROR_REPAIR, index)

    def action_propose_runtime(self) -> None:
        today = self.session.today_seconds()
        if not today:
            self.notify("Run cells first: runtime proposals need today's timings.", timeout=4)
            return
        self._review(RepairKind.RUNTIME_REDUCTION, max(today, key=today.__getitem__))

    def action_propose_score(self) -> None:
        reference = self.session.reference
        if reference is None or reference.cell_index < 0:
            self.notify("No stored score to calibrate toward (--metric / --target).", timeout=5)
            return
        self._review(RepairKind.SCORE_CALIBRATION, reference.cell_index)

    def _review(self, kind: RepairKind, index: int) -> None:
        if self._run_in_progress:
            self.notify("A run is in progress: wait or interrupt it (i) first.", timeout=4)
            return

        def reviewed(answer: ReviewAnswer | None) -> None:
            if answer is not None:
                self._apply(answer)

        self.app.push_screen(ReviewScreen(self.session, self.assistant, kind, index), reviewed)

    def _apply(self, answer: ReviewAnswer) -> None:
        proposal = answer.proposal
        try:
            change = build_applied(
                self.session.notebook,
                proposal.patch,
                kind=proposal.kind,
                source=proposal.source,
                rationale=proposal.rationale,
                accepted=answer.accepted,
                edited=answer.edited,
            )
            self.session.apply(change)
        except MlemodError as exc:
            self.notify(str(exc), title="Not applied", severity="error", timeout=10)
            return
        first = self._after_patch(change)
        helpers = [cid for cid in change.cell_ids if is_support_id(cid)]
        if helpers:
            # The kernel holds the old module in sys.modules: only a fresh one imports the fix.
            names = ", ".join(describe_target(self.session.notebook, cid) for cid in helpers)
            self.notify(
                f"Applied {change.source} to {names} (the author's copy is kept as .orig); "
                "restarting the kernel and running from the top.",
                timeout=6,
            )
            if self.session.kernel.state == "idle":
                self._start_run(self._rerun_fresh, first)
            return
        self.notify(f"Applied {change.source} to cell {first}; re-running it.", timeout=4)
        if self.session.kernel.state == "idle":
            self._start_run(self._rerun_then_offer, first)

    async def _rerun_fresh(self, index: int) -> RunResult:
        """After a helper module changed: a fresh kernel, every cell from the top."""
        await self.session.restart()
        result = await self.session.run_all()
        self._say_effect()
        return result

    async def _rerun_then_offer(self, index: int) -> RunResult:
        result = await self.session.run_cell(index)
        self._say_effect()
        later = [i for i in self.session.notebook.code_cell_indices() if i > index]
        if result.succeeded and later:
            self.call_later(self._offer_continue, index)
        return result

    def _say_effect(self) -> None:
        """Today's runtime and score before and after the patch just re-run; a patch that did
        not help says so, with the key that undoes it."""
        effect = self.session.effects[-1] if self.session.effects else None
        if effect is None or effect.after is None:
            return
        if effect.helped() is False:
            self.notify(effect.describe(), title="Patch did not help", severity="warning", timeout=20)
        else:
            self.notify(effect.describe(), title="Patch effect", timeout=8)

    def _offer_continue(self, index: int) -> None:
        def answered(answer: str | None) -> None:
            if answer == "continue":
                self._start_run(self.session.run_from, index + 1)

        self.app.push_screen(
            ConfirmScreen(
                f"Cell {index} runs now. Continue with the cells after it?",
                [("continue", "Continue"), ("cancel", "Not now")],
            ),
            answered,
        )

    def action_undo(self) -> None:
        change = self.session.undo()
        if change is None:
            self.notify("Nothing to undo.", timeout=3)
            return
        first = self._after_patch(change)
        stale = first in self.session.runner.stale_indices()
        note = " Its results are the patched code's (↻) until it runs again (r)." if stale else ""
        self.notify(f"Undid {change.source} on cell {first}: its previous source is back.{note}", timeout=6)

    def action_redo(self) -> None:
        change = self.session.redo()
        if change is None:
            self.notify("Nothing to redo.", timeout=3)
            return
        first = self._after_patch(change)
        self.notify(f"Redid {change.source} on cell {first}.", timeout=4)

    def _after_patch(self, change: AppliedPatch) -> int:
        """Refresh what a patch, undo or redo touched; returns its first cell index."""
        notebook = self.session.notebook
        indices = sorted(notebook.index_of(cid) for cid in change.cell_ids if not is_support_id(cid))
        if not indices:  # only helper modules changed: stay on the cell that crashed
            indices = [self._selected()]
        cells = self.query_one(CellList)
        for index in indices:
            cells.refresh_source(index, patched=self.session.notebook.cells[index].id in self.session.patched_cells)
        self._refresh_staleness()
        self._refresh_panels()
        cells.select(indices[0])
        self._show_cell(indices[0])
        self.rescan_erosions()
        return indices[0]

    def _offer_resume(self) -> None:
        pending = self.session.journal.pending_changes()

        def answered(answer: str | None) -> None:
            if answer == "resume":
                result = self.session.resume_journal()
                for change in self.session.history.applied:
                    self._after_patch(change)
                note = f"; {len(result.skipped)} skipped: {result.skipped[0]}" if result.skipped else ""
                self.notify(f"Resumed {result.replayed} patch(es) from the journal{note}.", timeout=8)
            elif answer == "fresh":
                archived = self.session.journal.archive()
                self.notify(f"Started fresh; the old journal is kept as {archived}.", timeout=6)

        self.app.push_screen(
            ConfirmScreen(
                f"This notebook has a journal of {pending} applied patch(es) from an earlier "
                "session. Resume them?",
                [("resume", "Resume"), ("fresh", "Start fresh"), ("cancel", "Decide later")],
            ),
            answered,
        )

    def say_where_the_model_is(self) -> None:
        """Once, at start: a model server off this machine will receive the notebook's code,
        tracebacks and kernel values. Said, not blocked (compose reaches Ollama by name)."""
        self.session.model_server = self.assistant.server
        notice = self.assistant.server.notice() if self.assistant.server else None
        if notice:
            self.notify(notice, title="Model server elsewhere", severity="warning", timeout=20)

    @work(group="model", exit_on_error=False)
    async def check_model(self) -> None:
        """Is Ollama there, with the model? Said once; running never waits for it."""
        status = await self.assistant.check()
        if status is None:
            return
        if not status.reachable:
            self.notify(f"{sentence(status.message)} Proposals come from the offline rules.", timeout=8)
        elif not status.model_present:
            self._offer_pull(status.message)

    def _offer_pull(self, message: str) -> None:
        def answered(answer: str | None) -> None:
            if answer == "pull":
                self.app.push_screen(PullScreen(self.assistant))

        self.app.push_screen(
            ConfirmScreen(
                f"{sentence(message)} Pull it now? Until then proposals come from the offline rules.",
                [("pull", "Pull"), ("cancel", "Not now")],
            ),
            answered,
        )

    def _show_order_problems(self) -> None:
        """An out-of-order notebook: mark the cells and offer the stored execution order."""
        self._order_known = True
        report = self.session.order_report
        self._show_predictions()
        if not report.out_of_order:
            return

        def answered(answer: str | None) -> None:
            if answer == "stored":
                self.session.order = "stored"
                self._refresh_kernel_bar()
                self.notify("Run all now follows the stored execution order (O switches back).")

        first = report.problems[0].message
        self.app.push_screen(
            ConfirmScreen(
                f"This notebook was run out of order ({first}; {len(report.problems)} problem(s)). "
                "Run all in the stored execution order?",
                [("stored", "Stored order"), ("cancel", "Top-down")],
            ),
            answered,
        )

    def action_toggle_order(self) -> None:
        self.session.order = "top-down" if self.session.order == "stored" else "stored"
        self._refresh_kernel_bar()
        self.notify(f"Run all follows the {self.session.order} order.", timeout=4)

