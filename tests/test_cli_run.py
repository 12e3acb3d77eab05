"""`mlemod-tui run`: exit codes, messages, reports and saved files, in-process through
``cli.main`` and as a real process (including Ctrl+C and SIGTERM)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import mlemod_tui
from mlemod_tui.cli import main
from mlemod_tui.core.notebook import load_notebook, source_text

SCRIPT = Path(sys.executable).with_name("mlemod-tui")
PACKAGE = Path(mlemod_tui.__file__).parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Cli:
    """Runs ``cli.main`` in-process and checks that the original notebook was not touched."""

    def __init__(self, capsys: pytest.CaptureFixture[str], procs: Any) -> None:
        self.capsys = capsys
        self.procs = procs

    def __call__(self, *args: str | Path, original: Path | None = None) -> tuple[int, str, str]:
        before_kernels = {p.pid for p in self.procs.kernels()}
        before = digest(original) if original and original.is_file() else None
        self.capsys.readouterr()
        code = main(["run", *map(str, args)])
        out, err = self.capsys.readouterr()
        if before is not None:
            assert digest(original) == before, "the original notebook was modified"
        left = [p for p in self.procs.kernels() if p.pid not in before_kernels]
        assert not left, f"kernel left after the run: {self.procs.describe(left)}"
        return code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], procs: Any) -> Cli:
    return Cli(capsys, procs)


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback (most recent call last)" not in err
    assert lines[0].startswith("mlemod-tui: error: ")
    return lines[0]


def spawn(args: list[str | Path], tag: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = dict(os.environ, MLEMOD_TEST_TAG=tag, NO_COLOR="1")
    return subprocess.Popen(
        [sys.executable, "-m", "mlemod_tui", "run", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


# --------------------------------------------------------------------------- outcomes


def test_clean_run_exits_0_and_saves_beside_the_notebook(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, [("markdown", "# demo"), "x = 2", "print('x =', x)"], name="demo.ipynb")

    code, out, err = cli(nb, original=nb)

    assert code == 0
    assert err == ""
    saved = tmp_path / "demo.modernized.ipynb"
    assert "all 2 code cells ran" in out
    assert f"saved {saved}" in out
    result = load_notebook(saved)
    assert result.cells[2].outputs[0].text == "x = 2\n"
    assert result.cells[1].execution_count == 1 and result.cells[2].execution_count == 2
    assert "execution" in result.cells[2].metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.ipynb", "demo.modernized.ipynb"]


def test_crash_exits_1_with_traceback_and_verdict(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["ok = 1", "def f():\n    return 1 / 0\nf()", "print('never')"])

    code, out, _err = cli(nb, original=nb)

    assert code == 1
    assert "ZeroDivisionError" in out
    assert "return 1 / 0" in out  # the traceback itself, not just the name
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal
    assert "cell 1 failed with ZeroDivisionError; 1 of 3 code cells ran before it" in out
    saved = load_notebook(tmp_path / "nb.modernized.ipynb")
    assert saved.cells[1].outputs[-1].ename == "ZeroDivisionError"
    assert saved.cells[2].outputs == [] and saved.cells[2].execution_count is None


def test_cell_timeout_exits_1(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["import time", "time.sleep(30)", "after = 1"])

    started = time.monotonic()
    code, out, _err = cli(nb, "--cell-timeout", "0.5", original=nb)

    assert code == 1
    assert time.monotonic() - started < 15
    assert "cell 1 timed out" in out


def test_kernel_death_exits_1(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["import os", "os._exit(7)", "after = 1"])

    code, out, _err = cli(nb, original=nb)

    assert code == 1
    assert "cell 1 killed the kernel" in out
    assert "exit code 7" in out
    assert (tmp_path / "nb.modernized.ipynb").exists()


# --------------------------------------------------------------------------- bad input


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("not-json", "not JSON"),
        ("not-a-notebook", "not a Jupyter notebook"),
        ("unsupported-version", "unsupported nbformat version 5"),
        ("binary", "not a text file"),
        ("invalid-structure", "not a valid notebook"),
    ],
)
def test_malformed_input_exits_2_with_one_line(cli: Cli, tmp_path: Path, kind: str, expected: str) -> None:
    path = tmp_path / f"{kind}.ipynb"
    if kind == "directory":
        path.mkdir()
    elif kind == "not-json":
        _write(path, "{'single': 'quotes'}")
    elif kind == "not-a-notebook":
        _write(path, '{"cells": [], "metadata": {}}')
    elif kind == "unsupported-version":
        _write(path, '{"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}}')
    elif kind == "binary":
        _write(path, bytes(range(256)) * 4)
    elif kind == "invalid-structure":
        _write(path, '{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code"}]}')

    code, out, err = cli(path, original=path)

    assert code == 2
    assert out == ""
    assert expected in one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if kind == "missing" else [path.name])


def test_missing_kernel_exits_2_naming_installed_ones(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["1"])
    code, out, err = cli(nb, "--kernel", "no-such-kernel", original=nb)
    assert code == 2
    line = one_error_line(err)
    assert "no-such-kernel" in line and "python3" in line
    assert not (tmp_path / "nb.modernized.ipynb").exists()


@pytest.mark.parametrize("spelling", ["same", "dotdot"])
def test_refuses_output_equal_to_the_original(
    cli: Cli, make_notebook, tmp_path: Path, spelling: str
) -> None:
    nb = make_notebook(tmp_path, ["1"])
    target = nb if spelling == "same" else tmp_path / "sub" / ".." / "nb.ipynb"
    (tmp_path / "sub").mkdir()

    code, out, err = cli(nb, "--output", target, original=nb)

    assert code == 2 and out == ""
    assert "refusing to overwrite the original" in one_error_line(err)


def test_bad_option_value_exits_2(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["1"])
    code, _out, err = cli(nb, "--cell-timeout", "-3", original=nb)
    assert code == 2
    assert "must be more than 0 seconds" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- reports and paths


def test_json_report(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, [("markdown", "m"), "import time\ntime.sleep(0.05)", "int('x')", "after = 1"])

    code, out, err = cli(nb, "--json", original=nb)

    assert code == 1
    report = json.loads(out)
    assert report["exit_code"] == 1
    assert report["notebook"] == str(nb)
    assert report["output"] == str(tmp_path / "nb.modernized.ipynb")
    assert report["kernel"] == "python3"
    assert report["succeeded"] is False and report["first_failure"] == 2
    cells = {c["index"]: c for c in report["cells"]}
    assert [cells[i]["status"] for i in (1, 2, 3)] == ["ok", "error", "skipped"]
    assert cells[1]["seconds"] >= 0.05 and cells[1]["error"] is None
    assert cells[2]["error"]["ename"] == "ValueError"
    assert "invalid literal" in cells[2]["error"]["evalue"]
    assert cells[3]["seconds"] is None
    assert all("stored_seconds" in c and "cell_id" in c for c in report["cells"])
    assert report["error"]["cell"] == 2 and "ValueError" in report["error"]["traceback"]
    assert "\x1b[" not in report["error"]["traceback"]
    assert "cell 2 failed with ValueError" in err  # the human lines go to stderr with --json


def test_output_path_is_honoured(cli: Cli, make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path, ["print('here')"])
    target = tmp_path / "results" / "today.ipynb"

    code, out, _err = cli(nb, "--output", target, "--quiet", original=nb)

    assert code == 0
    assert f"saved {target}" in out
    assert load_notebook(target).cells[0].outputs[0].text == "here\n"
    assert not (tmp_path / "nb.modernized.ipynb").exists()


def test_cells_run_in_the_notebook_folder(
    cli: Cli, make_notebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    nb = make_notebook(project, ["print(open('data.csv').read().strip())"], name="analysis.ipynb")
    (project / "data.csv").write_text("a,b\n1,2\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    code, _out, _err = cli(nb, original=nb)  # absolute path, run from another folder
    assert code == 0
    saved = load_notebook(project / "analysis.modernized.ipynb")
    assert saved.cells[0].outputs[0].text == "a,b\n1,2\n"

    monkeypatch.chdir(tmp_path)
    code, _out, _err = cli("project/analysis.ipynb", "--output", "relative-out.ipynb", original=nb)
    assert code == 0
    assert load_notebook(tmp_path / "relative-out.ipynb").cells[0].outputs[0].text == "a,b\n1,2\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == []


# --------------------------------------------------------------------------- real processes


def test_real_process_via_console_script(make_notebook, tmp_path: Path, procs: Any) -> None:
    nb = make_notebook(tmp_path, ["import os", "print(os.getcwd())", "raise KeyError('gone')"])
    before = digest(nb)
    tag = uuid.uuid4().hex
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "mlemod_tui"]
    done = subprocess.run(
        [*command, "run", str(nb), "--json"],
        capture_output=True,
        text=True,
        timeout=90,
        env=dict(os.environ, MLEMOD_TEST_TAG=tag),
    )

    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [c["status"] for c in report["cells"]] == ["ok", "ok", "error"]
    assert report["error"]["ename"] == "KeyError"
    assert "cell 2 failed with KeyError" in done.stderr
    assert f'File "{PACKAGE}' not in done.stderr  # the cell's traceback, never one of ours
    saved = load_notebook(tmp_path / "nb.modernized.ipynb")
    assert Path(saved.cells[1].outputs[0].text.strip()).resolve() == tmp_path.resolve()
    assert digest(nb) == before
    assert not procs.kernels(tag)


def test_real_process_malformed_input(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.ipynb", '{"nbformat": 4, "cells": [')
    done = subprocess.run(
        [sys.executable, "-m", "mlemod_tui", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not JSON" in one_error_line(done.stderr)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_the_process(make_notebook, tmp_path: Path, procs: Any, sig: signal.Signals) -> None:
    marker = tmp_path / "started.flag"
    nb = make_notebook(
        tmp_path,
        ["import pathlib, time", f"pathlib.Path({str(marker)!r}).write_text('x')", "time.sleep(60)", "after = 1"],
    )
    before = digest(nb)
    tag = uuid.uuid4().hex
    proc = spawn([nb, "--json"], tag)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the notebook never started"
            time.sleep(0.02)
        time.sleep(0.3)  # the sleeping cell is running now
        assert len(procs.kernels(tag)) == 1
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    left = procs.kernels(tag)  # at once: no grace period in which the kernel could linger
    assert not left, procs.describe(left)
    assert proc.returncode == 130, err
    assert elapsed < 5
    assert "Traceback (most recent call last)" not in err
    report = json.loads(out)
    assert report["exit_code"] == 130 and report["interrupted"] is True
    assert [c["status"] for c in report["cells"]] == ["ok", "ok", "interrupted", "skipped"]
    assert "interrupted" in err
    saved = load_notebook(tmp_path / "nb.modernized.ipynb")
    assert saved.cells[1].execution_count == 2
    assert saved.cells[2].outputs == [] and saved.cells[2].execution_count is None
    assert source_text(saved.cells[2]) == "time.sleep(60)"
    assert digest(nb) == before
