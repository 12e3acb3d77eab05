"""A crash that is the late symptom of a silent pandas change in an earlier cell: the rules
pin the old behaviour where the data changed meaning, and the loop keeps the pin because the
crash goes away (a real kernel, ``run --accept rules``)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.assist.upstream import upstream_silent_change
from mlemod_tui.cli import main
from mlemod_tui.core.notebook import load_notebook, source_text

CELLS = [
    "import numpy as np\nimport pandas as pd",
    "cohorts = pd.DataFrame({'users': [3, 2, 4]}, index=pd.MultiIndex.from_tuples(\n"
    "    [('2009-01', '2009-01'), ('2009-01', '2009-02'), ('2009-02', '2009-02')],\n"
    "    names=['CohortGroup', 'OrderPeriod']))",
    "def cohort_period(df):\n    df['CohortPeriod'] = np.arange(len(df)) + 1\n    return df\n\n"
    "cohorts = cohorts.groupby(level='CohortGroup').apply(cohort_period)",
    "other = 1",
    "y = cohorts.loc[('2009-01', '2009-02')]\nassert y['CohortPeriod'] == 2\nprint(y['users'])",
]


def _write(tmp_path: Path, cells: list[str]) -> Path:
    path = tmp_path / "cohorts.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


def test_only_a_cell_the_crashed_one_reads_from_is_searched(tmp_path: Path) -> None:
    notebook = load_notebook(_write(tmp_path, CELLS))
    proposal = upstream_silent_change(notebook, 4, "import numpy as np\nimport pandas as pd")
    assert proposal is not None and proposal.cell_id == notebook.cells[2].id
    assert proposal.source == "rule:pandas-groupby-apply-group-keys"
    unrelated = [*CELLS[:4], "print(other)\nassert other == 2"]
    notebook = load_notebook(_write(tmp_path, unrelated))
    assert upstream_silent_change(notebook, 4, "import pandas as pd") is None


def test_the_pin_upstream_is_applied_and_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, CELLS)
    output = tmp_path / "out.ipynb"
    code = main(["run", str(path), "--accept", "rules", "--output", str(output)])
    out, _ = capsys.readouterr()
    assert code == 0, out
    fixed = load_notebook(output)
    assert "groupby(level='CohortGroup', group_keys=False)" in source_text(fixed.cells[2])
    assert "".join(o.get("text", "") for o in fixed.cells[4].outputs).strip() == "2"
