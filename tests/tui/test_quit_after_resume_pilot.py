"""After a resume with nothing run, `q` says what a save would hold, and "Save and quit" never
replaces a file holding today's results with one holding fewer (issue 13 item 8)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _wait_for, plain
from tests.tui.test_predictions_pilot import _journaled_fix


async def _executed_save(path: Path) -> Path:
    """An earlier session that ran every cell and saved."""
    notebook = load_notebook(path)
    session = NotebookSession(notebook, kernel_name="python3", output_path=notebook.default_output_path())
    await session.start()
    try:
        await session.run_all()
    finally:
        await session.stop()
    return session.save()


async def _resume_then_quit(app, pilot) -> ConfirmScreen:  # type: ignore[no-untyped-def]
    await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 10)
    offer = app.screen
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.click("#answer-resume")
    await _wait_for(lambda: app.screen is not offer, pilot, 5)
    await pilot.press("q")
    await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 5)
    return app.screen


async def test_quit_after_resume_keeps_the_executed_save(tmp_path: Path) -> None:
    path = _journaled_fix(tmp_path)
    saved = await _executed_save(path)
    before = saved.read_bytes()
    app = make_app(path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _resume_then_quit(app, pilot)
        question = " ".join(plain(dialog.query_one("#confirm-question", Static)).split())
        assert question.startswith(
            "This session: 1 patch(es) applied; no cell run today, so the outputs are the "
            f"original's stored ones. {saved} holds today's results of 2 cell(s) (saved "
        )
        assert "saving would replace them with fewer" in question
        assert [b.id for b in dialog.query(Button)] == ["answer-discard", "answer-cancel"]
        await pilot.press("escape")
        await pilot.press("s")  # the save key refuses too, and says why
        await pilot.pause()
        assert any("replace them with fewer" in n.message for n in app._notifications)
        await pilot.press("q")
        await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 5)
        await pilot.click("#answer-discard")
        await pilot.pause()
    assert saved.read_bytes() == before
    assert app.session.journal.pending_changes() == 1  # the patch is offered again next time


async def test_quit_after_resume_without_an_earlier_save_says_what_it_would_save(tmp_path: Path) -> None:
    path = _journaled_fix(tmp_path)
    app = make_app(path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _resume_then_quit(app, pilot)
        question = " ".join(plain(dialog.query_one("#confirm-question", Static)).split())
        assert question == (
            "Unsaved: 1 patch(es) applied; no cell run today, so the outputs are the original's "
            f"stored ones. Save to {app.session.output_path} first?"
        )
        await pilot.click("#answer-save")
        await pilot.pause()
    assert app.session.output_path.is_file()
