"""Dialogs answer to the keys people reach for: arrows move between the buttons."""

from __future__ import annotations

from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE

CHOICES = [("save", "Save and quit"), ("discard", "Quit without saving"), ("cancel", "Cancel")]


async def test_arrow_keys_move_between_dialog_buttons(write_notebook) -> None:
    """Issue 13 item 12: right/down move to the next button, left/up back; Enter presses the
    focused one, not the default."""
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    answers: list[str | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen("Quit?", CHOICES), answers.append)
        await pilot.pause()
        dialog = app.screen
        assert app.focused is not None and app.focused.id == "answer-save"
        await pilot.press("right")
        assert app.focused.id == "answer-discard"
        await pilot.press("down")
        assert app.focused.id == "answer-cancel"
        await pilot.press("right")  # stops at the last button rather than wrapping
        assert app.focused.id == "answer-cancel"
        await pilot.press("left", "up")
        assert app.focused.id == "answer-save"
        await pilot.press("right", "enter")
        await pilot.pause()
        assert app.screen is not dialog
    assert answers == ["discard"]
