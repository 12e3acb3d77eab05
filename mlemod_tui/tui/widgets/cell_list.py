"""The cell list: index, status glyph, first source line and seconds, one row per cell.

A DataTable, because it mounts 1,000 rows in about half a second (a ListView takes 18 s).
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.runtime import format_seconds
from mlemod_tui.progress import STATUS_GLYPHS, first_line

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
GLYPH_STYLES = {
    "pending": "dim",
    "running": "bold cyan",
    "ok": "green",
    "error": "bold red",
    "timeout": "yellow",
    "died": "bold magenta",
    "interrupted": "yellow",
    "skipped": "dim",
    "predicted": "bold yellow",
    "stale": "bold yellow",
}
# A cell whose source changed since it ran: its ✓ or ✗ describes other code.
GLYPHS = {**STATUS_GLYPHS, "stale": "↻"}


class CellList(DataTable[Text]):
    """Rows keyed by cell index; the highlighted row is the selected cell."""

    class CellSelected(Message):
        """The user moved to another cell."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(
        self,
        notebook: Notebook,
        *,
        spinner: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, id=id, classes=classes)
        self.notebook = notebook
        self.spinner = spinner
        self._statuses: dict[int, str] = {}
        self._spinning_index: int | None = None
        self._frame = 0
        self._row_keys: list[RowKey] = []
        self._predicted: set[int] = set()
        self._stale: set[int] = set()

    def on_mount(self) -> None:
        self.add_column("#", key="index", width=4)
        self.add_column(" ", key="status", width=1)
        self.add_column("cell", key="source", width=24)
        self.add_column("time", key="time", width=7)
        rows = []
        for index, cell in enumerate(self.notebook.cells):
            markdown = cell.cell_type != "code"
            style = "dim italic" if markdown else ""
            status = Text(" ") if markdown else self._glyph("pending")
            label = first_line(source_text(cell), 60) or ("(empty)" if not markdown else "")
            if markdown:
                label = label.lstrip("# ")
            rows.append(
                (Text(str(index), style="dim"), status, Text(label, style=style), Text(""))
            )
        # One bulk add: row keys are generated, so we keep index -> key ourselves.
        self._row_keys = self.add_rows(rows)
        if self.spinner:
            self.set_interval(0.1, self._spin)

    @property
    def selected_index(self) -> int:
        return max(self.cursor_row, 0)

    def select(self, index: int) -> None:
        self.move_cursor(row=index, scroll=True)

    def set_status(self, index: int, status: str, seconds: float | None = None) -> None:
        self._statuses[index] = status
        if status == "running":
            self._spinning_index = index
        elif self._spinning_index == index:
            self._spinning_index = None
        key = self._row_keys[index]
        self.update_cell(key, "status", self._glyph(self.shown_glyph(index)))
        time_text = format_seconds(seconds) if seconds is not None else ""
        self.update_cell(key, "time", Text(time_text, style="dim" if status == "running" else ""))

    def refresh_source(self, index: int, *, patched: bool) -> None:
        """A patch, undo or redo changed this cell: show its new first line, marked ✎."""
        label = first_line(source_text(self.notebook.cells[index]), 60) or "(empty)"
        text = Text.assemble(("✎ ", "bold magenta"), label) if patched else Text(label)
        self.update_cell(self._row_keys[index], "source", text)

    def mark_predicted(self, indices: set[int]) -> None:
        """Cells the scan expects to break: ⚠ until they run. The set replaces the last one,
        so a cell whose patched source no longer matches loses its ⚠."""
        changed = self._predicted ^ indices
        self._predicted = set(indices)
        for index in changed:
            if self.status_of(index) == "pending":
                self.update_cell(self._row_keys[index], "status", self._glyph(self.shown_glyph(index)))

    def mark_stale(self, indices: set[int]) -> None:
        """Cells whose source changed since today's run: ↻ instead of their old verdict."""
        changed = self._stale ^ indices
        self._stale = set(indices)
        for index in changed:
            self.update_cell(self._row_keys[index], "status", self._glyph(self.shown_glyph(index)))

    def set_elapsed(self, index: int, seconds: float) -> None:
        self.update_cell(self._row_keys[index], "time", Text(format_seconds(seconds), style="cyan"))

    def status_of(self, index: int) -> str:
        return self._statuses.get(index, "pending")

    def shown_glyph(self, index: int) -> str:
        """Which status the row's glyph shows: a cell not run yet shows the scan's verdict."""
        status = self.status_of(index)
        if status == "pending":
            return "predicted" if index in self._predicted else status
        return "stale" if index in self._stale and status != "running" else status

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.CellSelected(event.cursor_row))

    def _glyph(self, status: str) -> Text:
        glyph, style = GLYPHS.get(status, "?"), GLYPH_STYLES.get(status, "")
        if status == "running" and self.spinner:
            glyph = SPINNER[self._frame % len(SPINNER)]
        return Text(glyph, style=style)

    def _spin(self) -> None:
        if self._spinning_index is None:
            return
        self._frame += 1
        self.update_cell(self._row_keys[self._spinning_index], "status", self._glyph("running"))
