"""scikit-learn 1.3 removed the ``SCORERS`` dict (deprecated 1.0): the names come from
``get_scorer_names()`` and a scorer from ``get_scorer(name)``.

``sorted(SCORERS.keys())`` becomes ``sorted(get_scorer_names())`` and ``SCORERS['r2']``
becomes ``get_scorer('r2')``; the import follows. Only a cell that imports ``SCORERS`` alone
from ``sklearn.metrics`` (or its old ``scorer`` module) is rewritten.
"""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import RuleTransformer, dotted
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory

_MODULES = {"sklearn.metrics", "sklearn.metrics.scorer", "sklearn.metrics._scorer"}


def _names_call() -> cst.Call:
    return cst.Call(func=cst.Name("get_scorer_names"))


class ScorersDict(RuleTransformer):
    whole_module = True  # the uses are statements of their own

    def visit_Module(self, node: cst.Module) -> bool:
        self.active = False
        self.by_name = re.search(r"\bSCORERS\s*\[", node.code) is not None  # needs get_scorer
        return True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = dotted(node.module) if node.module is not None else None
        names = node.names
        if module in _MODULES and not isinstance(names, cst.ImportStar):
            if [dotted(a.name) for a in names] == ["SCORERS"] and names[0].asname is None:
                self.active = True
        return True

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = dotted(original_node.module) if original_node.module is not None else None
        if not self.active or module not in _MODULES:
            return updated_node
        self.hit(original_node)
        names = [cst.ImportAlias(cst.Name("get_scorer_names"))]
        if self.by_name:
            names.insert(0, cst.ImportAlias(cst.Name("get_scorer"), comma=cst.Comma(
                whitespace_after=cst.SimpleWhitespace(" "))))
        return updated_node.with_changes(
            module=cst.Attribute(value=cst.Name("sklearn"), attr=cst.Name("metrics")), names=names
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if (
            self.active
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "SCORERS"
            and func.attr.value == "keys"
        ):
            return _names_call()
        return updated_node

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        value = original_node.value
        if not (self.active and isinstance(value, cst.Name) and value.value == "SCORERS"):
            return updated_node
        if len(original_node.slice) != 1 or not isinstance(original_node.slice[0].slice, cst.Index):
            return updated_node
        key = updated_node.slice[0].slice
        assert isinstance(key, cst.Index)
        return cst.Call(func=cst.Name("get_scorer"), args=[cst.Arg(key.value)])

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        parent = self.parent()
        if not self.active or original_node.value != "SCORERS":
            return updated_node
        if isinstance(parent, (cst.Attribute, cst.Subscript, cst.ImportAlias)):
            return updated_node
        return _names_call()  # sorted(SCORERS), list(SCORERS), 'r2' in SCORERS


RULES: list[Rule] = [
    Rule(
        id="sklearn-scorers-dict",
        library="sklearn",
        changed_in="1.3 (deprecated 1.0)",
        kind="crash",
        summary="the `SCORERS` dict was removed",
        replacement="`sklearn.metrics.get_scorer_names()`, `get_scorer(name)`",
        triggers=(r"\bSCORERS\b",),
        transformer=factory(ScorersDict),
        crash=Crash(
            ("ImportError", "ModuleNotFoundError"),
            r"cannot import name 'SCORERS'|No module named 'sklearn\.metrics\.scorer'",
        ),
    ),
]
