"""Which lines of a cell or module can crash, read with ``ast``: the function that owns a
line, the author's own guards, Python removals this interpreter does not have yet.

Shared by the crash prediction of the notebook's cells and of its helper modules.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mlemod_tui.assist.rules import RULES_BY_ID, Finding
from mlemod_tui.assist.rules.source import mask_magics


@dataclass(frozen=True)
class PredictedCrash:
    """A cell expected to fail, the rule that says so, and how the erosion reaches it."""

    cell: int
    rule_id: str
    via: str  # "" when the eroded line is the cell's own top-level code

    def to_dict(self) -> dict[str, object]:
        return {"cell": self.cell, "rule": self.rule_id, "via": self.via}



def parse_cell(source: str) -> ast.Module | None:
    masked = mask_magics(source)
    if masked is None:
        return None
    try:
        return ast.parse(masked.text)
    except SyntaxError:
        return None


def function_of_line(tree: ast.Module) -> dict[int, str]:
    """Line -> name of the top-level function (or class) whose body holds it."""
    owner: dict[int, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                owner[line] = node.name
    return owner


def crashes(findings: Sequence[Finding]) -> Iterator[Finding]:
    return (f for f in findings if f.kind == "crash")


def is_later_python(rule_id: str) -> bool:
    """A Python removal newer than the interpreter running the notebooks (``distutils`` is
    still there on 3.11) is no crash here."""
    rule = RULES_BY_ID.get(rule_id)
    found = re.match(r"Python (\d+)\.(\d+)", rule.changed_in) if rule is not None else None
    return found is not None and (int(found[1]), int(found[2])) > sys.version_info[:2]


_CATCHING = {"Exception", "BaseException", "ImportError", "ModuleNotFoundError",
             "AttributeError", "NameError", "TypeError", "ValueError"}  # fmt: skip


def _catches(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in _CATCHING for n in names)


def guarded_lines(tree: ast.Module) -> set[int]:
    """Lines that cannot crash the cell: a ``try`` body whose handler catches the error, or
    either branch of an ``if`` on a version (the author's own compatibility switch)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        bodies: list[list[ast.stmt]] = []
        if isinstance(node, ast.Try) and any(_catches(h) for h in node.handlers):
            bodies.append(node.body)
        elif isinstance(node, ast.If) and "version" in ast.unparse(node.test).lower():
            bodies += [node.body, node.orelse]
        for body in bodies:
            for statement in body:
                guarded.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
    return guarded
