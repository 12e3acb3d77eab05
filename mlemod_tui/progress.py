"""Terminal progress for the headless runner: a bar for the run and a line per finished cell.

Silent when the stream is not a terminal (logs and pipes get only the result) or when asked
to be quiet. Colour only on a terminal and never when NO_COLOR is set.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from typing import TextIO

from mlemod_tui.core.execution import CellFinished, CellStarted, RunEvent
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.runtime import format_seconds

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

# One glyph per cell status, shared by the terminal progress and the TUI's cell list.
STATUS_GLYPHS = {
    "pending": "○",
    "running": "▶",
    "ok": "✓",
    "error": "✗",
    "timeout": "⏱",
    "died": "☠",
    "interrupted": "■",
    "skipped": "·",
    "predicted": "⚠",
}
_ANSI_COLOURS = {"ok": "32", "error": "31", "timeout": "33", "died": "35", "interrupted": "33"}


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def first_line(source: str, width: int = 50) -> str:
    """The first non-blank line of a cell, cut to ``width``."""
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def wants_colour(stream: TextIO) -> bool:
    return _is_tty(stream) and "NO_COLOR" not in os.environ


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressReporter:
    """Listens to runner events and draws progress on ``stream``."""

    def __init__(self, notebook: Notebook, stream: TextIO, *, quiet: bool = False) -> None:
        self.notebook = notebook
        self.stream = stream
        self.quiet = quiet
        self.enabled = not quiet and _is_tty(stream)
        self.colour = wants_colour(stream)
        self.total = len(notebook.code_cell_indices())
        self.done = 0
        self._running: tuple[int, float] | None = None
        self._bar_shown = False

    def handle(self, event: RunEvent) -> None:
        if not self.enabled:
            return
        if isinstance(event, CellStarted):
            self._running = (event.index, time.monotonic())
            self.draw_bar()
        elif isinstance(event, CellFinished):
            self._running = None
            self.done += 1
            self._clear_bar()
            run = event.run
            glyph = STATUS_GLYPHS.get(run.status, "?")
            code = _ANSI_COLOURS.get(run.status, "2")
            source = first_line(source_text(self.notebook.cells[run.index]))
            status = self._paint(f"{glyph} {run.status:<11}", code)
            seconds = format_seconds(run.seconds) if run.seconds is not None else ""
            self.stream.write(f"  [{run.index:>3}] {status} {seconds:>8}  {source}\n")
            self.draw_bar()

    def say(self, line: str) -> None:
        """A result line (a repair attempt): printed unless quiet, terminal or not."""
        if self.quiet:
            return
        self._clear_bar()
        self.stream.write(line + "\n")
        self.stream.flush()
        if self.enabled:
            self.draw_bar()

    def tick(self) -> None:
        """Redraw while a cell runs, so its elapsed time keeps moving."""
        if self._running is not None:
            self.draw_bar()

    def draw_bar(self) -> None:
        """Redraw the one-line bar (called on events and by a ticker for elapsed time)."""
        if not self.enabled:
            return
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "█" * filled + "░" * (width - filled)
        text = f"{bar} {self.done}/{self.total} cells"
        if self._running is not None:
            index, since = self._running
            source = first_line(source_text(self.notebook.cells[index]), 40)
            text += f" · running [{index}] {format_seconds(time.monotonic() - since)}  {source}"
        columns = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[2K" + text[: max(columns - 1, 10)])
        self.stream.flush()
        self._bar_shown = True

    def finish(self) -> None:
        self._clear_bar()

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._bar_shown = False

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text
