"""``mlemod-tui scan``: the report, the JSON, the exit codes, and bad input in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlemod_tui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "sample_notebooks"


def test_a_clean_notebook_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(SAMPLES / "clean_iris.ipynb")]) == 0
    assert "no known erosion found" in capsys.readouterr().out


def test_an_eroded_notebook_reports_cells_rules_lines_and_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", str(SAMPLES / "house_prices_linear.ipynb")]) == 1
    out = capsys.readouterr().out
    table = [line.split() for line in out.splitlines() if "pandas-" in line and "Modern" in line]
    assert [row[:4] for row in table] == [
        ["4", "2,3", "pandas-ix", "crash"],
        ["4", "2,3", "pandas-as-matrix", "crash"],
    ]
    assert "--- a/cell/" in out and "+X = df.loc[:, feature_cols].to_numpy()" in out


def test_json_output_lists_every_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(SAMPLES / "clean_iris.ipynb"), str(SAMPLES / "digits_knn.ipynb")]
    assert main(["scan", "--json", *paths]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["found"] == 2
    clean, digits = data["notebooks"]
    assert clean["cells"] == [] and clean["findings"] == 0
    [cell] = digits["cells"]
    assert cell["index"] == 5 and [f["rule"] for f in cell["findings"]] == [
        "numpy-np-float",
        "numpy-np-int",
    ]
    assert (
        cell["fixed_source"]
        == "X = digits.data.astype(float) / 16.0\ny = digits.target.astype(int)"
    )


def test_warnings_only_on_request(tmp_path: Path, make_notebook, capsys) -> None:  # type: ignore[no-untyped-def]
    path = make_notebook(tmp_path, ["import seaborn as sns\nsns.distplot(x)"])
    assert main(["scan", str(path)]) == 0
    assert main(["scan", "--warnings", "--no-diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert "sns-distplot" in out and "--- a/cell" not in out


@pytest.mark.parametrize("content", [None, "not json", '{"cells": []}'])
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.ipynb"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["scan", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("mlemod-tui: error: ") and captured.err.count("\n") == 1


def test_scan_needs_a_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan"]) == 2


def test_scan_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom mlemod_tui.cli import main\n"
        f"assert main(['scan', {str(SAMPLES / 'digits_knn.ipynb')!r}]) == 1\n"
        "assert 'textual' not in sys.modules, 'scan imported Textual'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
