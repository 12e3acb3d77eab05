"""The scan's forecast for one notebook, as the folder screen and the report show it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlemod_tui.errors import MlemodError
from mlemod_tui.scan import scan_paths


@dataclass(frozen=True)
class Prediction:
    """Cells predicted to crash, to drift, and run-order problems (no kernel, no model)."""

    crash_cells: tuple[int, ...] = ()
    drift_cells: tuple[int, ...] = ()
    order_problems: int = 0
    error: str | None = None  # the notebook could not be read

    def describe(self) -> str:
        if self.error:
            return f"unreadable: {self.error}"
        parts = []
        if self.crash_cells:
            more = "…" if len(self.crash_cells) > 4 else ""
            parts.append("crash at " + ", ".join(map(str, self.crash_cells[:4])) + more)
        if self.drift_cells:
            parts.append(f"drift in {len(self.drift_cells)}")
        if self.order_problems:
            parts.append(f"{self.order_problems} order problem{'s' if self.order_problems > 1 else ''}")
        return "; ".join(parts) or "nothing predicted"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def predict(notebook: Path) -> Prediction:
    """Run the scan on one notebook; an unreadable one gets a prediction saying so."""
    try:
        (scan,) = scan_paths([notebook])
    except MlemodError as exc:
        return Prediction(error=str(exc))
    crash = {p.cell for p in scan.predicted}
    drift: set[int] = set()
    for cell in scan.cells:
        for finding in cell.findings:
            if finding.kind == "crash":
                crash.add(cell.index)
            elif finding.kind == "silent-score-change":
                drift.add(cell.index)
    return Prediction(tuple(sorted(crash)), tuple(sorted(drift)), len(scan.order_problems))
