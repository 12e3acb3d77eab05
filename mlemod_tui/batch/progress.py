"""Terminal progress for a batch: a bar (done, running, failed, ETA) and a line per notebook.

The same look as the single-notebook runner (``mlemod_tui.progress``): on a terminal a bar
redrawn in place; in a log or a pipe only the finished notebooks' lines.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TextIO

from mlemod_tui.batch.engine import Update
from mlemod_tui.batch.result import NotebookResult
from mlemod_tui.core.runtime import format_seconds
from mlemod_tui.progress import wants_colour

_GLYPHS = {"reproducible": "✓", "interrupted": "■", "timeout": "⏱", "kernel died": "☠"}
_COLOURS = {"reproducible": "32", "crashes": "31", "failed": "31", "kernel died": "35"}


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class BatchProgress:
    """Listens to the batch's updates (call ``handle`` from the thread that runs the batch)."""

    def __init__(self, stream: TextIO, total: int, *, quiet: bool = False) -> None:
        self.stream = stream
        self.total = total
        self.quiet = quiet
        self.bar = not quiet and _is_tty(stream)
        self.colour = wants_colour(stream)
        self.done = 0
        self.failed = 0
        self.running: set[Path] = set()
        self.started = time.monotonic()
        self._ran = 0  # finished in this run (resumed ones take no time)
        self._bar_shown = False

    def handle(self, update: Update) -> None:
        if update.kind == "running":
            self.running.add(update.notebook)
        elif update.kind == "done" and update.result is not None:
            self.running.discard(update.notebook)
            self.done += 1
            self._ran += 0 if update.result.resumed else 1
            self.failed += update.result.status != "reproducible"
            self._line(update.result)
        self.draw()

    def _line(self, result: NotebookResult) -> None:
        if self.quiet:
            return
        self._clear()
        glyph = _GLYPHS.get(result.status, "✗")
        status = f"{glyph} {result.status:<13}"
        if self.colour:
            status = f"\x1b[{_COLOURS.get(result.status, '33')}m{status}\x1b[0m"
        took = "stored" if result.resumed else format_seconds(result.wall_seconds)
        detail = f"  {result.detail}" if result.detail and result.status != "reproducible" else ""
        count = f"[{self.done}/{self.total}]"
        self.stream.write(f"{count} {status} {took:>8}  {Path(result.notebook).name}{detail}\n")
        self.stream.flush()

    def eta(self) -> float | None:
        """Seconds left at this run's pace so far (None before the first notebook finished)."""
        if self._ran == 0:
            return None
        per_notebook = (time.monotonic() - self.started) / self._ran
        return per_notebook * (self.total - self.done)

    def draw(self) -> None:
        if not self.bar:
            return
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        eta = self.eta()
        text = (
            f"{'█' * filled}{'░' * (width - filled)} {self.done}/{self.total} done · "
            f"{len(self.running)} running · {self.failed} not reproducible"
            + (f" · ETA {format_seconds(eta)}" if eta is not None and self.done < self.total else "")
        )
        if self.running:
            text += "  " + ", ".join(sorted(p.name for p in self.running))
        columns = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[2K" + text[: max(columns - 1, 10)])
        self.stream.flush()
        self._bar_shown = True

    def finish(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._bar_shown = False
