"""A crash no rule explains may be the late symptom of a silent change in an earlier cell.

``cohorts.groupby(level=0).apply(f)`` now adds the group keys to the index; nothing fails
there, and three cells later ``assert np.allclose(x, cohorts.loc[key])`` does. When the rules
have nothing for the crashed cell, the cells it reads from (nearest first) are searched for a
known silent pandas or numpy change with an exact pin of the old behaviour; that pin is
offered as the error repair. The loop keeps it only if the crash then moves on.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from mlemod_tui.assist.crash_lines import parse_cell
from mlemod_tui.assist.proposal import Proposal, rule_proposal
from mlemod_tui.assist.rules import scan_source
from mlemod_tui.assist.rules.model import Finding
from mlemod_tui.core.def_use import base_name, loaded_names
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.repair_kind import RepairKind

_LIBRARIES = {"pandas", "numpy"}  # data behaviour; a model's changed default is calibration
_SILENT = {"silent-score-change", "warning-only"}


def _reads(source: str) -> set[str]:
    tree = parse_cell(source)
    return loaded_names([tree]) if tree is not None else set()


def _sets(source: str) -> set[str]:
    """Names the cell binds or changes in place (``b[-1] = v`` changes ``b``)."""
    tree = parse_cell(source)
    found: set[str] = set()
    for node in ast.walk(tree) if tree is not None else []:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            name = base_name(node)
            if name is not None:
                found.add(name)
    return found


def _silent_findings(source: str, preamble: str) -> list[Finding]:
    return [
        f
        for f in scan_source(source, preamble=preamble)
        if f.kind in _SILENT and f.library in _LIBRARIES and f.new_source is not None
    ]


def upstream_silent_change(notebook: Notebook, index: int, preamble: str) -> Proposal | None:
    """The nearest earlier cell that sets a name the crashed cell reads and holds a known
    silent change, with its pin as an error-repair proposal; None when there is none."""
    read = _reads(source_text(notebook.cells[index]))
    earlier = [i for i in notebook.code_cell_indices() if i < index]
    for position in reversed(earlier):
        cell = notebook.cells[position]
        source = source_text(cell)
        if not _sets(source) & read:
            continue
        findings = _silent_findings(source, preamble)
        for kind in (RepairKind.SCORE_CALIBRATION, RepairKind.ERROR_REPAIR):
            proposal = rule_proposal(cell.id, source, findings, kind, preamble=preamble)
            if proposal is not None:
                why = (
                    f"cell {index} fails on what cell {position} computes, and cell {position} "
                    "changed meaning silently:\n"
                )
                return replace(
                    proposal, kind=RepairKind.ERROR_REPAIR, rationale=why + proposal.rationale
                )
    return None
