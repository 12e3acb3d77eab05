"""Durations: parsing budgets, stored per-cell times, and the runtime projection."""

from __future__ import annotations

import pytest

from mlemod_tui.core.runtime import (
    format_seconds,
    parse_duration,
    stored_cell_seconds,
    stored_timings,
    summarize_runtime,
)
from mlemod_tui.errors import MlemodError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("30m", 1800.0),
        ("9h", 32400.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("45", 45.0),
        ("2.5m", 150.0),
        ("1m30", 90.0),
        ("500ms", 0.5),
        ("1h0m5s", 3605.0),
        (" 30M ", 1800.0),
        ("0", 0.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "   ", "abc", "10x", "-5", "h", "1h30q", "1.2.3s", "ten minutes"])
def test_parse_duration_rejects_bad_input(text: str) -> None:
    with pytest.raises(MlemodError) as info:
        parse_duration(text)
    assert "90s" in str(info.value)  # the message shows what is accepted
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (0.0123, "0.01 s"), (4.21, "4.2 s"), (42.4, "42 s"), (185, "3m05s"), (7620, "2h07m")],
)
def test_format_seconds(seconds: float | None, text: str) -> None:
    assert format_seconds(seconds) == text


def _code(metadata: dict) -> dict:
    return {"cell_type": "code", "metadata": metadata, "source": "", "outputs": []}


def test_stored_seconds_from_nbclient_execution_metadata() -> None:
    cell = _code(
        {
            "execution": {
                "iopub.status.busy": "2021-03-04T10:00:00.000000Z",
                "iopub.execute_input": "2021-03-04T10:00:00.010000Z",
                "shell.execute_reply": "2021-03-04T10:00:12.400000Z",
                "iopub.status.idle": "2021-03-04T10:00:12.500000Z",
            }
        }
    )
    assert stored_cell_seconds(cell) == pytest.approx(12.5)


def test_stored_seconds_falls_back_to_input_and_reply() -> None:
    cell = _code(
        {
            "execution": {
                "iopub.execute_input": "2021-03-04T10:00:00+00:00",
                "shell.execute_reply": "2021-03-04T10:01:00+00:00",
            }
        }
    )
    assert stored_cell_seconds(cell) == pytest.approx(60.0)


def test_stored_seconds_from_papermill_wins() -> None:
    cell = _code(
        {
            "papermill": {"duration": 3.25, "status": "completed"},
            "execution": {
                "iopub.status.busy": "2021-03-04T10:00:00Z",
                "iopub.status.idle": "2021-03-04T10:00:09Z",
            },
        }
    )
    assert stored_cell_seconds(cell) == pytest.approx(3.25)


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"execution": {}},
        {"execution": {"iopub.status.busy": "not a time", "iopub.status.idle": "2021-03-04T10:00:00Z"}},
        {"execution": {"iopub.status.busy": "2021-03-04T10:00:09Z", "iopub.status.idle": "2021-03-04T10:00:00Z"}},
        {"papermill": {"duration": None}},
        {"papermill": {"duration": -1}},
    ],
)
def test_no_stored_seconds(metadata: dict) -> None:
    assert stored_cell_seconds(_code(metadata)) is None


def test_stored_timings_only_code_cells_with_times() -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {"papermill": {"duration": 9}}, "source": ""},
        _code({"papermill": {"duration": 2.0}}),
        _code({}),
        _code({"papermill": {"duration": 0.5}}),
    ]
    assert stored_timings(cells) == {1: 2.0, 3: 0.5}


def test_summarize_projects_remaining_with_todays_ratio() -> None:
    today = {1: 2.0, 2: 4.0}
    stored = {1: 1.0, 2: 2.0, 3: 10.0, 4: 5.0}

    summary = summarize_runtime(today, stored, remaining=[3, 4], budget=30.0)

    assert summary.total_today == pytest.approx(6.0)
    assert summary.ratio == pytest.approx(2.0)
    assert summary.projected_remaining == pytest.approx(30.0)
    assert summary.projected_total == pytest.approx(36.0)
    assert summary.over_budget  # projected 36 s > 30 s even though 6 s so far is under
    assert summary.slowest == [(2, 4.0), (1, 2.0)]


def test_summarize_without_a_common_cell_assumes_ratio_one() -> None:
    summary = summarize_runtime({1: 5.0}, {2: 3.0, 3: 4.0}, remaining=[2, 3], budget=100)
    assert summary.ratio is None
    assert summary.projected_remaining == pytest.approx(7.0)
    assert summary.projected_total == pytest.approx(12.0)
    assert not summary.over_budget


def test_summarize_unknown_projection_when_a_remaining_cell_has_no_time() -> None:
    summary = summarize_runtime({1: 5.0}, {1: 5.0, 2: 1.0}, remaining=[2, 3], budget=4.0)
    assert summary.ratio == pytest.approx(1.0)
    assert summary.projected_remaining is None and summary.projected_total is None
    assert summary.over_budget  # 5 s already spent is over a 4 s budget


def test_summarize_nothing_remaining_and_no_budget() -> None:
    summary = summarize_runtime({1: 1.0, 2: 3.0, 3: 2.0, 4: 0.5}, {}, remaining=[], slowest_count=2)
    assert summary.projected_remaining == 0.0
    assert summary.projected_total == pytest.approx(6.5)
    assert not summary.over_budget
    assert summary.slowest == [(2, 3.0), (3, 2.0)]
