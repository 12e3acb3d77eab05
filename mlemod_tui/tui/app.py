"""The Textual app: themes, the command palette and the main screen. Behaviour lives in
screens and widgets; the session (core) is injected so tests pass real kernels."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.themes import DEFAULT_THEME, VARIABLE_DEFAULTS, load_themes, stylesheet_path
from mlemod_tui.tui.widgets.layout import BREAKPOINTS


class MlemodApp(App[int]):
    TITLE = "mlemod-tui"
    CSS_PATH = str(stylesheet_path())
    # Screens get -narrow, -medium or -wide by the terminal's width: below 120 columns the
    # side panels give their room to the source and outputs (app.tcss).
    HORIZONTAL_BREAKPOINTS = BREAKPOINTS
    # Textual's own ctrl+q exits at once and its ctrl+c only says how to quit: both become
    # our quit, which asks when today's results are unsaved. (A focused editor still copies
    # on ctrl+c: this binding is not a priority one.)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, tooltip="quit (asks when unsaved)"),
        Binding("ctrl+c", "quit", "Quit", show=False, tooltip="quit (asks when unsaved); copies in an editor"),
    ]

    def __init__(
        self,
        session: NotebookSession | None,
        *,
        assistant: Assistant | None = None,
        theme_name: str = DEFAULT_THEME,
        animations: bool = True,
        clock: Callable[[], float] = time.monotonic,
        autostart: bool = True,
        folder: Screen[None] | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.folder = folder  # many notebooks: the folder screen (issue 12), not one notebook's
        self.assistant = assistant
        self.animations = animations
        self.clock = clock
        self.autostart = autostart
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = theme_name

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **VARIABLE_DEFAULTS}

    def on_mount(self) -> None:
        if self.session is None:  # the folder screen opens each notebook's session itself
            if self.folder is not None:
                self.push_screen(self.folder)
            return
        self.push_screen(
            NotebookScreen(
                self.session,
                assistant=self.assistant,
                animations=self.animations, clock=self.clock, autostart=self.autostart
            )
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every notebook key is also reachable from the command palette (ctrl+p), and the one
        Quit there is ours (Textual's built-in one would exit with unsaved results)."""
        for command in super().get_system_commands(screen):
            if command.title != "Quit":
                yield command
        yield SystemCommand("Quit", "quit (asks when there is unsaved work)", self.request_quit)
        if isinstance(screen, NotebookScreen):
            for binding in screen.key_bindings():
                if binding.action == "quit":
                    continue
                action = getattr(screen, f"action_{binding.action}")
                yield SystemCommand(binding.description, binding.tooltip or "", action)

    async def action_quit(self) -> None:
        """ctrl+q and ctrl+c: the same question as `q`."""
        self.request_quit()

    def request_quit(self) -> None:
        """Quit, asking first when the notebook screen holds unsaved work."""
        notebook = next((s for s in self.screen_stack if isinstance(s, NotebookScreen)), None)
        if notebook is None:
            self.exit(0)
        else:
            notebook.action_quit()

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.stop()
