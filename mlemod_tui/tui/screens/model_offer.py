"""Where the model is and whether it is there: said once at start, never blocking a run."""

from __future__ import annotations

from textual.app import App

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.pull_screen import PullScreen
from mlemod_tui.tui.wording import sentence


def say_where_the_model_is(app: App[object], session: NotebookSession, assistant: Assistant) -> None:
    """A model server off this machine will receive the notebook's code, tracebacks and
    kernel values. Said, not blocked (compose reaches Ollama by name)."""
    session.model_server = assistant.server
    notice = assistant.server.notice() if assistant.server else None
    if notice:
        app.notify(notice, title="Model server elsewhere", severity="warning", timeout=20)


async def check_model(app: App[object], assistant: Assistant) -> None:
    """Is Ollama there, with the model? Said once; offers the pull when the model is missing."""
    status = await assistant.check()
    if status is None:
        return
    if not status.reachable:
        app.notify(f"{sentence(status.message)} Proposals come from the offline rules.", timeout=8)
    elif not status.model_present:
        offer_pull(app, assistant, status.message)


def offer_pull(app: App[object], assistant: Assistant, message: str) -> None:
    def answered(answer: str | None) -> None:
        if answer == "pull":
            app.push_screen(PullScreen(assistant))

    app.push_screen(
        ConfirmScreen(
            f"{sentence(message)} Pull it now? Until then proposals come from the offline rules.",
            [("pull", "Pull"), ("cancel", "Not now")],
        ),
        answered,
    )
