"""The unattended repair policy: what ``--accept`` allows and how many attempts, run over the
one repair flow (:mod:`mlemod_tui.repair_flow`) until the notebook is reproducible.

Reproducible means every code cell runs from a fresh kernel, within the budget if one is
set, with the score within tolerance if the notebook has one. A policy stands in for the
person: ``none`` applies nothing, ``rules`` only offline rule fixes, ``all`` rules first and
then the model. Unattended, a patch that removes a name a later cell uses is refused, and one
that does not verify is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.patch import PatchError
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.scores import describe_metric, differing
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_flow import RepairFlow, Trial

AcceptPolicy = Literal["none", "rules", "all"]


@dataclass
class LoopStep:
    """One attempt: what was proposed for which problem, and what happened."""

    attempt: int
    problem: str
    kind: RepairKind
    cell_index: int | None
    source: str | None = None
    rationale: str = ""
    diff: str = ""
    applied: bool = False
    note: str = ""
    approximation: bool = False  # a runtime reduction that stayed: not the author's computation

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"kind": str(self.kind)}


@dataclass
class LoopResult:
    reproducible: bool
    run: RunResult
    steps: list[LoopStep] = field(default_factory=list)
    stopped_because: str = ""


StepListener = Callable[[LoopStep], None]


async def repair_until_reproducible(
    session: NotebookSession,
    *,
    accept: AcceptPolicy,
    max_attempts: int,
    assistant: Assistant | None = None,
    on_step: StepListener | None = None,
    flow: RepairFlow | None = None,
) -> LoopResult:
    """Run the notebook, then repair and re-run until reproducible or out of attempts."""
    flow = flow or RepairFlow(session, assistant)
    result = await session.run_all()
    steps: list[LoopStep] = []
    attempt = 0
    noise_checked = False  # a drift within run-to-run noise is not a problem to repair
    printed_checked = False

    def tell(step: LoopStep) -> None:
        if on_step:
            on_step(step)

    while True:
        problem = flow.next_problem(result)
        if problem is None and session.kernel_differs_from_fresh():
            # Verified from a fresh kernel: names left over from a failed run must not make
            # a patched notebook look reproducible when a fresh run of it fails.
            result = await flow.clean_run()
            continue
        if problem is None and accept != "none" and not printed_checked:
            printed_checked = True  # once: within tolerance, but are the numbers the author's?
            trials, calibrated = await flow.reproduce_printed_numbers()
            for trial in trials:
                steps.append(_trial_step(len(steps) + 1, trial))
                tell(steps[-1])
            if calibrated is not None:
                result = calibrated
                continue
        if problem is None:
            return LoopResult(True, result, steps)
        if problem.kind == RepairKind.SCORE_CALIBRATION and not noise_checked:
            noise_checked = True
            drift = session.drift_to_check()
            noise = await session.check_noise(drift) if drift is not None else None
            if noise is not None and noise.within:
                return LoopResult(True, result, steps, noise.describe())
        if accept == "none":
            return LoopResult(False, result, steps, f"{problem.kind} needed; --accept none applies nothing")
        if attempt >= max_attempts:
            return LoopResult(False, result, steps, f"{max_attempts} attempts used")
        attempt += 1
        step = LoopStep(attempt, problem.description, problem.kind, problem.index)
        steps.append(step)
        outcome = await flow.propose(problem, model=accept == "all")
        if outcome.proposal is None:
            step.note = outcome.reason or "no proposal"
            tell(step)
            if outcome.unfixable is not None or not outcome.answer:
                return LoopResult(False, result, steps, step.note)
            continue  # ask again; the flow tells the model why
        try:
            change = flow.prepare(outcome.proposal)
        except PatchError as exc:
            step.note = str(exc)
            tell(step)
            continue
        step.source, step.rationale, step.diff = change.source, change.rationale, change.diff
        earlier = flow.refused_before(change)
        if earlier:
            step.note = "the same change was refused before: " + earlier
            tell(step)
            return LoopResult(False, result, steps, step.note)
        harm = flow.harm(change)
        if harm:
            flow.refuse(problem, change, harm)
            step.note = f"refused: {harm}"
            tell(step)
            continue
        applied = flow.apply(problem, change)
        step.applied = True
        step.approximation = change.approximation
        tell(step)
        verdict = await flow.verify(applied)
        result = verdict.result
        if not verdict.kept:
            result = await flow.roll_back(applied, verdict)
            step.applied = False
            step.approximation = False
            step.note = f"rolled back: {verdict.reason}"
            tell(step)


def _trial_step(attempt: int, trial: Trial) -> LoopStep:
    change = trial.change
    return LoopStep(
        attempt,
        trial.problem.description,
        trial.problem.kind,
        trial.problem.index,
        change.source,
        change.rationale,
        change.diff,
        applied=trial.kept,
        note=trial.note,
    )


def drifted_metrics(session: NotebookSession) -> list[str]:
    """One line per stored metric that is not within tolerance today, for the report."""
    return [describe_metric(c) for c in differing(session.every_score_comparison())]
