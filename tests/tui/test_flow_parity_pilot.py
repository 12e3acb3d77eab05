"""Issue 11: the TUI and the headless loop drive one repair flow, so on the same notebook and
the same scripted model conversation they leave the same journal.

The conversation: the first reply makes an earlier cell fail (not further: the person undoes
it, the loop rolls it back), the second fixes the typo (verified, kept). Real kernel, real
``ollama`` client, the loopback Ollama server; the person's keys go through Textual's Pilot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.ollama_backend import OllamaBackend
from mlemod_tui.core.journal import journal_path
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_loop import repair_until_reproducible
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.screens.review_screen import ReviewScreen
from mlemod_tui.tui.widgets.verdict_bar import VerdictBar
from tests.fake_ollama import FakeOllama
from tests.test_repair_loop import GOOD_DIFF, MAKES_IT_WORSE
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for, plain

MODEL = "qwen2.5-coder:7b"
CELLS = ["values = [3, 4, 5]", "total = sum(values)\nmean = total / len(valuez)\nprint('mean:', mean)", "print('done')"]


class Conversation:
    """The model's side: first the harmful reply, then the fix (then the fix again)."""

    def __init__(self, ids: list[str]) -> None:
        self.replies = [MAKES_IT_WORSE.format(cid=ids[0]), GOOD_DIFF.format(cid=ids[1])]
        self.prompts: list[str] = []

    def __call__(self, body: dict[str, Any]) -> str:
        self.prompts.append(str(body["messages"][-1]["content"]))
        return self.replies[min(len(self.prompts), len(self.replies)) - 1]


def _journal(path: Path) -> list[tuple[str, ...]]:
    """The journal as both front ends should leave it: events, kinds, sources, diffs, reasons
    (ids and times differ by nature; ``measured`` lines depend on how often cells re-ran)."""
    entries = [json.loads(line) for line in journal_path(path).read_text().splitlines()]
    by_id = {e["id"]: e["patch"] for e in entries if "patch" in e}
    return [
        (e["event"], by_id[e["id"]]["kind"], by_id[e["id"]]["source"], by_id[e["id"]]["diff"], e.get("reason", ""))
        for e in entries
        if e["event"] != "measured"
    ]


def _write(folder: Path) -> Path:
    """The same notebook, cell ids included, in a folder of its own (each has its journal)."""
    folder.mkdir()
    path = folder / "nb.ipynb"
    cells = [{"cell_type": "code", "id": f"cell{i}", "metadata": {}, "execution_count": None,
              "outputs": [], "source": source} for i, source in enumerate(CELLS)]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


async def _headless(path: Path) -> tuple[list[tuple[str, ...]], Conversation, bool]:
    notebook = load_notebook(path)
    conversation = Conversation([c.id for c in notebook.cells])
    with FakeOllama(reply=conversation) as server:
        session = NotebookSession(notebook, kernel_name="python3", output_path=notebook.default_output_path())
        assistant = Assistant(OllamaBackend(server.url, MODEL))
        await assistant.check()
        await session.start()
        try:
            outcome = await repair_until_reproducible(session, accept="all", max_attempts=3, assistant=assistant)
        finally:
            await session.stop()
    return _journal(path), conversation, outcome.reproducible


async def _review_and_apply(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("e")
    review = app.screen
    assert isinstance(review, ReviewScreen)
    await _wait_for(lambda: review.proposal is not None, pilot, 15)
    await pilot.press("A", "ctrl+s")
    await _wait_for(lambda: isinstance(app.screen, NotebookScreen), pilot, 5)


async def _tui(path: Path) -> tuple[list[tuple[str, ...]], Conversation, str]:
    seen: list[object] = []
    app = make_app(path)
    conversation = Conversation([c.id for c in app.session.notebook.cells])
    with FakeOllama(reply=conversation) as server:
        app.assistant = Assistant(OllamaBackend(server.url, MODEL))
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await _kernel_ready(app, pilot)
            await _wait_for(lambda: app.assistant.model_ready, pilot, 10)
            await pilot.press("a")
            await _wait_for(_completed(seen), pilot, 30)
            bar = app.screen.query_one(VerdictBar)
            await _review_and_apply(app, pilot)
            await _wait_for(lambda: "not further" in plain(bar), pilot, 30)
            assert "which ran before, fails now" in plain(bar) and "u undoes it" in plain(bar)
            await pilot.press("u")  # one key: the patch that did not verify is rolled back
            await _wait_for(lambda: "kernel ≠ fresh run" in plain(bar) and "R: clean re-run" in plain(bar), pilot, 5)
            seen.clear()
            await pilot.press("R")  # one key: restart and run all in the session's order
            await _wait_for(lambda: "clean run" in plain(bar) and app.screen._run_in_progress is False, pilot, 30)
            assert "kernel ≠ fresh run" not in plain(bar)
            await _review_and_apply(app, pilot)
            await _wait_for(lambda: "kept" in plain(bar), pilot, 30)
            await _wait_for(lambda: app.screen._run_in_progress is False, pilot, 10)
            await pilot.press("R")
            await _wait_for(lambda: "clean run: all 3 code cells ran" in plain(bar), pilot, 30)
            said = plain(bar)
            assert "mean = total / len(values)" in source_text(app.session.notebook.cells[1])
    return _journal(path), conversation, said


async def test_the_tui_and_the_headless_loop_leave_the_same_journal(tmp_path: Path) -> None:
    headless, told_headless, reproducible = await _headless(_write(tmp_path / "headless"))
    tui, told_tui, said = await _tui(_write(tmp_path / "tui"))
    assert reproducible
    assert [entry[0] for entry in headless] == [
        "applied", "not verified", "undone", "rolled back", "applied", "verified"
    ]
    assert tui == headless
    # The second request told the model what went wrong with the first, in both front ends.
    for told in (told_headless, told_tui):
        assert len(told.prompts) == 2
        assert "rolled back" in told.prompts[1] and "undefined_name" in told.prompts[1]
        assert "NameError" in told.prompts[1]
