"""Does the kernel hold what a fresh run of the notebook would give?

After a patch the kernel still holds what the old code left: a name the failed cell defined
before it raised, a variable a later cell computed from the old definition. A patched notebook
that runs in that kernel may fail from a fresh one, so "reproducible" is only said after a
clean run, and the TUI says when the kernel no longer matches one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlemod_tui.core.execution import CellFinished, RunEvent
from mlemod_tui.core.notebook import Notebook, source_text


@dataclass
class KernelHistory:
    """The code each cell ran since the kernel (re)started, in the order it ran."""

    ran: list[tuple[int, str]] = field(default_factory=list)

    def reset(self) -> None:
        """A fresh kernel: nothing ran in it yet."""
        self.ran.clear()

    def record(self, event: RunEvent) -> None:
        """Runner listener: a cell finished (ok or not), so its code ran in this kernel."""
        if isinstance(event, CellFinished) and event.run.source is not None:
            if event.run.status not in ("pending", "skipped"):
                self.ran.append((event.run.index, event.run.source))

    def differs_from_fresh(self, notebook: Notebook) -> str:
        """Why the kernel's state is not what a fresh run would give ("" when it is): code
        that is no longer in the notebook ran in it (a patch, undo or redo since)."""
        changed: list[int] = []
        for index, source in self.ran:
            if index < len(notebook.cells) and source_text(notebook.cells[index]) != source:
                if index not in changed:
                    changed.append(index)
        if not changed:
            return ""
        cells = ", ".join(map(str, sorted(changed)))
        return f"the kernel ran cell {cells} as it was before the last change"
