"""The context builder: line numbers, tracebacks, the cells and kernel state a prompt needs,
the budget and its shrinking order, and the runtime and score contexts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mlemod_tui.assist.code_analysis import defining_cells, names_used
from mlemod_tui.assist.context import (
    REPAIR,
    RUNTIME,
    SCORE,
    PromptContext,
    Section,
    build_repair_context,
    build_runtime_context,
    build_score_context,
    estimate_tokens,
    numbered,
)
from mlemod_tui.assist.tracebacks import clean_traceback
from mlemod_tui.core.execution import CellError, NotebookRunner
from mlemod_tui.core.kernel import ErrorRaised, KernelSession
from mlemod_tui.core.notebook import Notebook, load_notebook
from mlemod_tui.core.scores import Score

shared_loop = pytest.mark.asyncio(loop_scope="module")

VERSIONS = {"pandas": "3.1.1", "numpy": "2.4.6", "sklearn": "1.9.1", "matplotlib": "3.11.2"}

# A notebook in the shape of the eroded ones: imports, data, an unrelated cell, a derived
# column, then the crash on a removed pandas API.
CELLS: list[Any] = [
    ("markdown", "# House prices"),
    "%matplotlib inline\nimport numpy as np\nimport pandas as pd",
    "df = pd.DataFrame({'sqft': [900.0, 1500.0, None], 'city': ['a', 'b', 'c']})\ndf.head()",
    "from sklearn.linear_model import LinearRegression\nunrelated = LinearRegression()\nsecret_note = 'x' * 50",
    "df['price'] = df['sqft'] * 120\nrows = {'sqft': 1000.0, 'city': 'd', 'price': 1.0}",
    "df = df.append(rows, ignore_index=True)\nprint(len(df))",
]
FAILING = 5


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def crashed(
    tmp_path_factory: pytest.TempPathFactory, make_notebook: Any
) -> AsyncIterator[tuple[Notebook, CellError, KernelSession]]:
    """The notebook run on a real kernel up to its crash; the kernel stays live."""
    folder = tmp_path_factory.mktemp("ctx")
    notebook = load_notebook(make_notebook(folder, CELLS))
    async with KernelSession(cwd=folder) as kernel:
        result = await NotebookRunner(notebook, kernel).run_all()
        failure = result.first_failure
        assert failure is not None and failure.index == FAILING and failure.error is not None
        yield notebook, failure.error, kernel


async def raise_in_kernel(kernel: KernelSession, code: str) -> list[str]:
    """The raw (ANSI-coloured) traceback lines a real kernel sends for ``code``."""
    raised = [e async for e in kernel.execute(code, store_history=False) if isinstance(e, ErrorRaised)]
    assert raised, "the code did not raise"
    return raised[0].traceback


def plain(text: str) -> bool:
    return "\x1b" not in text


# --------------------------------------------------------------------------- small pieces


def test_numbered_lines_match_traceback_numbering() -> None:
    assert numbered("a = 1\nb = 2\n") == "  1 | a = 1\n  2 | b = 2"
    assert numbered("x", start=9) == "  9 | x"
    assert numbered("") == "  1 |"
    long = numbered("\n".join(f"v{i} = {i}" for i in range(1200)))
    assert long.splitlines()[0] == "   1 | v0 = 0" and long.splitlines()[-1] == "1200 | v1199 = 1199"


def test_token_estimate_is_conservative() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("x" * 35) == 10
    assert estimate_tokens("y" * 36) == 11


def test_prompt_context_renders_sections_and_what_was_left_out() -> None:
    context = PromptContext(REPAIR, (Section("A", "alpha", 0), Section("B", "beta", 1)), ("hint 2",))
    text = context.render()
    assert text.startswith("## A\nalpha\n\n## B\nbeta")
    assert "left out to fit the context budget: hint 2" in text
    assert context.tokens() == estimate_tokens(text)


# --------------------------------------------------------------------------- tracebacks


@shared_loop
async def test_a_real_pandas_traceback_is_cleaned(crashed: Any) -> None:
    _, _, kernel = crashed
    raw = await raise_in_kernel(kernel, "def pick(frame):\n    return frame['missing']\n\npick(df)")
    assert any("\x1b[" in line for line in raw)
    assert any("site-packages/pandas" in line for line in raw)
    text = clean_traceback(raw)
    assert plain(text)
    assert "site-packages" not in text
    assert re.search(r"^\.\.\. \d+ library frames \(pandas/", text, re.M)
    assert "Cell In[" in text and "----> 4 pick(df)" in text
    assert "in pick(frame)" in text and "return frame['missing']" in text
    assert text.rstrip().endswith("KeyError: 'missing'")
    assert "The above exception was the direct cause" in text  # the chain is kept


@shared_loop
async def test_shorter_tracebacks_keep_the_last_frame_then_only_the_exception(crashed: Any) -> None:
    _, _, kernel = crashed
    raw = await raise_in_kernel(kernel, "def pick(frame):\n    return frame['missing']\n\npick(df)")
    last = clean_traceback(raw, max_frames=1)
    assert "in pick(frame)" in last and "----> 4 pick(df)" not in last
    assert "The above exception" not in last
    assert last.rstrip().endswith("KeyError: 'missing'")
    assert clean_traceback(raw, max_frames=0) == "KeyError: 'missing'"


@shared_loop
async def test_syntax_errors_and_the_crash_itself(crashed: Any) -> None:
    _, error, kernel = crashed
    syntax = clean_traceback(await raise_in_kernel(kernel, "print 'hello'"))
    assert plain(syntax) and "print 'hello'" in syntax and "SyntaxError: Missing parentheses" in syntax
    text = clean_traceback(error.traceback)
    assert "----> 1 df = df.append(rows, ignore_index=True)" in text
    assert "... 1 library frame (pandas/core/generic.py" in text
    assert text.endswith("AttributeError: 'DataFrame' object has no attribute 'append'")


def test_plain_python_tracebacks_collapse_library_frames_too() -> None:
    lines = [
        "Traceback (most recent call last):",
        '  File "/home/me/project/helpers.py", line 3, in load\n    return pd.read_csv(path)',
        '  File "/usr/lib/python3.11/site-packages/pandas/io/parsers.py", line 9, in read_csv\n    x',
        '  File "/usr/lib/python3.11/site-packages/pandas/io/common.py", line 7, in get_handle\n    y',
        "FileNotFoundError: [Errno 2] No such file or directory: 'train.csv'",
    ]
    text = clean_traceback(lines)
    assert "helpers.py" in text and "return pd.read_csv(path)" in text
    assert "... 2 library frames (pandas/io/parsers.py:9 read_csv → pandas/io/common.py:7 get_handle) ..." in text
    assert text.endswith("No such file or directory: 'train.csv'")


# --------------------------------------------------------------------------- names


def test_names_used_imports_aliases_functions_and_augmented_assignment() -> None:
    source = (
        "%matplotlib inline\n"
        "import numpy as np\n"
        "from sklearn.metrics import accuracy_score as acc\n"
        "x = np.log(raw)\n"
        "total += x.sum()\n"
        "def score(model, X=X_test):\n"
        "    pred = model.predict(X)\n"
        "    return acc(y_test, pred) + offset\n"
        "offset = 0\n"
        "files = !ls data\n"
        "print(score(clf), files)\n"
    )
    used = names_used(source)
    assert used[:2] == ["raw", "total"]
    assert set(used) == {"raw", "total", "X_test", "print", "clf", "y_test"}
    for bound_here in ("np", "acc", "x", "pred", "model", "X", "offset", "files", "score"):
        assert bound_here not in used


def test_comprehension_lambda_and_class_locals_are_not_counted() -> None:
    source = (
        "squares = [i * i for i in values if i > limit]\n"
        "pairs = {k: v for k, v in table.items()}\n"
        "gen = sum(j for row in grid for j in row)\n"
        "key = lambda item: item[col]\n"
        "class Box:\n    size = width * 2\n    def area(self):\n        return self.size * height\n"
    )
    assert set(names_used(source)) == {"values", "limit", "table", "sum", "grid", "col", "width", "height"}


def test_names_used_read_before_assignment_in_the_same_cell_counts() -> None:
    assert names_used("df = df.dropna()\ny = df") == ["df"]
    assert names_used("for n in names:\n    seen = n\nprint(seen)") == ["names", "print"]


def test_python2_cells_fall_back_to_identifiers() -> None:
    assert names_used("print df.shape, 'rows in train'\n# a comment naming ghost") == ["print", "df"]
    assert names_used("%%bash\nls -la") == []


NOTEBOOK = [
    "import numpy as np\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier as RF",  # 0
    "train = pd.read_csv('train.csv')",  # 1
    "%time\nplt_cfg = {'dpi': 72}\nplot_note = 'unrelated'",  # 2
    "train['age'] = train['age'].fillna(train['age'].median())\ntrain.head()",  # 3
    "X = train[['age', 'fare']]\ny = train['survived']",  # 4
    "train.describe()",  # 5: reads only: not a definer
    "model = RF()\nmodel.fit(X, y)",  # 6
    "# markdown-like comment cell",  # 7
    "pred = model.predict(X)\nprint((pred == y).mean())",  # 8
]


def test_defining_cells_are_the_latest_binders_plus_one_level() -> None:
    cells = defining_cells(NOTEBOOK, 8, names_used(NOTEBOOK[8]))
    # model (6) and X, y (4) directly; one level further: RF (0) and train (3 changes it, 1 binds it)
    assert cells == [0, 1, 3, 4, 6]
    assert 2 not in cells and 5 not in cells


def test_an_in_place_change_counts_as_defining() -> None:
    nb = ["import pandas as pd\ndf = pd.DataFrame()", "df.dropna(inplace=True)", "df.plot()", "df.sum()"]
    assert defining_cells(nb, 3, ["df"]) == [0, 1]
    fitted = ["from sklearn.svm import SVC\nclf = SVC()", "clf.fit(X, y)", "clf.score(X, y)"]
    assert defining_cells(fitted, 2, ["clf", "X", "y"]) == [0, 1]


def test_defining_cells_only_look_back_and_are_capped() -> None:
    nb = [f"v{i} = {i}" for i in range(10)] + ["total = " + " + ".join(f"v{i}" for i in range(10))]
    assert defining_cells(nb, 10, names_used(nb[10]), cap=3) == [7, 8, 9]
    assert defining_cells(["x = 1", "print(x)", "x = 2"], 1, ["x"]) == [0]
    assert defining_cells(["a = b", "b = 1"], 1, ["a"]) == [0]  # b is bound only later


# --------------------------------------------------------------------------- the repair context


async def repair(crashed: Any, **kwargs: Any) -> PromptContext:
    notebook, error, kernel = crashed
    options: dict[str, Any] = {"kernel": kernel, "versions": VERSIONS, "python": "3.11.7"}
    return await build_repair_context(notebook, FAILING, error, **(options | kwargs))


@shared_loop
async def test_the_repair_context_carries_what_the_model_needs(crashed: Any) -> None:
    context = await repair(crashed, hints=["pandas-append: use pd.concat([df, pd.DataFrame([row])])"])
    text = context.render()
    assert context.kind == REPAIR and context.dropped == ()
    assert "## Failing cell 5 (id " in text
    assert "  1 | df = df.append(rows, ignore_index=True)\n  2 | print(len(df))" in text
    assert "AttributeError: 'DataFrame' object has no attribute 'append'" in text
    assert "\x1b" not in text and "site-packages" not in text
    titles = [s.title for s in context.sections]
    assert any(t.startswith("Earlier cell 4 ") and "defines df, rows" in t for t in titles)
    assert any(t.startswith("Earlier cell 2 ") for t in titles)
    assert any(t.startswith("Earlier cell 1 ") for t in titles)  # pd, one level up
    assert not any(t.startswith("Earlier cell 3 ") for t in titles)
    assert "unrelated" not in text and "secret_note" not in text


@shared_loop
async def test_the_kernel_state_of_a_used_frame_is_live(crashed: Any) -> None:
    state = (await repair(crashed)).section("Kernel state")
    assert state is not None
    # Today's df: cell 4 added `price`, so the stored notebook could not have told us this.
    assert "df: pandas.DataFrame, shape (3, 3)" in state.text
    assert "columns (3): sqft float64, city " in state.text and "price float64" in state.text
    assert "NaN in 2 column(s): sqft (1), price (1)" in state.text
    assert "rows: dict, len 3" in state.text
    assert "unrelated" not in state.text


@shared_loop
async def test_versions_are_only_those_of_the_libraries_involved(crashed: Any) -> None:
    environment = (await repair(crashed)).section("Environment")
    assert environment is not None
    assert environment.text.splitlines()[0] == "Python 3.11.7"
    assert "- pandas 3.1.1" in environment.text and "- numpy 2.4.6" in environment.text
    assert "scikit-learn" not in environment.text  # imported only by the unrelated cell


@shared_loop
async def test_without_a_kernel_there_is_no_kernel_state(crashed: Any) -> None:
    context = await repair(crashed, kernel=None)
    assert context.section("Kernel state") is None
    assert context.section("Failing cell") is not None


@shared_loop
async def test_a_shrinking_budget_drops_things_in_the_stated_order(crashed: Any) -> None:
    hints = [f"hint number {i}: " + "explain " * 30 for i in range(3)]
    full = await repair(crashed, hints=hints)
    seen: list[str] = []
    for budget in range(full.tokens(), 0, -15):
        context = await repair(crashed, hints=hints, budget_tokens=budget)
        text = context.render()
        assert "  1 | df = df.append(rows, ignore_index=True)" in text
        assert "AttributeError: 'DataFrame' object has no attribute 'append'" in text
        if context.tokens() > budget:
            assert context.dropped[-1] == "environment"  # it took everything it may take
        for label in context.dropped:
            kind = label.split(" ")[0] if not label.startswith("earlier") else "earlier"
            if kind not in seen:
                seen.append(kind)
    assert seen == ["kernel-state", "earlier", "traceback", "hint", "kernel", "environment"]


@shared_loop
async def test_the_first_cuts_are_previews_then_the_furthest_cell(crashed: Any) -> None:
    full = await repair(crashed)
    trimmed = await repair(crashed, budget_tokens=full.tokens() - 20)
    assert trimmed.dropped == ("kernel-state previews",)
    state = trimmed.section("Kernel state")
    assert state is not None and "columns (3)" in state.text  # facts stay
    no_preview = await repair(crashed, budget_tokens=full.tokens() - 150)
    assert no_preview.dropped[0] == "kernel-state previews"
    if len(no_preview.dropped) > 1:
        assert no_preview.dropped[1].startswith("earlier cell 1 ")  # the furthest first
    tiny = await repair(crashed, budget_tokens=1)
    assert [s.title.split(" (")[0] for s in tiny.sections] == ["Failing cell 5", "Error"]
    error = tiny.section("Error")
    assert error is not None and "Cell In[" not in error.text


# --------------------------------------------------------------------------- runtime and score


@pytest.fixture
def small_notebook(tmp_path: Path, make_notebook: Any) -> Notebook:
    return load_notebook(
        make_notebook(
            tmp_path,
            [
                "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
                "X = np.random.RandomState(0).rand(100, 4)\ny = (X[:, 0] > 0.5).astype(int)",
                "model = RandomForestClassifier(n_estimators=500, random_state=0)\nmodel.fit(X, y)",
                "import json\nnote = json.dumps({'a': 1})",
                "print('Accuracy:', round(model.score(X, y), 4))",
            ],
            minor=4,  # no stored ids: they become cell-0, cell-1, ...
        )
    )


def test_the_runtime_context_has_timings_budget_and_the_slowest_sources(small_notebook: Notebook) -> None:
    today = {0: 1.2, 1: 0.01, 2: 95.0, 3: 0.002}
    stored = {0: 1.0, 1: 0.01, 2: 12.0, 3: 0.001, 4: 0.05}
    context = build_runtime_context(
        small_notebook, today=today, stored=stored, budget=60.0, slowest=2,
        versions=VERSIONS, python="3.11.7",
    )
    text = context.render()
    assert context.kind == RUNTIME
    assert "Budget: 1m00s" in text and "Over budget." in text
    assert "| 2 | cell-2 | 1m35s | 12 s | x7.9 |" in text
    assert "Projected total with the 1 cell(s) not run yet" in text
    assert "## Slow cell 2 (id cell-2), 1m35s today" in text
    assert "  1 | model = RandomForestClassifier(n_estimators=500, random_state=0)" in text
    assert "## Slow cell 0 (id cell-0)" in text
    assert "note = json.dumps" not in text  # a fast cell's source stays out
    assert "- scikit-learn (import sklearn) 1.9.1" in text
    small = build_runtime_context(small_notebook, today=today, stored=stored, budget=60.0, slowest=2, budget_tokens=150)
    assert "## Slow cell 2" in small.render() and "## Slow cell 0" not in small.render()
    assert small.dropped[0] == "timings of the faster cells"


def score(value: float, cell: int, text: str) -> Score:
    return Score("accuracy", value, False, cell, f"cell-{cell}", text, False)


def test_the_score_context_has_reference_today_cells_and_changed_defaults(small_notebook: Notebook) -> None:
    context = build_score_context(
        small_notebook,
        reference=score(0.951, 4, "Accuracy: 0.951"),
        today=score(0.965, 4, "Accuracy: 0.965"),
        tolerance=0.01,
        changed_defaults=["RandomForestClassifier n_estimators: 10 -> 100 (scikit-learn 0.22)"],
        versions=VERSIONS,
        python="3.11.7",
    )
    text = context.render()
    assert context.kind == SCORE
    assert "Reference (stored): accuracy = 0.951 (cell 4)" in text
    assert "Today: accuracy = 0.965 (cell 4)" in text
    assert "verdict: drifted" in text and "Tolerance: 1.0%" in text
    assert "## Cell 4 (id cell-4) that reports the score" in text
    assert "model = RandomForestClassifier(n_estimators=500" in text  # the cell that produces it
    assert "X = np.random.RandomState(0)" in text
    assert "json.dumps" not in text
    assert "RandomForestClassifier n_estimators: 10 -> 100" in text
    assert "- scikit-learn (import sklearn) 1.9.1" in text
    tight = build_score_context(
        small_notebook, reference=score(0.951, 4, "Accuracy: 0.951"), today=None,
        tolerance=0.01, budget_tokens=120,
    )
    assert "Today: not produced yet" in tight.render() and "## Cell 4" in tight.render()
    assert tight.dropped and tight.dropped[0].startswith("earlier cell 0")
