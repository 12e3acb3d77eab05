"""The batch on a real LocalCluster of 2 workers, real kernels: same results as `run`,
resumable, and a worker killed mid-batch does not lose the batch."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import psutil

from mlemod_tui.batch.engine import BatchConfig, BatchRun, Update
from mlemod_tui.batch.one_notebook import NotebookSettings, run_one
from mlemod_tui.batch.result import applied_sources, classify
from mlemod_tui.batch.store import ResultStore

RULES = NotebookSettings(accept="rules")


def _config(tmp_path: Path, **overrides: object) -> BatchConfig:
    options: dict[str, object] = {"settings": RULES, "jobs": 2, "store": tmp_path / "store.jsonl"}
    options.update(overrides)
    return BatchConfig(**options)  # type: ignore[arg-type]


def test_every_result_matches_run_and_a_second_batch_resumes(tmp_path: Path, fast_samples: list[Path]) -> None:
    originals = {path: path.read_bytes() for path in fast_samples}
    updates: list[Update] = []
    outcome = BatchRun(fast_samples, _config(tmp_path), updates.append).run()

    assert not outcome.interrupted
    assert [Path(r.notebook) for r in outcome.results] == fast_samples
    workers = {r.worker for r in outcome.results}
    assert len(workers) == 2, workers  # both workers ran notebooks
    for result in outcome.results:
        path = Path(result.notebook)
        alone = run_one(RULES.run_options(path, tmp_path / f"alone-{path.name}"))
        status, _detail = classify(alone.run, alone.report, "rules")
        assert result.status == status, (path.name, result.detail)
        assert result.exit_code == alone.exit_code
        assert result.patches == applied_sources(alone.run)
        assert result.failed_cell == (alone.run.get("error") or {}).get("cell")
        # the modernized notebook came back from the worker and sits beside the original
        assert result.output == str(path.with_name(f"{path.stem}.modernized.ipynb"))
        assert Path(result.output).exists()
        assert path.read_bytes() == originals[path]  # the original is never overwritten
    statuses = {Path(r.notebook).name: r.status for r in outcome.results}
    assert statuses["clean_iris.ipynb"] == "reproducible"
    assert statuses["missing_data_file_churn.ipynb"] == "crashes"
    wine = next(r for r in outcome.results if r.notebook.endswith("wine_features.ipynb"))
    assert wine.patches == ["rule:pandas-positional-getitem"] and wine.families == ["pandas"]
    kinds = [(u.kind, u.notebook.name) for u in updates]
    for path in fast_samples:
        assert kinds.index(("running", path.name)) < kinds.index(("done", path.name))

    again = BatchRun(fast_samples, _config(tmp_path)).run()
    assert all(r.resumed for r in again.results)
    assert [r.status for r in again.results] == [r.status for r in outcome.results]

    fast_samples[0].write_text(fast_samples[0].read_text().replace("iris", "iris "), encoding="utf-8")
    third = BatchRun(fast_samples, _config(tmp_path)).run()
    assert [r.resumed for r in third.results] == [False, True, True, True]  # changed bytes run again


def _worker_processes() -> list[psutil.Process]:
    """The LocalCluster's worker processes: our children started by multiprocessing's spawn
    (not its resource tracker)."""
    found = []
    for child in psutil.Process().children():
        try:
            if any("spawn_main" in part for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def test_a_worker_killed_mid_batch_and_a_hang_and_a_dying_kernel(
    tmp_path: Path, make_notebook, fast_samples: list[Path]
) -> None:  # type: ignore[no-untyped-def]
    slow = make_notebook(tmp_path / "odd", ["import time\ntime.sleep(4)", "x = 1"], "slow.ipynb")
    hang = make_notebook(tmp_path / "odd", ["import time\ntime.sleep(120)"], "hang.ipynb")
    dies = make_notebook(tmp_path / "odd", ["import os\nos._exit(1)"], "dies.ipynb")
    notebooks = [slow, hang, dies, fast_samples[0]]
    killed: list[int] = []
    running: list[str] = []

    def kill_a_worker_once(update: Update) -> None:
        running.extend([update.notebook.name] if update.kind == "running" else [])
        # at the second start both workers (one thread each) hold a notebook: the victim's is lost
        if len(running) == 2 and not killed:
            workers = _worker_processes()
            assert len(workers) == 2, workers
            victim = workers[0]
            killed.append(victim.pid)
            os.kill(victim.pid, signal.SIGKILL)

    outcome = BatchRun(notebooks, _config(tmp_path, timeout=20.0), kill_a_worker_once).run()

    assert killed
    by_name = {Path(r.notebook).name: r for r in outcome.results}
    assert set(by_name) == {"slow.ipynb", "hang.ipynb", "dies.ipynb", "clean_iris.ipynb"}
    assert by_name["slow.ipynb"].status == "reproducible"  # retried or not lost at all
    assert by_name["clean_iris.ipynb"].status == "reproducible"
    assert by_name["hang.ipynb"].status == "timeout"
    assert by_name["dies.ipynb"].status == "kernel died"
    # a timeout or a dying kernel is that notebook's result (recorded); the batch went on
    store = ResultStore(tmp_path / "store.jsonl")
    assert store.current(by_name["hang.ipynb"].key) is not None
    assert store.current(by_name["dies.ipynb"].key) is not None


def test_stop_from_another_thread_ends_the_batch(tmp_path: Path, make_notebook) -> None:  # type: ignore[no-untyped-def]
    hang = make_notebook(tmp_path, ["import time\ntime.sleep(120)"], "hang.ipynb")
    queued = make_notebook(tmp_path, ["x = 1"], "later.ipynb")
    run: BatchRun

    def stop_when_running(update: Update) -> None:
        if update.kind == "running":
            threading.Timer(1.0, run.stop).start()

    run = BatchRun([hang, queued], _config(tmp_path, jobs=1), stop_when_running)
    outcome = run.run()
    assert outcome.interrupted
    statuses = {Path(r.notebook).name: r.status for r in outcome.results}
    assert statuses["hang.ipynb"] == "interrupted"
    assert statuses["later.ipynb"] == "interrupted"
    assert ResultStore(tmp_path / "store.jsonl").latest(hang) is None  # nothing current recorded
