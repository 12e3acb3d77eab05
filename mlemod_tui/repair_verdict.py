"""Did the notebook get further with a patch? The one judgement every front end uses.

For a crash fix the first failure must move later or disappear, no cell that ran before may
fail now, and the same cell failing with a new undefined name is not progress (a fix that
defines ``model`` but uses an undefined ``X`` only trades one NameError for another). For a
runtime reduction the measured time must fall; for a calibration the score must move toward
the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlemod_tui.assist.tracebacks import cell_frames, file_frames, is_library_path
from mlemod_tui.core.def_use import describe_removed, removed_but_used
from mlemod_tui.core.execution import CellError, CellRun, RunResult
from mlemod_tui.core.history import AppliedPatch
from mlemod_tui.core.notebook import source_text
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession


@dataclass(frozen=True)
class FailureKey:
    """A failure as the flow compares them: where in the run order, what, and from where."""

    position: int
    ename: str
    evalue: str
    frames: str  # the same error raised from another file or line is progress


@dataclass(frozen=True)
class Before:
    """Where the notebook stood before a patch: the figure the patch must improve."""

    failure: FailureKey | None
    seconds: float
    score_gap: float | None


def position(session: NotebookSession, index: int) -> int:
    """Where ``index`` runs in the session's order (stored or top-down)."""
    order = session.execution_order()
    return order.index(index) if index in order else index


def failure_key(session: NotebookSession, index: int, error: CellError) -> FailureKey:
    cells = [f"cell {count}:{line}" for count, line in cell_frames(error.traceback)]
    files = [f"{path}:{line}" for path, line in file_frames(error.traceback) if not is_library_path(path)]
    return FailureKey(position(session, index), error.ename, error.evalue, " > ".join(cells + files))


def first_failure(session: NotebookSession) -> CellRun | None:
    """Today's first failing cell in the session's order, whichever run left it."""
    failed = [run for run in session.runner.runs.values() if run.failed]
    return min(failed, key=lambda run: position(session, run.index), default=None)


def measure(session: NotebookSession) -> Before:
    failure = first_failure(session)
    key = None
    if failure is not None and failure.error is not None:
        key = failure_key(session, failure.index, failure.error)
    gap = session.score_comparison().difference
    return Before(key, session.runtime_summary().total_today, abs(gap) if gap is not None else None)


def not_further(session: NotebookSession, kind: RepairKind, before: Before, result: RunResult) -> str:
    """Why the patched notebook is not further than before ("" when it is)."""
    failure = result.first_failure
    if kind == RepairKind.ERROR_REPAIR:
        if failure is None or failure.error is None:
            return ""
        now = failure_key(session, failure.index, failure.error)
        was = before.failure
        if was is None:
            return ""
        if now.position < was.position:
            return f"cell {failure.index}, which ran before, fails now ({failure.error.ename})"
        if now == was:
            return f"cell {failure.index} still fails the same way ({failure.error.ename})"
        if now.position == was.position and now.ename == "NameError" and now.evalue != was.evalue:
            return f"cell {failure.index} still fails, now with {_first_line(now.evalue)}"
        return ""
    if failure is not None and failure.error is not None:
        return f"cell {failure.index} fails after it ({failure.error.ename})"
    if kind == RepairKind.RUNTIME_REDUCTION:
        after = session.runtime_summary().total_today
        if after >= before.seconds:
            return f"the run did not get faster ({before.seconds:.2f} s before, {after:.2f} s after)"
        return ""
    gap = session.score_comparison().difference
    if before.score_gap is not None and gap is not None and abs(gap) >= before.score_gap:
        return "the score did not move toward the stored one"
    return ""


def removes_needed_names(session: NotebookSession, change: AppliedPatch) -> str:
    """``removes `threshold`, used by cell 6`` when the patch drops a name a later cell reads."""
    notebook = session.notebook
    cells = [
        (index, notebook.cells[index].id, source_text(notebook.cells[index]))
        for index in session.execution_order()
    ]
    found = removed_but_used(change.before, change.after, cells)
    return describe_removed(found) if found else ""


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]
