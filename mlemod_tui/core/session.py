"""One notebook being revived: its kernel, its runner, where it saves, and what the panels show.

The TUI drives this object and renders its events; it owns every state change (which cells
ran, what is unsaved, the reference score) so no front end has to.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mlemod_tui.core.environment import EnvironmentFacts, libraries_to_report, probe_environment
from mlemod_tui.core.execution import (
    CellFinished,
    EventListener,
    NotebookRunner,
    RunEvent,
    RunResult,
)
from mlemod_tui.core.freshness import KernelHistory
from mlemod_tui.core.history import AppliedPatch, PatchHistory
from mlemod_tui.core.journal import Journal, ReplayResult
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.core.noise import MAX_RERUNS, NoiseCheck, is_seeded, trains
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.order import OrderReport, RunOrder, analyze_order, execution_order
from mlemod_tui.core.patch_effect import Measure, PatchEffect, journal_effect
from mlemod_tui.core.provenance import provenance_record
from mlemod_tui.core.runtime import RuntimeSummary, stored_timings, summarize_runtime
from mlemod_tui.core.save_plan import SavePlan, SaveRefused, saved_results
from mlemod_tui.core.scores import (
    Score,
    ScoreComparison,
    compare_every_score,
    compare_scores,
    reference_score,
    todays_score,
)
from mlemod_tui.model_server import ModelServer


@dataclass(frozen=True)
class ScoreOptions:
    """How the notebook's metric is chosen and judged (``--metric``, ``--target`` …)."""

    metric: str | None = None
    target: float | None = None
    lower_is_better: bool | None = None
    tolerance: float = 0.10


