"""The verdict line: what the last patch's re-run showed, and whether the kernel still holds
what a fresh run would give, each with the one key that acts on it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.repair_events import (
    CleanRunFinished,
    FlowEvent,
    PatchApplied,
    PatchNotVerified,
    PatchRefused,
    PatchRolledBack,
    PatchVerified,
)


class VerdictBar(Static):
    """Hidden until there is something to say; the screen sets what it says."""

    def on_mount(self) -> None:
        self._verdict = Text()
        self._freshness = ""
        self.display = False

    def show_verdict(self, kept: bool | None, text: str) -> None:
        """``kept`` True: the patch got the notebook further; False: it did not; None: news
        that is neither (an undo, a restoration)."""
        mark = {True: ("✓ ", "bold green"), False: ("✗ ", "bold red"), None: ("• ", "bold")}[kept]
        self._verdict = Text.assemble(mark, text)
        self._paint()

    def show_freshness(self, reason: str) -> None:
        """Why the kernel differs from a fresh run ("" when it does not)."""
        self._freshness = reason
        self._paint()

    def _paint(self) -> None:
        text = self._verdict.copy()
        if self._freshness:
            if text.plain:
                text.append("  ·  ")
            text.append("kernel ≠ fresh run: ", style="bold yellow")
            text.append(f"{self._freshness} (R: clean re-run)")
        self.display = bool(text.plain)
        self.update(text)

    def show_event(self, event: FlowEvent, effect: str = "") -> None:
        """Render a repair flow event (and notify); ``effect`` is the patch's measured effect."""
        if isinstance(event, PatchApplied):
            again = "from the top" if event.problem.kind != RepairKind.ERROR_REPAIR else "from the patched cell"
            self.notify(f"Applied {event.change.source}; re-running {again} to verify it.", timeout=4)
            self.show_verdict(None, f"{event.change.source} applied: verifying…")
        elif isinstance(event, PatchVerified):
            self.show_verdict(True, f"kept {event.change.source}: {event.verdict.reason} (u undoes it)")
            self.notify(_lines(effect, event.verdict.reason), title="Patch kept", timeout=8)
        elif isinstance(event, PatchNotVerified):
            reason = event.verdict.reason
            self.show_verdict(False, f"not further with {event.change.source}: {reason} (u undoes it)")
            self.notify(_lines(effect, reason), title="Patch did not help", severity="warning", timeout=20)
        elif isinstance(event, PatchRolledBack | PatchRefused):
            word = "rolled back" if isinstance(event, PatchRolledBack) else "refused"
            self.show_verdict(False, f"{word} {event.change.source}: {event.reason}")
        elif isinstance(event, CleanRunFinished):
            self.show_verdict(event.result.succeeded, f"clean run: {event.result.verdict()}")


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)
