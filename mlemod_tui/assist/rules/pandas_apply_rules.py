"""pandas 2.0: ``groupby(...).apply(f)`` where ``f`` hands back its own group adds the keys.

Before 2.0 a "transform-like" apply (one that returns the frame it was given, index intact)
kept the original index; now ``group_keys=True`` is honoured and the group keys become an
extra index level, so ``cohorts.loc[(group, period)]`` reads something else and a later
``assert`` or lookup fails. Pinning ``group_keys=False`` gives the old index back. Only
functions the notebook defines that return their first argument are recognised.
"""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    append_arg,
    call_name,
    kwarg,
    make_kwarg,
)
from mlemod_tui.assist.rules.model import Rule
from mlemod_tui.assist.rules.patterns import factory


def returns_its_argument(name: str, notebook_text: str) -> bool:
    """Does the notebook define ``def name(x, ...)`` whose last statement is ``return x``?"""
    found = re.search(
        rf"^def\s+{re.escape(name)}\s*\(\s*(\w+)[^)]*\)\s*:(?P<body>(?:\n(?:[ \t]+.*|[ \t]*))*)",
        notebook_text,
        re.MULTILINE,
    )
    if found is None:
        return False
    statements = [line.strip() for line in found["body"].splitlines() if line.strip()]
    return bool(statements) and statements[-1] == f"return {found.group(1)}"


class GroupKeysOfTransformLikeApply(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "apply" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        grouped = original_node.func.value
        if not isinstance(grouped, cst.Call) or call_name(grouped) != "groupby":
            return updated_node
        if kwarg(grouped, "group_keys") is not None or not original_node.args:
            return updated_node
        function = original_node.args[0].value
        text = (self.ctx.notebook_text or "") + "\n" + self.ctx.source
        if not isinstance(function, cst.Name) or not returns_its_argument(function.value, text):
            return updated_node
        assert isinstance(updated_node.func, cst.Attribute)
        receiver = updated_node.func.value
        if not isinstance(receiver, cst.Call):
            return updated_node
        self.hit(original_node)
        pinned = append_arg(receiver, make_kwarg("group_keys", "False"))
        return updated_node.with_changes(func=updated_node.func.with_changes(value=pinned))


RULES: list[Rule] = [
    Rule(
        id="pandas-groupby-apply-group-keys",
        library="pandas",
        changed_in="2.0 (group_keys honoured for transform-like apply)",
        kind="silent-score-change",
        summary="`groupby(...).apply(f)` with an `f` that returns its group now adds the group "
        "keys to the index",
        replacement="`df.groupby(k, group_keys=False).apply(f)`",
        triggers=(r"groupby\([^\n]*\)\s*\.apply\(",),
        transformer=factory(GroupKeysOfTransformLikeApply),
    ),
]
