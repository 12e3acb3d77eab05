"""What an applied patch did to today's runtime and score (issue 13 item 4).

A patch is measured against today's run, not the stored original's: "before" is what the
patched cells took and the score read just before the patch; "after" is the same once the
patched cells have run again (updated while later cells run, until the next patch). A patch
that did not help (slower, further from the reference, still failing) says so, so the person
can undo it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.runtime import format_seconds
from mlemod_tui.errors import MlemodError


@dataclass(frozen=True)
class Measure:
    """Today's figures for a patch's cells at one moment."""

    seconds: float | None  # today's time of the patched cells; None when one has not run today
    failed: bool  # one of the patched cells failed in its latest run
    score: float | None  # today's reference metric (None: not produced)
    difference: float | None  # today's metric minus the reference


@dataclass
class PatchEffect:
    """Before and after one applied patch; ``after`` is None until its cells ran again."""

    patch_id: str
    kind: RepairKind
    source: str
    cells: tuple[int, ...]
    before: Measure
    after: Measure | None = None

    def helped(self) -> bool | None:
        """Did the patch do what its kind is for? None when it cannot be told yet."""
        before, after = self.before, self.after
        if after is None:
            return None
        if self.kind == RepairKind.ERROR_REPAIR:
            return not after.failed
        if self.kind == RepairKind.RUNTIME_REDUCTION:
            if after.failed:
                return False
            if before.seconds is None or after.seconds is None:
                return None
            return after.seconds < before.seconds
        # score-calibration
        if before.difference is None or after.difference is None:
            return None
        return abs(after.difference) < abs(before.difference)

    def describe(self) -> str:
        """One line: the comparison, and the verdict when it is known."""
        after = self.after or Measure(None, False, None, None)
        cells = ", ".join(map(str, self.cells))
        parts = [f"cell {cells} {_seconds(self.before.seconds)} → {_seconds(after.seconds)}"]
        if self.before.score is not None or after.score is not None:
            parts.append(f"score {_score(self.before.score)} → {_score(after.score)}")
        helped = self.helped()
        line = f"{self.source}: " + "; ".join(parts)
        if helped is False:
            line += f" — {self._why_not()}: the patch did not help (u undoes it)"
        elif helped:
            line += " — it helped"
        return line

    def _why_not(self) -> str:
        after = self.after
        if after is not None and after.failed:
            return "the cell still fails"
        if self.kind == RepairKind.RUNTIME_REDUCTION:
            slower = after is not None and (after.seconds or 0.0) > (self.before.seconds or 0.0)
            return "slower" if slower else "not faster"
        return "no closer to the reference"

    def to_json(self) -> dict[str, Any]:
        return {
            "patch": self.patch_id,
            "kind": str(self.kind),
            "source": self.source,
            "cells": list(self.cells),
            "before": asdict(self.before),
            "after": asdict(self.after) if self.after else None,
            "helped": self.helped(),
        }


def _seconds(value: float | None) -> str:
    return "not run today" if value is None else format_seconds(value)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def journal_effect(journal_path: Path, effect: PatchEffect) -> None:
    """Append a ``measured`` line to the patch journal (replay skips it: it changes nothing),
    flushed and fsynced like the journal's own entries."""
    entry = {"event": "measured", "id": effect.patch_id, "effect": effect.to_json()}
    try:
        journal_path.parent.mkdir(parents=True, exist_ok=True)
        with journal_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise MlemodError(f"{journal_path}: cannot write the patch journal ({exc.strerror})") from None
