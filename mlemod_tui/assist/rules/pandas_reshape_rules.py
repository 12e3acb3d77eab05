"""pandas 3: ``stack`` is the new implementation, which keeps missing values and refuses
``dropna``.

Old ``stack()`` (``dropna=True``) dropped the rows that were all NaN, so
``data.unstack().stack()`` gave the original 7 values back; today it gives 10, NaNs
included, without a word. ``stack(dropna=False)`` kept them, which is what ``stack()`` does
now, and passing ``dropna`` raises. Both rewrites give the old result exactly.
"""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    call_name,
    expr,
    is_true,
    kwarg,
    remove_kwargs,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory


def _is_stack(call: cst.Call) -> bool:
    return call_name(call) == "stack" and isinstance(call.func, cst.Attribute)


class StackDropnaArgument(RuleTransformer):
    """``stack(dropna=False)`` -> ``stack()``; ``stack(dropna=True)`` -> ``stack().dropna(how='all')``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        dropna = kwarg(original_node, "dropna")
        if not _is_stack(original_node) or dropna is None:
            return updated_node
        self.hit(original_node)
        stacked = remove_kwargs(updated_node, ["dropna", "future_stack"])
        if is_true(dropna.value):
            return expr("__s__.dropna(how='all')", s=stacked)
        return stacked


class StackKeepsMissing(RuleTransformer):
    """``stack()`` dropped all-NaN rows before pandas 3: ``stack().dropna(how='all')``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not _is_stack(original_node) or original_node.args:
            return updated_node
        parent = self.parent()
        if isinstance(parent, cst.Attribute) and parent.attr.value == "dropna":
            return updated_node  # already dropped
        self.hit(original_node)
        return expr("__s__.dropna(how='all')", s=updated_node)


RULES: list[Rule] = [
    Rule(
        id="pandas-stack-dropna-argument",
        library="pandas",
        changed_in="3.0 (new stack implementation)",
        kind="crash",
        summary="`stack(dropna=...)` is refused: the new `stack` never drops rows",
        replacement="`s.stack()` for `dropna=False`; `s.stack().dropna(how='all')` for `True`",
        triggers=(r"\.stack\([^)]*dropna\s*=",),
        transformer=factory(StackDropnaArgument),
        crash=Crash(("ValueError",), r"^dropna must be unspecified as the new implementation"),
    ),
    Rule(
        id="pandas-stack-keeps-missing",
        library="pandas",
        changed_in="3.0 (new stack implementation)",
        kind="silent-score-change",
        summary="`stack()` keeps missing values now; it dropped the all-NaN rows",
        replacement="`s.stack().dropna(how='all')`",
        triggers=(r"\.stack\(\s*\)",),
        transformer=factory(StackKeepsMissing),
    ),
]
