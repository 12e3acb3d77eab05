"""Batch fixtures: copies of the fastest sample notebooks (3-4 s each), with their data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_notebooks"
# The fastest samples, one of each kind: runs clean, a rule patch then no rule left, a missing
# data file (unfixable), an out-of-order notebook (needs a model).
FAST = (
    "clean_iris.ipynb",
    "needs_the_model_wine_features.ipynb",
    "missing_data_file_churn.ipynb",
    "out_of_order_bike_rentals.ipynb",
)


@pytest.fixture
def fast_samples(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "course"
    folder.mkdir()
    for item in SAMPLES.iterdir():
        if item.suffix == ".csv" or item.name in FAST:
            shutil.copy(item, folder / item.name)
    return [folder / name for name in FAST]
