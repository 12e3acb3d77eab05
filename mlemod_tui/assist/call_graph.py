"""Which cell runs which of the notebook's own functions, read from the cells' syntax.

A line inside a function crashes when a cell runs the function: calls it, hands it to a call
(``map(f, xs)``, ``df.apply(f)``), or puts it where a notebook function it calls can reach it
(``algorithms = [greedy, ucb]`` then ``run_experiment(algorithms)``). A function's body runs
the functions it names, so running one runs everything reachable from it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from mlemod_tui.core.def_use import loaded_names

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    return [node for node in tree.body if not isinstance(node, _Definition)]


class CallGraph:
    """The notebook's functions, what each names, and what each cell's own code runs."""

    def __init__(self, trees: dict[int, ast.Module | None], order: list[int]) -> None:
        self.trees = trees
        self.order = order
        self.body_names: dict[str, set[str]] = {}
        for index in order:
            tree = trees.get(index)
            for node in tree.body if tree is not None else []:
                if isinstance(node, _Definition):
                    self.body_names[node.name] = loaded_names(node.body)

    def _direct(self, tree: ast.Module) -> set[str]:
        statements = _top_level(tree)
        called: set[str] = set()
        passed: set[str] = set()
        for node in (inner for s in statements for inner in ast.walk(s)):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    called.add(node.func.id)
                passed |= loaded_names([*node.args, *(k.value for k in node.keywords)])
        runs = (called | passed) & self.body_names.keys()
        if called & self.body_names.keys():  # a notebook function may call what the cell names
            runs |= loaded_names(statements) & self.body_names.keys()
        return runs

    def runs(self, index: int) -> set[str]:
        """Every notebook function the cell's own code may run, directly or through others."""
        tree = self.trees.get(index)
        if tree is None:
            return set()
        reached = self._direct(tree)
        todo = list(reached)
        while todo:
            for name in self.body_names.get(todo.pop(), set()) & self.body_names.keys():
                if name not in reached:
                    reached.add(name)
                    todo.append(name)
        return reached

    def first_caller(self, function: str, defined_in: int) -> int | None:
        """The first cell, from the defining one on, whose code runs ``function``."""
        start = self.order.index(defined_in)
        return next((i for i in self.order[start:] if function in self.runs(i)), None)

    def first_user(self, names: Iterable[str], start_cell: int) -> tuple[int, str] | None:
        """The first cell from ``start_cell`` on that uses one of ``names`` (in its own code or
        a function it runs), and the name."""
        wanted = set(names)
        start = self.order.index(start_cell)
        for index in self.order[start:]:
            tree = self.trees.get(index)
            if tree is None:
                continue
            used = loaded_names(_top_level(tree))
            for function in self.runs(index):
                used |= self.body_names.get(function, set())
            hit = sorted(used & wanted)
            if hit:
                return index, hit[0]
        return None
