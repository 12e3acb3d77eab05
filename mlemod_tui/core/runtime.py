"""Cell durations: the original's stored times, today's, the budget and a projection.

Old notebooks often carry their own per-cell times (nbclient's ``metadata.execution``
timestamps, papermill's ``metadata.papermill.duration``); comparing them with today's times
tells whether a slow cell is slow because of today's environment or always was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlemod_tui.errors import MlemodError

# "ms" before "m": alternation takes the first branch that matches, and "500ms" must not
# read as 500 minutes followed by a stray "s".
_BUDGET_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)?", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, None: 1.0}


def parse_duration(text: str) -> float:
    """``90s``, ``30m``, ``9h``, ``1h30m``, ``45`` (seconds) -> seconds."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise MlemodError("empty duration: use e.g. 90s, 30m, 9h or 1h30m")
    total, position = 0.0, 0
    while position < len(cleaned):
        match = _BUDGET_PART.match(cleaned, position)
        if not match or match.end() == position:
            raise MlemodError(f"cannot read duration {text!r}: use e.g. 90s, 30m, 9h or 1h30m")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return total


def format_seconds(seconds: float | None) -> str:
    """Short human form: 0.012 s, 4.2 s, 3m05s, 2h07m."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def stored_cell_seconds(cell: Mapping[str, Any]) -> float | None:
    """The duration a notebook recorded for a cell, or None when it carries none.

    nbclient/JupyterLab: ``metadata.execution`` busy→idle (else input→reply);
    papermill: ``metadata.papermill.duration``.
    """
    metadata = cell.get("metadata") or {}
    papermill = metadata.get("papermill") or {}
    duration = papermill.get("duration")
    if isinstance(duration, int | float) and duration >= 0:
        return float(duration)
    execution = metadata.get("execution") or {}
    for start_key, end_key in (
        ("iopub.status.busy", "iopub.status.idle"),
        ("iopub.execute_input", "shell.execute_reply"),
    ):
        start, end = _parse_time(execution.get(start_key)), _parse_time(execution.get(end_key))
        if start and end and end >= start:
            return (end - start).total_seconds()
    return None


def stored_timings(cells: list[Mapping[str, Any]]) -> dict[int, float]:
    """Stored seconds per code-cell index, for cells that carry a time."""
    timings: dict[int, float] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code":
            seconds = stored_cell_seconds(cell)
            if seconds is not None:
                timings[index] = seconds
    return timings


@dataclass(frozen=True)
class RuntimeSummary:
    """What the runtime panel and the headless report show."""

    total_today: float
    ratio: float | None  # today / stored over cells that have both; None when unknown
    projected_remaining: float | None
    budget: float | None
    slowest: list[tuple[int, float]]

    @property
    def projected_total(self) -> float | None:
        if self.projected_remaining is None:
            return None
        return self.total_today + self.projected_remaining

    @property
    def over_budget(self) -> bool:
        if self.budget is None:
            return False
        projected = self.projected_total
        return self.total_today > self.budget or (projected is not None and projected > self.budget)


def summarize_runtime(
    today: Mapping[int, float],
    stored: Mapping[int, float],
    remaining: list[int],
    budget: float | None = None,
    slowest_count: int = 3,
) -> RuntimeSummary:
    """Totals, today's/original ratio and the projected time of the ``remaining`` cells.

    Projection: the remaining cells' stored times scaled by today's observed ratio; with no
    cell measured both ways the ratio is taken as 1 when every remaining cell has a stored
    time, else the projection is unknown.
    """
    total = sum(today.values())
    both = [i for i in today if i in stored and stored[i] > 0]
    ratio = sum(today[i] for i in both) / sum(stored[i] for i in both) if both else None
    projected: float | None
    if not remaining:
        projected = 0.0
    elif all(i in stored for i in remaining):
        projected = sum(stored[i] for i in remaining) * (ratio if ratio is not None else 1.0)
    else:
        projected = None
    slowest = sorted(today.items(), key=lambda item: item[1], reverse=True)[:slowest_count]
    return RuntimeSummary(total, ratio, projected, budget, slowest)
