"""Every key of every screen on one screen, generated from the bindings so it cannot go stale."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_WIDTH = 8
ACTION_WIDTH = 12
HelpSection = tuple[str, Sequence[BindingType]]
"""A heading (the screen the keys work on) and that screen's bindings."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", tooltip="close this screen"),
        Binding("question_mark", "dismiss_help", "Close", show=False),
        Binding("q", "dismiss_help", "Close", show=False),
    ]

    def __init__(self, sections: Sequence[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            for heading, bindings in self.sections:
                yield Static(self._table(heading, bindings), classes="help-section")
            yield Static("Escape closes this screen.", id="help-footer")

    def _table(self, heading: str, bindings: Sequence[BindingType]) -> Table:
        """One table per screen; fixed key and action widths line the columns up."""
        table = Table(title=heading, title_justify="left", title_style="bold", expand=True, show_edge=False)
        table.add_column("key", style="bold", no_wrap=True, width=KEY_WIDTH)
        table.add_column("action", no_wrap=True, width=ACTION_WIDTH)
        table.add_column("what it does", ratio=1)
        seen: set[str] = set()
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = ", ".join(self.app.get_key_display(Binding(key, "")) for key in binding.key.split(","))
            if keys not in seen:
                seen.add(keys)
                table.add_row(keys, binding.description, binding.tooltip)
        return table

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
