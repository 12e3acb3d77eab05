"""Notebook-order problems (issue #6): found from the file, shown by `scan`, and
`run --order stored` on a real kernel."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlemod_tui.cli import main
from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.order import OrderProblem, analyze_order, execution_order

Spec = str | tuple[str, int | None]


def cells_of(*specs: Spec) -> list[Any]:
    """Code cells from ``source`` or ``(source, execution_count)``; ``("#md", n)`` is markdown."""
    cells = []
    for spec in specs:
        source, count = (spec, None) if isinstance(spec, str) else spec
        if source.startswith("#md"):
            cells.append(new_markdown_cell(source))
            continue
        cell = new_code_cell(source)
        cell.execution_count = count
        cells.append(cell)
    return cells


def write(tmp_path: Path, *specs: Spec, name: str = "nb.ipynb") -> Path:
    nb = new_notebook(cells=cells_of(*specs))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return path


def late_uses(*specs: Spec) -> list[tuple[int, tuple[str, ...], int | None]]:
    report = analyze_order(cells_of(*specs))
    return [
        (p.cell_index, p.names, p.related_index)
        for p in report.problems
        if p.kind == "used-before-defined"
    ]


# --------------------------------------------------------------------------- execution counts


def test_inverted_counts_are_reported_once_per_cell_against_the_highest_above() -> None:
    report = analyze_order(cells_of(("a = 1", 1), ("b = 2", 7), ("#md", None), ("c = 3", 4), ("d = 4", 8)))
    assert report.problems == (
        OrderProblem(
            "execution-count-order",
            3,
            "cell 3 ran before cell 1 (execution counts 4 and 7)",
            related_index=1,
        ),
    )
    assert report.cells_with_problems() == {3}
    assert report.out_of_order and report.stored_order == (0, 3, 1, 4)


def test_a_reversed_notebook_gives_n_messages_not_n_squared() -> None:
    report = analyze_order(cells_of(*[(f"x{i} = {i}", 100 - i) for i in range(100)]))
    assert len(report.problems) == 99
    assert {p.related_index for p in report.problems} == {0}
    assert report.stored_order == tuple(range(99, -1, -1))


def test_a_shared_count_is_a_restart_and_does_not_reorder() -> None:
    report = analyze_order(cells_of(("a = 1", 1), ("b = 2", 2), ("c = 3", 2)))
    [problem] = report.problems
    assert problem.cell_index == 2 and "share execution count 2" in problem.message
    assert not report.out_of_order and report.stored_order == (0, 1, 2)


def test_increasing_or_missing_counts_are_fine() -> None:
    assert analyze_order(cells_of(("a = 1", 1), "b = a", ("c = b", 5))).problems == ()
    cleared = analyze_order(cells_of("a = 1", "b = a", "#md", "c = b"))
    assert cleared.problems == () and cleared.stored_order == (0, 1, 3)
    assert not cleared.out_of_order


def test_never_run_cells_travel_with_the_code_cell_above_them() -> None:
    cells = cells_of("setup = 0", ("a = 1", 3), "a_note = 1", ("b = 2", 1), "#md", "b_note = 2", ("c = 3", 2))
    assert execution_order(cells, "stored") == [0, 3, 5, 6, 1, 2]
    assert execution_order(cells, "top-down") == [0, 1, 2, 3, 5, 6]
    with pytest.raises(ValueError, match="unknown run order"):
        execution_order(cells, "sideways")  # type: ignore[arg-type]


def test_a_loaded_notebook_keeps_its_stored_counts_after_todays_run(tmp_path: Path) -> None:
    notebook = load_notebook(write(tmp_path, ("b = a + 1", 2), ("a = 1", 1)))
    for count, cell in enumerate(notebook.cells, start=1):  # what a top-down run writes back
        cell.execution_count = count
    assert execution_order(notebook, "stored") == [1, 0]
    assert analyze_order(notebook).out_of_order


# --------------------------------------------------------------------------- names


def test_a_name_defined_only_further_down_is_reported_with_the_defining_cell() -> None:
    report = analyze_order(
        cells_of("import numpy as np", "preds = model.predict(np.ones(3))", "#md", "model = make()", "def make(): pass")
    )
    assert [p.message for p in report.problems] == [
        "cell 1 uses `model`, first defined in cell 3",
        "cell 3 uses `make`, first defined in cell 4",
    ]
    assert report.problems[0].names == ("model",) and report.problems[0].related_index == 3
    assert report.cells_with_problems() == {1, 3}
    assert not report.out_of_order  # no counts: running in stored order would change nothing


def test_names_are_grouped_per_defining_cell() -> None:
    assert late_uses("fit(X, y, model)", "X, y = load()", "model = 1\nfit = print") == [
        (0, ("X", "y"), 1),
        (0, ("fit", "model"), 2),
    ]


def test_names_defined_above_or_in_the_same_cell_or_nowhere_are_fine() -> None:
    assert late_uses("x = 1", "print(x)", "x = 2") == []
    assert late_uses("for i in range(3):\n    total = total + i if i else 0", "total = 5") == []
    assert late_uses("print(undefined_anywhere)") == []


def test_every_kind_of_definition_counts() -> None:
    defining = (
        "import os.path\nimport numpy as np\nfrom math import pi as PI\n"
        "for a, (b, c) in items: pass\n"
        "with open(f) as fh, ctx() as (g, h): pass\n"
        "if (w := 3): pass\n"
        "k += 1\nann: int = 2\n"
        "try:\n    pass\nexcept Exception as err:\n    pass\n"
        "def fn(): pass\nclass K: pass\n"
        "def setup():\n    global late_global\n    late_global = 1\n"
        "match point:\n    case [px, *rest]: pass\n    case {'k': kv, **others}: pass\n"
    )
    names = "os np PI a b c fh g h w k ann err fn K late_global px rest kv others"
    user = "print(" + ", ".join(names.split()) + ")"
    assert late_uses(defining, user) == []
    [(_index, found, related)] = late_uses(user, defining)
    assert sorted(found) == sorted(names.split()) and related == 1


def test_builtins_and_ipython_names_are_ignored() -> None:
    user = "display(len(In), Out, _, __, _i, _oh, _3, _i3, get_ipython(), exit, quit)"
    later = (
        "from IPython.display import display\nlen = 3\n"
        "In = Out = _ = __ = _i = _oh = _3 = _i3 = 0\nexit = quit = get_ipython = 0"
    )
    assert late_uses(user, later) == []


def test_only_code_that_runs_with_the_cell_counts_as_a_use() -> None:
    # Function and lambda bodies run when called: `f` uses `g` only inside its body, so
    # defining g further down is not reported (a top-down run defines g before f() is called).
    assert late_uses("def f():\n    return g()", "def g():\n    return 1", "f()") == []
    assert late_uses("h = lambda: later()", "def later(): pass") == []
    # What runs at definition time does count: decorators, defaults, bases, class bodies.
    assert late_uses(
        "@deco\ndef f(x=DEFAULT):\n    pass\nclass A(Base):\n    size = SIZE\n    twice = size * 2",
        "deco = id\nDEFAULT = Base = SIZE = 1",
    ) == [(0, ("deco", "DEFAULT", "Base", "SIZE"), 1)]


def test_comprehension_variables_stay_in_the_comprehension() -> None:
    assert late_uses("ys = [m * k for m in rows if m > lo]", "m = k = rows = lo = 1") == [
        (0, ("rows", "lo", "k"), 1)  # evaluation order
    ]
    assert late_uses("[m for m in range(3)]", "print(m)", "m = 1") == [(1, ("m",), 2)]


def test_star_imports_and_run_magics_may_define_anything() -> None:
    assert late_uses("from pylab import *", "plot(x)", "x = 1") == []
    assert late_uses("print(x)", "from numpy import *", "x = 1") == [(0, ("x",), 2)]
    assert late_uses("%run helpers.py", "plot(x)", "x = 1") == []
    assert late_uses("%pylab inline\nplot(x)", "x = 1") == []


def test_magics_shell_and_help_lines_are_masked() -> None:
    source = (
        "%matplotlib inline\n!pip install xgboost\nfiles = !ls data\n"
        "np.mean?\n??model\nif True:\n    %time fit(X)\nprint(files, data)"
    )
    assert late_uses(source, "np = model = fit = X = 1\ndata = 2") == [(0, ("data",), 1)]
    assert late_uses("files = !ls", "print(files)") == []


def test_cell_magics_skip_the_cell_unless_its_body_is_python() -> None:
    assert late_uses("%%bash\necho $model\nmodel=1", "model = 2") == []
    assert late_uses("%%writefile x.py\nprint(model)", "model = 2") == []
    assert late_uses("%%time\nfit(model)", "model = fit = 2") == [(0, ("fit", "model"), 1)]
    assert late_uses("%%capture\nmodel = 1", "print(model)", "model = 2") == []


def test_a_cell_that_does_not_parse_reports_nothing_and_defines_its_identifiers() -> None:
    py2 = 'print "training"\nmodel = train(data)'
    assert late_uses(py2, "train = data = 1") == []
    assert late_uses(py2, "print(model)", "model = 1") == []  # maybe defined by the py2 cell


def test_a_thousand_cells_take_well_under_a_second() -> None:
    body = (
        "import pandas as pd\nframe{i} = pd.DataFrame({{'a': [1, 2, 3]}})\n"
        "for j in range(10):\n    frame{i}['b'] = frame{i}.a * j + frame{k}.a\n"
        "print(frame{i}.describe())\nsummary = [c for c in frame{i}.columns if c != 'a']\n"
    )
    cells = cells_of(*[(body.format(i=i, k=(i + 7) % 1000), 1000 - i) for i in range(1000)])
    started = time.perf_counter()
    report = analyze_order(cells)
    elapsed = time.perf_counter() - started
    assert len([p for p in report.problems if p.kind == "execution-count-order"]) == 999
    assert len([p for p in report.problems if p.kind == "used-before-defined"]) == 993
    assert elapsed < 1.0, f"{elapsed:.2f} s"


# --------------------------------------------------------------------------- scan


def test_scan_reports_order_problems_in_the_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, ("print(total)", 2), ("total = 40 + 2", 1))
    assert main(["scan", str(path)]) == 1
    out = capsys.readouterr().out
    assert "2 finding(s) in 2 cell(s)" in out
    rows = [line.split(None, 4) for line in out.splitlines() if " order " in line and "hint" not in line]
    assert rows == [
        ["0", "-", "used-before-defined", "order", "cell 0 uses `total`, first defined in cell 1"],
        ["1", "-", "execution-count-order", "order", "cell 1 ran before cell 0 (execution counts 1 and 2)"],
    ]
    assert "--order stored" in out

    assert main(["scan", "--json", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["found"] == 2
    [notebook] = data["notebooks"]
    assert notebook["findings"] == 2 and notebook["cells"] == [] and notebook["out_of_order"]
    assert notebook["order"] == [
        {
            "kind": "used-before-defined",
            "cell": 0,
            "message": "cell 0 uses `total`, first defined in cell 1",
            "names": ["total"],
            "related_cell": 1,
        },
        {
            "kind": "execution-count-order",
            "cell": 1,
            "message": "cell 1 ran before cell 0 (execution counts 1 and 2)",
            "names": [],
            "related_cell": 0,
        },
    ]


def test_scan_of_an_in_order_notebook_has_an_empty_order_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, ("total = 1", 1), ("print(total)", 2))
    assert main(["scan", "--json", str(path)]) == 0
    [notebook] = json.loads(capsys.readouterr().out)["notebooks"]
    assert notebook["order"] == [] and notebook["findings"] == 0 and not notebook["out_of_order"]


# --------------------------------------------------------------------------- run --order


def test_run_in_stored_order_revives_a_notebook_run_out_of_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        ("#md", None),
        ("print('answer', total)", 2),
        ("total = 40 + 2", 1),
        ("done = total", None),  # never run: stays after the cell above it
    )
    top_down = tmp_path / "top_down.ipynb"
    assert main(["run", str(path), "--quiet", "--output", str(top_down)]) == 1
    assert "cell 1 failed with NameError" in capsys.readouterr().out

    stored = tmp_path / "stored.ipynb"
    code = main(["run", str(path), "--quiet", "--order", "stored", "--output", str(stored), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["succeeded"] and [c["status"] for c in report["cells"]] == ["ok", "ok", "ok"]
    saved = load_notebook(stored)
    assert [c.get("execution_count") for c in saved.cells] == [None, 3, 1, 2]  # 2, 3 (never run, follows 2), 1
    assert "answer 42" in saved.cells[1].outputs[0]["text"]

    assert main(["run", str(path), "--quiet", "--order", "top-down", "--output", str(top_down)]) == 1
    assert main(["run", str(path), "--order", "sideways"]) == 2


def test_a_repair_in_stored_order_reruns_the_rest_of_the_stored_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        ("import numpy as np", 1),
        ("print('answer', total)", 3),
        ("total = int(np.float(42))", 2),  # eroded: np.float is gone (an offline rule fixes it)
    )
    output = tmp_path / "fixed.ipynb"
    code = main(
        ["run", str(path), "--quiet", "--json", "--order", "stored", "--accept", "rules", "--output", str(output)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert [step["applied"] for step in report["steps"]] == [True]
    assert [c["status"] for c in report["cells"]] == ["ok", "ok", "ok"]  # cell 1 re-ran after 2
    assert "answer 42" in load_notebook(output).cells[1].outputs[0]["text"]
