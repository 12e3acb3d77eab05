"""What changes with the terminal's width beyond the stylesheet's breakpoint classes."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

WIDE_COLUMNS = 120
"""From this width on, the side panels and the roomy footer fit."""
NARROW_COLUMNS = 100
"""Below this width the side panels would leave the source too little room even narrowed."""
BREAKPOINTS = [(0, "-narrow"), (NARROW_COLUMNS, "-medium"), (WIDE_COLUMNS, "-wide")]
"""The screen classes app.tcss styles by width."""


def compact_footer(screen: Screen[Any], width: int) -> None:
    """Below WIDE_COLUMNS the footer drops its padding, so more keys fit from the left (the
    screens list their most needed keys first), and the ^p palette hint gives its place
    (ctrl+p still opens the palette, and ? lists it)."""
    for footer in screen.query(Footer):
        footer.compact = width < WIDE_COLUMNS
        footer.show_command_palette = width >= WIDE_COLUMNS
