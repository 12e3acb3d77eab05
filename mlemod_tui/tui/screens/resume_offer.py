"""The offer made on open when an earlier session left a journal of applied patches."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from mlemod_tui.core.history import AppliedPatch
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen


def offer_resume(
    app: App[object], session: NotebookSession, on_replayed: Callable[[list[AppliedPatch]], None]
) -> None:
    """Ask: resume the journal's patches, start fresh (the journal is kept aside), or later.
    ``on_replayed`` gets the patches now applied, for the screen to show."""
    pending = session.journal.pending_changes()

    def answered(answer: str | None) -> None:
        if answer == "resume":
            result = session.resume_journal()
            on_replayed(list(session.history.applied))
            note = f"; {len(result.skipped)} skipped: {result.skipped[0]}" if result.skipped else ""
            app.notify(f"Resumed {result.replayed} patch(es) from the journal{note}.", timeout=8)
        elif answer == "fresh":
            archived = session.journal.archive()
            app.notify(f"Started fresh; the old journal is kept as {archived}.", timeout=6)

    app.push_screen(
        ConfirmScreen(
            f"This notebook has a journal of {pending} applied patch(es) from an earlier "
            "session. Resume them?",
            [("resume", "Resume"), ("fresh", "Start fresh"), ("cancel", "Decide later")],
        ),
        answered,
    )
