"""`mlemod-tui batch` as a user runs it: a report, plain lines off a terminal, and Ctrl+C that
keeps what finished and leaves no kernel behind."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from mlemod_tui.batch.predictions import Prediction
from mlemod_tui.batch.report import render_csv, render_markdown, report_data
from mlemod_tui.batch.result import NotebookResult
from mlemod_tui.cli import main


def _batch(*args: str) -> list[str]:
    return [sys.executable, "-m", "mlemod_tui", "batch", *args]


def test_a_batch_writes_its_report_and_prints_plain_lines(tmp_path: Path, fast_samples: list[Path]) -> None:
    report = tmp_path / "out.json"
    done = subprocess.run(
        _batch(str(fast_samples[0]), str(fast_samples[2]), "--jobs", "2", "--report", str(report)),
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 1, done.stderr  # one of the two is not reproducible
    lines = done.stdout.splitlines()
    assert any("✓ reproducible" in line and "clean_iris.ipynb" in line for line in lines), done.stdout
    assert any("crashes" in line and "missing_data_file_churn.ipynb" in line for line in lines)
    assert "\r" not in done.stdout  # no bar when the output is not a terminal
    data = json.loads(report.read_text())
    assert data["by_status"] == {"reproducible": 1, "crashes": 1}
    assert [Path(r["notebook"]).name for r in data["results"]] == ["clean_iris.ipynb", "missing_data_file_churn.ipynb"]
    assert (fast_samples[0].parent / ".mlemod-batch.jsonl").exists()  # the store, beside them


def _kernels_under(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for child in children:
        try:
            if any("ipykernel_launcher" in part for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def test_ctrl_c_stops_cleanly_keeps_what_finished_and_leaves_no_kernel(tmp_path: Path, make_notebook) -> None:  # type: ignore[no-untyped-def]
    quick = make_notebook(tmp_path / "course", ["x = 1"], "a_quick.ipynb")
    make_notebook(tmp_path / "course", ["import time\ntime.sleep(300)"], "b_hangs.ipynb")
    make_notebook(tmp_path / "course", ["import time\ntime.sleep(300)"], "c_hangs_too.ipynb")
    report = tmp_path / "out.md"
    batch = subprocess.Popen(
        _batch(str(tmp_path / "course"), "--jobs", "2", "--report", str(report)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    store = tmp_path / "course" / ".mlemod-batch.jsonl"
    kernels: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the quick one done, both hanging ones' kernels up
        for kernel in _kernels_under(batch.pid):
            kernels[kernel.pid] = kernel
        if store.exists() and len(_kernels_under(batch.pid)) >= 2:
            break
        time.sleep(0.3)
    assert store.exists() and len(kernels) >= 2, "the batch never got its kernels running"
    batch.send_signal(signal.SIGINT)
    out, err = batch.communicate(timeout=90)

    assert batch.returncode == 130, (out, err)
    gone, alive = psutil.wait_procs(list(kernels.values()), timeout=10)
    assert not alive, f"kernels left behind: {alive}"
    recorded = [json.loads(line) for line in store.read_text().splitlines()]
    assert [Path(r["notebook"]).name for r in recorded] == [quick.name]
    text = report.read_text()
    assert "interrupted" in text and "a_quick.ipynb" in text


def _result(name: str, status: str, **extra: object) -> NotebookResult:
    return NotebookResult(notebook=f"/course/{name}", status=status, **extra)  # type: ignore[arg-type]


def test_report_totals_by_status_and_family_in_every_format() -> None:
    results = [
        _result("a.ipynb", "reproducible", patches=["rule:pandas-append"], families=["pandas"], seconds=1.0),
        _result("b.ipynb", "crashes", detail="cell 3: KeyError: 4", families=["pandas", "numpy"]),
        _result("c.ipynb", "reproducible", resumed=True),
    ]
    predictions = {"/course/a.ipynb": Prediction(crash_cells=(4,)), "/course/b.ipynb": Prediction(order_problems=2)}
    data = report_data(results, predictions, seconds=12.0, interrupted=False)
    assert data["by_status"] == {"reproducible": 2, "crashes": 1}
    assert data["by_family"] == {"pandas": 2, "numpy": 1}
    markdown = render_markdown(data)
    assert "| pandas | 2 |" in markdown and "| a.ipynb | reproducible | crash at 4 |" in markdown
    assert "reproducible (stored)" in markdown
    rows = list(csv.DictReader(io.StringIO(render_csv(data))))
    assert [row["status"] for row in rows] == ["reproducible", "crashes", "reproducible"]
    assert rows[1]["predicted"] == "2 order problems" and rows[1]["families"] == "pandas, numpy"


def test_bad_input_is_a_usage_error_before_any_cluster(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["batch", str(tmp_path / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty")]) == 2
    assert main(["batch", str(tmp_path), "--jobs", "0"]) == 2
