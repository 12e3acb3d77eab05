"""An out-of-order notebook: the TUI marks its cells and offers the stored execution order."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.tui.screens.confirm_screen import ConfirmScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for


def _out_of_order(tmp_path: Path) -> Path:
    first = new_code_cell("print(greeting + ' world')", execution_count=2)
    second = new_code_cell("greeting = 'hello'", execution_count=1)
    path = tmp_path / "ooo.ipynb"
    nbformat.write(new_notebook(cells=[first, second]), path)
    return path


async def test_offer_stored_order_then_run_all_succeeds(tmp_path: Path) -> None:
    seen: list[object] = []
    app = make_app(_out_of_order(tmp_path))
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await _wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot, 10)
        assert "out of order" in app.screen.question
        await pilot.click("#answer-stored")
        assert app.session.order == "stored"
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 20)
        cells = app.screen.query_one(CellList)
        assert cells.status_of(0) == "ok" and cells.status_of(1) == "ok"
        assert "hello world" in app.session.notebook.cells[0].outputs[0].text
