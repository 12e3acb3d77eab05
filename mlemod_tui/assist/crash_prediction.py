"""Which cell a predicted crash surfaces in: the one that runs the eroded line.

The rules find an erosion where it is written. A line inside a function body crashes only when
a later cell calls the function, so the scan names that cell; an eroded line at the top of a
helper module beside the notebook (``from preamble import *``) crashes the cell importing it,
so the scan reads those modules too. The prediction is what ``scan`` reports as the first cell
to fail before anything runs.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlemod_tui.assist.call_graph import CallGraph
from mlemod_tui.assist.crash_evidence import crash_evidence
from mlemod_tui.assist.rules import RULES_BY_ID, CellFindings, Finding, scan_source
from mlemod_tui.assist.rules.scipy_rules import NUMPY_REEXPORTS
from mlemod_tui.assist.rules.source import mask_magics

_MAX_MODULES = 40  # a helper package is small; a vendored library is not ours to scan
# Erosions that surface where a name is first used, not where they are written: the import
# still works, the names it used to bring are gone.
_SURFACES_AT_USE: dict[str, tuple[str, ...]] = {"scipy-star-numpy": NUMPY_REEXPORTS}


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


def _crashes(findings: Sequence[Finding]) -> Iterator[Finding]:
    return (f for f in findings if f.kind == "crash")


def _later_python(rule_id: str) -> bool:
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
        for finding in _crashes(found.findings):
            if _later_python(finding.rule_id) or any(line in guarded for line in finding.lines):
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
    trees = {index: _parse(source) for index, source in cells}
    order = [index for index, _ in cells]
    graph = CallGraph(trees, order)
    predicted: list[PredictedCrash] = []
    for site in _sites(scanned, trees, order, folder):
        tree = trees.get(site.cell)
        owners = _function_of_line(tree) if tree is not None else {}
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
        predicted += _helper_module_crashes(trees, folder)
    return sorted(predicted, key=lambda p: order.index(p.cell) if p.cell in order else p.cell)


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
