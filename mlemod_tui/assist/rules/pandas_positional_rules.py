"""pandas 3: ``s[-1] = v`` on a Series with a label index sets a new label ``-1``.

Old pandas fell back to positions when the key was an integer and the index held none; the
fallback was deprecated in 2.1 and removed in 3.0, so the assignment now silently adds a row
(and a later ``np.where(isnull(a), b, a)`` fails on shapes 6 and 7). Where the cell itself
builds the Series with a literal index of strings, the position is certain: ``s.iloc[-1] = v``.
"""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import RuleTransformer, call_name, kwarg
from mlemod_tui.assist.rules.model import Rule
from mlemod_tui.assist.rules.patterns import factory


def _string_labels(node: cst.BaseExpression) -> bool:
    """``['f', 'e', ...]`` or ``list('abc')``."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return bool(node.elements) and all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.SimpleString)
            for e in node.elements
        )
    return (
        isinstance(node, cst.Call)
        and call_name(node) == "list"
        and len(node.args) == 1
        and isinstance(node.args[0].value, cst.SimpleString)
    )


def _integer(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


class PositionalSetitem(RuleTransformer):
    whole_module = True  # the Series is built in one statement and set in another

    def visit_Module(self, node: cst.Module) -> bool:
        self.labelled: set[str] = set()
        return True

    def visit_Assign(self, node: cst.Assign) -> bool:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return True
        name = node.targets[0].target.value
        value = node.value
        index = kwarg(value, "index") if isinstance(value, cst.Call) else None
        if isinstance(value, cst.Call) and call_name(value) == "Series" and index is not None:
            if _string_labels(index.value):
                self.labelled.add(name)
                return True
        self.labelled.discard(name)
        return True

    def leave_AssignTarget(
        self, original_node: cst.AssignTarget, updated_node: cst.AssignTarget
    ) -> cst.AssignTarget:
        target = original_node.target
        if not isinstance(target, cst.Subscript) or not isinstance(target.value, cst.Name):
            return updated_node
        if target.value.value not in self.labelled or len(target.slice) != 1:
            return updated_node
        key = target.slice[0].slice
        if not isinstance(key, cst.Index) or not _integer(key.value):
            return updated_node
        self.hit(original_node)
        located = cst.Attribute(value=target.value, attr=cst.Name("iloc"))
        return updated_node.with_changes(target=target.with_changes(value=located))


RULES: list[Rule] = [
    Rule(
        id="pandas-positional-setitem",
        library="pandas",
        changed_in="3.0 (deprecated 2.1)",
        kind="silent-score-change",
        summary="`s[-1] = v` on a label index adds a label now; it set the last position",
        replacement="`s.iloc[-1] = v`",
        triggers=(r"\w\[-?\d+\]\s*=[^=]",),
        transformer=factory(PositionalSetitem),
    ),
]
