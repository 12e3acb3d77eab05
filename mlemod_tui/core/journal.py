"""The patch journal: every applied, undone or redone patch is appended the moment it happens.

``.mlemod/NAME.journal.jsonl`` beside the notebook, one JSON object per line, flushed and
fsynced per entry, so a crash of the app, the kernel or the machine loses nothing: reopening
the notebook offers to replay the journal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlemod_tui.core.history import AppliedPatch, PatchHistory
from mlemod_tui.core.notebook import Notebook
from mlemod_tui.core.support_files import current_text
from mlemod_tui.errors import MlemodError

JournalEvent = Literal["applied", "undone", "redone"]
# Verdicts on a patch (the flow's): kept after its re-run, not kept, rolled back, refused.
VerdictEvent = Literal["verified", "not verified", "rolled back", "refused"]

VERDICT_EVENTS = ("verified", "not verified", "rolled back", "refused")


def journal_path(notebook_path: Path) -> Path:
    return notebook_path.parent / ".mlemod" / f"{notebook_path.stem}.journal.jsonl"


@dataclass(frozen=True)
class ReplayResult:
    history: PatchHistory
    replayed: int
    skipped: list[str]  # why entries could not be replayed (the cell changed since)


class Journal:
    """Append-only record of one notebook's patch history."""

    def __init__(self, notebook_path: Path) -> None:
        self.path = journal_path(notebook_path)

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def append(self, event: JournalEvent, change: AppliedPatch) -> None:
        entry: dict[str, Any] = {"event": event, "id": change.id}
        if event == "applied":
            entry["patch"] = change.to_json()
        self._write(entry)

    def note(self, event: VerdictEvent, change: AppliedPatch, reason: str) -> None:
        """Why a patch was kept, rolled back or refused: replay skips these lines (they change
        nothing), a reader of the journal sees every verdict with its reason. A refused patch
        was never applied, so its line carries the patch itself."""
        entry: dict[str, Any] = {"event": event, "id": change.id, "reason": reason}
        if event == "refused":
            entry["patch"] = change.to_json()
        self._write(entry)

    def _write(self, entry: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise MlemodError(f"{self.path}: cannot write the patch journal ({exc.strerror})") from None

    def entries(self) -> list[dict[str, Any]]:
        """Readable entries; a torn last line (the app died mid-write) is ignored."""
        if not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") in ("applied", "undone", "redone"):
                entries.append(entry)
        return entries

    def verdicts(self) -> list[dict[str, Any]]:
        """The verdict lines, in order (reports and tests read them)."""
        if not self.path.is_file():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") in VERDICT_EVENTS:
                found.append(entry)
        return found

    def pending_changes(self) -> int:
        """How many patches the journal would leave applied after a replay."""
        applied: list[str] = []
        undone: list[str] = []
        for entry in self.entries():
            if entry["event"] == "applied":
                applied.append(entry["id"])
                undone.clear()
            elif entry["event"] == "undone" and applied:
                undone.append(applied.pop())
            elif entry["event"] == "redone" and undone:
                applied.append(undone.pop())
        return len(applied)

    def replay(self, notebook: Notebook) -> ReplayResult:
        """Re-apply the journal onto a freshly loaded notebook, exactly as it happened."""
        history = PatchHistory()
        by_id: dict[str, AppliedPatch] = {}
        skipped: list[str] = []
        replayed = 0
        for entry in self.entries():
            event = entry["event"]
            if event == "applied":
                change = AppliedPatch.from_json(entry["patch"])
                by_id[change.id] = change
                mismatch = _first_mismatch(notebook, change.before)
                if mismatch:
                    skipped.append(f"patch {change.id} ({change.source}): {mismatch}")
                    continue
                history.apply(notebook, change)
                replayed += 1
            elif event == "undone" and history.applied and history.applied[-1].id == entry["id"]:
                history.undo(notebook)
            elif event == "redone" and history.undone and history.undone[-1].id == entry["id"]:
                history.redo(notebook)
        return ReplayResult(history, replayed, skipped)

    def archive(self) -> Path | None:
        """Set the journal aside (the user chose to start fresh); nothing is deleted."""
        if not self.path.is_file():
            return None
        target = self.path.with_suffix(f".{int(self.path.stat().st_mtime)}.old")
        self.path.rename(target)
        return target


def _first_mismatch(notebook: Notebook, before: dict[str, str]) -> str | None:
    for cell_id, text in before.items():
        try:
            current = current_text(notebook, cell_id)
        except KeyError:
            return f"cell {cell_id} no longer exists"
        if current != text:
            return f"cell {cell_id} changed since the patch was applied"
    return None
