"""The TUI says once, at start, that model requests leave this machine (issue 13 item 15)."""

from __future__ import annotations

import nbformat

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.ollama_backend import OllamaBackend
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE


def _notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [notice.message for notice in app._notifications]


async def test_a_remote_model_server_is_said_once_and_saved(write_notebook) -> None:
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    app.assistant = Assistant(OllamaBackend("http://gpu-box.invalid:11434", "qwen2.5-coder:7b"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        said = [n for n in _notices(app) if "not to this machine" in n]
        assert said == [
            "Model requests go to gpu-box.invalid (http://gpu-box.invalid:11434), not to this "
            "machine: each one sends it the cell's code, its traceback and values read from the kernel."
        ]
        path = app.session.save()
    recorded = nbformat.read(path, as_version=4).metadata["mlemod"]["model_server"]
    assert recorded["host"] == "http://gpu-box.invalid:11434" and recorded["loopback"] is False


async def test_a_loopback_model_server_is_not_mentioned(write_notebook) -> None:
    app = make_app(write_notebook(["1 + 1"]), autostart=False)
    app.assistant = Assistant(OllamaBackend("http://127.0.0.1:9", "qwen2.5-coder:7b"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not [n for n in _notices(app) if "not to this machine" in n]
        assert app.session.model_server is not None and app.session.model_server.loopback
