"""The unattended repair loop: run → propose → apply → re-run, until reproducible.

Reproducible means every code cell runs, within the budget if one is set, with the score
within tolerance if the notebook has one. A policy stands in for the person: ``none`` applies
nothing, ``rules`` only offline rule fixes, ``all`` rules first and then the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.proposal import Proposal
from mlemod_tui.assist.proposer import ProposalOutcome, rule_proposals
from mlemod_tui.assist.tracebacks import cell_frames, file_frames, is_library_path
from mlemod_tui.core.def_use import describe_removed, removed_but_used
from mlemod_tui.core.execution import CellError, RunResult
from mlemod_tui.core.history import AppliedPatch, build_applied
from mlemod_tui.core.notebook import source_text
from mlemod_tui.core.patch import Patch, PatchError
from mlemod_tui.core.scores import as_printed, describe_metric, differing
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.core.support_files import is_support_id
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
    refused: dict[str, str] = {}  # diff -> why it was refused or rolled back
    kernel_dirty = False  # cells re-ran after a patch in a kernel that ran the old code
    printed_checked = False
    while True:
        problem = problem_of(session, result)
        if problem is None and kernel_dirty:
            # Verified from a fresh kernel: names left over from a failed run must not make
            # a patched notebook look reproducible when a fresh run of it fails.
            await session.restart()
            result = await session.run_all()
            kernel_dirty = False
            continue
        if problem is None and accept != "none" and not printed_checked:
            printed_checked = True  # once: within tolerance, but are the numbers the author's?
            calibrated = await _reproduce_printed_numbers(session, steps, on_step)
            if calibrated is not None:
                result = calibrated
                continue
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
        step.source, step.rationale, step.diff = change.source, change.rationale, change.diff
        if change.diff in refused:
            step.note = "the same change was refused before: " + refused[change.diff]
            if on_step:
                on_step(step)
            return LoopResult(False, result, steps, step.note)
        harm = _removes_needed_names(session, change)
        if harm:
            step.note = f"refused: {harm}"
            refused[change.diff] = step.note
            rejection = f"The last patch was refused: it {harm}. Keep every name later cells use."
            if on_step:
                on_step(step)
            continue
        before = _measure(session, result)
        session.apply(change)
        step.applied = True
        if on_step:
            on_step(step)
        result = await _rerun(session, kind, change.cell_ids, index)
        kernel_dirty = kind == "error-repair"
        worse = _not_further(session, kind, before, result)
        if worse:
            session.undo()  # exact, journaled
            step.applied = False
            step.note = f"rolled back: {worse}"
            refused[change.diff] = step.note
            rejection = f"The last patch was applied and rolled back: {worse}."
            if on_step:
                on_step(step)
            result = await _rerun(session, kind, change.cell_ids, index)


@dataclass(frozen=True)
class _Before:
    """Where the notebook stood before a patch: the figure the patch must improve."""

    # run position, ename, evalue and where it was raised, of the first failure
    failure: tuple[int, str, str, str] | None
    seconds: float
    score_gap: float | None


def _position(session: NotebookSession, index: int) -> int:
    order = session.execution_order()
    return order.index(index) if index in order else index


def _failure_key(session: NotebookSession, index: int, error: CellError) -> tuple[int, str, str, str]:
    """A failure as the loop compares it: the same error raised from another file or line
    (the next helper module with the same erosion) is progress, not "the same way"."""
    cells = [f"cell {count}:{line}" for count, line in cell_frames(error.traceback)]
    files = [
        f"{path}:{line}"
        for path, line in file_frames(error.traceback)
        if not is_library_path(path)
    ]
    return (_position(session, index), error.ename, error.evalue, " > ".join(cells + files))


def _measure(session: NotebookSession, result: RunResult) -> _Before:
    failure = result.first_failure
    first = None
    if failure is not None and failure.error is not None:
        first = _failure_key(session, failure.index, failure.error)
    gap = session.score_comparison().difference
    return _Before(
        first,
        session.runtime_summary().total_today,
        abs(gap) if gap is not None else None,
    )


def _not_further(session: NotebookSession, kind: str, before: _Before, result: RunResult) -> str:
    """Why the patched notebook is not further than before ("" when it is)."""
    failure = result.first_failure
    if kind == "error-repair":
        if failure is None or failure.error is None:
            return ""
        now = _failure_key(session, failure.index, failure.error)
        if before.failure is not None and now[0] < before.failure[0]:
            return f"cell {failure.index}, which ran before, fails now ({failure.error.ename})"
        if before.failure is not None and now == before.failure:
            return f"cell {failure.index} still fails the same way ({failure.error.ename})"
        return ""
    if failure is not None and failure.error is not None:
        return f"cell {failure.index} fails after it ({failure.error.ename})"
    if kind == "runtime-reduction":
        after = session.runtime_summary().total_today
        if after >= before.seconds:
            return f"the run did not get faster ({before.seconds:.2f} s before, {after:.2f} s after)"
        return ""
    gap = session.score_comparison().difference
    if before.score_gap is not None and gap is not None and abs(gap) >= before.score_gap:
        return "the score did not move toward the stored one"
    return ""


def _removes_needed_names(session: NotebookSession, change: AppliedPatch) -> str:
    """``removes `threshold`, used by cell 6`` when the patch drops a name a later cell reads."""
    notebook = session.notebook
    cells = [
        (index, notebook.cells[index].id, source_text(notebook.cells[index]))
        for index in session.execution_order()
    ]
    found = removed_but_used(change.before, change.after, cells)
    return describe_removed(found) if found else ""


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
    outcome = await assistant.rules(session, kind, index, support_files=True)  # type: ignore[arg-type]
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


async def _rerun(
    session: NotebookSession, kind: str, cell_ids: tuple[str, ...], crashed: int | None
) -> RunResult:
    """Errors re-run from the patched cell; runtime and score need a clean full run, and so
    does a patched helper module (the kernel holds the old one in ``sys.modules``)."""
    if kind == "error-repair" and not any(map(is_support_id, cell_ids)):
        # In session.order (top-down: the same as run_from the first patched cell).
        # From the patched cells and the cell that crashed, whichever runs first: a fix in a
        # later cell must not skip the crashed one.
        starts = [session.notebook.index_of(cell_id) for cell_id in cell_ids]
        return await session.run_in_order_from(starts + ([crashed] if crashed is not None else []))
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


_MAX_CALIBRATION_TRIALS = 6


def _by_rule(proposals: list[Proposal]) -> list[Proposal]:
    """One trial per rule: the same pin in every cell it applies to, tried together."""
    merged: dict[str, Proposal] = {}
    for proposal in proposals:
        first = merged.get(proposal.source)
        if first is None:
            merged[proposal.source] = proposal
            continue
        cells = first.patch.cells + proposal.patch.cells
        merged[proposal.source] = replace(first, patch=Patch(cells))
    return list(merged.values())


def _printed_matches(session: NotebookSession) -> tuple[int, int]:
    comparisons = [c for c in session.every_score_comparison() if c.reference is not None]
    return sum(as_printed(c) for c in comparisons), len(comparisons)


async def _reproduce_printed_numbers(
    session: NotebookSession, steps: list[LoopStep], on_step: StepListener | None
) -> RunResult | None:
    """Every cell runs and every metric is within tolerance, yet some do not print as the
    author's did: a changed default (``cv`` 3 -> 5, ``n_estimators`` 10 -> 100) is the usual
    cause. Try the rules' calibration pins one at a time, each from a fresh kernel; keep one
    only when more stored metrics come out as printed and no cell fails. None when nothing
    was tried; else the result of a final fresh run of what was kept."""
    matched, total = _printed_matches(session)
    if total == 0 or matched == total:
        return None
    applied = {change.source for change in session.history.applied}
    trials = _by_rule([p for p in rule_proposals(session, "score-calibration") if p.source not in applied])
    if not trials:
        return None
    for proposal in trials[:_MAX_CALIBRATION_TRIALS]:
        try:
            change = build_applied(
                session.notebook,
                proposal.patch,
                kind=proposal.kind,
                source=proposal.source,
                rationale=proposal.rationale,
            )
        except PatchError:
            continue
        step = LoopStep(
            len(steps) + 1,
            f"{total - matched} of {total} stored metrics do not print as the author's",
            "score-calibration",
            session.notebook.index_of(proposal.cell_id),
            change.source,
            change.rationale,
            change.diff,
        )
        steps.append(step)
        session.apply(change)
        await session.restart()
        trial = await session.run_all()
        now, _ = _printed_matches(session)
        if trial.first_failure is not None or trial.interrupted or now <= matched:
            session.undo()  # exact, journaled
            why = "a cell fails with it" if trial.first_failure is not None else (
                f"{now} of {total} metrics as printed, {matched} without it"
            )
            step.note = f"rolled back: {why}"
        else:
            step.applied = True
            step.note = f"kept: {now} of {total} stored metrics as printed (was {matched})"
            matched = now
        if on_step:
            on_step(step)
        if matched == total:
            break
    await session.restart()
    return await session.run_all()


def drifted_metrics(session: NotebookSession) -> list[str]:
    """One line per stored metric that is not within tolerance today, for the report."""
    return [describe_metric(c) for c in differing(session.every_score_comparison())]
