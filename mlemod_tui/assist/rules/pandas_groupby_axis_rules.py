"""pandas 3 removed ``groupby(..., axis=1)``: grouping columns is grouping the transposed rows.

The rewrite is exact where the grouped object's use is known: aggregated at once
(``df.groupby(m, axis=1).sum()`` -> ``df.T.groupby(m).sum().T``), aggregated later in the same
cell, or only iterated (``for key, group in grouped``: the groups are transposed back). Any
other use (the object kept and aggregated in another cell) gets the hint, not a guess.
"""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    atom,
    call_name,
    expr,
    kwarg,
    names_columns,
    remove_kwargs,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory

_AGGREGATIONS = (
    "sum|mean|median|min|max|std|var|sem|prod|count|first|last|nunique|size|agg|aggregate"
)
_AGGREGATION = re.compile(rf"^(?:{_AGGREGATIONS})$")
_HINT = "Grouping columns is grouping the rows of `df.T`: `df.T.groupby(key).sum().T`."


def _across_columns(node: cst.BaseExpression) -> cst.Call | None:
    """``X.groupby(..., axis=1)`` (or ``axis='columns'``), else None."""
    if not isinstance(node, cst.Call) or call_name(node) != "groupby":
        return None
    axis = kwarg(node, "axis")
    if not isinstance(node.func, cst.Attribute) or axis is None or not names_columns(axis.value):
        return None
    return node


def _of_transposed(groupby: cst.Call) -> cst.Call:
    """``X.groupby(k, axis=1)`` -> ``X.T.groupby(k)``."""
    assert isinstance(groupby.func, cst.Attribute)
    transposed = cst.Attribute(value=atom(groupby.func.value), attr=cst.Name("T"))
    return remove_kwargs(groupby, ["axis"]).with_changes(
        func=groupby.func.with_changes(value=transposed)
    )


def _uses_after(name: str, notebook_text: str, cell: str) -> str:
    """The notebook's text from this cell's binding of ``name`` to the next binding."""
    word = rf"\b{re.escape(name)}\b"
    at = notebook_text.find(cell)
    binding = re.search(rf"{word}\s*=(?!=)", cell)
    if at < 0 or binding is None:
        return ""
    rest = notebook_text[at + binding.end() :]
    rebinding = re.search(rf"(?<![.\w]){re.escape(name)}\s*=(?!=)", rest)
    return rest[: rebinding.start()] if rebinding else rest


def _use_of(name: str, notebook_text: str, cell: str) -> str | None:
    """How the notebook uses the grouped object bound to ``name`` until it is rebound:
    "iterate" (only looped over or listed), "aggregate" (only aggregated, all in this cell),
    or None."""
    word = rf"\b{re.escape(name)}\b"
    after = _uses_after(name, notebook_text, cell)
    uses = len(re.findall(word, after))
    iterated = len(re.findall(rf"\bfor\s+[\w\s,()]+?\s+in\s+{word}\s*[:\]}})]", after))
    iterated += len(re.findall(rf"\blist\(\s*{word}\s*\)", after))
    if uses and iterated == uses:
        return "iterate"
    in_cell = _uses_after(name, cell, cell)
    aggregated_here = len(re.findall(rf"{word}\.(?:{_AGGREGATIONS})\(", in_cell))
    if uses and aggregated_here == uses:
        return "aggregate"
    return None


class GroupbyAcrossColumns(RuleTransformer):
    """The three exact rewrites of ``groupby(..., axis=1)``; any other use is a hint."""

    def _handled_by_parent(self) -> bool:
        parent = self.parent()
        if isinstance(parent, cst.Attribute):
            return _AGGREGATION.match(parent.attr.value) is not None
        return isinstance(parent, cst.Assign)

    whole_module = True  # a kept object's aggregation is a statement without ``groupby``

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.modes: dict[str, str] = {}

    def visit_Assign(self, node: cst.Assign) -> bool:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if _across_columns(node.value) is not None:
                name = node.targets[0].target.value
                mode = _use_of(name, self.ctx.notebook_text or self.ctx.source, self.ctx.source)
                if mode is not None:
                    self.modes[name] = mode
        return True

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        target = original_node.targets[0].target if len(original_node.targets) == 1 else None
        groupby = _across_columns(updated_node.value)
        if not isinstance(target, cst.Name) or groupby is None:
            return updated_node
        mode = self.modes.get(target.value)
        if mode is None:
            self.hit(original_node, fixed=False, note=_HINT)
            return updated_node
        self.hit(original_node)
        if mode == "aggregate":
            return updated_node.with_changes(value=_of_transposed(groupby))
        pairs = expr("[(key, group.T) for key, group in __g__]", g=_of_transposed(groupby))
        return updated_node.with_changes(value=pairs)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if _across_columns(original_node) is not None and not self._handled_by_parent():
            self.hit(original_node, fixed=False, note=_HINT)
        if not isinstance(func, cst.Attribute) or not _AGGREGATION.match(func.attr.value):
            return updated_node
        receiver = func.value
        if isinstance(receiver, cst.Name) and self.modes.get(receiver.value) == "aggregate":
            return cst.Attribute(value=updated_node, attr=cst.Name("T"))
        groupby = _across_columns(receiver)
        if groupby is None:
            return updated_node
        self.hit(original_node)
        reduced = updated_node.with_changes(func=func.with_changes(value=_of_transposed(groupby)))
        return cst.Attribute(value=reduced, attr=cst.Name("T"))


RULES: list[Rule] = [
    Rule(
        id="pandas-groupby-axis-columns",
        library="pandas",
        changed_in="3.0 (deprecated 2.1)",
        kind="crash",
        summary="`groupby(..., axis=1)` was removed: group the transposed frame's rows",
        replacement="`df.T.groupby(key).sum().T`",
        triggers=(r"groupby\([^)]*\baxis\s*=",),
        transformer=factory(GroupbyAcrossColumns),
        crash=Crash(("TypeError",), r"groupby\(\) got an unexpected keyword argument 'axis'"),
    ),
]
