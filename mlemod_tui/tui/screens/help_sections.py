"""Which screens' keys the help screen lists, in the order a person meets them."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding, BindingType

from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.edit_screen import EditScreen, InstructionScreen
from mlemod_tui.tui.screens.help_screen import HelpSection
from mlemod_tui.tui.screens.pull_screen import PullScreen
from mlemod_tui.tui.screens.review_screen import ReviewScreen

PALETTE = Binding(
    "ctrl+p", "command_palette", "Palette", tooltip="command palette: every notebook action, and the theme"
)


def help_sections(
    notebook: Sequence[BindingType], everywhere: Sequence[BindingType]
) -> list[HelpSection]:
    """Every screen's own BINDINGS, so a key added to a screen shows up here by itself.
    ``notebook`` comes from the live screen (its descriptions follow the run order in force)."""
    return [
        ("Notebook", notebook),
        ("Review a proposal (after e, b or c)", ReviewScreen.BINDINGS),
        ("Edit a cell (e in review)", EditScreen.BINDINGS),
        ("Ask again (g in review)", InstructionScreen.BINDINGS),
        ("Questions", ConfirmScreen.BINDINGS),
        ("Pulling a model", PullScreen.BINDINGS),
        ("Everywhere", [*everywhere, PALETTE]),
    ]
