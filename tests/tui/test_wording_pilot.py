"""What the screens say reads as written: one full stop, no nested parentheses from joining."""

from __future__ import annotations

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.ollama_backend import OllamaBackend
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from tests.fake_ollama import FakeOllama
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _wait_for


def _notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [notice.message for notice in app._notifications]


async def test_unreachable_ollama_notice_has_one_full_stop(write_notebook) -> None:
    """Issue 13 item 14: "... set --ollama-host/OLLAMA_HOST.. Proposals come ..." read twice."""
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    app.assistant = Assistant(OllamaBackend("http://127.0.0.1:9", "qwen2.5-coder:7b", connect_timeout=1))
    async with app.run_test(size=SIZE) as pilot:
        app.screen.check_model()
        await _wait_for(lambda: any("offline rules" in n for n in _notices(app)), pilot, 10)
        notice = next(n for n in _notices(app) if "offline rules" in n)
        assert "OLLAMA_HOST. Proposals come from the offline rules." in notice
        assert ".." not in notice


async def test_missing_model_question_has_one_full_stop(write_notebook) -> None:
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    with FakeOllama(models=[]) as server:
        app.assistant = Assistant(OllamaBackend(server.url, "qwen2.5-coder:7b"))
        async with app.run_test(size=SIZE) as pilot:
            app.screen.check_model()
            await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 10)
            question = app.screen.question
            assert "(or press the pull key). Pull it now?" in question
            assert ".." not in question
