"""Dialogs answer to the keys people reach for: arrows move between the buttons."""

from __future__ import annotations

from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for

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


async def test_one_quit_that_asks_from_palette_ctrl_q_and_ctrl_c(write_notebook) -> None:
    """Issue 13 item 9: the palette lists one Quit; it, ctrl+q and ctrl+c all ask when today's
    results are unsaved, instead of Textual's built-in quit that exits at once."""
    app = make_app(write_notebook(["print('hello')"]))
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("r")
        await _wait_for(_completed(seen), pilot, 20)
        assert app.session.dirty
        quits = [c for c in app.get_system_commands(app.screen) if c.title.lower() == "quit"]
        assert len(quits) == 1
        quits[0].callback()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        for key in ("ctrl+q", "ctrl+c"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen), key
            await pilot.press(key)  # asked twice: still one question on screen
            assert len([s for s in app.screen_stack if isinstance(s, ConfirmScreen)]) == 1
            await pilot.press("escape")
            assert isinstance(app.screen, NotebookScreen)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.click("#answer-discard")
        await pilot.pause()
    assert not app.is_running
