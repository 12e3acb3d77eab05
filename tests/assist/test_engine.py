"""The engine around the rules: magics, the prefilter, the public API's shapes and promises."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlemod_tui.assist.rules import (
    RULES,
    RULES_BY_ID,
    apply_rules,
    engine,
    match_crash,
    rules_by_library,
    scan_notebook,
    scan_source,
)
from mlemod_tui.assist.rules.prefilter import prefilter, triggered
from mlemod_tui.assist.rules.source import mask_magics


def ids(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule_id for f in findings]


# --------------------------------------------------------------------------- magics


MAGIC_CELL = """%matplotlib inline
!pip install -q "seaborn<0.9"
files = !ls data/*.csv
import numpy as np  # comment kept
for f in files:
    !echo {f}
    x = np.zeros(3, dtype=np.float)
np.float?
"""


def test_magic_lines_are_masked_and_restored_byte_for_byte() -> None:
    fixed, applied = apply_rules(MAGIC_CELL)
    assert applied == ["numpy-np-float"]
    assert fixed == MAGIC_CELL.replace("dtype=np.float)", "dtype=float)")


def test_windows_line_endings_survive() -> None:
    cell = MAGIC_CELL.replace("\n", "\r\n")
    fixed, _ = apply_rules(cell)
    assert fixed == cell.replace("dtype=np.float)", "dtype=float)")


def test_findings_in_a_cell_with_magics_keep_their_line_numbers() -> None:
    [finding] = scan_source(MAGIC_CELL)
    assert finding.rule_id == "numpy-np-float" and finding.lines == (7,)


def test_python_cell_magics_are_scanned_and_other_cell_magics_are_not() -> None:
    assert ids(scan_source("%%time\nx = np.asscalar(a)\n")) == ["numpy-asscalar"]
    assert apply_rules("%%time\nx = np.asscalar(a)\n")[0] == "%%time\nx = a.item()\n"
    assert scan_source("%%bash\necho np.float\n") == []
    assert mask_magics("%%writefile a.py\nimport numpy\n") is None


def test_a_percent_continuation_inside_brackets_is_python_not_a_magic() -> None:
    cell = "msg = ('%d rows'\n       % n)\nv = np.NaN\n"
    masked = mask_magics(cell)
    assert masked is not None and masked.originals == {}
    assert apply_rules(cell)[0] == cell.replace("np.NaN", "np.nan")


def test_a_lone_semicolon_line_is_ipython_and_the_cell_is_still_fixed() -> None:
    # Notebooks end a plotting cell with ``;`` on its own line to hide the repr; IPython
    # accepts it, Python does not, and the cell must not escape the rules because of it.
    cell = "both = a.append(b)\nplt.plot(both)\n;\n"
    fixed, applied = apply_rules(cell, ["pandas-append"], preamble="import pandas as pd")
    assert applied == ["pandas-append"]
    assert fixed == "both = pd.concat([a, b])\nplt.plot(both)\n;\n"


# --------------------------------------------------------------------------- prefilter


def test_a_cell_without_trigger_tokens_is_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parse(text: str) -> None:
        raise AssertionError("parsed a clean cell")

    monkeypatch.setattr(engine, "_parse", no_parse)
    assert scan_source("total = sum(v for v in values)\nprint(total)\n") == []


def test_the_fast_forms_match_wherever_the_exact_triggers_do() -> None:
    from tests.assist.test_rule_cases import CASES

    combined = prefilter(RULES)
    for case in CASES:
        for rule in RULES:
            if rule.triggered(case.old):
                assert combined.search(case.old), (case.id, rule.id)
                assert triggered(rule, case.old), (case.id, rule.id)


def test_every_rule_declares_compilable_triggers_or_is_crash_only() -> None:
    for rule in RULES:
        assert rule.trigger_re is not None or rule.crash_only, rule.id
        assert rule.kind in ("crash", "silent-score-change", "warning-only", "runtime")
        assert rule.summary and rule.replacement and rule.changed_in, rule.id
        if rule.kind == "crash":
            assert rule.crash is not None, f"{rule.id}: a crash rule should match its traceback"
        if not rule.fixable:
            assert rule.hint, f"{rule.id}: a rule with no patch must say what to do"


def test_rule_ids_are_unique_and_grouped_by_library() -> None:
    assert len(RULES_BY_ID) == len(RULES) >= 80
    grouped = rules_by_library()
    assert sum(len(v) for v in grouped.values()) == len(RULES)
    for library in ("pandas", "numpy", "scikit-learn", "matplotlib", "seaborn", "scipy", "keras"):
        assert grouped[library], library
    assert all(re.fullmatch(r"[a-z0-9_]+(?:-[A-Za-z0-9_]+)+", rule.id) for rule in RULES)


# --------------------------------------------------------------------------- precision


@pytest.mark.parametrize(
    "code",
    [
        "results.append(row)",  # a list
        "out = np.append(a, b)",  # numpy's own append
        "[out.append(x) for x in xs]",
        "lst.sort()",
        "names.sort(key=len)",
        "opt = optim.Adam(model.parameters(), lr=1e-3)",
        "d['k'][0] = 1",  # a dict of lists
        "np.float = float",  # a compatibility shim
        "x = a[len(a) // 2]",
        "s = df.to_period('M')",
        "print('already Python 3')",
        "m = LogisticRegression(C=1.0, max_iter=1000)",
        "import torch.optim as optim\nopt = optim.SGD(net.parameters(), lr=0.1)",
    ],
)
def test_look_alikes_are_left_alone(code: str) -> None:
    assert apply_rules(code) == (code, [])


def test_fixes_keep_comments_and_the_layout_around_them() -> None:
    cell = (
        "# load the data\n"
        "df = pd.read_csv(path,   # the raw file\n"
        "                 error_bad_lines=False)\n"
        "X = df.as_matrix()  # to numpy\n"
    )
    fixed, applied = apply_rules(cell)
    assert set(applied) == {"pandas-error-bad-lines", "pandas-as-matrix"}
    assert fixed == (
        "# load the data\n"
        "df = pd.read_csv(path,   # the raw file\n"
        "                 on_bad_lines='skip')\n"
        "X = df.to_numpy()  # to numpy\n"
    )


def test_fixes_of_several_rules_in_one_cell_compose() -> None:
    cell = "X = df.ix[:, cols].as_matrix()\nv = np.asscalar(X.mean())\n"
    fixed, applied = apply_rules(cell)
    assert fixed == "X = df.loc[:, cols].to_numpy()\nv = X.mean().item()\n"
    assert set(applied) == {"pandas-ix", "pandas-as-matrix", "numpy-asscalar"}


def test_each_finding_proposes_the_cell_as_its_rule_alone_fixes_it() -> None:
    cell = "X = df.ix[:, cols].as_matrix()\n"
    by_rule = {f.rule_id: f.new_source for f in scan_source(cell)}
    assert by_rule == {
        "pandas-ix": "X = df.loc[:, cols].as_matrix()\n",
        "pandas-as-matrix": "X = df.ix[:, cols].to_numpy()\n",
    }


def test_runtime_reductions_only_on_request() -> None:
    cell = "rf = RandomForestClassifier(n_estimators=100)\n"
    assert scan_source(cell) == []
    assert ids(scan_source(cell, include_runtime=True)) == ["sklearn-n-jobs"]
    assert apply_rules(cell) == (cell, [])
    assert apply_rules(cell, ["sklearn-n-jobs"])[0] == (
        "rf = RandomForestClassifier(n_estimators=100, n_jobs=-1)\n"
    )


def test_unknown_rule_ids_are_refused() -> None:
    with pytest.raises(KeyError, match="no-such-rule"):
        apply_rules("x = 1", ["no-such-rule"])


def test_python2_cells_are_repaired_before_anything_else() -> None:
    cell = "for i in xrange(3):\n    print i, np.float(i)\n"
    fixed, applied = apply_rules(cell)
    assert fixed == "for i in range(3):\n    print(i, float(i))\n"
    assert applied[0] == "py-print-statement"


def test_findings_serialise_to_json() -> None:
    [finding] = scan_source("v = np.NaN\n")
    data = json.loads(json.dumps(finding.to_dict()))
    assert data["rule"] == "numpy-NaN" and data["lines"] == [1] and data["kind"] == "crash"
    assert data["purpose"] == "error-repair" and "NumPy 2.0" in data["explanation"]


# --------------------------------------------------------------------------- match_crash


def test_a_crash_names_its_rule_even_when_the_cause_is_in_another_cell() -> None:
    found = match_crash(
        "X_train, X_test = train_test_split(X)",
        "ModuleNotFoundError",
        "No module named 'sklearn.cross_validation'",
    )
    assert ids(found) == ["sklearn-cross-validation"]
    assert found[0].lines == () and found[0].new_source is None


def test_a_crash_in_the_cell_comes_back_with_lines_and_the_fix() -> None:
    cell = "import numpy as np\nX = data.astype(np.float)\n"
    [finding] = match_crash(cell, "AttributeError", "module 'numpy' has no attribute 'float'.")
    assert (
        finding.lines == (2,)
        and finding.new_source == "import numpy as np\nX = data.astype(float)\n"
    )


def test_crash_only_rules_fix_from_the_message() -> None:
    cell = "summary = df.mean()\nspread = df.std()\n"
    [finding] = match_crash(cell, "TypeError", "Cannot perform reduction 'std' with string dtype")
    assert finding.new_source == "summary = df.mean()\nspread = df.std(numeric_only=True)\n"


def test_a_broad_crash_pattern_needs_the_code_to_match_too() -> None:
    assert match_crash("v = d['s']", "KeyError", "'s'") == []
    assert match_crash("x = 1", "ValueError", "something nobody catalogued") == []


def test_qualified_exception_names_match() -> None:
    found = match_crash(
        "t = DecisionTreeRegressor(criterion='mse')",
        "sklearn.utils._param_validation.InvalidParameterError",
        "The 'criterion' parameter of DecisionTreeRegressor must be a str among "
        "{'poisson', 'squared_error', 'absolute_error'}. Got 'mse' instead.",
    )
    assert ids(found) == ["sklearn-criterion-mse"]


# --------------------------------------------------------------------------- notebooks


def _notebook(*cells: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# title")] + [new_code_cell(c) for c in cells])
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def test_scan_notebook_uses_imports_from_other_cells() -> None:
    nb = _notebook(
        "import numpy as np\nfrom scipy.misc import imread\n",
        "img = imread('a.png')\n",
        "print('clean')\n",
    )
    result = scan_notebook(nb)
    assert [(c.index, c.cell_id) for c in result] == [(1, "c1"), (2, "c2")]
    assert (
        result[1].fixed_source == "from PIL import Image\nimg = np.asarray(Image.open('a.png'))\n"
    )
    assert result[0].fixed_source == "import numpy as np\n"
    assert result[1].applied == ("scipy-misc-imread",)


def test_scan_notebook_can_leave_warnings_out() -> None:
    nb = _notebook("sns.distplot(x)\n", "v = np.NaN\n")
    assert [c.index for c in scan_notebook(nb)] == [1, 2]
    assert [c.index for c in scan_notebook(nb, include_warnings=False)] == [2]


def test_explanations_have_one_level_of_parentheses_and_no_empty_version() -> None:
    """Issue 13 items 4 and 14: "(scikit-learn -)" and "(pandas 1.0 (deprecated 0.20))"."""
    from mlemod_tui.assist.rules import RULES

    for rule in RULES:
        text = rule.explanation
        assert f"({rule.library} -)" not in text and f"({rule.library} )" not in text, text
        head = text.split(". Modern:")[0]
        assert f"{rule.changed_in})" not in head or "(" not in rule.changed_in, text


def test_a_level_reduction_across_columns_groups_the_transposed_frame() -> None:
    """Corpus pydata-ch08: ``frame.sum(level='color', axis=1)`` must not become
    ``frame.groupby(level='color').sum(axis=1)`` (that fails: the level is on the columns);
    the columns' level groups the rows of ``frame.T``. An axis the rule cannot read is left."""
    source = "import pandas as pd\nt = frame.sum(level='color', axis=1)\n"
    fixed = "import pandas as pd\nt = frame.T.groupby(level='color').sum().T\n"
    assert apply_rules(source, ["pandas-level-reduction"]) == (fixed, ["pandas-level-reduction"])
    unknown = "import pandas as pd\nt = frame.sum(level='color', axis=which)\n"
    assert apply_rules(unknown, ["pandas-level-reduction"]) == (unknown, [])


def test_a_crash_only_fix_reaches_a_call_written_over_several_lines() -> None:
    """The traceback names the first line of a call that spans several (corpus
    ethen-genetic-algorithm, imlp-05's helper): the fix must still find it, and only it."""
    source = (
        "import pandas as pd\n"
        "t = pd.read_table('f.txt', header=None,\n"
        "                  names=['a', 'b'], sep=' ')\n"
        "u = pd.read_table('g.txt', header=None,\n"
        "                  names=['a', 'b'], sep=' ')\n"
    )
    found = match_crash(
        source, "ParserError", "Error tokenizing data. C error: Expected 2 fields in line 3, saw 3",
        line=4,
    )
    fix = next(f for f in found if f.rule_id == "pandas-read-space-trailing-blank")
    assert fix.lines == (4,)
    assert fix.new_source is not None
    assert fix.new_source.splitlines()[2].endswith("sep=' ')")
    assert fix.new_source.splitlines()[4].endswith("sep=r'\\s+')")
