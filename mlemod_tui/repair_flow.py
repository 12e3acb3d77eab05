"""One repair flow for both front ends: which problem is next, a proposal for it (rules
first, then the model), apply, the verification re-run in the session's order, and the
verdict (kept only when the notebook gets further).

The TUI shows what the flow proposes, asks the person, and renders the flow's events; the
headless loop (:mod:`mlemod_tui.repair_loop`) stands in for the person with a policy. Neither
decides what a proposal is for, how a patch is verified or what counts as progress.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.proposal import Proposal
from mlemod_tui.assist.proposer import ProposalOutcome, TokenListener, rule_proposals
from mlemod_tui.core.def_use import changes_what_it_reads
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.history import (
    AppliedPatch,
    approximations_in_force,
    build_applied,
    build_restoration,
)
from mlemod_tui.core.notebook import source_text
from mlemod_tui.core.patch import Patch, PatchError
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.scores import as_printed
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.core.support_files import is_support_id
from mlemod_tui.errors import MlemodError
from mlemod_tui.repair_events import (
    CleanRunFinished,
    FlowEvent,
    FlowListener,
    PatchApplied,
    PatchNotVerified,
    PatchRefused,
    PatchRolledBack,
    PatchVerified,
    Problem,
    ProposalReady,
    Verdict,
)
from mlemod_tui.repair_feedback import (
    Feedback,
    did_not_apply,
    not_further,
    person_rejected,
    refused,
    unusable_answer,
)
from mlemod_tui.repair_verdict import Before, measure, removes_needed_names
from mlemod_tui.repair_verdict import not_further as why_not_further


def problem_of(session: NotebookSession, result: RunResult) -> Problem | None:
    """What stands between this run and a reproducible notebook, first things first: a crash
    (or an interrupted run), then the budget, then the score."""
    failure = result.first_failure
    if failure is not None or result.interrupted:
        return Problem(RepairKind.ERROR_REPAIR, failure.index if failure else None, _crash(result))
    if session.runtime_summary().over_budget:
        today = session.today_seconds()
        slowest = max(today, key=today.__getitem__) if today else None
        return Problem(RepairKind.RUNTIME_REDUCTION, slowest, f"over budget (slowest cell {slowest})")
    comparison = session.score_comparison()
    index: int | None = None
    if comparison.verdict == "drifted":
        index = comparison.today.cell_index if comparison.today else None
    elif comparison.verdict == "not produced yet" and comparison.reference is not None:
        ran = {run.index for run in result.runs if run.status == "ok"}
        if comparison.reference.cell_index in ran:  # the metric's cell ran and printed none
            index = comparison.reference.cell_index
    if index is None:
        index = next(
            (c.reference.cell_index for c in session.every_score_comparison()
             if c.verdict == "drifted" and c.reference is not None),
            None,
        )
    if index is None:
        return None
    return Problem(RepairKind.SCORE_CALIBRATION, index, f"score drift (cell {index})")


def _crash(result: RunResult) -> str:
    failure = result.first_failure
    if failure is None or failure.error is None:
        return "the run was interrupted" if failure is None else f"cell {failure.index} {failure.status}"
    evalue = (failure.error.evalue.strip().splitlines() or [""])[0]
    return f"cell {failure.index}: {failure.error.ename}: {evalue}"[:200]


MAX_CALIBRATION_TRIALS = 6


@dataclass(frozen=True)
class Applied:
    """A patch just applied, with where the notebook stood before it (what it must improve)."""

    problem: Problem
    change: AppliedPatch
    before: Before


class RepairFlow:
    """The repair engine of one session. Front ends subscribe to its events."""

    def __init__(self, session: NotebookSession, assistant: Assistant | None = None) -> None:
        self.session = session
        self.assistant = assistant or Assistant(None)
        # What went wrong with the last attempt: the next model request is told.
        self.feedback: Feedback | None = None
        self._listeners: list[FlowListener] = []
        self._refused: dict[str, str] = {}  # diff -> why it was refused or rolled back
        self._unverified: tuple[Applied, Verdict] | None = None  # the last patch, not verified

    def subscribe(self, listener: FlowListener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: FlowEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- what next -----------------------------------------------------------------------

    def next_problem(self, result: RunResult) -> Problem | None:
        return problem_of(self.session, result)

    def problem_for(self, kind: RepairKind, index: int) -> Problem:
        """A problem the person picked (a key on a cell), described as the flow would."""
        run = self.session.runner.runs.get(index)
        if kind == RepairKind.ERROR_REPAIR and run is not None and run.error is not None:
            evalue = (run.error.evalue.strip().splitlines() or [""])[0]
            return Problem(kind, index, f"cell {index}: {run.error.ename}: {evalue}"[:200])
        if kind == RepairKind.RUNTIME_REDUCTION:
            return Problem(kind, index, f"runtime (slowest cell {index})")
        return Problem(kind, index, f"{kind} (cell {index})")

    # -- proposals -----------------------------------------------------------------------

    async def propose(
        self,
        problem: Problem,
        *,
        rules: bool = True,
        model: bool = True,
        hints: tuple[str, ...] = (),
        instruction: str | None = None,
        on_token: TokenListener | None = None,
    ) -> ProposalOutcome:
        """Rules first; the model when ``model`` allows it and the server has the model. The
        model is told what went wrong with the last attempt (:attr:`feedback`)."""
        outcome = await self._propose(problem, rules, model, hints, instruction, on_token)
        if outcome.proposal is None and outcome.answer and outcome.reason:
            self.feedback = unusable_answer(outcome.reason)
        self._emit(ProposalReady(problem, outcome))
        return outcome

    async def _propose(
        self,
        problem: Problem,
        rules: bool,
        model: bool,
        hints: tuple[str, ...],
        instruction: str | None,
        on_token: TokenListener | None,
    ) -> ProposalOutcome:
        if problem.index is None:
            return ProposalOutcome(None, reason="the run was interrupted")
        outcome = ProposalOutcome(None, reason="no proposal", hints=hints)
        if rules:
            outcome = await self.assistant.rules(self.session, problem.kind, problem.index, support_files=True)
            hints = outcome.hints
            if outcome.proposal is not None or outcome.unfixable is not None:
                return outcome
        if not model or not self.assistant.model_ready:
            return outcome
        try:
            return await self.assistant.ask_model(
                self.session,
                problem.kind,
                problem.index,
                on_token=on_token,
                hints=hints,
                instruction=instruction,
                previous_rejection=self.feedback.render() if self.feedback else None,
            )
        except MlemodError as exc:
            return ProposalOutcome(None, reason=str(exc), hints=hints)

    def person_rejected(
        self, proposal: Proposal, rejected: Collection[tuple[str, int]], instruction: str | None
    ) -> None:
        """The person asks again: the hunks they rejected (all, when none was decided) and
        their instruction go to the model with the next request."""
        keys = set(rejected) or {(cell_id, i) for cell_id, i, _ in proposal.patch.iter_hunks()}
        hunks = [hunk for cell_id, i, hunk in proposal.patch.iter_hunks() if (cell_id, i) in keys]
        diff = "\n".join(line for hunk in hunks for line in [hunk.header(), *hunk.lines])
        self.feedback = person_rejected(diff, instruction)

    def prepare(
        self,
        proposal: Proposal,
        *,
        accepted: Collection[tuple[str, int]] | None = None,
        edited: Mapping[str, str] | None = None,
    ) -> AppliedPatch:
        """The change accepting these hunks (or edits) makes; PatchError when it does not apply."""
        try:
            return build_applied(
                self.session.notebook,
                proposal.patch,
                kind=proposal.kind,
                source=proposal.source,
                rationale=proposal.rationale,
                accepted=accepted,
                edited=edited,
            )
        except PatchError as exc:
            self.feedback = did_not_apply(str(exc), proposal.patch.to_diff())
            raise

    def harm(self, change: AppliedPatch) -> str:
        """``removes `threshold`, used by cell 6``: shown in review, refused unattended."""
        return removes_needed_names(self.session, change)

    def harm_of(self, proposal: Proposal) -> str:
        """:meth:`harm` of the whole proposal, every hunk accepted ("" when it does not apply)."""
        try:
            change = build_applied(
                self.session.notebook,
                proposal.patch,
                kind=proposal.kind,
                source=proposal.source,
                rationale=proposal.rationale,
            )
        except PatchError:
            return ""
        return self.harm(change)

    def refused_before(self, change: AppliedPatch) -> str:
        """Why this very change was refused or rolled back before ("" when it was not)."""
        return self._refused.get(change.diff, "")

    def refuse(self, problem: Problem, change: AppliedPatch, reason: str) -> None:
        """Not applied, journaled with its reason, and the model told why."""
        self._refused[change.diff] = f"refused: {reason}"
        self.session.journal.note("refused", change, reason)
        self.feedback = refused(reason, change.diff)
        self._emit(PatchRefused(problem, change, reason))

    # -- apply and verify ----------------------------------------------------------------

    def apply(self, problem: Problem, change: AppliedPatch) -> Applied:
        self._unverified = None
        before = measure(self.session)
        self.session.apply(change)  # journaled
        self._emit(PatchApplied(problem, change))
        return Applied(problem, change, before)

    async def verify(self, applied: Applied) -> Verdict:
        """Re-run what the patch affects in the session's order and judge it."""
        problem, change = applied.problem, applied.change
        result = await self._rerun(problem.kind, change.cell_ids, problem.index)
        reason = why_not_further(self.session, problem.kind, applied.before, result)
        verdict = Verdict(not reason, reason or self._progress(problem, applied.before, result), result)
        self._unverified = None if verdict.kept else (applied, verdict)
        if verdict.kept:
            self.feedback = None
            self.session.journal.note("verified", change, verdict.reason)
            self._emit(PatchVerified(problem, change, verdict))
        else:
            self.feedback = not_further(reason, change.diff, result.first_failure)
            self.session.journal.note("not verified", change, reason)
            self._emit(PatchNotVerified(problem, change, verdict))
        return verdict

    async def apply_and_verify(self, problem: Problem, change: AppliedPatch) -> Verdict:
        return await self.verify(self.apply(problem, change))

    def undo(self) -> AppliedPatch | None:
        """The person's undo. Right after a patch that did not verify it is that patch's
        rollback (journaled with the verdict's reason, the model told why), as unattended;
        otherwise a plain undo. Nothing re-runs: the screen offers the clean run."""
        last = self.session.history.applied[-1] if self.session.history.applied else None
        if self._unverified is not None and last is self._unverified[0].change:
            applied, verdict = self._unverified
            self._forget(applied, verdict)
            return applied.change
        self._unverified = None
        return self.session.undo()

    def _forget(self, applied: Applied, verdict: Verdict) -> None:
        problem, change = applied.problem, applied.change
        self._unverified = None
        self.session.undo()
        self._refused[change.diff] = f"rolled back: {verdict.reason}"
        self.session.journal.note("rolled back", change, verdict.reason)
        self.feedback = not_further(verdict.reason, change.diff, verdict.result.first_failure)
        self._emit(PatchRolledBack(problem, change, verdict.reason))

    async def roll_back(self, applied: Applied, verdict: Verdict) -> RunResult:
        """Undo a patch that did not verify (exact, journaled) and run the notebook again from
        a fresh kernel: the patched code left names behind (``model = Ridge()``), and the next
        attempt must see the original failure, not one that those names hide."""
        self._forget(applied, verdict)
        return await self.clean_run()

    async def clean_run(self) -> RunResult:
        """A fresh kernel, every code cell in the session's order: the run whose verdict counts."""
        await self.session.restart()
        result = await self.session.run_all()
        self._emit(CleanRunFinished(result))
        return result

    def restore_faithful(self) -> list[AppliedPatch]:
        """Put back the author's cells that runtime reductions approximated (each one a
        journaled patch, undoable); those a later change rewrote are left as they are."""
        restored = []
        for change in reversed(approximations_in_force(self.session.history.applied)):
            restoration = build_restoration(self.session.notebook, change)
            if restoration is not None:
                self.session.apply(restoration)
                restored.append(restoration)
        return restored

    async def _rerun(self, kind: RepairKind, cell_ids: tuple[str, ...], crashed: int | None) -> RunResult:
        """Errors re-run from the patched cell (or the crashed one, whichever runs first) to
        the end in the session's order; runtime and score need a clean full run, and so does
        a patched helper module (the kernel holds the old one in ``sys.modules``)."""
        if kind == RepairKind.ERROR_REPAIR and not any(map(is_support_id, cell_ids)):
            starts = [self.session.notebook.index_of(cell_id) for cell_id in cell_ids]
            if not any(self._changes_its_input(index) for index in starts):
                return await self.session.run_in_order_from(
                    starts + ([crashed] if crashed is not None else [])
                )
        await self.session.restart()
        return await self.session.run_all()

    def _changes_its_input(self, index: int) -> bool:
        """A patched cell that changes the state it starts from (``cohorts = cohorts...``) and
        already ran in this kernel cannot be checked by re-running it there: fresh kernel."""
        run = self.session.runner.runs.get(index)
        ran = run is not None and run.status not in ("pending", "skipped")
        return ran and changes_what_it_reads(source_text(self.session.notebook.cells[index]))

    def _progress(self, problem: Problem, before: Before, result: RunResult) -> str:
        """What the kept patch achieved, in a line."""
        if problem.kind == RepairKind.ERROR_REPAIR:
            failure = result.first_failure
            if failure is None:
                return "the re-run got through every cell after it"
            return f"the first failure moved on to cell {failure.index}"
        if problem.kind == RepairKind.RUNTIME_REDUCTION:
            after = self.session.runtime_summary().total_today
            return f"the run takes {after:.2f} s (was {before.seconds:.2f} s)"
        return "the score moved toward the stored one"

    # -- printed numbers ---------------------------------------------------------------

    async def reproduce_printed_numbers(
        self, max_trials: int = MAX_CALIBRATION_TRIALS
    ) -> tuple[list[Trial], RunResult | None]:
        """Every cell runs and every metric is within tolerance, yet some do not print as the
        author's did: a changed default (``cv`` 3 -> 5, ``n_estimators`` 10 -> 100) is the
        usual cause. Try the rules' calibration pins one at a time, each from a fresh kernel;
        keep one only when more stored metrics come out as printed and no cell fails. The
        trials, and the clean run of what was kept (None when nothing was tried)."""
        session = self.session
        matched, total = _printed_matches(session)
        if total == 0 or matched == total:
            return [], None
        applied = {change.source for change in session.history.applied}
        candidates = rule_proposals(session, RepairKind.SCORE_CALIBRATION)
        proposals = _by_rule([p for p in candidates if p.source not in applied])
        trials: list[Trial] = []
        for proposal in proposals[:max_trials]:
            try:
                change = self.prepare(proposal)
            except PatchError:
                continue
            index = session.notebook.index_of(proposal.cell_id)
            problem = Problem(
                RepairKind.SCORE_CALIBRATION,
                index,
                f"{total - matched} of {total} stored metrics do not print as the author's",
            )
            applied_now = self.apply(problem, change)
            trial = await self.clean_run()
            now, _ = _printed_matches(session)
            if trial.first_failure is not None or trial.interrupted or now <= matched:
                why = "a cell fails with it" if trial.first_failure is not None else (
                    f"{now} of {total} metrics as printed, {matched} without it"
                )
                verdict = Verdict(False, why, trial)
                session.journal.note("not verified", change, why)
                self._emit(PatchNotVerified(problem, change, verdict))
                session.undo()  # exact, journaled
                session.journal.note("rolled back", change, why)
                self._emit(PatchRolledBack(problem, change, why))
                trials.append(Trial(problem, change, False, f"rolled back: {why}"))
            else:
                note = f"kept: {now} of {total} stored metrics as printed (was {matched})"
                session.journal.note("verified", change, note)
                self._emit(PatchVerified(problem, change, Verdict(True, note, trial)))
                trials.append(Trial(problem, applied_now.change, True, note))
                matched = now
            if matched == total:
                break
        if not trials:
            return [], None
        return trials, await self.clean_run()



@dataclass(frozen=True)
class Trial:
    """One calibration pin tried against the printed numbers."""

    problem: Problem
    change: AppliedPatch
    kept: bool
    note: str


def _by_rule(proposals: list[Proposal]) -> list[Proposal]:
    """One trial per rule: the same pin in every cell it applies to, tried together."""
    merged: dict[str, Proposal] = {}
    for proposal in proposals:
        first = merged.get(proposal.source)
        if first is None:
            merged[proposal.source] = proposal
            continue
        merged[proposal.source] = replace(first, patch=Patch(first.patch.cells + proposal.patch.cells))
    return list(merged.values())


def _printed_matches(session: NotebookSession) -> tuple[int, int]:
    comparisons = [c for c in session.every_score_comparison() if c.reference is not None]
    return sum(as_printed(c) for c in comparisons), len(comparisons)
