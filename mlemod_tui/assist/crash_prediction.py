"""Which cell a predicted crash surfaces in: the one that runs the eroded line.

The rules find an erosion where it is written. A line inside a function body crashes only when
a later cell calls the function, so the scan names that cell; an eroded line at the top of a
helper module beside the notebook (``from preamble import *``) crashes the cell importing it,
so the scan reads those modules too. The prediction is what ``scan`` reports as the first cell
to fail before anything runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlemod_tui.assist.call_graph import CallGraph
from mlemod_tui.assist.crash_evidence import crash_evidence
from mlemod_tui.assist.crash_lines import (
    PredictedCrash,
    crashes,
    function_of_line,
    guarded_lines,
    is_later_python,
    parse_cell,
)
from mlemod_tui.assist.helper_crashes import helper_module_crashes
from mlemod_tui.assist.rules import CellFindings
from mlemod_tui.assist.rules.scipy_rules import NUMPY_REEXPORTS

# Erosions that surface where a name is first used, not where they are written: the import
# still works, the names it used to bring are gone.
_SURFACES_AT_USE: dict[str, tuple[str, ...]] = {"scipy-star-numpy": NUMPY_REEXPORTS}


@dataclass(frozen=True)
class _Site:
    """Where a rule or the evidence saw a crash: cell, lines, rule, and why (may be empty)."""

    cell: int
    lines: tuple[int, ...]
    rule_id: str
    why: str = ""


def _sites(
    scanned: Sequence[CellFindings],
    trees: dict[int, ast.Module | None],
    order: list[int],
    folder: Path | None,
) -> Iterator[_Site]:
    for found in scanned:
        tree = trees.get(found.index)
        guarded = guarded_lines(tree) if tree is not None else set()
        for finding in crashes(found.findings):
            if is_later_python(finding.rule_id) or any(line in guarded for line in finding.lines):
                continue
            yield _Site(found.index, finding.lines, finding.rule_id)
    for evidence in crash_evidence([(index, trees.get(index)) for index in order], folder):
        tree = trees.get(evidence.cell)
        if tree is None or evidence.line not in guarded_lines(tree):
            yield _Site(evidence.cell, (evidence.line,), evidence.rule_id, evidence.why)


def predict_crashes(
    cells: Sequence[tuple[int, str]], scanned: Sequence[CellFindings], folder: Path | None = None
) -> list[PredictedCrash]:
    """Every cell expected to crash, from the cells' findings, the evidence literal values
    give, and the helper modules they import from ``folder``, in notebook order."""
    trees = {index: parse_cell(source) for index, source in cells}
    order = [index for index, _ in cells]
    graph = CallGraph(trees, order)
    predicted: list[PredictedCrash] = []
    for site in _sites(scanned, trees, order, folder):
        tree = trees.get(site.cell)
        owners = function_of_line(tree) if tree is not None else {}
        functions = {owners[line] for line in site.lines if line in owners}
        names = _SURFACES_AT_USE.get(site.rule_id)
        if names is not None:
            use = graph.first_user(names, site.cell)
            if use is not None:
                predicted.append(PredictedCrash(use[0], site.rule_id, f"uses `{use[1]}`"))
            continue
        if not site.lines or len(functions) != 1 or any(line not in owners for line in site.lines):
            predicted.append(PredictedCrash(site.cell, site.rule_id, site.why))
            continue
        (function,) = functions
        caller = graph.first_caller(function, site.cell)
        if caller is not None:
            via = f"calls {function}() from cell {site.cell}"
            predicted.append(PredictedCrash(caller, site.rule_id, via))
    if folder is not None:
        predicted += helper_module_crashes(trees, order, folder)
    return sorted(predicted, key=lambda p: order.index(p.cell) if p.cell in order else p.cell)


# --------------------------------------------------------------------------- helper modules
