"""The folder screen's table: one row per notebook (a DataTable: thousands of rows stay fast)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from mlemod_tui.batch.folder import NOT_RUN, QUEUED, RUNNING, FolderRow

COLUMNS = ("notebook", "predicted", "status", "today / stored", "patches")
# Fixed widths: rows change while a batch runs, and a column that grew with each update would
# shift the others (the notebook's name column fits its longest name when rows are shown).
WIDTHS = {"predicted": 22, "status": 50, "today / stored": 16, "patches": 18}
_STYLES = {
    "reproducible": "green",
    "crashes": "red",
    "failed": "red",
    "kernel died": "magenta",
    RUNNING: "bold yellow",
    QUEUED: "dim",
    NOT_RUN: "dim",
}


class NotebookTable(DataTable[Text]):
    """Rows keyed by the notebook's path; the screen tells it what to show."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for name in COLUMNS:
            self.add_column(name, key=name, width=WIDTHS.get(name))

    def show(self, rows: list[FolderRow]) -> None:
        """Replace every row (a new sort or filter), keeping the cursor on the same notebook."""
        selected = self.selected_key()
        self.clear()
        for row in rows:
            self.add_row(*self._texts(row), key=row.key)
        keys = [row.key for row in rows]
        if selected in keys:
            self.move_cursor(row=keys.index(selected))

    def show_row(self, row: FolderRow) -> None:
        """One notebook changed (a batch update, back from its notebook screen)."""
        if row.key not in self.rows:
            return
        for name, text in zip(COLUMNS, self._texts(row), strict=True):
            self.update_cell(row.key, name, text)

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    @staticmethod
    def _texts(row: FolderRow) -> list[Text]:
        name, predicted, status, timing, patches = row.cells()
        style = _STYLES.get(row.state, "yellow")
        return [
            Text(name),
            Text(predicted, style="dim" if predicted == "nothing predicted" else ""),
            Text(status, style=style),
            Text(timing),
            Text(patches),
        ]
