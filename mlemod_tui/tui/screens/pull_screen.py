"""Pull a missing model with a progress bar (Ollama streams the download's progress)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.errors import MlemodError


class PullScreen(ModalScreen[bool]):
    """Dismisses True when the model is ready, False when the pull failed or was cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel pull", tooltip="stop the download")]

    def __init__(self, assistant: Assistant) -> None:
        super().__init__()
        self.assistant = assistant

    def compose(self) -> ComposeResult:
        model = self.assistant.backend.model if self.assistant.backend else "?"
        with Vertical(id="pull-dialog"):
            yield Static(f"Pulling {model} … (Escape cancels)", id="pull-title")
            yield ProgressBar(total=None, id="pull-bar")
            yield Static("", id="pull-status")

    def on_mount(self) -> None:
        self.pull()

    @work(exclusive=True, group="pull", exit_on_error=False)
    async def pull(self) -> None:
        bar = self.query_one(ProgressBar)
        status = self.query_one("#pull-status", Static)
        try:
            async for progress in self.assistant.pull():
                status.update(progress.status)
                if progress.total:
                    bar.update(total=progress.total, progress=progress.completed or 0)
        except MlemodError as exc:
            self.notify(str(exc), title="Pull failed", severity="error", timeout=10)
            self.dismiss(False)
            return
        await self.assistant.check()
        self.dismiss(self.assistant.model_ready)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "pull")
        self.dismiss(False)
