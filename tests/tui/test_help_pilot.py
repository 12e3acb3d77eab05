"""Help is built from every screen's bindings, and the run order shows where it stays."""

from __future__ import annotations

from textual.widgets import Static

from mlemod_tui.tui.screens.help_screen import HelpScreen
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _kernel_bar_text, plain


def _help_text(app) -> str:  # type: ignore[no-untyped-def]
    return " ".join(plain(widget) for widget in app.screen.query(Static))


async def test_help_lists_every_screens_keys_and_the_order_in_force(write_notebook) -> None:
    """Issue 13 item 13: the review, edit and dialog keys are in help; `a` is described by the
    order it follows now; the kernel bar shows that order all the time, not in a toast."""
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "run all: top-down" in _kernel_bar_text(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = _help_text(app)
        for words in ("Accept hunk", "Reject all", "Ask model", "^s", "Keep edit", "^q", "^c", "←"):
            assert words in text, words
        assert "every code cell from the top" in text and "every code cell in the stored" not in text
        await pilot.press("escape", "O")
        assert "run all: stored order" in _kernel_bar_text(app)
        await pilot.press("question_mark")
        text = _help_text(app)
        assert "every code cell in the stored" in text and "every code cell from the top" not in text
