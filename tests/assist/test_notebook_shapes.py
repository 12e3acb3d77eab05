"""Erosions in the shapes real notebooks have them, repaired crash by crash as the loop does.

Each case is a small notebook (cells run in order, in one namespace, against today's
libraries). The loop here is the unattended one in miniature: run until a cell fails, ask the
rules with that crash (its message and the failing line), apply the whole proposal (which may
touch other cells), run again from the top. A case passes when every cell runs and its check
holds; a fix that broke a cell that ran before would show as a failure on the next run.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

import pytest

from mlemod_tui.assist.proposal import import_preamble, repair_proposal_from_rules
from mlemod_tui.core.patch import apply_patch
from tests.assist.case import first_line, run_snippet

MPL = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
IRIS = "import numpy as np\nfrom sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\n"


@dataclass(frozen=True)
class Shape:
    name: str
    cells: tuple[str, ...]
    check: str
    repairs: int  # how many proposals it takes (one per crash the loop meets)


SHAPES = [
    Shape(
        "kwargs-dict-built-in-an-earlier-cell",
        (MPL, "style = dict(normed=True, bins=5, alpha=0.5)", "n, bins, _ = plt.hist([1, 2, 2, 3], **style)"),
        "abs(sum(n * np.diff(bins)) - 1) < 1e-9",
        1,
    ),
    Shape(
        "kwargs-dict-literal-same-cell",
        (MPL, "kw = {'bins': 4, 'normed': True}\nn, bins, _ = plt.hist([1, 2, 2, 3], **kw)"),
        "abs(sum(n * np.diff(bins)) - 1) < 1e-9",
        1,
    ),
    Shape(
        "renamed-import-rewrites-later-uses",
        (
            "import numpy as np\nfrom sklearn.preprocessing import Imputer",
            "X = np.array([[1.0, np.nan], [3.0, 4.0]])",
            "imp = Imputer(strategy='mean', axis=0)\nfilled = imp.fit_transform(X)",
        ),
        "filled[0, 1] == 4.0",
        1,
    ),
    Shape(
        "star-import-bare-names",
        ("from numpy import *", "big = Inf\nsmall = -NINF", "ok = alltrue([big == small])\nt = float_(2)"),
        "ok and t == 2.0",
        2,
    ),
    Shape(
        "pyplot-path-to-a-removed-cm-function",
        (MPL, "cmap = plt.cm.get_cmap('viridis', 4)"),
        "cmap.N == 4",
        1,
    ),
    Shape(
        "one-sample-predict-on-the-failing-line-only",
        (
            IRIS + "from sklearn.neighbors import KNeighborsClassifier",
            "knn = KNeighborsClassifier(n_neighbors=3).fit(X, y)\nrow = X[0]",
            "many = knn.predict(X[:5])\none = knn.predict(row)",
        ),
        "list(many) == [0] * 5 and list(one) == [0]",
        1,
    ),
    Shape(
        "old-mixture-and-splitter-chain",
        (
            IRIS + "from sklearn.mixture import GMM\nfrom sklearn.cross_validation import KFold",
            "gmm = GMM(n_components=3, n_iter=100, random_state=0).fit(X)\nshape = gmm.covars_.shape",
            "kf = KFold(len(X), n_folds=3)\nsizes = [len(test) for train, test in kf]",
        ),
        "shape == (3, 4) and sizes == [50, 50, 50]",
        2,
    ),
    Shape(
        "chain-across-libraries",
        (
            "import numpy as np\nimport pandas as pd",
            "df = pd.DataFrame({'a': [3, 1, 2], 'b': np.ones(3, dtype=np.float)})",
            "m = df.sort('a').as_matrix()",
            "total = np.asscalar(m[:, 1].sum())",
        ),
        "total == 3.0",
        3,
    ),
]


def _run(cells: list[str]) -> tuple[dict[str, Any], int | None, BaseException | None, int | None]:
    """Run the cells in one namespace: the namespace, and the first failure (cell, error, line)."""
    namespace: dict[str, Any] = {"__name__": "__notebook_shape__"}
    for index, source in enumerate(cells):
        filename = f"<cell-{index}>"
        try:
            exec(compile(source, filename, "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - the loop reads whatever the cell raised
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
            return namespace, index, exc, frames[0].lineno if frames else None
    return namespace, None, None, None


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_the_loop_repairs_the_shape(shape: Shape) -> None:
    cells = {f"c{i}": source for i, source in enumerate(shape.cells)}
    ids = list(cells)
    _, first, _, _ = _run(list(cells.values()))
    assert first is not None, "the old notebook must fail today"
    repairs = 0
    while True:
        namespace, failed, error, line = _run(list(cells.values()))
        if failed is None:
            break
        assert error is not None
        assert repairs < shape.repairs, f"cell {failed} still fails: {error!r}"
        cell_id = ids[failed]
        proposal, hints = repair_proposal_from_rules(
            cell_id,
            cells[cell_id],
            type(error).__name__,
            first_line(error),
            preamble=import_preamble(list(cells.values())),
            notebook=cells,
            line=line,
        )
        assert proposal is not None, f"no rule proposal for cell {failed}: {error!r} (hints {hints})"
        cells.update(apply_patch(cells, proposal.patch))
        repairs += 1
    assert repairs == shape.repairs
    assert eval(shape.check, namespace), shape.check
    # the repaired notebook also runs as one script, the way a fresh kernel would run it
    assert run_snippet("", "\n".join(cells.values())).error is None
