"""``.ix`` becomes ``.loc`` or ``.iloc`` by what the live object's axes are labelled with.

On a real kernel: the axis types are read silently, the rule rewrites each ``.ix`` by them, and
the rewritten code, run in the kernel, selects exactly the rows ``.ix`` selected (integers were
labels on a numeric axis and positions on any other).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from mlemod_tui.assist.axis_types import ix_receivers, read_axis_types
from mlemod_tui.assist.proposal import repair_proposal_from_rules
from mlemod_tui.core.kernel import ExecutionFinished, KernelSession
from mlemod_tui.core.patch import apply_patch

shared_loop = pytest.mark.asyncio(loop_scope="module")

SETUP = """
import pandas as pd
by_date = pd.DataFrame({'b': range(10), 'c': range(10, 20)},
                       index=pd.date_range('2015-01-01', periods=10))
by_number = pd.DataFrame({'b': range(10), 'c': range(10, 20)}, index=range(10, 20))
by_name = pd.Series(range(5), index=list('vwxyz'))
numbered_columns = pd.DataFrame([[1, 2, 3], [4, 5, 6]], index=['r', 's'])
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kernel() -> AsyncIterator[KernelSession]:
    async with KernelSession() as session:
        async for event in session.execute(SETUP):
            if isinstance(event, ExecutionFinished):
                assert event.status == "ok"
        yield session


async def _value(kernel: KernelSession, code: str) -> str | None:
    found = await kernel.evaluate_silently("", {"v": code})
    return found["v"]


def test_ix_receivers_are_the_dotted_names_before_ix() -> None:
    cells = ["x = df.ix[:3, 'b']\ny = data.train.ix[0]", "pd.ix", "z = df.ix[1]"]
    assert ix_receivers(cells) == ["df", "data.train"]


@shared_loop
async def test_axis_types_are_read_without_touching_the_namespace(kernel: KernelSession) -> None:
    before = await _value(kernel, "sorted(k for k in globals() if not k.startswith('_'))")
    types = await read_axis_types(kernel, ["by_date", "by_number", "by_name", "missing", "numbered_columns"])
    assert types == {
        "by_date": ("datetime64", "string"),
        "by_number": ("integer", "string"),
        "by_name": ("string", None),
        "numbered_columns": ("string", "integer"),
    }
    assert await _value(kernel, "sorted(k for k in globals() if not k.startswith('_'))") == before


@shared_loop
@pytest.mark.parametrize(
    ("code", "fixed", "selects"),
    [
        # positions on a date index: rows 0..2
        ("v = by_date.ix[:3, 'b']", "v = by_date.loc[by_date.index[:3], 'b']", "[0, 1, 2]"),
        # labels on a numeric index: 10..13, inclusive
        ("v = by_number.ix[10:13, 'b']", "v = by_number.loc[10:13, 'b']", "[0, 1, 2, 3]"),
        ("v = by_name.ix[[0, 2]]", "v = by_name.iloc[[0, 2]]", "[0, 2]"),
        ("v = numbered_columns.ix['r', 1]", "v = numbered_columns.loc['r', 1]", "2"),
        ("v = by_date.ix[-1]", "v = by_date.iloc[-1]", "[9, 19]"),
    ],
)
async def test_ix_is_rewritten_by_the_axis_types(
    kernel: KernelSession, code: str, fixed: str, selects: str
) -> None:
    types = await read_axis_types(kernel, ix_receivers([code]))
    cells = {"a": code}
    proposal, _ = repair_proposal_from_rules(
        "a", code, "AttributeError", "'DataFrame' object has no attribute 'ix'", notebook=cells, axis_types=types
    )
    assert proposal is not None
    new = apply_patch(cells, proposal.patch)["a"]
    assert new == fixed
    async for event in kernel.execute(new):
        if isinstance(event, ExecutionFinished):
            assert event.status == "ok"
    assert await _value(kernel, "v.tolist() if hasattr(v, 'tolist') else v") == selects


def test_without_the_kernel_an_integer_key_gets_a_hint_not_a_guess() -> None:
    code = "v = by_date.ix[:3, 'b']"
    proposal, hints = repair_proposal_from_rules(
        "a", code, "AttributeError", "'DataFrame' object has no attribute 'ix'", notebook={"a": code}
    )
    assert proposal is None
    assert any(".iloc" in hint for hint in hints)
