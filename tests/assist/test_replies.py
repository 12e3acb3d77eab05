"""A model's answer → a checked patch, or a reason that can be fed back to the model."""

from __future__ import annotations

import random

import pytest

from mlemod_tui.assist.replies import ParsedReply, compiles, parse_reply
from mlemod_tui.core.patch import apply_patch

LOAD = 'import pandas as pd\ndf = pd.read_csv("train.csv")\ndf = df.append(extra)\ndf.head()'
FIT = (
    "from sklearn.ensemble import RandomForestClassifier\n"
    "model = RandomForestClassifier()\n"
    "model.fit(X, y)\n"
    "print(model.score(X, y))\n"
)
SOURCES = {"load-1": LOAD, "fit-2": FIT, "plot-3": "import matplotlib.pyplot as plt\nplt.plot(df.x)"}
FIXED_LOAD = LOAD.replace("df = df.append(extra)", "df = pd.concat([df, extra])")
FIXED_FIT = FIT.replace("RandomForestClassifier()", "RandomForestClassifier(n_estimators=10)")


def _parse(text: str, target: str = "load-1") -> ParsedReply:
    return parse_reply(text, target_cell_id=target, sources=SOURCES)


def _result(reply: ParsedReply) -> dict[str, str]:
    assert reply.error is None, reply.error
    assert reply.patch is not None
    return apply_patch(SOURCES, reply.patch)


# --------------------------------------------------------------------------- diffs


def test_prose_and_fenced_diff() -> None:
    reply = _parse(
        "`DataFrame.append` was removed in pandas 2.0; use `pd.concat`.\n\n"
        "```diff\n--- a/cell/load-1\n+++ b/cell/load-1\n@@ -3,1 +3,1 @@\n"
        ' df = pd.read_csv("train.csv")\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n```\n'
        "That is all.\n"
    )
    assert _result(reply) == {"load-1": FIXED_LOAD}
    assert reply.rationale.startswith("`DataFrame.append` was removed")
    assert "That is all." in reply.rationale and "@@" not in reply.rationale


def test_headerless_diff_is_for_the_target_cell() -> None:
    reply = _parse("```diff\n@@ @@\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n```")
    assert _result(reply) == {"load-1": FIXED_LOAD}


def test_patch_is_rederived_with_true_line_numbers() -> None:
    reply = _parse("```diff\n@@ -40,1 +40,1 @@\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n```")
    assert reply.patch is not None
    assert reply.patch.cells[0].hunks[0].source_start == 1  # context from the cell, not the model


def test_diff_that_does_not_apply() -> None:
    reply = _parse("```diff\n@@ @@\n df = load()\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n```")
    assert reply.patch is None
    assert reply.error is not None
    assert "does not apply" in reply.error and "hunk 1" in reply.error and "df = load()" in reply.error


def test_diff_for_unknown_cell() -> None:
    reply = _parse("```diff\n--- a/cell/nope\n+++ b/cell/nope\n@@ @@\n-a\n+b\n```")
    assert reply.patch is None and reply.error is not None
    assert "unknown cell id 'nope'" in reply.error


def test_diff_that_breaks_the_code() -> None:
    reply = _parse("```diff\n@@ @@\n-df = df.append(extra)\n+df = pd.concat([df, extra]\n```")
    assert reply.patch is None and reply.error is not None
    assert "'load-1' does not compile" in reply.error and "line 3" in reply.error


def test_diff_across_two_cells() -> None:
    reply = _parse(
        "```diff\n--- a/cell/load-1\n+++ b/cell/load-1\n@@ @@\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n"
        "--- a/cell/fit-2\n+++ b/cell/fit-2\n@@ @@\n-model = RandomForestClassifier()\n"
        "+model = RandomForestClassifier(n_estimators=10)\n```"
    )
    assert _result(reply) == {"load-1": FIXED_LOAD, "fit-2": FIXED_FIT}


# --------------------------------------------------------------------------- replacement cells


def test_single_unmarked_block_replaces_target() -> None:
    reply = _parse(f"Use concat instead:\n\n```python\n{FIXED_LOAD}\n```\n")
    assert _result(reply) == {"load-1": FIXED_LOAD}
    assert reply.rationale == "Use concat instead:"


