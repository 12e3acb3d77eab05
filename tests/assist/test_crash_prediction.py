"""Where the scan expects a crash to surface: a function's caller, a helper module's importer."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.scan import ScanOptions, scan_command, scan_paths


def _notebook(tmp_path: Path, cells: list[str]) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


def test_an_erosion_inside_a_function_is_expected_where_the_function_is_called(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path,
        [
            "import numpy as np",
            "def widths(a):\n    return np.float_(a.max() - a.min())",
            "print('defined')",
            "w = widths(np.arange(3))",
        ],
    )
    (scan,) = scan_paths([path])
    assert [(p.cell, p.rule_id, p.via) for p in scan.predicted] == [
        (3, "numpy-float_", "calls widths() from cell 1")
    ]
    assert [c.index for c in scan.cells] == [1]  # the finding itself stays where it is written


def test_a_function_nobody_calls_is_not_expected_to_crash_and_top_level_code_is(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ["import numpy as np\ndef unused():\n    return np.float_(1)", "x = np.float_(2)"])
    (scan,) = scan_paths([path])
    assert [(p.cell, p.via) for p in scan.predicted] == [(1, "")]


def test_an_eroded_helper_module_makes_its_importer_crash(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("import numpy as np\nprint 'loaded'\n")
    package = tmp_path / "kit"
    package.mkdir()
    (package / "__init__.py").write_text("from . import plots\n")
    (package / "plots.py").write_text(
        "from sklearn.cross_validation import train_test_split\n\ndef later():\n    return 1\n"
    )
    path = _notebook(tmp_path, ["x = 1", "import helpers", "from kit import plots"])
    (scan,) = scan_paths([path])
    assert [(p.cell, p.rule_id, p.via) for p in scan.predicted] == [
        (1, "py-print-statement", "imports helpers.py"),
        (2, "sklearn-cross-validation", "imports kit/plots.py"),
    ]
    out = tmp_path / "out.json"
    with out.open("w") as handle:
        code = scan_command(ScanOptions([path], json=True), handle)
    assert code == 1  # the notebook's own cells are clean; the modules are not
    data = json.loads(out.read_text())
    assert data["notebooks"][0]["predicted_crashes"][0] == {
        "cell": 1,
        "rule": "py-print-statement",
        "via": "imports helpers.py",
    }


def test_a_helper_function_called_after_a_chdir_is_expected_where_it_is_called(tmp_path: Path) -> None:
    """ethen8181's notebooks: ``os.chdir(os.path.join('..', 'notebook_format'))``, then
    ``from formats import load_style`` and ``load_style()``, whose body updates rcParams from
    a JSON file with a key matplotlib removed. ``load_style(plot_style=False)`` skips it."""
    styles = tmp_path / "notebook_format"
    styles.mkdir()
    (styles / "plot.json").write_text('{"axes.color_cycle": ["#348ABD"], "font.size": 12}')
    (styles / "formats.py").write_text(
        "import json\nimport matplotlib\n\n\ndef load_style(plot_style=True):\n"
        "    if plot_style:\n        with open('plot.json') as f:\n            s = json.load(f)\n"
        "        matplotlib.rcParams.update(s)\n    return 'styled'\n"
    )
    book = tmp_path / "book"
    book.mkdir()
    chdir = "import os\nos.chdir(os.path.join('..', 'notebook_format'))\nfrom formats import load_style"
    path = _notebook(book, [chdir, "x = 1", "load_style()"])
    (scan,) = scan_paths([path])
    assert [(p.cell, p.rule_id, p.via) for p in scan.predicted] == [
        (2, "mpl-rcparams-from-data", "calls load_style() from ../notebook_format/formats.py")
    ]
    path = _notebook(book, [chdir, "load_style(plot_style=False)"])
    (scan,) = scan_paths([path])
    assert scan.predicted == []
