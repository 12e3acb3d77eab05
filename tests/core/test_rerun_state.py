"""Which cells cannot be re-run in the same kernel to check a patch: those that change the
state they start from. Each case is also run twice in one namespace: a cell said to be safe
must give the same names the second time, one said to change its input must not."""

from __future__ import annotations

import copy

import pytest

from mlemod_tui.core.def_use import changes_what_it_reads

SETUP = "import numpy as np\nx = 1\ndf = {'a': 2}\nscores = []\n"

CASES = [
    ("x = x + 1", True),
    ("x += 1", True),
    ("df['a'] = df['a'] * 2", True),
    ("scores.append(3)", True),
    ("y = list(range(3))\ny = [v * 2 for v in y]", False),
    ("b = [1, 2]\nb[-1] = 5", False),
    ("df['t'] = 'red'", False),
    ("seen = []\nseen.append(x)", False),
    ("total = x * 10", False),
]


def _state_after(code: str, runs: int) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(SETUP, namespace)
    for _ in range(runs):
        exec(code, namespace)
    return {k: copy.deepcopy(v) for k, v in namespace.items() if k in ("x", "df", "scores", "y", "b", "seen", "total")}


@pytest.mark.parametrize(("code", "changes"), CASES)
def test_a_cell_that_changes_its_input_is_told_from_one_that_does_not(code: str, changes: bool) -> None:
    assert changes_what_it_reads(code) is changes
    assert (_state_after(code, 1) != _state_after(code, 2)) is changes


def test_a_cell_python_cannot_read_counts_as_changing_its_input() -> None:
    assert changes_what_it_reads("print 'hello'") is True
    assert changes_what_it_reads("%%bash\necho hi") is False  # not Python: never re-run here
