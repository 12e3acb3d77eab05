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

from mlemod_tui.assist.rules import CellFindings, Finding, scan_source
from mlemod_tui.assist.rules.source import mask_magics

_MAX_MODULES = 40  # a helper package is small; a vendored library is not ours to scan


@dataclass(frozen=True)
class PredictedCrash:
    """A cell expected to fail, the rule that says so, and how the erosion reaches it."""

    cell: int
    rule_id: str
    via: str  # "" when the eroded line is the cell's own top-level code

    def to_dict(self) -> dict[str, object]:
        return {"cell": self.cell, "rule": self.rule_id, "via": self.via}


def _parse(source: str) -> ast.Module | None:
    masked = mask_magics(source)
    if masked is None:
        return None
    try:
        return ast.parse(masked.text)
    except SyntaxError:
        return None


def _function_of_line(tree: ast.Module) -> dict[int, str]:
    """Line -> name of the top-level function (or class) whose body holds it."""
    owner: dict[int, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                owner[line] = node.name
    return owner


def _top_level_calls(tree: ast.Module) -> set[str]:
    """Names called by the code that runs when the cell runs (not inside its own defs)."""
    called: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                called.add(inner.func.id)
    return called


def _crashes(findings: Sequence[Finding]) -> Iterator[Finding]:
    return (f for f in findings if f.kind == "crash")


def predict_crashes(
    cells: Sequence[tuple[int, str]], scanned: Sequence[CellFindings], folder: Path | None = None
) -> list[PredictedCrash]:
    """Every cell expected to crash, from the cells' findings and the helper modules they
    import from ``folder``, in notebook order."""
    trees = {index: _parse(source) for index, source in cells}
    order = [index for index, _ in cells]
    predicted: list[PredictedCrash] = []
    for found in scanned:
        tree = trees.get(found.index)
        owners = _function_of_line(tree) if tree is not None else {}
        for finding in _crashes(found.findings):
            functions = {owners[line] for line in finding.lines if line in owners}
            if not finding.lines or len(functions) != 1 or any(
                line not in owners for line in finding.lines
            ):
                predicted.append(PredictedCrash(found.index, finding.rule_id, ""))
                continue
            (function,) = functions
            caller = _first_caller(function, found.index, order, trees)
            if caller is not None:
                via = f"calls {function}() from cell {found.index}"
                predicted.append(PredictedCrash(caller, finding.rule_id, via))
    if folder is not None:
        predicted += _helper_module_crashes(trees, folder)
    return sorted(predicted, key=lambda p: order.index(p.cell) if p.cell in order else p.cell)


def _first_caller(
    function: str, defined_in: int, order: list[int], trees: dict[int, ast.Module | None]
) -> int | None:
    start = order.index(defined_in)
    for index in order[start:]:
        tree = trees.get(index)
        if tree is not None and function in _top_level_calls(tree):
            return index
    return None


# --------------------------------------------------------------------------- helper modules


def _local_imports(tree: ast.Module) -> list[str]:
    """Top-level module names a cell imports (``import x.y`` -> ``x``, ``from x import *``)."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module.split(".")[0])
    return names


def _module_file(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.py", folder / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_files(entry: Path) -> list[Path]:
    """The module, or for a package every module in it (bounded)."""
    if entry.name != "__init__.py":
        return [entry]
    files = sorted(entry.parent.rglob("*.py"))
    return files[:_MAX_MODULES]


def _helper_module_crashes(trees: dict[int, ast.Module | None], folder: Path) -> list[PredictedCrash]:
    predicted: list[PredictedCrash] = []
    reported: set[str] = set()
    for index, tree in trees.items():
        if tree is None:
            continue
        for name in dict.fromkeys(_local_imports(tree)):
            entry = _module_file(folder, name)
            if entry is None or name in reported:
                continue
            for path in _package_files(entry):
                rule = _top_level_crash(path)
                if rule is not None:
                    reported.add(name)
                    via = f"imports {path.relative_to(folder).as_posix()}"
                    predicted.append(PredictedCrash(index, rule, via))
                    break
    return predicted


def _top_level_crash(path: Path) -> str | None:
    """The first rule that finds a crash in code that runs when ``path`` is imported."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    findings = list(_crashes(scan_source(source)))
    if not findings:
        return None
    tree = _parse(source)
    owners = _function_of_line(tree) if tree is not None else {}
    for finding in findings:
        if tree is None or any(line not in owners for line in finding.lines) or not finding.lines:
            return finding.rule_id  # a module that does not even parse fails on import
    return None
