"""The review flow in the TUI: a crash, a proposal from the model (loopback Ollama server),
hunk-by-hunk review, apply, re-run, continue, undo."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.ollama_backend import OllamaBackend
from mlemod_tui.core.notebook import source_text
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.screens.review_screen import ReviewScreen
from mlemod_tui.tui.widgets.cell_list import CellList
from mlemod_tui.tui.widgets.verdict_bar import VerdictBar
from tests.fake_ollama import FakeOllama
from tests.tui.conftest import make_app
from tests.tui.test_app_pilot import SIZE, _completed, _kernel_ready, _wait_for, plain

CELLS = ["values = [3, 4, 5]", "mean = sum(values) / len(valuez)\nprint('mean', mean)", "print('after', mean)"]
FIX = (
    "Typo in the list's name.\n\n"
    "```python\n# cell: {cid}\nmean = sum(values) / len(values)\nprint('mean', mean)\n```\n"
)


async def test_model_proposal_reviewed_applied_rerun_and_undone(write_notebook) -> None:
    path: Path = write_notebook(CELLS)
    seen: list[object] = []
    app = make_app(path)
    cell_id = app.session.notebook.cells[1].id
    with FakeOllama(reply=FIX.format(cid=cell_id), chunk_chars=8) as server:
        app.assistant = Assistant(OllamaBackend(server.url, "qwen2.5-coder:7b"))
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await _kernel_ready(app, pilot)
            await _wait_for(lambda: app.assistant.model_ready, pilot, 10)
            await pilot.press("a")
            await _wait_for(_completed(seen), pilot, 30)
            assert app.screen.query_one(CellList).status_of(1) == "error"
            await pilot.press("e")
            assert isinstance(app.screen, ReviewScreen)
            review = app.screen
            await _wait_for(lambda: review.proposal is not None, pilot, 15)
            assert review.proposal.source == "qwen2.5-coder:7b"
            prompt = server.chat_requests()[0]["messages"][-1]["content"]
            assert "valuez" in prompt  # the failing cell reached the model
            seen.clear()
            await pilot.press("a", "ctrl+s")  # accept the hunk, apply it: the flow re-runs from it
            assert source_text(app.session.notebook.cells[1]).startswith("mean = sum(values) / len(values)")
            await _wait_for(lambda: app.screen.query_one(CellList).status_of(2) == "ok", pilot, 20)
            assert isinstance(app.screen, NotebookScreen)
            await _wait_for(lambda: "kept qwen2.5-coder:7b" in plain(app.screen.query_one(VerdictBar)), pilot, 10)
            assert "u undoes it" in plain(app.screen.query_one(VerdictBar))
            await pilot.press("u")  # undo restores the exact previous source
            assert source_text(app.session.notebook.cells[1]) == CELLS[1]
            assert app.session.journal.pending_changes() == 0


async def test_no_server_means_rules_only_and_a_clear_reason(write_notebook) -> None:
    path: Path = write_notebook(CELLS)
    seen: list[object] = []
    app = make_app(path)
    app.assistant = Assistant(OllamaBackend("http://127.0.0.1:9", "qwen2.5-coder:7b", connect_timeout=1))
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await _wait_for(lambda: app.assistant.status is not None, pilot, 10)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 30)
        await pilot.press("e")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.reason is not None, pilot, 10)
        assert "not available" in review.reason and "127.0.0.1:9" in review.reason
        await pilot.press("escape")
        assert isinstance(app.screen, NotebookScreen)
        assert source_text(app.session.notebook.cells[1]) == CELLS[1]


APPEND_CELLS = [
    "import pandas as pd\ndf = pd.DataFrame({'a': [1]})",
    "df = df.append({'a': 2}, ignore_index=True)\nprint(len(df))",
]


async def test_hunks_start_undecided_and_apply_needs_an_accepted_one(write_notebook) -> None:
    """Issue 13 item 3: ctrl+s on a fresh proposal applies nothing; `a` then ctrl+s applies."""
    path: Path = write_notebook(APPEND_CELLS)
    seen: list[object] = []
    app = make_app(path)
    app.assistant = Assistant(None)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 30)
        await pilot.press("e")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.proposal is not None, pilot, 15)
        assert all(decision is None for decision in review.decisions.values())
        assert "0 of 1 hunk(s) accepted, 1 undecided" in plain(review.query_one("#review-title", Static))
        await pilot.press("ctrl+s")  # nothing accepted yet: nothing is applied
        await pilot.pause()
        assert app.screen is review
        assert source_text(app.session.notebook.cells[1]) == APPEND_CELLS[1]
        await pilot.press("a", "ctrl+s")
        await _wait_for(lambda: isinstance(app.screen, NotebookScreen), pilot, 10)
        assert "concat" in source_text(app.session.notebook.cells[1])


SLOW_THEN_FOREST = [
    "import time\nfrom sklearn.ensemble import RandomForestClassifier\ntime.sleep(0.5)",
    "rf = RandomForestClassifier(n_estimators=2)\nrf.fit([[0], [1]], [0, 1])",
]


async def test_review_header_names_the_patched_cell(write_notebook) -> None:
    """Issue 13 item 5: a runtime proposal asked for the slowest cell (0) patches cell 1; the
    header says cell 1, and where the request came from."""
    path: Path = write_notebook(SLOW_THEN_FOREST)
    seen: list[object] = []
    app = make_app(path)
    app.assistant = Assistant(None)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 30)
        await pilot.press("b")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.proposal is not None, pilot, 15)
        assert review.proposal.patch.cell_ids() == [app.session.notebook.cells[1].id]
        title = plain(review.query_one("#review-title", Static))
        assert title.startswith("runtime-reduction · cell 1 (asked for cell 0) · from rule:")


async def test_without_a_model_the_rules_hint_is_shown(write_notebook) -> None:
    """Issue 13 item 7: no patch can be offered, but a rule recognised the crash: its id and
    its hint are on screen, not only "no offline rule matches this error"."""
    # load_boston is gone with its data: a rule recognises the crash but has no safe patch.
    app = make_app(write_notebook(["from sklearn.datasets import load_boston\nboston = load_boston()"]))
    app.assistant = Assistant(None)
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 60)
        await pilot.press("e")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.reason is not None, pilot, 15)
        shown = plain(review.query_one("#hunk-diff", Static))
        assert "sklearn-load-boston" in shown
        assert "fetch_openml" in shown
        assert "no offline rule matches" not in shown and "recognises it" in shown


async def test_a_helper_module_fix_is_reviewed_applied_and_run_from_a_fresh_kernel(write_notebook) -> None:
    """The erosion is in the notebook's own helpers.py: the review names the file, applying
    writes it (keeping helpers.py.orig) and the notebook runs again from a fresh kernel."""
    path: Path = write_notebook(["from helpers import double", "print('twice', double(21))"])
    helper = path.parent / "helpers.py"
    helper.write_text("def double(x):\n    print 'doubling'\n    return 2 * x\n")
    app = make_app(path)
    app.assistant = Assistant(None)
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _kernel_ready(app, pilot)
        await pilot.press("a")
        await _wait_for(_completed(seen), pilot, 60)
        assert app.screen.query_one(CellList).status_of(0) == "error"
        await pilot.press("e")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await _wait_for(lambda: review.proposal is not None, pilot, 15)
        assert review.proposal.patch.cell_ids() == ["file:helpers.py"]
        title = plain(review.query_one("#review-title", Static))
        assert "helper helpers.py" in title
        await pilot.press("a", "ctrl+s")
        await _wait_for(lambda: app.screen.query_one(CellList).status_of(1) == "ok", pilot, 60)
        assert "print('doubling')" in helper.read_text()
        assert "print 'doubling'" in (path.parent / "helpers.py.orig").read_text()
        await pilot.press("u")  # undo puts the author's file back
        assert "print 'doubling'" in helper.read_text()
