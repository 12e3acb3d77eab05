"""``mlemod-tui scan``: before anything runs, which cells will crash or drift, and the fix.

Runs the offline erosion rules and the run-order check (core/order.py) only (no kernel, no
model). Exit status: 0 nothing found, 1 something found, 2 bad input (raised as
:class:`NotebookError`, printed by the CLI).
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mlemod_tui.assist.crash_lines import PredictedCrash
from mlemod_tui.assist.crash_prediction import predict_crashes
from mlemod_tui.assist.rules import CellFindings, scan_notebook
from mlemod_tui.core.notebook import Notebook, load_notebook, source_text
from mlemod_tui.core.order import OrderProblem, OrderReport, analyze_order

EXIT_CLEAN = 0
EXIT_FOUND = 1
_KIND_LABEL = {
    "crash": "crash",
    "silent-score-change": "drift",
    "warning-only": "warning",
    "runtime": "speedup",
}


@dataclass(frozen=True)
class ScanOptions:
    notebooks: list[Path]
    json: bool = False
    warnings: bool = False
    diff: bool = True


@dataclass
class NotebookScan:
    path: Path
    cells: list[CellFindings] = field(default_factory=list)
    order: OrderReport | None = None  # issue #6: run-order problems, counted as findings
    # Where the crashes will surface (a function's caller, a helper module's importer).
    predicted: list[PredictedCrash] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Rule findings, order problems and expected crashes no cell finding already names
        (from helper modules, or proved by literal values): all make the scan exit 1."""
        named = {(c.index, f.rule_id) for c in self.cells for f in c.findings}
        extra = sum(1 for p in self.predicted if p.via and (p.cell, p.rule_id) not in named)
        return sum(len(c.findings) for c in self.cells) + len(self.order_problems) + extra

    @property
    def order_problems(self) -> tuple[OrderProblem, ...]:
        return self.order.problems if self.order is not None else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "findings": self.count,
            "cells": [c.to_dict() for c in self.cells],
            "order": [problem.to_dict() for problem in self.order_problems],
            "out_of_order": self.order.out_of_order if self.order is not None else False,
            "predicted_crashes": [p.to_dict() for p in self.predicted],
        }


def scan_paths(paths: list[Path], *, warnings: bool = False) -> list[NotebookScan]:
    """Scan every notebook; the first unreadable one raises NotebookError before any output."""
    notebooks = [load_notebook(path) for path in paths]
    return [_scan_one(nb, warnings) for nb in notebooks]


def _scan_one(notebook: Notebook, warnings: bool) -> NotebookScan:
    cells = scan_notebook(notebook, include_warnings=warnings)
    sources = [(i, source_text(notebook.cells[i])) for i in notebook.code_cell_indices()]
    predicted = predict_crashes(sources, cells, notebook.folder)
    return NotebookScan(notebook.path, cells, analyze_order(notebook), predicted)


def scan_command(options: ScanOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    results = scan_paths(options.notebooks, warnings=options.warnings)
    total = sum(r.count for r in results)
    if options.json:
        json.dump({"found": total, "notebooks": [r.to_dict() for r in results]}, out, indent=2)
        out.write("\n")
    else:
        for result in results:
            out.write(render(result, diff=options.diff))
    return EXIT_FOUND if total else EXIT_CLEAN


def render(result: NotebookScan, *, diff: bool = True) -> str:
    """A plain-text report: a table of findings, hints, then the proposed fix per cell."""
    if not result.count:
        return f"{result.path}: no known erosion found\n\n"
    flagged = {c.index for c in result.cells} | {p.cell_index for p in result.order_problems}
    flagged |= {p.cell for p in result.predicted if p.via}
    lines = [f"{result.path}: {result.count} finding(s) in {len(flagged)} cell(s)"]
    rows = [("cell", "lines", "rule", "kind", "what changed")]
    for problem in result.order_problems:  # issue #6: found from the file, no rule fixes them
        rows.append((str(problem.cell_index), "-", problem.kind, "order", problem.message))
    for cell in result.cells:
        for f in cell.findings:
            rows.append(
                (
                    str(cell.index),
                    ",".join(str(n) for n in f.lines) or "-",
                    f.rule_id,
                    _KIND_LABEL.get(f.kind, f.kind),
                    f.explanation,
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows if len(rows) > 1 else []:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        lines.append("  " + "  ".join(cells) + "  " + row[4])
    for crash in (p for p in result.predicted if p.via):
        lines.append(f"  expect cell {crash.cell} to crash ({crash.rule_id}): {crash.via}")
    hints = [(c.index, f) for c in result.cells for f in c.findings if f.hint]
    for index, f in hints:
        lines.append(f"  hint (cell {index}, {f.rule_id}): {f.hint}")
    if result.order is not None and result.order.out_of_order:
        lines.append(
            "  hint (order): the stored execution order differs from top-down; "
            "try `mlemod-tui run --order stored`"
        )
    if diff:
        for cell in result.cells:
            if cell.fixed_source is None:
                continue
            lines.append(f"  proposed fix for cell {cell.index} ({', '.join(cell.applied)}):")
            patch = difflib.unified_diff(
                cell.source.splitlines(),
                cell.fixed_source.splitlines(),
                f"a/cell/{cell.cell_id}",
                f"b/cell/{cell.cell_id}",
                lineterm="",
            )
            lines.extend("    " + line for line in patch)
    return "\n".join(lines) + "\n\n"
