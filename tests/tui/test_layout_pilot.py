"""Small terminals (issue 13 item 11): the source and a failing cell's traceback stay on screen,
the side panels give way to a summary line (v shows them), and the review keys fit."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tests.tui.test_app_pilot import plain
from tests.tui.test_snapshots import _crash, _frozen_app, _review

SMALL = [(80, 24), (100, 30)]


def _visible(app, selector: str) -> bool:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    region = widget.region
    return widget.display and region.width > 0 and region.height > 0 and app.screen.region.contains_region(region)


def _footer_actions(app) -> set[str]:  # type: ignore[no-untyped-def]
    """The footer keys drawn wholly inside the screen."""
    footer = app.screen.query_one(Footer)
    width = app.screen.region.width
    return {key.action for key in footer.query(FooterKey) if 0 < key.region.width and key.region.right <= width}


@pytest.mark.parametrize("size", SMALL)
async def test_crash_shows_source_and_traceback_and_the_panels_give_way(tmp_path: Path, size: tuple[int, int]) -> None:
    app = _frozen_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await _crash(pilot)
        assert app.screen.query_one("#cell-view").region.width >= 40
        assert _visible(app, "#source-scroll") and _visible(app, "#output-scroll")
        outputs = app.screen.query_one("#output-scroll")
        assert outputs.scroll_y == outputs.max_scroll_y  # the exception's own line is in view
        assert not app.screen.query_one("#side").display
        summary = plain(app.screen.query_one("#panel-summary"))
        assert "time 2.9 s of 1m00s" in summary and "r2 0.851" in summary
        assert {"run_cell", "run_all", "propose_repair", "undo", "save", "help", "quit"} <= _footer_actions(app)
        await pilot.press("v")  # the panels take the cell list's place; the source keeps room
        await pilot.pause()
        assert _visible(app, "#runtime-panel") and _visible(app, "#score-panel")
        assert not app.screen.query_one("#cell-list").display
        assert app.screen.query_one("#cell-view").region.width >= 40
        await pilot.press("v")
        await pilot.pause()
        assert app.screen.query_one("#cell-list").display and not app.screen.query_one("#side").display


@pytest.mark.parametrize("size", SMALL)
async def test_review_keys_fit(tmp_path: Path, size: tuple[int, int]) -> None:
    app = _frozen_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await _review(pilot)
        assert {"accept", "reject", "apply", "cancel"} <= _footer_actions(app)
        assert app.screen.query_one("#hunk-view").region.width >= 40


async def test_wide_terminal_keeps_the_panels_and_v_hides_them(tmp_path: Path) -> None:
    app = _frozen_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await _crash(pilot)
        assert _visible(app, "#side") and not app.screen.query_one("#panel-summary").display
        await pilot.press("v")
        await pilot.pause()
        assert not app.screen.query_one("#side").display
