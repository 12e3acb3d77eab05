"""Which names a patch stops defining that later cells still use (a static def-use check).

A model that "fixes" a cell by deleting ``threshold = base * 2`` makes the cell run and the next
cell fail with ``NameError``. Reading the cells with ``ast`` before anything runs catches that:
the names the old cell bound and the new one does not, against the names later cells read
before binding them themselves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence

from mlemod_tui.core.order import cell_names, python_source


def _parses(source: str) -> bool:
    text, _ = python_source(source)
    if text is None:
        return False
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def removed_but_used(
    before: Mapping[str, str], after: Mapping[str, str], cells: Sequence[tuple[int, str, str]]
) -> dict[str, int]:
    """Name -> the first later cell (index) that uses a name the patch no longer defines.

    ``before``/``after``: the patched cells' sources by cell id; ``cells``: every code cell as
    (index, id, source) in run order. A name still bound by another cell before the user is
    not counted (it is defined there too).
    """
    found: dict[str, int] = {}
    position = {cell_id: i for i, (_, cell_id, _) in enumerate(cells)}
    for cell_id, old in before.items():
        new = after.get(cell_id, "")
        if cell_id not in position or not (_parses(old) and _parses(new)):
            continue  # a cell Python cannot read says nothing reliable about its names
        gone = cell_names(old).defines - cell_names(new).defines
        for index, other_id, source in cells[position[cell_id] + 1 :]:
            if not gone:
                break
            names = cell_names(after.get(other_id, source))
            for name in sorted(set(names.uses) & gone):
                found.setdefault(name, index)
            gone -= names.defines
    return found


def describe_removed(found: Mapping[str, int]) -> str:
    """``removes `threshold`, used by cell 6``: the line review and the loop show."""
    parts = [f"`{name}`, used by cell {index}" for name, index in sorted(found.items())]
    return "removes " + "; ".join(parts)


_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "update", "add", "clear"})


def loaded_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Every name the nodes read (``ast.Load``), at any depth."""
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def base_name(node: ast.expr) -> str | None:
    """``df`` for ``df['a'].values``: the name an attribute or subscript chain starts from."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def changes_what_it_reads(source: str) -> bool:
    """Does running the cell change the state it starts from (``cohorts = cohorts.groupby(...)``,
    ``x += 1``, ``df['a'] = df['a'] * 2``, ``scores.append(s)``, ``inplace=True``)? Such a cell
    run a second time in the same kernel does not repeat its first run, so a patch to it is
    verified from a fresh kernel. Unreadable cells count as changing their input."""
    text, _ = python_source(source)
    if text is None:
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return True
    bound: set[str] = set()
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.AugAssign):
                base = base_name(node.target)
                if base is not None and base not in bound:
                    return True
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                base = base_name(node.func.value)
                mutates = node.func.attr in _MUTATORS or any(
                    k.arg == "inplace" for k in node.keywords
                )
                if mutates and base is not None and base not in bound:
                    return True
        if isinstance(statement, ast.Assign):
            read = loaded_names([statement.value]) - bound
            for target in statement.targets:
                base = base_name(target)
                if base is not None and base in read:
                    return True
                bound |= {
                    n.id
                    for n in ast.walk(target)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            bound |= {alias.asname or alias.name.split(".")[0] for alias in statement.names}
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(statement.name)
    return False
