"""What a save would write, and whether it would replace a file holding more of today's results.

After a resume with nothing run, the notebook in memory holds the patched sources with the
original's stored outputs, while the output file may hold an earlier session's executed run.
Saving over it would lose those results, so the session refuses, and the quit question says
what a save would hold (issue 13 item 8).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlemod_tui.errors import MlemodError


class SaveRefused(MlemodError):
    """Saving would replace a file holding more of today's results than this session has."""


@dataclass(frozen=True)
class SavedResults:
    """What an earlier save by this tool at the output path holds."""

    cells_run: int
    saved_at: str | None


@dataclass(frozen=True)
class SavePlan:
    """What ``session.save()`` would write to ``path``, against what is there now."""

    path: Path
    patches: int
    cells_run: int
    code_cells: int
    existing: SavedResults | None

    @property
    def loses_results(self) -> bool:
        return self.existing is not None and self.existing.cells_run > self.cells_run

    def contents(self) -> str:
        """One sentence: what a save would hold ("2 patches applied; no cell run today ...")."""
        patches = f"{self.patches} patch(es) applied" if self.patches else "no patch applied"
        if self.cells_run == 0:
            ran = "no cell run today, so the outputs are the original's stored ones"
        else:
            ran = f"today's results of {self.cells_run} of {self.code_cells} code cell(s)"
        return f"{patches}; {ran}"

    def conflict(self) -> str:
        """What the file holds against this session; only meaningful when ``loses_results``."""
        assert self.existing is not None
        when = f" (saved {_readable(self.existing.saved_at)})" if self.existing.saved_at else ""
        have = "none" if self.cells_run == 0 else str(self.cells_run)
        return (
            f"{self.path} holds today's results of {self.existing.cells_run} cell(s){when} and "
            f"this session has run {have}: saving would replace them with fewer."
        )

    def refusal(self) -> str:
        """Why the save is refused and what to do instead."""
        return (
            f"{self.conflict()} Not saved: run the cells first, or save to another --output; "
            "applied patches stay in the journal."
        )


def saved_results(path: Path, original_cells: list[Any]) -> SavedResults | None:
    """What an earlier save by mlemod-tui at ``path`` holds; None for no file, or a file this
    tool did not write (replacing those is what --output and --in-place ask for)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    metadata = data.get("metadata") if isinstance(data, dict) else None
    record = metadata.get("mlemod") if isinstance(metadata, dict) else None
    if not isinstance(record, dict):
        return None
    saved_at = record.get("saved_at") if isinstance(record.get("saved_at"), str) else None
    results = record.get("results")
    if isinstance(results, dict) and isinstance(results.get("cells_run"), int):
        return SavedResults(results["cells_run"], saved_at)
    return SavedResults(_cells_run_by_timing(data.get("cells"), original_cells), saved_at)


def _cells_run_by_timing(cells: object, original_cells: list[Any]) -> int:
    """Saves made before ``results`` was recorded: a code cell whose Jupyter timing differs
    from the original's was run by the tool."""
    if not isinstance(cells, list):
        return 0
    stored = {
        cell.get("id"): (cell.get("metadata") or {}).get("execution")
        for cell in original_cells
        if isinstance(cell, dict)
    }
    count = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        timing = (cell.get("metadata") or {}).get("execution")
        if timing and timing != stored.get(cell.get("id")):
            count += 1
    return count


def _readable(stamp: str) -> str:
    """``2026-12-07T03:34:40Z`` → ``2026-12-07 03:34 UTC``."""
    if len(stamp) >= 16 and stamp[10] == "T" and stamp.endswith("Z"):
        return f"{stamp[:10]} {stamp[11:16]} UTC"
    return stamp