def test_unmarked_block_without_language() -> None:
    assert _result(_parse(f"```\n{FIXED_FIT}```", target="fit-2")) == {"fit-2": FIXED_FIT}


@pytest.mark.parametrize(
    "info",
    ["python cell=fit-2", "python cell: fit-2", "py {cell=fit-2}", "cell=fit-2"],
)
def test_block_marked_in_info_string(info: str) -> None:
    reply = _parse(f"```{info}\n{FIXED_FIT}```")
    assert _result(reply) == {"fit-2": FIXED_FIT}


@pytest.mark.parametrize("marker", ["# cell: fit-2", "# cell fit-2", "# %% cell fit-2", "# Cell: `fit-2`"])
def test_block_marked_by_first_line_comment(marker: str) -> None:
    reply = _parse(f"```python\n{marker}\n{FIXED_FIT}```")
    assert _result(reply) == {"fit-2": FIXED_FIT}  # the marker line itself is not added


@pytest.mark.parametrize("label", ["Cell fit-2:", "**fit-2**", "### Cell `fit-2`", "Here is the new cell fit-2:"])
def test_block_marked_by_line_before_fence(label: str) -> None:
    reply = _parse(f"The estimator default changed.\n\n{label}\n```python\n{FIXED_FIT}```")
    assert _result(reply) == {"fit-2": FIXED_FIT}


def test_two_marked_cells() -> None:
    reply = _parse(
        "Two changes.\n\nCell load-1:\n```python\n" + FIXED_LOAD + "\n```\n\n"
        "```python\n# cell: fit-2\n" + FIXED_FIT + "```\n"
    )
    assert _result(reply) == {"load-1": FIXED_LOAD, "fit-2": FIXED_FIT}
    assert reply.patch is not None and reply.patch.cell_ids() == ["load-1", "fit-2"]


def test_several_unmarked_blocks_are_ambiguous() -> None:
    reply = _parse(f"Before:\n```python\n{LOAD}\n```\nAfter:\n```python\n{FIXED_LOAD}\n```")
    assert reply.patch is None and reply.error is not None and "2 unmarked code blocks" in reply.error


def test_existing_cell_comment_is_not_a_marker() -> None:
    sources = {"a1": "# Cell 3\nx = 1"}
    reply = parse_reply("```python\n# Cell 3\nx = 2\n```", target_cell_id="a1", sources=sources)
    assert reply.error is None and reply.patch is not None
    assert apply_patch(sources, reply.patch) == {"a1": "# Cell 3\nx = 2"}


def test_marked_unknown_cell() -> None:
    reply = _parse(f"```python\n# cell: cell-99\n{FIXED_FIT}```")
    assert reply.patch is None and reply.error is not None
    assert "unknown cell id 'cell-99'" in reply.error and "fit-2" in reply.error


def test_non_compiling_replacement_names_cell_and_line() -> None:
    reply = _parse("```python\nimport pandas as pd\ndf = pd.concat([df, extra]\ndf.head()\n```")
    assert reply.patch is None and reply.error is not None
    assert "'load-1' does not compile" in reply.error
    assert "line 2" in reply.error


def test_python2_print_is_rejected() -> None:
    reply = _parse('```python\nprint "score", model.score(X, y)\n```', target="fit-2")
    assert reply.error is not None and "line 1" in reply.error


def test_no_op_answer() -> None:
    reply = _parse(f"The cell is fine as it is:\n```python\n{LOAD}\n```")
    assert reply.patch is None and reply.error is not None and "changes nothing" in reply.error
    assert reply.rationale == "The cell is fine as it is:"


def test_no_op_with_trailing_newline_only() -> None:
    reply = _parse(f"```python\n{FIT.rstrip()}\n\n```", target="fit-2")
    assert reply.error is not None and "changes nothing" in reply.error


# --------------------------------------------------------------------------- garbage


@pytest.mark.parametrize("text", ["", "   \n\n", None])
def test_empty_answer(text: str | None) -> None:
    reply = parse_reply(text, target_cell_id="load-1", sources=SOURCES)  # type: ignore[arg-type]
    assert reply.patch is None and reply.error is not None and "empty" in reply.error


