"""Crashes that come from the notebook's own helper modules (``preamble.py``, ``formats.py``).

An eroded line at the top of a module crashes the cell that imports it; an eroded line in a
function crashes the cell that calls the function. Modules are looked up where the kernel
would find them: the notebook's folder, or the folder a cell moved to with a literal
``os.chdir(os.path.join('..', 'notebook_format'))``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mlemod_tui.assist.crash_evidence import crash_evidence
from mlemod_tui.assist.crash_lines import (
    PredictedCrash,
    crashes,
    function_of_line,
    guarded_lines,
    is_later_python,
    parse_cell,
)
from mlemod_tui.assist.rules import scan_source

_MAX_MODULES = 40  # a helper package is small; a vendored library is not ours to scan


@dataclass(frozen=True)
class _Module:
    """What importing a helper module does: the rule of a top-level crash (or None), and the
    rule of each function whose body crashes."""

    top_level: str | None
    functions: dict[str, tuple[str, frozenset[str]]]  # rule, parameters that must be true


def _literal_path(node: ast.expr) -> str | None:
    """``'..'``, ``'data'`` or ``os.path.join('..', 'x')`` as a string; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and not node.keywords
    ):
        parts = [_literal_path(arg) for arg in node.args]
        return os.path.join(*[p for p in parts if p is not None]) if None not in parts else None
    return None


def _moved_to(tree: ast.Module, cwd: Path) -> Path:
    """The working folder after the cell's own top-level ``os.chdir`` calls."""
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr == "chdir" and len(call.args) == 1:
            target = _literal_path(call.args[0])
            if target is not None:
                cwd = (cwd / target).resolve()
    return cwd


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    """(top-level module, names bound from it) for the cell's top-level imports."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], [a.asname or a.name for a in node.names]


def _module_file(folders: list[Path], name: str) -> Path | None:
    for folder in folders:
        for candidate in (folder / f"{name}.py", folder / name / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _package_files(entry: Path) -> list[Path]:
    """The module, or for a package every module in it (bounded)."""
    if entry.name != "__init__.py":
        return [entry]
    return sorted(entry.parent.rglob("*.py"))[:_MAX_MODULES]


def _read_module(path: Path) -> _Module:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return _Module(None, {})
    tree = parse_cell(source)
    found = [(f.lines, f.rule_id) for f in crashes(scan_source(source)) if not is_later_python(f.rule_id)]
    if tree is None:
        return _Module(found[0][1] if found else None, {})  # it does not even parse
    found += [((e.line,), e.rule_id) for e in crash_evidence([(0, tree)], path.parent)]
    owners = function_of_line(tree)
    guarded = guarded_lines(tree)
    switches = _parameter_switches(tree)
    top_level: str | None = None
    functions: dict[str, tuple[str, frozenset[str]]] = {}
    for lines, rule in found:
        if not lines or any(line in guarded for line in lines):
            continue
        owned = {owners.get(line) for line in lines}
        if None in owned:
            top_level = top_level or rule
        else:
            needs = frozenset(p for line in lines for p in switches.get(line, ()))
            for function in owned:
                if function is not None:
                    functions.setdefault(function, (rule, needs))
    return _Module(top_level, functions)


def _parameter_switches(tree: ast.Module) -> dict[int, set[str]]:
    """Line -> the parameters of its function that an ``if parameter:`` around it tests
    (``if plot_style:``): the line runs only when the call leaves them true."""
    switches: dict[int, set[str]] = {}
    for function in tree.body:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
        for node in ast.walk(function):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name):
                if node.test.id in parameters:
                    for statement in node.body:
                        for line in range(statement.lineno, (statement.end_lineno or 0) + 1):
                            switches.setdefault(line, set()).add(node.test.id)
    return switches


def _switched_off(call: ast.Call, parameters: frozenset[str]) -> bool:
    """Does the call pass one of ``parameters`` as a false literal (``plot_style=False``)?"""
    return any(
        k.arg in parameters and isinstance(k.value, ast.Constant) and not k.value.value
        for k in call.keywords
    )


def _calls(tree: ast.Module) -> list[ast.Call]:
    """The calls of names in the cell's own code (``load_style()``), not in its definitions."""
    return [
        node
        for statement in tree.body
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in ast.walk(statement)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]


def helper_module_crashes(
    trees: dict[int, ast.Module | None], order: list[int], folder: Path
) -> list[PredictedCrash]:
    """Cells expected to crash because of a helper module they import or call into."""
    predicted: list[PredictedCrash] = []
    reported: set[str] = set()
    # bound name -> (rule, parameters that must be true, module file)
    eroded_functions: dict[str, tuple[str, frozenset[str], str]] = {}
    cwd = folder.resolve()
    for index in order:
        tree = trees.get(index)
        if tree is None:
            continue
        cwd = _moved_to(tree, cwd)
        for name, bound in _imports(tree):
            entry = _module_file(list(dict.fromkeys([cwd, folder])), name)
            if entry is None or name in reported:
                continue
            for path in _package_files(entry):
                module = _read_module(path)
                shown = os.path.relpath(path, folder)
                if module.top_level is not None:
                    reported.add(name)
                    predicted.append(PredictedCrash(index, module.top_level, f"imports {shown}"))
                    break
                for function in bound:
                    if function in module.functions:
                        rule, needs = module.functions[function]
                        eroded_functions[function] = (rule, needs, shown)
        for call in _calls(tree):
            assert isinstance(call.func, ast.Name)
            eroded = eroded_functions.get(call.func.id)
            if eroded is not None and not _switched_off(call, eroded[1]):
                del eroded_functions[call.func.id]
                via = f"calls {call.func.id}() from {eroded[2]}"
                predicted.append(PredictedCrash(index, eroded[0], via))
    return predicted
