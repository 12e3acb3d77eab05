"""The rules against the repository's sample notebooks (see sample_notebooks/README.md).

Cell indices count every cell, the "Workshop: what to try" cell at 0 included.

The scan must predict each documented crash at its cell (and the hidden second erosions),
nothing on the clean notebook; and every eroded notebook, fixed by the rules alone, must run
to the end on a real kernel and print the published metric again.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from nbclient import NotebookClient

from mlemod_tui.assist.rules import match_crash, scan_notebook
from mlemod_tui.core.notebook import load_notebook, source_text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_notebooks"

PREDICTED = {
    "activity_sensors_eda.ipynb": {4: ["sns-positional-data"]},
    "breast_cancer_random_forest.ipynb": {
        2: ["sklearn-cross-validation"],
        5: ["sklearn-rf-n-estimators-default"],
    },
    "clean_iris.ipynb": {},
    "diabetes_ridge_regression.ipynb": {2: ["mpl-style-seaborn"], 7: ["sklearn-mse-squared"]},
    "digits_knn.ipynb": {5: ["numpy-np-float", "numpy-np-int"]},
    "house_prices_linear.ipynb": {4: ["pandas-ix", "pandas-as-matrix"]},
    "wine_model_comparison.ipynb": {7: ["pandas-append"]},
}
# The documented crash of each eroded notebook: (cell, exception, message).
CRASHES = {
    "activity_sensors_eda.ipynb": (
        4,
        "TypeError",
        "countplot() got multiple values for argument 'data'",
    ),
    "breast_cancer_random_forest.ipynb": (
        2,
        "ModuleNotFoundError",
        "No module named 'sklearn.cross_validation'",
    ),
    "diabetes_ridge_regression.ipynb": (
        2,
        "OSError",
        "'seaborn-whitegrid' is not a valid package style, "
        "path of style file, URL of style file, or library style name",
    ),
    "digits_knn.ipynb": (5, "AttributeError", "module 'numpy' has no attribute 'float'."),
    "house_prices_linear.ipynb": (4, "AttributeError", "'DataFrame' object has no attribute 'ix'"),
    "wine_model_comparison.ipynb": (
        7,
        "AttributeError",
        "'DataFrame' object has no attribute 'append'",
    ),
}
# The metric each notebook prints once fixed (README: "metric after the fix"; the breast
# cancer one with the old default n_estimators=10, which the rules pin).
METRICS = {
    "activity_sensors_eda.ipynb": r"Accuracy: 0\.9306",
    "breast_cancer_random_forest.ipynb": r"Accuracy: 0\.9510",
    "diabetes_ridge_regression.ipynb": r"RMSE = 54\.981",
    "digits_knn.ipynb": r"Accuracy: 0\.9867",
    "house_prices_linear.ipynb": r"RMSE = 24946\.4",
    "wine_model_comparison.ipynb": r"Accuracy: 0\.9444",
}


@pytest.mark.parametrize("name", sorted(PREDICTED))
def test_the_scan_predicts_the_documented_erosions(name: str) -> None:
    found = scan_notebook(load_notebook(SAMPLES / name), include_warnings=True)
    assert {c.index: [f.rule_id for f in c.findings] for c in found} == PREDICTED[name]


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_the_documented_crash_leads_to_its_rule_and_fix(name: str) -> None:
    nb = load_notebook(SAMPLES / name)
    index, ename, evalue = CRASHES[name]
    [first, *_] = match_crash(source_text(nb.cells[index]), ename, evalue)
    assert first.rule_id == PREDICTED[name][index][0]
    assert first.lines and first.new_source is not None


def _run_fixed(name: str) -> str:
    """Apply every proposed fix, run the notebook in its folder, return its stdout."""
    nb = load_notebook(SAMPLES / name)
    for cell_findings in scan_notebook(nb):
        if cell_findings.fixed_source is not None:
            nb.cells[cell_findings.index].source = cell_findings.fixed_source
    client = NotebookClient(
        nb.node, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(SAMPLES)}}
    )
    client.execute()  # raises CellExecutionError if any cell fails
    return "".join(
        out.get("text", "")
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )


@pytest.mark.samples
@pytest.mark.timeout(300)
def test_every_eroded_sample_runs_to_the_end_once_fixed() -> None:
    names = sorted(METRICS)
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = dict(zip(names, pool.map(_run_fixed, names), strict=True))
    for name, stdout in outputs.items():
        assert re.search(METRICS[name], stdout), f"{name}: {stdout[-300:]}"
