"""Imports of names a library removed with no successor, where nothing calls them yet.

A helper package beside a notebook (``mglearn``) imports ``load_boston`` at the top of a
module and calls it only inside a function the notebook may never use; the import alone now
breaks every notebook that imports the package. Where no top-level code calls the name, the
import becomes a stand-in that raises the same clear error when called, so only the code that
needs the removed name fails. Where a call runs at once, the rule only explains.
"""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import RuleTransformer, dotted

_STUB = '''def {name}(*args, **kwargs):
    """Removed from {library} {version}: only a call to it fails now. {advice}."""
    raise ImportError("`{name}` was removed from {library} {version}")
'''


class _TopLevelCalls(cst.CSTVisitor):
    """Calls of ``name`` that run when the module or cell runs (outside any def or lambda)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.depth = 0
        self.count = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if self.depth == 0 and dotted(node.func) == self.name:
            self.count += 1


class DeferredRemovedImport(RuleTransformer):
    """``from MODULE import NAME`` -> a stand-in ``NAME`` that raises when called."""

    whole_module = True  # must see every call in the cell or module
    module: str = ""
    name: str = ""
    library: str = ""
    version: str = ""
    advice: str = ""

    def visit_Module(self, node: cst.Module) -> None:
        calls = _TopLevelCalls(self.name)
        node.visit(calls)
        # A cell's call elsewhere in the notebook runs at once too; a helper file is not
        # part of the notebook's text, so the cells' calls count for it as well.
        elsewhere = f"{self.name}(" in self.ctx.notebook_text.replace(self.ctx.source, "")
        self.deferrable = calls.count == 0 and not elsewhere

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if len(updated_node.body) != 1 or not isinstance(updated_node.body[0], cst.ImportFrom):
            return updated_node
        stmt = updated_node.body[0]
        if stmt.module is None or dotted(stmt.module) != self.module:
            return updated_node
        if isinstance(stmt.names, cst.ImportStar):
            return updated_node
        names = list(stmt.names)
        removed = [a for a in names if dotted(a.name) == self.name and a.asname is None]
        if not removed:
            return updated_node
        if not getattr(self, "deferrable", False):
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        stub = cst.parse_statement(
            _STUB.format(
                name=self.name, library=self.library, version=self.version, advice=self.advice
            )
        )
        kept = [a for a in names if a not in removed]
        if not kept:
            return cst.FlattenSentinel([stub])
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        new_import = updated_node.with_changes(body=[stmt.with_changes(names=kept)])
        return cst.FlattenSentinel([new_import, stub])
