"""The folder screen's model: one row per notebook, its forecast and its latest status.

Kept out of the TUI (no Textual here) so the rows' wording, sorting and filtering are plain
functions the screen renders and tests check without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlemod_tui.batch.engine import Update
from mlemod_tui.batch.predictions import Prediction
from mlemod_tui.batch.result import STATUSES, NotebookResult
from mlemod_tui.batch.store import ResultStore
from mlemod_tui.core.runtime import format_seconds

NOT_RUN, QUEUED, RUNNING = "not run", "queued", "running"
FILTERS: tuple[str, ...] = ("all", NOT_RUN, *STATUSES)
SORTS: tuple[str, ...] = ("name", "status")
_STATUS_ORDER = {status: index for index, status in enumerate((RUNNING, QUEUED, *STATUSES, NOT_RUN))}


@dataclass
class FolderRow:
    path: Path
    prediction: Prediction | None = None  # None until the scan has looked
    state: str = NOT_RUN  # not run, queued, running, or a result's status
    result: NotebookResult | None = None
    stored: bool = False  # the result is from an earlier run (the store), not this session
    interactive: str | None = None  # what the notebook screen left it at, when opened there

    @property
    def key(self) -> str:
        return str(self.path)

    def cells(self) -> tuple[str, str, str, str, str]:
        """name, predicted, status, today/stored runtime, patches: the table's columns."""
        predicted = "…" if self.prediction is None else self.prediction.describe()
        status = self.state
        result = self.result
        if result is not None and self.state == result.status:
            if result.detail and result.status != "reproducible":
                status = f"{result.status}: {result.detail}"
            if self.stored:
                status += " (stored)"
        if self.interactive:
            status = f"opened: {self.interactive}"
        timing = ""
        patches = ""
        if result is not None:
            timing = f"{format_seconds(result.seconds)} / {format_seconds(result.stored_seconds)}"
            patches = str(len(result.patches)) + (f" ({', '.join(result.families)})" if result.families else "")
        return self.path.name, predicted, _cut(status), timing, patches


def _cut(text: str, width: int = 50) -> str:
    """A row stays one line wide enough for every column; the report has the whole text."""
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class FolderModel:
    """Every notebook of the folder, in the order given (sorted by ``sort`` when asked)."""

    rows: list[FolderRow] = field(default_factory=list)
    sort: str = "name"
    filter: str = "all"

    @classmethod
    def of(cls, notebooks: list[Path], store: ResultStore | None = None) -> FolderModel:
        rows = [FolderRow(path) for path in notebooks]
        for row in rows:
            latest = store.latest(row.path) if store is not None else None
            if latest is not None:
                row.result, row.state, row.stored = latest, latest.status, True
        return cls(rows)

    def row(self, key: str) -> FolderRow | None:
        return next((row for row in self.rows if row.key == key), None)

    def apply(self, update: Update) -> FolderRow | None:
        """A batch update changes one row; returns it (None for a notebook not shown)."""
        row = self.row(str(update.notebook))
        if row is None:
            return None
        if update.kind == "done" and update.result is not None:
            row.result, row.state, row.stored = update.result, update.result.status, update.result.resumed
            row.interactive = None
        else:
            row.state = QUEUED if update.kind == "queued" else RUNNING
        return row

    def visible(self) -> list[FolderRow]:
        shown = [row for row in self.rows if self.filter in ("all", row.state)]
        if self.sort == "status":
            shown.sort(key=lambda row: (_STATUS_ORDER.get(row.state, len(_STATUS_ORDER)), row.path.name))
        return shown

    def next_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def next_filter(self) -> str:
        """Cycle through "all" and the statuses some row has now (the others show nothing)."""
        present = {row.state for row in self.rows}
        choices = [name for name in FILTERS if name == "all" or name in present]
        position = choices.index(self.filter) if self.filter in choices else 0
        self.filter = choices[(position + 1) % len(choices)]
        return self.filter

    def totals(self) -> str:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        order = sorted(counts, key=lambda state: _STATUS_ORDER.get(state, len(_STATUS_ORDER)))
        return " · ".join(f"{counts[state]} {state}" for state in order)