@pytest.mark.parametrize(
    "text",
    [
        "I am not sure what the problem is. Could you share the traceback?",
        "hello",
        "```text\nValueError: could not convert string to float\n```",
        "```diff\nnot a diff at all\n```",
        "```",
        "\x00\x01 garbage \ufffd",
    ],
)
def test_garbage_gives_an_error_not_an_exception(text: str) -> None:
    reply = _parse(text)
    assert reply.patch is None
    assert reply.error


def test_unfenced_code_answer() -> None:
    assert _result(_parse(FIXED_LOAD)) == {"load-1": FIXED_LOAD}


def test_unfenced_diff_answer() -> None:
    reply = _parse("Replace the append:\n@@ @@\n-df = df.append(extra)\n+df = pd.concat([df, extra])\n")
    assert _result(reply) == {"load-1": FIXED_LOAD}
    assert reply.rationale == "Replace the append:"


def test_bad_diff_falls_back_to_replacement_block() -> None:
    reply = _parse(f"```diff\n@@ @@\n-nothing like this\n+x\n```\nOr simply:\n```python\n{FIXED_LOAD}\n```")
    assert _result(reply) == {"load-1": FIXED_LOAD}


def test_crlf_answer() -> None:
    reply = _parse(f"Fixed:\r\n```python\r\n{FIXED_LOAD}\r\n```\r\n".replace("\n", "\r\n").replace("\r\r", "\r"))
    assert _result(reply) == {"load-1": FIXED_LOAD}


def test_rationale_is_short() -> None:
    reply = _parse("word " * 1000 + f"\n```python\n{FIXED_LOAD}\n```")
    assert len(reply.rationale) <= 600 and reply.rationale.endswith("…")


# --------------------------------------------------------------------------- compiles


@pytest.mark.parametrize(
    "source",
    [
        "x = 1",
        "!pip install xgboost\nimport xgboost",
        "%matplotlib inline\nimport matplotlib.pyplot as plt",
        "%%time\nfor i in range(3):\n    pass",
        "%%bash\nls -la | grep csv",
        "files = !ls data\nprint(files)",
        "if True:\n    !nvidia-smi\n    x = 1",
        "df.head?",
        "result = await fetch()",
        'name = "%s" % (\n    "x")',
        "x = 1\r\ny = 2\r\n",
    ],
)
def test_compiles_accepts_notebook_cells(source: str) -> None:
    assert compiles(source) is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = (1,\n", 1),
        ("%matplotlib inline\nimport numpy as np\nx = np.array([1, 2]\nprint(x)", 3),
        ("%%time\nfor i in range(3)\n    pass", 2),
        ("def f():\n    return 1\n  x = 2", 3),
        ("return 5", 1),
    ],
)
def test_compiles_reports_line(source: str, line: int) -> None:
    problem = compiles(source)
    assert problem is not None and problem.startswith(f"line {line}:"), problem


def test_empty_marked_block_does_not_empty_the_cell() -> None:
    reply = _parse("```python\n# cell: fit-2\n\n```")
    assert reply.patch is None and reply.error is not None and "no code" in reply.error


def test_label_belongs_to_the_next_block_only() -> None:
    reply = _parse(f"Cell fit-2:\n```python\n{FIXED_FIT}```\n```python\n# cell: load-1\n{FIXED_LOAD}\n```")
    assert _result(reply) == {"fit-2": FIXED_FIT, "load-1": FIXED_LOAD}
    reply = _parse(f"Cell fit-2:\n```python\n{FIXED_FIT}```\n```python\n{FIXED_LOAD}\n```")
    assert _result(reply) == {"fit-2": FIXED_FIT}  # the unmarked second block is not for fit-2


def test_random_diffish_noise_never_raises() -> None:
    rng = random.Random(7)
    pieces = ["```", "```diff", "```python", "@@", "@@ -1,2 +1 @@", "--- a/cell/x", "+++ b/cell/load-1",
              "-df = df.append(extra)", "+df = 1", " df.head()", "", "# cell: fit-2", "Cell plot-3:",
              "x = (", "!ls", "%%time", "\\ No newline at end of file", "\r", "\t", "~~~"]
    for _ in range(500):
        text = "\n".join(rng.choices(pieces, k=rng.randint(0, 12)))
        reply = _parse(text)
        assert (reply.patch is None) != (reply.error is None), text
