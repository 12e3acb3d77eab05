"""An out-of-order notebook: offer to run it in its stored execution order."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen


def offer_stored_order(app: App[object], session: NotebookSession, on_changed: Callable[[], None]) -> None:
    """Ask once, when the order report found problems; ``on_changed`` after a switch."""
    report = session.order_report
    if not report.out_of_order:
        return

    def answered(answer: str | None) -> None:
        if answer == "stored":
            session.order = "stored"
            on_changed()
            app.notify("Run all now follows the stored execution order (O switches back).")

    first = report.problems[0].message
    app.push_screen(
        ConfirmScreen(
            f"This notebook was run out of order ({first}; {len(report.problems)} problem(s)). "
            "Run all in the stored execution order?",
            [("stored", "Stored order"), ("cancel", "Top-down")],
        ),
        answered,
    )


def toggle_order(session: NotebookSession) -> str:
    """Switch between stored and top-down order; the new order's name."""
    session.order = "top-down" if session.order == "stored" else "stored"
    return session.order
