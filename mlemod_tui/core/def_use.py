"""Which names a patch stops defining that later cells still use (a static def-use check).

A model that "fixes" a cell by deleting ``threshold = base * 2`` makes the cell run and the next
cell fail with ``NameError``. Reading the cells with ``ast`` before anything runs catches that:
the names the old cell bound and the new one does not, against the names later cells read
before binding them themselves.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

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
