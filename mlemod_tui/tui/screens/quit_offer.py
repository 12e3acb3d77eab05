"""Quitting with unsaved work: save first, quit anyway, or stay."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen


def ask_before_quit(app: App[object], session: NotebookSession, save: Callable[[], None]) -> ConfirmScreen:
    """Push the question and return it (the screen asks only once at a time). ``save`` saves
    and says why when it cannot; quitting follows only a save that succeeded."""

    def answered(answer: str | None) -> None:
        if answer == "save":
            save()
            if not session.dirty:
                app.exit(0)
        elif answer == "discard":
            app.exit(0)

    plan = session.save_plan()
    if plan.loses_results:  # "Save and quit" would replace more results with fewer
        question = (
            f"This session: {plan.contents()}. {plan.conflict()} Quit and keep that file? "
            "The patches stay in the journal and are offered again when you reopen the notebook."
        )
        answers = [("discard", "Quit, keep the saved file"), ("cancel", "Cancel")]
    else:
        question = f"Unsaved: {plan.contents()}. Save to {plan.path} first?"
        answers = [("save", "Save and quit"), ("discard", "Quit without saving"), ("cancel", "Cancel")]
    dialog = ConfirmScreen(question, answers)
    app.push_screen(dialog, answered)
    return dialog
