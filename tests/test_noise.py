"""Run-to-run noise: a drift an unseeded notebook shows by chance is not an erosion.

Headless runs on a real kernel. The scoring cell draws its "score" from a sequence defined in
an earlier cell, so the re-runs give known, different values: the t-test's answer is fixed by
the numbers, and the check is exercised end to end (re-run in the kernel, read the printed
metric again, judge).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlemod_tui.cli import main
from mlemod_tui.core.noise import NoiseCheck

DRAWS = "draws = iter([0.60, 0.50, 0.58, 0.52, 0.56, 0.54])"


def _notebook(tmp_path: Path, stored: str, score_cell: str) -> Path:
    scored = new_code_cell(score_cell)
    scored.outputs = [new_output("stream", name="stdout", text=f"accuracy: {stored}\n")]
    nb = new_notebook(cells=[new_code_cell(DRAWS), scored])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "noisy.ipynb"
    nbformat.write(nb, str(path))
    return path


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["run", str(path), "--quiet", "--json", "--accept", "rules", "--tolerance", "0.05"])
    return code, json.loads(capsys.readouterr().out)


def test_a_drift_within_run_to_run_noise_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _notebook(tmp_path, "0.5500", "score = next(draws)  # a random draw\nprint('accuracy: %.4f' % score)")
    code, data = _run(path, capsys)
    noise = data["noise"]
    assert isinstance(noise, dict)
    assert noise["values"] == [0.6, 0.5, 0.58, 0.52, 0.56]
    assert noise["within_noise"] is True
    assert (code, data["reproducible"]) == (0, True)


def test_a_drift_far_outside_the_spread_is_not_noise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _notebook(tmp_path, "0.9000", "score = next(draws)  # a random draw\nprint('accuracy: %.4f' % score)")
    code, data = _run(path, capsys)
    noise = data["noise"]
    assert isinstance(noise, dict) and noise["within_noise"] is False
    assert (code, data["reproducible"]) == (1, False)


def test_a_seeded_notebook_is_not_re_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _notebook(
        tmp_path, "0.5500", "import random\nrandom.seed(0)\nscore = next(draws)\nprint('accuracy: %.4f' % score)"
    )
    code, data = _run(path, capsys)
    noise = data["noise"]
    assert isinstance(noise, dict)
    assert (noise["seeded"], noise["values"], noise["within_noise"]) == (True, [0.6], False)
    assert code == 1


def test_the_t_test_itself() -> None:
    assert NoiseCheck("acc", 1, 0.55, (0.60, 0.50, 0.58, 0.52, 0.56), False).within
    assert not NoiseCheck("acc", 1, 0.90, (0.60, 0.50, 0.58, 0.52, 0.56), False).within
    assert not NoiseCheck("acc", 1, 0.55, (0.60, 0.60, 0.60), False).within  # stable: a real change
    assert NoiseCheck("acc", 1, 0.60, (0.60, 0.60), False).within
