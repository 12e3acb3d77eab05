"""One notebook's outcome in a batch: a status a person can sort by, and the figures behind it.

Built from the single-notebook run's JSON (``mlemod-tui run --json``) and its report data, so
the batch says exactly what ``run`` would say about the same notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal[
    "reproducible",
    "crashes",
    "score drifted",
    "over budget",
    "needs a model",
    "timeout",
    "kernel died",
    "interrupted",
    "failed",
]
STATUSES: tuple[Status, ...] = (
    "reproducible",
    "crashes",
    "score drifted",
    "over budget",
    "needs a model",
    "timeout",
    "kernel died",
    "interrupted",
    "failed",
)
_NEEDS_MODEL_NOTES = ("no offline rule",)


@dataclass
class NotebookResult:
    """What the batch records, reports and shows per notebook."""

    notebook: str  # the original's path, as the client named it
    status: Status
    detail: str = ""  # "cell 5: KeyError: 4", the stop reason, the timeout
    failed_cell: int | None = None
    error: str | None = None  # "KeyError: 4"
    seconds: float | None = None  # today's cell time, summed
    stored_seconds: float | None = None  # the notebook's own recorded timings, summed
    wall_seconds: float | None = None  # the whole task, kernel start and repairs included
    patches: list[str] = field(default_factory=list)  # sources of applied patches, in order
    families: list[str] = field(default_factory=list)  # erosion families of those patches
    exit_code: int | None = None
    output: str | None = None  # where the modernized notebook was written, on the client
    helpers: list[str] = field(default_factory=list)  # patched helper copies written
    worker: str | None = None
    key: str = ""  # the store's key: notebook bytes, tool and library versions, options
    resumed: bool = False  # taken from the store, not run this time

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NotebookResult:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @property
    def current(self) -> bool:
        """A result worth keeping: not cut short by Ctrl+C or a lost worker."""
        return self.status not in ("interrupted", "failed")


def classify(run: Mapping[str, Any], report: Mapping[str, Any] | None, accept: str) -> tuple[Status, str]:
    """The status and its one-line detail from ``run --json`` output and the report data."""
    if run.get("reproducible") or (run.get("reproducible") is None and run.get("exit_code") == 0):
        return "reproducible", (report or {}).get("stopped_because") or ""
    if run.get("interrupted"):
        return "interrupted", "stopped before the end"
    cells = run.get("cells") or []
    statuses = {cell.get("status") for cell in cells}
    error = run.get("error")
    if "died" in statuses:
        return "kernel died", str(run.get("verdict") or "the kernel died")
    if "timeout" in statuses:
        return "timeout", str(run.get("verdict") or "a cell ran past --cell-timeout")
    steps = run.get("steps") or []
    note = str(steps[-1].get("note") or "") if steps else ""
    if error is not None:
        where = f"cell {error.get('cell')}: {error.get('ename')}: {first_line(error.get('evalue'))}"
        if accept != "all" and note.startswith(_NEEDS_MODEL_NOTES):
            return "needs a model", where
        return "crashes", where
    runtime = (report or {}).get("runtime") or {}
    budget = runtime.get("budget_seconds")
    if budget and (runtime.get("today_seconds") or 0) > budget:
        return "over budget", f"{runtime.get('today_seconds')} s against a budget of {budget} s"
    score = (report or {}).get("score") or {}
    if score.get("verdict") in ("drifted", "not produced yet"):
        return "score drifted", f"{score.get('metric')}: {score.get('reference')} → {score.get('today')}"
    return "crashes" if run.get("exit_code") else "reproducible", str(run.get("verdict") or "")


def first_line(text: object, width: int = 120) -> str:
    line = str(text or "").strip().splitlines()[0] if str(text or "").strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def applied_sources(run: Mapping[str, Any]) -> list[str]:
    return [str(step.get("source")) for step in run.get("steps") or [] if step.get("applied")]

