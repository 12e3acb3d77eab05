"""Offline erosion scan speed: a generated 1,000-cell notebook (goal < 1 s).

The notebook mixes markdown, clean analysis cells (the sample notebooks' cells no rule flags)
and, at the rate ``--eroded``, eroded cells from every library the rules know (each with one
to three erosions). The prefilter skips cells no rule's trigger matches; libcst parses the
rest. Prints the load time, the scan time (median of repeats), how many cells reached the
parser, and the findings.

Usage: python benchmarks/bench_scan.py [--cells 1000] [--eroded 0.1] [--repeats 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlemod_tui.assist.rules import engine, scan_notebook, scan_source
from mlemod_tui.assist.rules.prefilter import candidates
from mlemod_tui.core.notebook import load_notebook, source_text

SAMPLES = Path(__file__).resolve().parents[1] / "sample_notebooks"

ERODED = [
    "X = df.ix[:, cols].as_matrix()\ny = df['target'].values",
    "results = results.append({'model': name, 'score': s}, ignore_index=True)",
    "X = data.astype(np.float) / 255.0\nlabels = y.astype(np.int)",
    "from sklearn.cross_validation import train_test_split, KFold\nfrom sklearn.grid_search import GridSearchCV",
    "rf = RandomForestClassifier(random_state=0)\nscores = cross_val_score(rf, X, y)",
    "plt.style.use('seaborn-darkgrid')\nsns.countplot('Survived', data=train)",
    "rmse = mean_squared_error(y_test, pred, squared=False)",
    "train['Age'].fillna(train['Age'].median(), inplace=True)\ntrain.drop('Cabin', 1, inplace=True)",
    "sns.distplot(train['Fare'], kde=False)\nplt.hist(x, normed=True)",
    "from keras.layers.core import Dense, Dropout\nmodel.fit_generator(gen, steps_per_epoch=100, nb_epoch=10)",
    "opt = Adam(lr=1e-3)\nhistory = model.fit(X, y, nb_epoch=20)\nplt.plot(history.history['acc'])",
    "for i in xrange(10):\n    print i",
    "cats = [c for c in df.columns if df[c].dtype == 'object']\nmonthly = s.resample('M').sum()",
    "model.fit(X, y, eval_set=[(Xv, yv)], early_stopping_rounds=20, verbose=False)",
    "%matplotlib inline\nfrom scipy.misc import imread, imresize\nimg = imresize(imread(path), (64, 64))",
]


def generate(folder: Path, cells: int, eroded: float, seed: int = 0) -> Path:
    rng = random.Random(seed)
    # The sample notebooks' own cells that no rule flags are the clean analysis cells.
    clean = [
        source_text(cell)
        for path in sorted(SAMPLES.glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code" and not scan_source(source_text(cell), include_runtime=True)
    ] or ["x = 1\nprint(x)"]
    made = []
    for i in range(cells):
        if i % 10 == 0:
            made.append(
                new_markdown_cell(f"## Step {i // 10}\nWhat this part of the analysis does.")
            )
        elif rng.random() < eroded:
            made.append(new_code_cell(f"{rng.choice(ERODED)}\n# cell {i}"))
        else:
            made.append(new_code_cell(f"{rng.choice(clean)}\n# cell {i}"))
    path = folder / "big_eroded.ipynb"
    nbformat.write(new_notebook(cells=made), path)
    return path


def parsed_cells(sources: list[str]) -> int:
    """Cells the prefilter lets through to libcst (a rule's exact trigger matched)."""
    static = engine._static(engine._DEFAULT_RULES)
    return sum(1 for source in sources if candidates(source, static))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--eroded", type=float, default=0.1, help="share of eroded code cells")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = generate(Path(folder), args.cells, args.eroded)
        started = time.perf_counter()
        notebook = load_notebook(path)
        load_s = time.perf_counter() - started
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = scan_notebook(notebook, include_warnings=True)
            timings.append(time.perf_counter() - started)
    sources = [source_text(c) for c in notebook.cells if c.cell_type == "code"]
    findings = sum(len(c.findings) for c in result)
    scan_s = statistics.median(timings)
    print(
        f"notebook: {args.cells} cells, {len(sources)} code cells, "
        f"{parsed_cells(sources)} reached the parser"
    )
    print(f"load:     {load_s:.3f} s")
    print(
        f"scan:     {scan_s:.3f} s (median of {args.repeats}; min {min(timings):.3f} s) "
        f"-> {findings} findings in {len(result)} cells  [goal < 1 s: "
        f"{'met' if scan_s < 1 else 'missed'}]"
    )


if __name__ == "__main__":
    main()