class NotebookSession:
    """A notebook, a kernel to run it on and today's results."""

    def __init__(
        self,
        notebook: Notebook,
        *,
        kernel_name: str,
        output_path: Path,
        cell_timeout: float | None = None,
        budget: float | None = None,
        score_options: ScoreOptions | None = None,
        existing: Path | None = None,
        order: RunOrder = "top-down",
    ) -> None:
        self.notebook = notebook
        self.order: RunOrder = order  # how run_all orders the code cells (issue #6)
        self.output_path = output_path
        self.budget = budget
        self.score_options = score_options or ScoreOptions()
        self.kernel = KernelSession(kernel_name, cwd=notebook.folder, existing=existing)
        self.runner = NotebookRunner(notebook, self.kernel, cell_timeout=cell_timeout)
        self.stored_seconds = stored_timings(notebook.original.cells)
        self.environment: EnvironmentFacts | None = None
        self.dirty = False
        self.history = PatchHistory()
        self.journal = Journal(notebook.path)
        self.patched_cells: set[str] = set()
        # What the offline rules expect to break, per cell index ("rule-id (line N)"): set by
        # the front end (the rules live in mlemod_tui.assist, which the core does not import).
        self.predictions: dict[int, list[str]] = {}
        self.noise: NoiseCheck | None = None  # the last run-to-run noise check, if any
        self.model_server: ModelServer | None = None  # set by the front end that has a model
        # Each applied patch's effect on today's runtime and score; the last one is measured
        # as its cells (and the cells after them) run again, until the next patch.
        self.effects: list[PatchEffect] = []
        self._measuring: tuple[PatchEffect, set[int]] | None = None
        self.runner.subscribe(self._measure_effect)
        self.kernel_history = KernelHistory()  # what ran since the kernel started
        self.runner.subscribe(self.kernel_history.record)

    @functools.cached_property
    def reference(self) -> Score | None:
        """The stored metric to reproduce; computed on first use (it scans every output)."""
        options = self.score_options
        return reference_score(
            self.notebook.original.cells,
            metric=options.metric,
            target=options.target,
            lower_is_better=options.lower_is_better,
        )

    def subscribe(self, listener: EventListener) -> None:
        self.runner.subscribe(listener)

    # -- kernel ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.kernel.start()
        self.kernel_history.reset()

    async def stop(self) -> None:
        await self.kernel.shutdown()

    async def restart(self) -> None:
        """A fresh kernel; today's records stay on screen, the namespace is empty."""
        await self.kernel.restart()
        self.kernel_history.reset()

    def kernel_differs_from_fresh(self) -> str:
        """Why the kernel's namespace is not what a fresh run would give ("" when it is)."""
        return self.kernel_history.differs_from_fresh(self.notebook)

    async def interrupt(self) -> None:
        await self.runner.interrupt()

    async def probe_environment(self) -> EnvironmentFacts:
        sources = [source_text(self.notebook.cells[i]) for i in self.notebook.code_cell_indices()]
        self.environment = await probe_environment(
            self.kernel, libraries_to_report(sources, self.notebook.folder)
        )
        return self.environment

    # -- run order (issue #6) ----------------------------------------------------------

    @functools.cached_property
    def order_report(self) -> OrderReport:
        """Order problems found in the file (stored counts, names used before defined)."""
        return analyze_order(self.notebook)

    def execution_order(self) -> list[int]:
        """The code cells in the order ``run_all`` runs them (``self.order``)."""
        return execution_order(self.notebook, self.order)

    async def run_in_order_from(self, indices: list[int]) -> RunResult:
        """Re-run from the earliest of ``indices`` onward, in ``self.order``: after a repair
        in stored order, "the rest" means the rest of the stored order, not of the file."""
        order = self.execution_order()
        positions = [order.index(i) for i in indices if i in order]
        if not positions:
            return await self.run_from(min(indices))
        return await self._mark_dirty(self.runner.run_cells(order[min(positions) :]))

    # -- running -------------------------------------------------------------------------

    async def run_all(self) -> RunResult:
        return await self._mark_dirty(self.runner.run_cells(self.execution_order()))

    async def run_cell(self, index: int) -> RunResult:
        return await self._mark_dirty(self.runner.run_cell(index))

    async def run_from(self, index: int) -> RunResult:
        return await self._mark_dirty(self.runner.run_from(index))

    async def run_to(self, index: int) -> RunResult:
        return await self._mark_dirty(self.runner.run_to(index))

    async def _mark_dirty(self, work: Awaitable[RunResult]) -> RunResult:
        self.dirty = True
        return await work

    # -- patches -------------------------------------------------------------------------

    def apply(self, change: AppliedPatch) -> None:
        """Apply an accepted change and journal it at once (nothing is lost if we crash)."""
        cells = self._cell_indices(change.cell_ids)
        if not cells:  # only helper modules beside the notebook: watch the cell that failed
            cells = self.failing_indices()[:1]
        before = self._measure(cells)
        self.history.apply(self.notebook, change)
        self.journal.append("applied", change)
        self._after_edit(change)
        effect = PatchEffect(change.id, change.kind, change.source, tuple(cells), before)
        self.effects.append(effect)
        self._measuring = (effect, set(cells))

    def effect_of(self, patch_id: str) -> PatchEffect | None:
        return next((e for e in reversed(self.effects) if e.patch_id == patch_id), None)

    def _cell_indices(self, cell_ids: Iterable[str]) -> list[int]:
        """The notebook cells a change touches (a helper file beside it is no cell)."""
        indices = []
        for cell_id in cell_ids:
            try:
                indices.append(self.notebook.index_of(cell_id))
            except KeyError:
                continue
        return sorted(indices)

    def _measure(self, cells: list[int]) -> Measure:
        runs = [self.runner.runs.get(i) for i in cells]
        timed = [
            r.seconds
            for r in runs
            if r is not None and r.status not in ("pending", "skipped", "running") and r.seconds is not None
        ]
        comparison = self.score_comparison()
        return Measure(
            seconds=sum(timed) if cells and len(timed) == len(cells) else None,
            failed=any(r is not None and r.failed for r in runs),
            score=comparison.today.value if comparison.today else None,
            difference=comparison.difference,
        )

    def _measure_effect(self, event: RunEvent) -> None:
        """Runner listener: once the patched cells ran again, measure "after" (and again as
        later cells, the score's among them, run) and journal each new measure."""
        if self._measuring is None or not isinstance(event, CellFinished):
            return
        effect, waiting = self._measuring
        waiting.discard(event.run.index)
        if waiting:
            return
        after = self._measure(list(effect.cells))
        if after != effect.after:
            effect.after = after
            journal_effect(self.journal.path, effect)

    def undo(self) -> AppliedPatch | None:
        change = self.history.undo(self.notebook)
        self._measuring = None  # what runs now is other code than the patch's
        if change is not None:
            self.journal.append("undone", change)
            self._after_edit(change)
        return change

    def redo(self) -> AppliedPatch | None:
        change = self.history.redo(self.notebook)
        self._measuring = None
        if change is not None:
            self.journal.append("redone", change)
            self._after_edit(change)
        return change

    def resume_journal(self) -> ReplayResult:
        """Replay the journal left by an earlier session of this notebook."""
        result = self.journal.replay(self.notebook)
        self.history = result.history
        self.patched_cells = {cid for change in self.history.applied for cid in change.cell_ids}
        if result.replayed:
            self.dirty = True
        return result

    def _after_edit(self, change: AppliedPatch) -> None:
        self.patched_cells = {cid for applied in self.history.applied for cid in applied.cell_ids}
        self.dirty = True

    # -- saving ------------------------------------------------------------------------

    def cells_run_today(self) -> int:
        """Code cells whose outputs this session produced (a failure's traceback counts)."""
        return sum(
            run.status not in ("pending", "skipped", "running") for run in self.runner.runs.values()
        )

    def save_plan(self) -> SavePlan:
        """What a save would write, against what an earlier save left at the output path."""
        return SavePlan(
            path=self.output_path,
            patches=len(self.history.applied),
            cells_run=self.cells_run_today(),
            code_cells=len(self.notebook.code_cell_indices()),
            existing=saved_results(self.output_path, list(self.notebook.original.cells)),
        )

    def save(self) -> Path:
        """Atomically write today's notebook, with its provenance, to the output path; never
        the original unless the output path was made the original on purpose (``--in-place``),
        and never over a file holding more of today's results (:class:`SaveRefused`)."""
        plan = self.save_plan()
        if plan.loses_results:
            raise SaveRefused(plan.refusal())
        summary = self.runtime_summary()
        stored_total = sum(self.stored_seconds.values()) or None
        self.notebook.node.metadata["mlemod"] = provenance_record(
            list(self.history.applied),
            environment=self.environment,
            runtime_before=stored_total,
            runtime_after=summary.total_today or None,
            score=self.score_comparison(),
            model_server=self.model_server,
            cells_run=plan.cells_run,
            effects={e.patch_id: e.to_json() for e in self.effects},
        )
        path = self.notebook.save(self.output_path)
        self.dirty = False
        return path

    # -- what the panels show ----------------------------------------------------------

    def today_seconds(self) -> dict[int, float]:
        return {
            index: run.seconds
            for index, run in self.runner.runs.items()
            if run.seconds is not None and run.status not in ("skipped", "pending")
        }

    def runtime_summary(self) -> RuntimeSummary:
        remaining = [
            index
            for index, run in self.runner.runs.items()
            if run.status in ("pending", "running", "skipped")
        ]
        return summarize_runtime(self.today_seconds(), self.stored_seconds, remaining, self.budget)

    def score_comparison(self) -> ScoreComparison:
        today = todays_score(self.reference, self.notebook.cells) if self.reference else None
        if today is not None and self.runner.runs.get(today.cell_index) is not None:
            if self.runner.runs[today.cell_index].status != "ok":
                today = None  # outputs still stored from the original, not produced today
        return compare_scores(self.reference, today, self.score_options.tolerance)

    def every_score_comparison(self) -> list[ScoreComparison]:
        """Every stored metric against today's (the reference is one of them); empty when a
        ``--target`` or ``--metric`` narrowed the comparison to one number on purpose."""
        options = self.score_options
        if options.target is not None or options.metric is not None:
            return []
        ran = {index for index, run in self.runner.runs.items() if run.status == "ok"}
        return compare_every_score(
            self.notebook.original.cells, self.notebook.cells, options.tolerance, ran
        )

    def drift_to_check(self) -> ScoreComparison | None:
        """The drift a noise check should look at: the reference's, else the first other."""
        main = self.score_comparison()
        if main.verdict == "drifted":
            return main
        return next((c for c in self.every_score_comparison() if c.verdict == "drifted"), None)

    async def check_noise(
        self, comparison: ScoreComparison, *, reruns: int = 5, seconds: float = 60.0
    ) -> NoiseCheck | None:
        """Re-run the cells behind a drifted metric (from the last cell at or before it that
        trains, splits or draws) up to ``reruns`` times within ``seconds`` of today's
        measured time, and test the stored value against today's values. None when it cannot
        be judged (a re-run failed, or one run alone is over the time allowed)."""
        reference, today = comparison.reference, comparison.today
        if comparison.verdict != "drifted" or reference is None or today is None:
            return None
        metric_cell = today.cell_index
        before = [i for i in self.notebook.code_cell_indices() if i <= metric_cell]
        sources = {i: source_text(self.notebook.cells[i]) for i in before}
        start = next((i for i in reversed(before) if trains(sources[i])), metric_cell)
        span = [i for i in before if i >= start]
        first = reference.value + (comparison.difference or 0.0)
        if is_seeded([sources[i] for i in span]):
            self.noise = NoiseCheck(reference.name, metric_cell, reference.value, (first,), True)
            return self.noise
        cost = sum(self.today_seconds().get(i, 0.0) for i in span)
        runs = min(reruns, MAX_RERUNS, int(seconds // cost) if cost > 0 else reruns)
        if runs < 2:
            return None
        values = [first]
        for _ in range(runs - 1):
            result = await self._mark_dirty(self.runner.run_cells(span))
            again = todays_score(reference, self.notebook.cells)
            if not result.succeeded or again is None:
                return None
            values.append(reference.value + (compare_scores(reference, again).difference or 0.0))
        self.noise = NoiseCheck(reference.name, metric_cell, reference.value, tuple(values), False)
        return self.noise

    def overall_result(self, *, interrupted: bool = False) -> RunResult:
        """Today's record of every code cell, whichever runs produced it."""
        runs = [self.runner.runs[i] for i in self.notebook.code_cell_indices()]
        return RunResult(runs, interrupted=interrupted)

    def failing_indices(self) -> list[int]:
        return [index for index, run in sorted(self.runner.runs.items()) if run.failed]
