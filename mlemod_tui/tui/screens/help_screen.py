"""Every key on one screen, generated from the bindings so it cannot go stale."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss_help", "Close"),
        Binding("question_mark", "dismiss_help", "Close", show=False),
        Binding("q", "dismiss_help", "Close", show=False),
    ]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.key_bindings = bindings

    def compose(self) -> ComposeResult:
        table = Table(title="mlemod-tui keys", expand=True, show_edge=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action", no_wrap=True)
        table.add_column("what it does")
        for binding in self.key_bindings:
            keys = ", ".join(self.app.get_key_display(Binding(key, "")) for key in binding.key.split(","))
            table.add_row(keys, binding.description, binding.tooltip)
        table.add_row("ctrl+p", "Palette", "command palette: every action above, and the theme")
        with Vertical(id="help-dialog"):
            yield Static(table)
            yield Static("Escape closes this screen.", id="help-footer")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
