"""The unattended repair loop: run → propose → apply → re-run, until reproducible.

Reproducible means every code cell runs, within the budget if one is set, with the score
within tolerance if the notebook has one. A policy stands in for the person: ``none`` applies
nothing, ``rules`` only offline rule fixes, ``all`` rules first and then the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.proposer import ProposalOutcome
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.history import build_applied
from mlemod_tui.core.patch import PatchError
from mlemod_tui.core.scores import describe_metric, differing
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.errors import MlemodError

AcceptPolicy = Literal["none", "rules", "all"]


@dataclass
class LoopStep:
    """One attempt: what was proposed for which problem, and what happened."""

    attempt: int
    problem: str
    kind: str
    cell_index: int | None
    source: str | None = None
    rationale: str = ""
    diff: str = ""
    applied: bool = False
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class LoopResult:
    reproducible: bool
    run: RunResult
    steps: list[LoopStep] = field(default_factory=list)
    stopped_because: str = ""


StepListener = Callable[[LoopStep], None]


def problem_of(session: NotebookSession, result: RunResult) -> tuple[str, int | None] | None:
    """What stands between this run and a reproducible notebook, first things first."""
    failure = result.first_failure
    if failure is not None or result.interrupted:
        return ("error-repair", failure.index if failure else None)
    if session.runtime_summary().over_budget:
        return ("runtime-reduction", _slowest_cell(session))
    comparison = session.score_comparison()
    if comparison.verdict == "drifted":
        return ("score-calibration", comparison.today.cell_index if comparison.today else None)
    if comparison.verdict == "not produced yet" and comparison.reference is not None:
        return ("score-calibration", comparison.reference.cell_index)
    for other in session.every_score_comparison():
        if other.verdict == "drifted" and other.reference is not None:
            return ("score-calibration", other.reference.cell_index)
    return None


def _slowest_cell(session: NotebookSession) -> int | None:
    today = session.today_seconds()
    return max(today, key=today.__getitem__) if today else None


async def repair_until_reproducible(
    session: NotebookSession,
    *,
    accept: AcceptPolicy,
    max_attempts: int,
    assistant: Assistant | None = None,
    on_step: StepListener | None = None,
) -> LoopResult:
    """Run the notebook, then repair and re-run until reproducible or out of attempts."""
    assistant = assistant or Assistant(None)
    result = await session.run_all()
    steps: list[LoopStep] = []
    rejection: str | None = None
    attempt = 0
    noise_checked = False  # a drift within run-to-run noise is not a problem to repair
    while True:
        problem = problem_of(session, result)
        if problem is None:
            return LoopResult(True, result, steps)
        kind, index = problem
        if kind == "score-calibration" and not noise_checked:
            noise_checked = True
            drift = session.drift_to_check()
            noise = await session.check_noise(drift) if drift is not None else None
            if noise is not None and noise.within:
                return LoopResult(True, result, steps, noise.describe())
        if accept == "none":
            return LoopResult(False, result, steps, f"{kind} needed; --accept none applies nothing")
        if attempt >= max_attempts:
            return LoopResult(False, result, steps, f"{max_attempts} attempts used")
        attempt += 1
        step = LoopStep(attempt, _describe(kind, index, result), kind, index)
        steps.append(step)
        outcome = await _propose(session, kind, index, accept, assistant, rejection)
        if outcome.proposal is None:
            step.note = outcome.reason or "no proposal"
            if on_step:
                on_step(step)
            asked_model = bool(outcome.answer)
            if outcome.unfixable is not None or not asked_model:
                return LoopResult(False, result, steps, step.note)
            rejection = outcome.reason  # ask again, telling the model why
            continue
        rejection = None
        try:
            change = build_applied(
                session.notebook,
                outcome.proposal.patch,
                kind=outcome.proposal.kind,
                source=outcome.proposal.source,
                rationale=outcome.proposal.rationale,
            )
        except PatchError as exc:
            step.note = str(exc)
            rejection = str(exc)
            if on_step:
                on_step(step)
            continue
        session.apply(change)
        step.source, step.rationale, step.diff, step.applied = (
            change.source,
            change.rationale,
            change.diff,
            True,
        )
        if on_step:
            on_step(step)
        result = await _rerun(session, kind, change.cell_ids)


async def _propose(
    session: NotebookSession,
    kind: str,
    index: int | None,
    accept: AcceptPolicy,
    assistant: Assistant,
    rejection: str | None,
) -> ProposalOutcome:
    """Rules first; the model only with ``--accept all`` and a server that has the model."""
    if index is None:
        return ProposalOutcome(None, reason="the run was interrupted")
    outcome = await assistant.rules(session, kind, index)  # type: ignore[arg-type]
    if outcome.proposal is not None or outcome.unfixable is not None:
        return outcome
    if accept != "all" or not assistant.model_ready:
        return outcome
    try:
        return await assistant.ask_model(
            session, kind, index, hints=outcome.hints, previous_rejection=rejection  # type: ignore[arg-type]
        )
    except MlemodError as exc:
        return ProposalOutcome(None, reason=str(exc))


async def _rerun(session: NotebookSession, kind: str, cell_ids: tuple[str, ...]) -> RunResult:
    """Errors re-run from the patched cell; runtime and score need a clean full run."""
    if kind == "error-repair":
        # In session.order (top-down: the same as run_from the first patched cell).
        return await session.run_in_order_from(
            [session.notebook.index_of(cell_id) for cell_id in cell_ids]
        )
    await session.restart()
    return await session.run_all()


def _describe(kind: str, index: int | None, result: RunResult) -> str:
    failure = result.first_failure
    if kind == "error-repair" and failure is not None and failure.error is not None:
        evalue = (failure.error.evalue.strip().splitlines() or [""])[0]
        return f"cell {failure.index}: {failure.error.ename}: {evalue}"[:200]
    if kind == "runtime-reduction":
        return f"over budget (slowest cell {index})"
    return f"score drift (cell {index})"


def drifted_metrics(session: NotebookSession) -> list[str]:
    """One line per stored metric that is not within tolerance today, for the report."""
    return [describe_metric(c) for c in differing(session.every_score_comparison())]
