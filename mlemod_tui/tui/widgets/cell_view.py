"""The selected cell: its source with line numbers and syntax colours, then its outputs.

Source and outputs scroll separately, and the source takes at most part of the height (see
app.tcss), so a failing cell's traceback is on screen with its code even at 80x24.

Outputs come either from the notebook (stored, or today's once the cell ran) or live from a
running cell through an OutputTail, repainted at most every REFRESH_SECONDS.
"""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from mlemod_tui.core.kernel import KernelEvent
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.tui.output_render import OutputTail

REFRESH_SECONDS = 0.08


class CellView(Vertical):
    """Source above, outputs below; ``show_outputs`` toggles the lower part."""

    def __init__(
        self, notebook: Notebook, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.notebook = notebook
        self.index: int | None = None
        self.show_outputs = True
        self._tail: OutputTail | None = None
        self._live_index: int | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static(id="cell-title")
        with VerticalScroll(id="source-scroll"):
            yield Static(id="cell-source")
        with VerticalScroll(id="output-scroll"):
            yield Static(id="cell-outputs")

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._refresh_live)

    # -- commands from the screen ------------------------------------------------------

    def show_cell(self, index: int, origin: str = "") -> None:
        """Show cell ``index`` with the outputs the notebook holds (or the live tail)."""
        self.index = index
        cell = self.notebook.cells[index]
        title = f"cell {index} · {cell.cell_type}"
        if origin:
            title += f" · {origin}"
        self.query_one("#cell-title", Static).update(Text(title, style="bold"))
        source = source_text(cell)
        if cell.cell_type == "code":
            renderable: Syntax | Text = Syntax(
                source or " ", "python", line_numbers=True, word_wrap=True, theme="ansi_dark"
            )
        else:
            renderable = Text(source, style="italic")
        self.query_one("#cell-source", Static).update(renderable)
        self._paint_outputs()
        self.query_one("#source-scroll", VerticalScroll).scroll_home(animate=False)
        outputs = self.query_one("#output-scroll", VerticalScroll)
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            # The exception's own line closes a traceback: that is the line to read first.
            outputs.call_after_refresh(outputs.scroll_end, animate=False)
        else:
            outputs.scroll_home(animate=False)

    def start_live(self, index: int) -> None:
        """A cell started: its screen output restarts from empty."""
        self._live_index = index
        self._tail = OutputTail()
        self._stale = True

    def feed_live(self, index: int, event: KernelEvent) -> None:
        if self._tail is None or self._live_index != index:
            self.start_live(index)
        assert self._tail is not None
        self._tail.feed(event)
        self._stale = True

    def stop_live(self, index: int) -> None:
        """The cell finished: from now on show what the notebook stores for it."""
        if self._live_index == index:
            self._live_index = None
            self._tail = None
        if self.index == index:
            self._paint_outputs()

    def toggle_outputs(self) -> None:
        self.show_outputs = not self.show_outputs
        self._paint_outputs()

    # -- painting ------------------------------------------------------------------------

    def _refresh_live(self) -> None:
        if self._stale and self._live_index is not None and self.index == self._live_index:
            self._stale = False
            self._paint_outputs()
            self.query_one("#output-scroll", VerticalScroll).scroll_end(animate=False)

    def _paint_outputs(self) -> None:
        widget = self.query_one("#cell-outputs", Static)
        if self.index is None:
            return
        if not self.show_outputs:
            widget.update(Text("outputs hidden (o to show)", style="dim italic"))
            return
        if self._live_index == self.index and self._tail is not None:
            rendered = self._tail.render()
        else:
            cell = self.notebook.cells[self.index]
            tail = OutputTail()
            tail.feed_outputs(cell.get("outputs", []))
            rendered = tail.render()
        widget.update(rendered if rendered.plain else Text("no output", style="dim italic"))
