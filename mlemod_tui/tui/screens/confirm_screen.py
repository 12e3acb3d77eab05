"""A yes/no (or several-choice) question that must be answered before anything happens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[str]):
    """Dismisses with the chosen answer's key, or "cancel" on Escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="answer the safe way: nothing happens"),
        # Arrows, not only Tab: people reach for them, and Enter must press what they chose.
        Binding("left,up", "move_focus(-1)", "Previous", show=False, tooltip="the button before"),
        Binding("right,down", "move_focus(1)", "Next", show=False, tooltip="the button after"),
        Binding("enter", "press_focused", "Answer", show=False, tooltip="press the highlighted button"),
    ]

    def __init__(self, question: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices  # (answer key, button label)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                for index, (key, label) in enumerate(self.choices):
                    yield Button(label, id=f"answer-{key}", variant="primary" if index == 0 else "default")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.dismiss(event.button.id.removeprefix("answer-"))

    def action_move_focus(self, step: int) -> None:
        """Focus the neighbouring button; at either end the focus stays put."""
        buttons = list(self.query(Button))
        current = self.focused if isinstance(self.focused, Button) else None
        position = buttons.index(current) if current in buttons else 0
        buttons[max(0, min(position + step, len(buttons) - 1))].focus()

    def action_press_focused(self) -> None:
        if isinstance(self.focused, Button):
            self.focused.press()

    def action_cancel(self) -> None:
        self.dismiss("cancel")
