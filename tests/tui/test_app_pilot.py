"""Pilot tests of the TUI with a real kernel: what a user does, what the screen shows."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from rich.console import Console
from textual.widgets import Static

from mlemod_tui.tui.messages import (
    CellRunFinished,
    CellRunStarted,
    KernelDeathReported,
    RunCompleted,
)
from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.screens.help_screen import HelpScreen
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.widgets.kernel_bar import KernelBar
from tests.tui.conftest import make_app

SIZE = (160, 48)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain(widget: Static) -> str:
    """What a Static shows, as plain text (Rich tables included)."""
    console = Console(width=200, color_system=None)
    with console.capture() as captured:
        console.print(widget.content)
    return captured.get()


def _outputs_text(app) -> str:  # type: ignore[no-untyped-def]
    return plain(app.screen.query_one("#cell-outputs", Static))


def _kernel_bar_text(app) -> str:  # type: ignore[no-untyped-def]
    return plain(app.screen.query_one(KernelBar))


async def _wait_for(condition: Callable[[], bool], pilot, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def _completed(seen: list[object]) -> Callable[[], bool]:
    return lambda: any(isinstance(m, RunCompleted) for m in seen)


async def _kernel_ready(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await _wait_for(lambda: app.session.kernel.state == "idle", pilot)


async def test_run_all_selects_failing_cell_and_shows_traceback(sample_copy) -> None:
    path = sample_copy("house_prices_linear.ipynb")
    before = _digest(path)
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 60)
        await pilot.pause(0.2)
        cells = app.screen.query_one(CellList)
        crash = next(i for i, c in enumerate(app.session.notebook.cells) if "df.ix" in c.source)
        assert cells.selected_index == crash
        assert cells.status_of(crash) == "error"
        assert cells.status_of(crash + 1) == "skipped"
        text = _outputs_text(app)
        assert "AttributeError" in text and "ix" in text
        # the message chain the screen went through, in order
        kinds = [type(m).__name__ for m in seen if isinstance(m, CellRunStarted | CellRunFinished | RunCompleted)]
        assert kinds[0] == "CellRunStarted" and kinds[-1] == "RunCompleted"
        assert "python3 idle" in _kernel_bar_text(app)
    assert _digest(path) == before


async def test_interrupt_a_long_cell(write_notebook) -> None:
    path = write_notebook(["import time\nprint('sleeping', flush=True)\ntime.sleep(60)", "print('after')"])
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(lambda: "sleeping" in _outputs_text(app), pilot)
        await pilot.press("i")
        await _wait_for(_completed(seen), pilot, 10)
        await pilot.pause(0.1)
        cells = app.screen.query_one(CellList)
        assert cells.status_of(0) == "interrupted"
        assert cells.status_of(1) == "skipped"
        assert "KeyboardInterrupt" in _outputs_text(app)


async def test_kernel_death_is_shown_and_restart_recovers(write_notebook) -> None:
    path = write_notebook(["x = 41", "import os\nos._exit(1)", "print(x + 1)"])
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(lambda: any(isinstance(m, KernelDeathReported) for m in seen), pilot, 10)
        await _wait_for(lambda: "dead" in _kernel_bar_text(app), pilot, 5)
        assert app.screen.query_one(CellList).status_of(1) == "died"
        assert "K to restart" in _kernel_bar_text(app)
        # the way on: restart (asks first), then the kernel is idle again
        await pilot.press("K")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#answer-restart")
        await _wait_for(lambda: app.session.kernel.state == "idle", pilot, 20)
        assert isinstance(app.screen, NotebookScreen)


async def test_save_writes_output_and_leaves_original(sample_copy) -> None:
    path = sample_copy("clean_iris.ipynb")
    before = _digest(path)
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 60)
        assert app.session.dirty
        await pilot.press("s")
        await pilot.pause(0.1)
        assert not app.session.dirty
    output = path.with_name("clean_iris.modernized.ipynb")
    saved = nbformat.read(output, as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert all("iopub.status.busy" in c.metadata.get("execution", {}) for c in code)
    assert _digest(path) == before


async def test_help_lists_every_key_and_quit_asks_when_unsaved(write_notebook) -> None:
    path = write_notebook(["print('hello')"])
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(plain(w) for w in app.screen.query(Static))
        for word in ("Run cell", "Run all", "Interrupt", "Restart", "Save", "Quit", "^p"):
            assert word.lower() in shown.lower()
        await pilot.press("escape")
        assert isinstance(app.screen, NotebookScreen)
        await pilot.press("r")
        await _wait_for(_completed(seen), pilot, 10)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)  # unsaved work: asks
        await pilot.press("escape")
        assert isinstance(app.screen, NotebookScreen)
        assert app.is_running


async def test_keys_answer_while_a_cell_floods_output(write_notebook) -> None:
    path = write_notebook(["for i in range(100000):\n    print(i)", "print('done')"])
    seen: list[object] = []
    app = make_app(path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(lambda: app.screen.query_one(CellList).status_of(0) == "running", pilot)
        await pilot.press("o")  # toggling outputs is answered mid-flood
        assert not app.screen.query_one("#cell-view").show_outputs
        await pilot.press("o")
        await _wait_for(_completed(seen), pilot, 60)
        await pilot.pause(0.2)
        text = _outputs_text(app)
        assert "99999" in text and "earlier lines hidden" in text
    saved_cells = app.session.notebook.cells
    assert saved_cells[0].outputs[0].text.count("\n") == 100000  # the notebook keeps it all


@pytest.mark.parametrize("theme", ["mlemod-light", "mlemod-high-contrast", "nord"])
async def test_themes_load(write_notebook, theme: str) -> None:
    path = write_notebook(["1 + 1"])
    app = make_app(path, theme=theme, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == theme
