"""NotebookRunner on a real kernel: statuses, stopping at the first failure, partial runs,
stored outputs (checked against what nbclient stores for the same cells) and timings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
import pytest_asyncio
from nbclient import NotebookClient
from nbformat.v4 import new_output

from mlemod_tui.core.execution import (
    CellOutput,
    KernelDied,
    NotebookRunner,
    RunEvent,
    RunFinished,
)
from mlemod_tui.core.kernel import KernelSession, StreamText
from mlemod_tui.core.notebook import Notebook, load_notebook
from mlemod_tui.core.outputs import collapse_progress
from mlemod_tui.core.runtime import stored_cell_seconds
from mlemod_tui.errors import KernelDiedError

shared_loop = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runner")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(folder: Path) -> AsyncIterator[KernelSession]:
    async with KernelSession(cwd=folder) as kernel:
        yield kernel


def load(make_notebook: Any, folder: Path, cells: list[Any], name: str) -> Notebook:
    return load_notebook(make_notebook(folder, cells, name=name))


def plain(outputs: list[Any]) -> list[dict[str, Any]]:
    return json.loads(json.dumps(outputs))


class Recorder:
    def __init__(self) -> None:
        self.events: list[RunEvent] = []

    def __call__(self, event: RunEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events if not isinstance(e, CellOutput)]


# --------------------------------------------------------------------------- run_all


@shared_loop
async def test_run_all_on_a_clean_notebook(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(
        make_notebook,
        folder,
        [("markdown", "# intro"), "x = 20", "print('x is', x)", "x * 2 + 2"],
        "clean.ipynb",
    )
    recorder = Recorder()
    runner = NotebookRunner(nb, shared, on_event=recorder)

    result = await runner.run_all()

    assert result.succeeded and result.first_failure is None
    assert [r.index for r in result.runs] == [1, 2, 3]
    assert [r.status for r in result.runs] == ["ok", "ok", "ok"]
    counts = [r.execution_count for r in result.runs]
    assert counts == list(range(counts[0], counts[0] + 3))
    assert nb.cells[2].outputs == [new_output("stream", name="stdout", text="x is 20\n")]
    assert nb.cells[3].outputs[0].data["text/plain"] == "42"
    assert nb.cells[3].outputs[0].execution_count == counts[2]
    assert [c.get("execution_count") for c in nb.cells[1:]] == counts
    assert "outputs" not in nb.cells[0]
    assert recorder.kinds() == ["CellStarted", "CellFinished"] * 3 + ["RunFinished"]
    assert any(isinstance(e, CellOutput) and e.index == 2 for e in recorder.events)
    assert result.verdict().startswith("all 3 code cells ran")
    assert result.to_json()["succeeded"] is True
    nbformat.validate(nb.node)


@shared_loop
async def test_crash_stops_at_the_failing_cell(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(
        make_notebook,
        folder,
        ["import json\ncrash_a = 1", "json.loads('{broken')", "crash_b = 2", ("markdown", "end"), "print('never')"],
        "crash.ipynb",
    )
    for index in (2, 4):  # stale outputs from the original run must not survive
        nb.cells[index].outputs = [new_output("stream", name="stdout", text="old\n")]
        nb.cells[index].execution_count = 7
    recorder = Recorder()

    result = await NotebookRunner(nb, shared, on_event=recorder).run_all()

    assert not result.succeeded
    assert [r.status for r in result.runs] == ["ok", "error", "skipped", "skipped"]
    failure = result.first_failure
    assert failure is not None and failure.index == 1
    assert failure.error is not None and failure.error.ename == "JSONDecodeError"
    assert "Expecting property name" in failure.error.evalue
    assert nb.cells[1].outputs[-1].output_type == "error"
    for index in (2, 4):
        assert nb.cells[index].outputs == []
        assert nb.cells[index].execution_count is None
    found = await shared.evaluate_silently("", {"a": "crash_a", "b": "crash_b"})
    assert found == {"a": "1", "b": None}  # nothing after the crash ran
    assert result.verdict().startswith("cell 1 failed with JSONDecodeError; 1 of 4 code cells ran before it")
    report = result.to_json()
    assert report["first_failure"] == 1
    assert report["cells"][1]["error"] == {"ename": "JSONDecodeError", "evalue": failure.error.evalue}
    assert isinstance(recorder.events[-1], RunFinished)


@shared_loop
async def test_raises_exception_tag_marks_an_expected_error(
    shared: KernelSession, make_notebook, folder: Path
) -> None:
    nb = load(
        make_notebook,
        folder,
        [("code", "raise ValueError('on purpose')", {"tags": ["raises-exception"]}), "tagged_after = 1"],
        "tagged.ipynb",
    )
    result = await NotebookRunner(nb, shared).run_all()

    assert [r.status for r in result.runs] == ["ok", "ok"]
    assert result.succeeded
    assert nb.cells[0].outputs[0].ename == "ValueError"


# --------------------------------------------------------------------------- partial runs


@shared_loop
async def test_run_from_run_to_and_run_cell(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(
        make_notebook,
        folder,
        [
            ("markdown", "start"),
            "trace = []",
            "trace.append(1)",
            ("markdown", "middle"),
            "trace.append(2)",
            "trace.append(3)",
        ],
        "partial.ipynb",
    )
    runner = NotebookRunner(nb, shared)

    async def trace() -> str:
        return (await shared.evaluate_silently("", {"t": "trace"}))["t"]

    result = await runner.run_to(2)
    assert [r.index for r in result.runs] == [1, 2]
    assert await trace() == "[1]"
    assert runner.runs[4].status == "pending"

    result = await runner.run_from(3)  # a markdown index: from the next code cell on
    assert [r.index for r in result.runs] == [4, 5]
    assert await trace() == "[1, 2, 3]"

    result = await runner.run_cell(2)
    assert [r.index for r in result.runs] == [2]
    assert await trace() == "[1, 2, 3, 1]"

    result = await runner.run_cell(0)  # markdown: nothing to run
    assert result.runs == [] and result.succeeded
    assert all(runner.runs[i].status == "ok" for i in (1, 2, 4, 5))


# --------------------------------------------------------------------------- stored outputs


COMPARED_CELLS = [
    "import sys, time\nfrom IPython.display import display, HTML, clear_output",
    "for i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)",
    "for i in range(0, 101, 25):\n    print(f'\\rprogress {i:3d}%', end='', flush=True)\n"
    "    time.sleep(0.05)\nprint()\nprint('done')",
    "print('x\\ry')\nprint('a\\r\\nb')",
    "for i in range(3):\n    print('warn', i, file=sys.stderr, flush=True)\n    time.sleep(0.05)",
    "display(HTML('<b>bold</b>'))\n'result'",
    "for i in range(3):\n    clear_output(wait=True)\n    print('step', i, flush=True)\n    time.sleep(0.02)",
    "for i in range(30000):\n    print(i)",
    "h = display({'text/plain': 'v1'}, raw=True, display_id=True)\nh.update({'text/plain': 'v2'}, raw=True)",
    "{}['missing']",
]


async def test_stored_outputs_match_nbclient(make_notebook, tmp_path: Path) -> None:
    """Same cells, fresh kernels: our stored outputs equal nbclient's (coalesce_streams=True)."""
    path = make_notebook(tmp_path, COMPARED_CELLS, name="compare.ipynb")

    ours = load_notebook(path)
    async with KernelSession(cwd=tmp_path) as kernel:
        result = await NotebookRunner(ours, kernel).run_all()
    assert result.first_failure is not None and result.first_failure.index == len(COMPARED_CELLS) - 1

    theirs = nbformat.read(str(path), as_version=4)
    client = NotebookClient(
        theirs,
        kernel_name="python3",
        coalesce_streams=True,
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    await client.async_execute()

    for index, (mine, nbclients) in enumerate(zip(ours.cells, theirs.cells, strict=True)):
        assert plain(mine.outputs) == plain(nbclients.outputs), f"cell {index} differs"
        assert mine.execution_count == nbclients.execution_count
    assert ours.cells[2].outputs[0].text == "progress 100%\ndone\n"
    assert ours.cells[3].outputs[0].text == "y\na\r\nb\n"
    assert len(ours.cells[7].outputs) == 1  # a flood of chunks is one stored output


@shared_loop
async def test_backspaces_collapse_and_interleaving_is_kept(
    shared: KernelSession, make_notebook, folder: Path
) -> None:
    """Where nbclient differs (its backspace loop never runs; it merges every stream of a
    name into the first), we store what Jupyter shows: collapsed text, outputs in order."""
    nb = load(
        make_notebook,
        folder,
        [
            "print('abc\\b\\bXY')",
            "from IPython.display import display\nprint('before', flush=True)\n"
            "display({'text/plain': 'picture'}, raw=True)\nprint('after')",
        ],
        "differs.ipynb",
    )
    await NotebookRunner(nb, shared).run_all()

    assert nb.cells[0].outputs[0].text == "aXY\n"
    assert [(o.output_type, o.get("text")) for o in nb.cells[1].outputs] == [
        ("stream", "before\n"),
        ("display_data", None),
        ("stream", "after\n"),
    ]


def test_collapse_progress() -> None:
    assert collapse_progress("10%\r50%\r100%\n") == "100%\n"
    assert collapse_progress("line\r\nnext") == "line\r\nnext"
    assert collapse_progress("ab\bc") == "ac"
    assert collapse_progress("abc\b\b\bxyz") == "xyz"
    assert collapse_progress("epoch 1\n50%\b\b\b60%\n") == "epoch 1\n60%\n"
    # words around a backspace are not touched (a \b regex would mean a word boundary)
    assert collapse_progress("keep these words\nx\by\n") == "keep these words\ny\n"
    assert collapse_progress("keep\n\b") == "keep\n\b"
    assert collapse_progress("plain text\n") == "plain text\n"


@shared_loop
async def test_timing_metadata_is_written(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(make_notebook, folder, ["import time\ntime.sleep(0.2)"], "timed.ipynb")

    result = await NotebookRunner(nb, shared).run_all()

    run = result.runs[0]
    assert run.seconds is not None and run.seconds >= 0.2
    execution = nb.cells[0].metadata["execution"]
    assert set(execution) == {
        "iopub.status.busy",
        "iopub.execute_input",
        "shell.execute_reply",
        "iopub.status.idle",
    }
    stamps = [datetime.fromisoformat(execution[k].replace("Z", "+00:00")) for k in execution]
    assert all(stamp.tzinfo is not None for stamp in stamps)
    assert execution["iopub.status.busy"].endswith("Z")
    assert stored_cell_seconds(nb.cells[0]) == pytest.approx(run.seconds, abs=1e-3)
    nbformat.validate(nb.node)


# --------------------------------------------------------------------------- interrupt, timeout, death


@shared_loop
async def test_runner_interrupt(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(
        make_notebook,
        folder,
        ["spin_before = 1", "print('spinning', flush=True)\nwhile True:\n    pass", "spin_after = 1"],
        "spin.ipynb",
    )
    spinning = asyncio.Event()

    def listen(event: RunEvent) -> None:
        if isinstance(event, CellOutput) and isinstance(event.event, StreamText):
            spinning.set()

    runner = NotebookRunner(nb, shared, on_event=listen)
    task = asyncio.create_task(runner.run_all())
    await asyncio.wait_for(spinning.wait(), 10)
    await runner.interrupt()
    result = await asyncio.wait_for(task, 10)

    spin = result.runs[1]
    detail = (spin.error, plain(spin.outputs))
    assert [r.status for r in result.runs] == ["ok", "interrupted", "skipped"], detail
    assert result.interrupted and not result.succeeded
    assert result.verdict().startswith("interrupted")
    assert (await shared.evaluate_silently("", {"a": "spin_after"}))["a"] is None


@shared_loop
async def test_cell_timeout(shared: KernelSession, make_notebook, folder: Path) -> None:
    nb = load(
        make_notebook, folder, ["import time\ntime.sleep(30)", "timeout_after = 1"], "slow.ipynb"
    )
    result = await asyncio.wait_for(NotebookRunner(nb, shared, cell_timeout=0.5).run_all(), 10)

    assert [r.status for r in result.runs] == ["timeout", "skipped"]
    failure = result.first_failure
    assert failure is not None and failure.error is not None
    assert failure.error.ename == "CellTimeoutError"
    assert "0.5 s" in failure.error.evalue
    assert "timed out" in result.verdict()


@shared_loop
async def test_cancelled_run_marks_cells_and_kernel_stays_usable(
    shared: KernelSession, make_notebook, folder: Path
) -> None:
    nb = load(
        make_notebook,
        folder,
        ["import time\nprint('sleeping', flush=True)\ntime.sleep(30)", "cancel_after = 1"],
        "cancel.ipynb",
    )
    started = asyncio.Event()
    recorder = Recorder()

    def listen(event: RunEvent) -> None:
        recorder(event)
        if isinstance(event, CellOutput):
            started.set()

    runner = NotebookRunner(nb, shared, on_event=listen)
    task = asyncio.create_task(runner.run_all())
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert [runner.runs[i].status for i in (0, 1)] == ["interrupted", "skipped"]
    finished = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert len(finished) == 1 and finished[0].result.interrupted
    # The abandoned cell still sleeps in the kernel: interrupt it. A request sent at once is
    # usually dropped by ipykernel (queued behind the interrupted one): that must read as
    # such, not as a generic error; and late messages of the old request must not leak.
    await shared.interrupt()
    nb2 = load(make_notebook, folder, ["print('next cell')"], "after-cancel.ipynb")
    runner2 = NotebookRunner(nb2, shared)
    result = await asyncio.wait_for(runner2.run_all(), 10)
    if not result.succeeded:
        failure = result.first_failure
        assert failure is not None and failure.error is not None
        assert failure.error.ename == "ExecutionAborted"
        assert nb2.cells[0].outputs == []
        result = await asyncio.wait_for(runner2.run_all(), 10)
    assert result.succeeded
    assert plain(nb2.cells[0].outputs) == [{"output_type": "stream", "name": "stdout", "text": "next cell\n"}]


async def test_kernel_death_in_a_run(make_notebook, tmp_path: Path) -> None:
    nb = load(make_notebook, tmp_path, ["died_before = 1", "import os\nos._exit(1)", "died_after = 1"], "die.ipynb")
    recorder = Recorder()
    async with KernelSession(cwd=tmp_path) as kernel:
        runner = NotebookRunner(nb, kernel, on_event=recorder)
        result = await asyncio.wait_for(runner.run_all(), 20)

        assert [r.status for r in result.runs] == ["ok", "died", "skipped"]
        failure = result.first_failure
        assert failure is not None and failure.error is not None
        assert failure.error.ename == "DeadKernelError"
        assert "exit code 1" in failure.error.evalue
        died = [e for e in recorder.events if isinstance(e, KernelDied)]
        assert len(died) == 1 and died[0].index == 1
        assert "killed the kernel" in result.verdict()
        with pytest.raises(KernelDiedError):
            await runner.run_all()



@shared_loop
async def test_a_cell_edited_after_its_run_is_stale(shared: KernelSession, make_notebook, folder: Path) -> None:
    """A record describes the code that ran: after a patch, undo or redo it is stale until
    the cell runs again (issue 13 item 2)."""
    nb = load(make_notebook, folder, ["y = 1", "print(y)"], "stale.ipynb")
    runner = NotebookRunner(nb, shared)
    assert runner.stale_indices() == []  # nothing ran: stored outputs are not today's claim
    await runner.run_all()
    nb.set_source(nb.cells[0].id, "y = 2")
    assert runner.stale_indices() == [0]
    nb.set_source(nb.cells[0].id, "y = 1")  # undone: the source that ran is back
    assert runner.stale_indices() == []
    nb.set_source(nb.cells[0].id, "y = 2")
    await runner.run_cell(0)
    assert runner.stale_indices() == []
