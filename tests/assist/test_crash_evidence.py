"""The scan names the first crashing cell from literal values, guards and call chains.

Each notebook here is also run, cell by cell, with today's libraries (in-process, Agg
backend, in the notebook's folder): the scan's first predicted cell must be the cell that
really fails first, so a prediction that today's pandas, numpy or matplotlib no longer
bears out fails the test.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import matplotlib
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.scan import scan_paths


def _notebook(tmp_path: Path, cells: list[str]) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


def _first_failing_cell(path: Path) -> int | None:
    """Run the notebook's cells in order, as a kernel would; the index of the first failure."""
    import matplotlib.pyplot as plt

    matplotlib.use("agg")
    namespace: dict[str, object] = {"__name__": "__main__"}
    cells = nbformat.read(path, as_version=4).cells
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        for index, cell in enumerate(cells):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
                    for number in plt.get_fignums():  # the inline backend draws after a cell
                        plt.figure(number).canvas.draw()
            except Exception:
                return index
            finally:
                plt.close("all")
    finally:
        os.chdir(here)
    return None


def _predicted_first(path: Path) -> int | None:
    (scan,) = scan_paths([path])
    return min((p.cell for p in scan.predicted), default=None)


def _agrees(tmp_path: Path, cells: list[str]) -> int | None:
    path = _notebook(tmp_path, cells)
    predicted = _predicted_first(path)
    assert predicted == _first_failing_cell(path)
    return predicted


IMPORTS = "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt"


def test_a_ragged_array_literal_is_expected_to_crash(tmp_path: Path) -> None:
    ok = "X = np.array([[0, 1], [2, 3]])"
    ragged = "X = np.array([[0, 1],\n              [0, 2, 3, 4]])"
    assert _agrees(tmp_path, [IMPORTS, ok, ragged]) == 2
    assert _agrees(tmp_path, [IMPORTS, ok, "X = np.array([[0, 1], [2]], dtype=object)"]) is None


def test_tick_labels_that_cannot_match_literal_ticks(tmp_path: Path) -> None:
    cells = [
        IMPORTS,
        "ax = plt.gca()\nax.set_xticks(range(3))\nax.set_xticklabels(['a', 'b', 'c'])",
        "ax = plt.gca()\nax.yaxis.set_ticks(np.arange(0, 5))\n"
        "ax.yaxis.set_ticklabels(['min', 2, 4, 'max'])",
    ]
    assert _agrees(tmp_path, cells) == 2


def test_a_number_set_into_get_dummies_booleans(tmp_path: Path) -> None:
    cells = [
        IMPORTS,
        "d = pd.get_dummies(pd.Series(list('abca')))\ne = d.iloc[:, :-1]\ne.loc[e.a] = True",
        "e.loc[np.all(e == 0, axis=1)] = -1.",
    ]
    assert _agrees(tmp_path, cells) == 2


def test_a_blitted_animation_whose_functions_return_nothing(tmp_path: Path) -> None:
    cells = [
        IMPORTS + "\nfrom matplotlib import animation",
        "def init():\n    line.set_data([], [])\n"
        "def update(n):\n    line.set_data([0, n], [0, n])\n    return line,",
        "fig, ax = plt.subplots()\nline, = ax.plot([], [])",
        "anim = animation.FuncAnimation(fig, update, init_func=init, frames=3, blit=True)",
        "fig, ax = plt.subplots()\nline, = ax.plot([], [])\n"
        "anim = animation.FuncAnimation(fig, update, init_func=init, frames=3, blit=True)",
    ]
    assert _agrees(tmp_path, cells) == 4  # cell 3: the figure was closed when cell 2 ended


def test_reductions_over_frames_that_certainly_hold_text(tmp_path: Path) -> None:
    (tmp_path / "red.csv").write_text("acidity;quality\n7.4;5\n7.8;5\n7.8;6\n")
    cells = [
        IMPORTS,
        "red = pd.read_csv('red.csv', sep=';')\nprint(red.corr())",  # all numeric: runs
        "red['wine_type'] = 'red'\nwhite = red.copy()\nwines = pd.concat([red, white])",
        "print(wines.describe())",
        "corr = wines.corr()",
    ]
    assert _agrees(tmp_path, cells) == 4
    assert _agrees(tmp_path, [*cells[:4], "corr = wines.corr(numeric_only=True)"]) is None


def test_a_grouped_mean_over_a_literal_frame_with_a_second_text_key(tmp_path: Path) -> None:
    frame = (
        "df = pd.DataFrame({'key1': ['a', 'a', 'b'], 'key2': ['one', 'two', 'one'],\n"
        "                   'data1': np.arange(3.0)})"
    )
    assert _agrees(tmp_path, [IMPORTS, frame, "df.groupby(['key1', 'key2']).mean()"]) is None
    assert _agrees(tmp_path, [IMPORTS, frame, "df.groupby('key1').mean()"]) == 2


def test_a_frame_handed_to_the_notebooks_own_function_is_no_longer_known(tmp_path: Path) -> None:
    cells = [
        IMPORTS,
        "df = pd.DataFrame({'name': ['a', 'b'], 'x': [1.0, 2.0]})",
        "def encode(frame):\n    frame['name'] = frame['name'].map({'a': 0, 'b': 1})",
        "encode(df)\ndf.mean()",
    ]
    assert _agrees(tmp_path, cells) is None


def test_a_function_reached_through_a_list_and_another_function(tmp_path: Path) -> None:
    cells = [
        IMPORTS,
        "def greedy(k):\n    return np.zeros(k, dtype=np.int)",
        "def run(algorithms):\n    return [a(3) for a in algorithms]",
        "print('setup')",
        "algorithms = [greedy]\nresults = run(algorithms)",
    ]
    assert _agrees(tmp_path, cells) == 4


def test_an_erosion_behind_the_authors_own_guard_is_not_a_crash(tmp_path: Path) -> None:
    cells = [
        "import sklearn",
        "if sklearn.__version__ < '0.18':\n    from sklearn.cross_validation import KFold\n"
        "else:\n    from sklearn.model_selection import KFold",
        "try:\n    from sklearn.cross_validation import train_test_split\n"
        "except ImportError:\n    from sklearn.model_selection import train_test_split",
        "from sklearn.cross_validation import cross_val_score",
    ]
    assert _agrees(tmp_path, cells) == 3


def test_a_python_removal_newer_than_this_interpreter_is_not_a_crash(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ["from distutils.version import LooseVersion", "x = 1"])
    expected = 0 if sys.version_info >= (3, 12) else None
    assert _predicted_first(path) == expected


@pytest.mark.filterwarnings("ignore")
def test_a_scipy_star_import_crashes_where_a_numpy_name_is_first_used(tmp_path: Path) -> None:
    cells = ["from scipy import *", "from scipy.special import jn\nv = jn(0, 1.0)", "x = linspace(0, 1, 5)"]
    assert _agrees(tmp_path, cells) == 2
