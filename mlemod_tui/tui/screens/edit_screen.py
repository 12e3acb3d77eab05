"""Small modal editors: a cell's text in a code editor, and a one-line instruction."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea


class EditScreen(ModalScreen[str | None]):
    """Edit a cell; ctrl+s keeps the text, Escape throws the edit away."""

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep edit", priority=True, tooltip="keep the edited cell for apply"),
        Binding("escape", "discard", "Discard", priority=True, tooltip="throw the edit away"),
    ]

    def __init__(self, text: str, *, title: str) -> None:
        super().__init__()
        self.text = text
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog"):
            yield Static(f"Editing {self.heading}: ctrl+s keeps the edit, Escape discards it.")
            yield TextArea.code_editor(self.text, language="python", id="edit-area")

    def action_keep(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_discard(self) -> None:
        self.dismiss(None)


class InstructionScreen(ModalScreen[str | None]):
    """Ask again, optionally telling the model what to do differently."""

    BINDINGS = [
        Binding("enter", "submit", "Ask", show=False, tooltip="send the instruction (it may be empty)"),
        Binding("escape", "cancel", "Cancel", tooltip="do not ask"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="instruction-dialog"):
            yield Static("Ask the model again. Your instruction (optional), then Enter:")
            yield Input(placeholder="e.g. keep the old column names", id="instruction")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_submit(self) -> None:
        self.dismiss(self.query_one(Input).value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
