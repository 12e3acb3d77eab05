"""The repair loop on the samples, answered by recorded replies of a real model.

tests/fake_ollama.py replays what Qwen2.5-Coder 1.5B really answered to these prompts
(tests/fixtures/model_replies/, recorded by benchmarks/record_model_replies.py). Whatever the
replies, the loop must never leave a notebook worse than it found it: every cell that ran
before the loop runs in a fresh kernel on the saved notebook, and a notebook gets no NameError
it did not have (the 1.5B model deleted `threshold = ...` from needs_the_model_wine_features
in 5 of 5 live runs, and the loop kept it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks.record_model_replies import ModelOnly
from mlemod_tui.assist.ollama_backend import OllamaBackend
from mlemod_tui.cli import main
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.kernel import choose_kernel
from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_loop import repair_until_reproducible
from tests.fake_ollama import (
    FakeOllama,
    ReplayReplies,
    load_recorded_replies,
)

SAMPLES = Path(__file__).resolve().parents[1] / "sample_notebooks"
MODEL = "qwen2.5-coder:1.5b"
RECORDED = load_recorded_replies(model=MODEL)

# Samples where `--accept all` may ask the model (no rule fixes all of it), with the flags
# outcomes.json runs them with. Rules come first there, so the model-only tests below are the
# ones that make every recorded crash reply drive the loop.
ASKS_THE_MODEL = {
    "needs_the_model_wine_features.ipynb": [],
    "out_of_order_bike_rentals.ipynb": [],
    "runtime_over_budget_digits_forest.ipynb": ["--budget", "1s"],
}


def _copy_samples(into: Path) -> None:
    for item in SAMPLES.iterdir():
        if item.suffix in (".ipynb", ".csv") and ".modernized" not in item.name:
            shutil.copy(item, into / item.name)


def _run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    capsys.readouterr()
    main([*argv, "--quiet", "--json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def _cells(report: dict[str, Any], status: str = "ok") -> set[int]:
    return {c["index"] for c in report["cells"] if c["status"] == status}


def _names_not_defined(report: dict[str, Any]) -> set[str]:
    return {
        c["error"]["evalue"]
        for c in report["cells"]
        if c["error"] is not None and c["error"]["ename"] == "NameError"
    }


def _fresh_run(capsys: pytest.CaptureFixture[str], saved: Path, flags: list[str]) -> dict[str, Any]:
    """The saved notebook from a new kernel, top to bottom: what the user takes away."""
    again = saved.with_name(saved.stem + ".again.ipynb")
    return _run_json(capsys, ["run", str(saved), "--output", str(again), *flags])


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(ASKS_THE_MODEL))
def test_recorded_replies_never_break_a_cell_that_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    _copy_samples(tmp_path)
    path, flags = tmp_path / name, ASKS_THE_MODEL[name]
    before = _run_json(capsys, ["run", str(path), "--output", str(tmp_path / "before.ipynb"), *flags])
    replay = ReplayReplies(RECORDED)
    with FakeOllama(reply=replay, models=[MODEL]) as server:
        after = _run_json(
            capsys,
            ["run", str(path), "--accept", "all", "--ollama-host", server.url, "--model", MODEL,
             "--max-attempts", "4", *flags],
        )
        asked = len(server.chat_requests())
    assert not asked or replay.used, f"no recorded reply was replayed ({replay.misses})"
    fresh = _fresh_run(capsys, Path(after["output"]), flags)
    broken = _cells(before) - _cells(fresh)
    assert not broken, f"cells that ran before the loop fail after it: {sorted(broken)}"
    if after.get("reproducible"):
        assert fresh["succeeded"], "reproducible, but a fresh run of the saved notebook fails"


async def _model_only_loop(
    folder: Path, name: str, replay: ReplayReplies, attempts: int = 3
) -> tuple[RunResult, RunResult, ReplayReplies]:
    """The first run, and a fresh run after the loop, rules silenced, the model replayed."""
    with FakeOllama(reply=replay, models=[MODEL]) as server:
        notebook = load_notebook(folder / name)
        session = NotebookSession(
            notebook,
            kernel_name=choose_kernel(None, notebook.kernel_name()),
            output_path=folder / (name + ".out.ipynb"),
            budget=parse_duration(ASKS_THE_MODEL[name][1]) if ASKS_THE_MODEL.get(name) else None,
        )
        assistant = ModelOnly(OllamaBackend(server.url, MODEL))
        await assistant.check()
        await session.start()
        try:
            await session.probe_environment()
            first = await session.run_all()
            await repair_until_reproducible(session, accept="all", max_attempts=attempts, assistant=assistant)
            await session.restart()
            fresh = await session.run_all()
        finally:
            await session.stop()
    return first, fresh, replay


def _ok(result: RunResult) -> set[int]:
    return {run.index for run in result.runs if run.status == "ok"}


def _name_errors(result: RunResult) -> set[str]:
    return {r.error.evalue for r in result.runs if r.error is not None and r.error.ename == "NameError"}


MODEL_ASKED = sorted({r.notebook for r in RECORDED if r.kind == "error-repair"})


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", MODEL_ASKED)
async def test_model_only_repairs_never_break_a_cell_that_ran(tmp_path: Path, name: str) -> None:
    """Rules silenced: the recorded replies for every crash drive the loop, whatever they say."""
    _copy_samples(tmp_path)
    first, fresh, replay = await _model_only_loop(tmp_path, name, ReplayReplies(RECORDED))
    assert replay.used, f"no recorded reply was replayed ({replay.misses})"
    broken = _ok(first) - _ok(fresh)
    assert not broken, f"cells that ran before fail after: {sorted(broken)}"


@pytest.mark.timeout(900)
async def test_wine_features_never_ends_with_a_new_name_error(tmp_path: Path) -> None:
    """Each recorded reply for it served first in turn, rules silenced, through the loop."""
    name = "needs_the_model_wine_features.ipynb"
    replies = [r for r in RECORDED if r.notebook == name and r.kind == "error-repair"]
    assert len(replies) >= 3
    for turn in range(len(replies)):
        folder = tmp_path / f"turn-{turn}"
        folder.mkdir()
        _copy_samples(folder)
        replay = ReplayReplies(replies[turn:] + replies[:turn], in_order=True)
        first, fresh, replay = await _model_only_loop(folder, name, replay)
        assert replay.used and replay.used[0] is replies[turn]
        assert first.first_failure is not None  # the sample crashes (KeyError) until repaired
        new = _name_errors(fresh) - _name_errors(first)
        assert not new, f"turn {turn}: {new} after {[r.path.name for r in replay.used]}"
        assert not (_ok(first) - _ok(fresh))


@pytest.mark.timeout(900)
async def test_a_crash_fix_does_not_trade_one_name_error_for_another(tmp_path: Path) -> None:
    """The recorded 1.5B reply defines `model = Ridge()` and calls train_test_split(X, y):
    "name 'model' is not defined" traded for "name 'X' is not defined" is not progress."""
    name = "out_of_order_bike_rentals.ipynb"
    _copy_samples(tmp_path)
    first, fresh, replay = await _model_only_loop(tmp_path, name, ReplayReplies(RECORDED))
    assert replay.used
    assert _name_errors(fresh) <= _name_errors(first)
