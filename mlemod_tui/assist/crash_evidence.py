"""Crashes the code alone proves, for rules that otherwise wait for the traceback.

Some erosions depend on values (a ragged list, a label count, a column's dtype), so their
repair rules act only on a failing line. Where the values are literals in the code the scan
can still name the crash before anything runs: ``np.array`` of rows of different lengths,
tick labels that cannot match a literal number of ticks, a number set into a ``get_dummies``
frame (booleans now), a blitted animation whose functions return nothing, and reductions over
frames that certainly hold text (frame_facts.py). Each piece of evidence names the rule whose
fix the run will apply.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlemod_tui.assist.frame_facts import text_column_crashes

_NUMPY = {"np", "numpy"}
_TICK_SETTERS = {"set_xticks": "x", "set_yticks": "y", "xticks": "x", "yticks": "y"}
_LABEL_SETTERS = {"set_xticklabels": "x", "set_yticklabels": "y"}


@dataclass(frozen=True)
class Evidence:
    """A line the code shows will crash, in which cell, and the rule that repairs it."""

    cell: int
    line: int
    rule_id: str
    why: str


def crash_evidence(
    cells: Sequence[tuple[int, ast.Module | None]], folder: Path | None
) -> list[Evidence]:
    """Every line of the notebook that literal values prove will crash today."""
    found: list[Evidence] = []
    defined: dict[str, ast.FunctionDef] = {}
    dummies: set[str] = set()  # names of get_dummies frames, across cells
    for index, tree in cells:
        if tree is None:
            continue
        defined.update(
            (node.name, node) for node in tree.body if isinstance(node, ast.FunctionDef)
        )
        found += [Evidence(index, line, rule, why) for line, rule, why in _cell_evidence(tree)]
        found += [
            Evidence(index, line, "pandas-get-dummies-bool-setitem", "a number into booleans")
            for line in _numbers_into_dummies(tree, dummies)
        ]
        found += [
            Evidence(index, line, "mpl-animation-blit-returns", why)
            for line, why in _silent_blit(tree, defined)
        ]
    if folder is not None:
        found += [
            Evidence(index, line, "mpl-rcparams-from-data", why)
            for index, tree in cells
            if tree is not None
            for line, why in _rcparams_from_files(tree, folder)
        ]
    found += [
        Evidence(c.cell, c.line, c.rule_id, f"`{c.frame}` has text column(s) {', '.join(c.columns)}")
        for c in text_column_crashes(cells, folder)
    ]
    return found


def _cell_evidence(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    yield from _ragged_arrays(tree)
    yield from _tick_label_counts(tree)


# --------------------------------------------------------------------------- ragged arrays


def _is_numpy_call(call: ast.Call, name: str) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == name and isinstance(func.value, ast.Name) and func.value.id in _NUMPY
    return False


def _ragged_arrays(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        if not _is_numpy_call(node, "array") or any(k.arg == "dtype" for k in node.keywords):
            continue
        rows = node.args[0]
        if not isinstance(rows, (ast.List, ast.Tuple)) or len(rows.elts) < 2:
            continue
        if not all(isinstance(row, (ast.List, ast.Tuple)) for row in rows.elts):
            continue
        lengths = {len(row.elts) for row in rows.elts if isinstance(row, (ast.List, ast.Tuple))}
        if len(lengths) > 1:
            yield node.lineno, "numpy-ragged-array", f"rows of lengths {sorted(lengths)}"


# --------------------------------------------------------------------------- tick labels


def _int(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int(node.operand)
        return -inner if inner is not None else None
    return None


def static_length(node: ast.expr) -> int | None:
    """How many items a literal sequence, ``range`` or integer ``np.arange``/``linspace``
    holds; None when it depends on values."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return None if any(isinstance(e, ast.Starred) for e in node.elts) else len(node.elts)
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    numbers = [_int(a) for a in node.args]
    if None in numbers or not numbers:
        return None
    ints = [n for n in numbers if n is not None]
    is_range = isinstance(node.func, ast.Name) and node.func.id == "range"
    if is_range or _is_numpy_call(node, "arange"):
        start, stop, step = (0, ints[0], 1) if len(ints) == 1 else (*ints[:2], 1)
        if len(ints) == 3:
            step = ints[2]
        return max(0, math.ceil((stop - start) / step)) if step else None
    if _is_numpy_call(node, "linspace") and len(ints) == 3:
        return ints[2]
    return None


def _axis_target(call: ast.Call) -> tuple[str, str, bool] | None:
    """(receiver text, axis letter, minor) of a tick or tick-label setter."""
    if not isinstance(call.func, ast.Attribute):
        return None
    name, receiver = call.func.attr, call.func.value
    minor = any(
        k.arg == "minor" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )
    letter = _TICK_SETTERS.get(name) or _LABEL_SETTERS.get(name)
    if letter is None and name in ("set_ticks", "set_ticklabels"):
        if isinstance(receiver, ast.Attribute) and receiver.attr in ("xaxis", "yaxis"):
            letter, receiver = receiver.attr[0], receiver.value
    if letter is None:
        return None
    return ast.unparse(receiver), letter, minor


def _tick_label_counts(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    scopes: list[list[ast.stmt]] = [tree.body]
    scopes += [n.body for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for body in scopes:
        ticks: dict[tuple[str, str, bool], int | None] = {}
        calls = [n for stmt in body if not isinstance(stmt, ast.FunctionDef)
                 for n in ast.walk(stmt) if isinstance(n, ast.Call)]  # fmt: skip
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            target = _axis_target(call)
            if target is None or not call.args:
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if name in _TICK_SETTERS or name == "set_ticks":
                ticks[target] = static_length(call.args[0])
                labels = call.args[1] if len(call.args) > 1 else None
                labels = labels or next((k.value for k in call.keywords if k.arg == "labels"), None)
            else:
                labels = call.args[0]
            count = ticks.get(target)
            given = static_length(labels) if labels is not None else None
            if count is not None and given is not None and given and given != count:
                yield call.lineno, "mpl-ticklabels-count", f"{given} labels for {count} ticks"


# --------------------------------------------------------------------------- get_dummies


def _numeric_not_bool(node: ast.expr) -> bool:
    """A number literal (``1``, ``-1.``), which a boolean column no longer takes."""
    value = node.operand if isinstance(node, ast.UnaryOp) else node
    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
        return False
    return isinstance(value.value, (int, float))


def _derived_from(value: ast.expr, frames: set[str]) -> bool:
    """``frames`` or an indexing/copy/drop of one of them."""
    while True:
        if isinstance(value, ast.Name):
            return value.id in frames
        if isinstance(value, ast.Subscript):
            value = value.value
        elif isinstance(value, ast.Attribute) and value.attr in ("iloc", "loc"):
            value = value.value
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr not in ("copy", "drop", "head", "tail"):
                return False
            value = value.func.value
        else:
            return False


def _numbers_into_dummies(tree: ast.Module, dummies: set[str]) -> Iterator[int]:
    """Lines setting a number into a ``get_dummies`` frame; ``dummies`` carries its names."""
    for statement in tree.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target, value = statement.targets[0], statement.value
        if isinstance(target, ast.Name):
            is_dummies = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "get_dummies"
                and not any(k.arg == "dtype" for k in value.keywords)
            )
            if is_dummies or _derived_from(value, dummies):
                dummies.add(target.id)
            else:
                dummies.discard(target.id)
        elif isinstance(target, ast.Subscript) and _derived_from(target.value, dummies):
            if _numeric_not_bool(value):
                yield statement.lineno


# --------------------------------------------------------------------------- animations


def _returns_value(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, (ast.Return, ast.Yield)) and node.value is not None
        for node in ast.walk(function)
    )


def _makes_a_figure(tree: ast.Module) -> bool:
    """The inline backend draws (and closes) the figures a cell made when the cell ends."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("subplots", "figure")
        for statement in tree.body
        if not isinstance(statement, (ast.FunctionDef, ast.ClassDef))
        for node in ast.walk(statement)
    )


def _silent_blit(tree: ast.Module, defined: dict[str, ast.FunctionDef]) -> Iterator[tuple[int, str]]:
    """``FuncAnimation(fig, update, init_func=init, blit=True)`` whose functions return no
    artists, in the cell that makes the figure: matplotlib refuses it when the figure is drawn
    at the end of the cell."""
    if not _makes_a_figure(tree):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", ""
        )
        blit = next((k.value for k in node.keywords if k.arg == "blit"), None)
        if name != "FuncAnimation" or not (isinstance(blit, ast.Constant) and blit.value is True):
            continue
        functions = [node.args[1]] if len(node.args) > 1 else []
        functions += [k.value for k in node.keywords if k.arg in ("func", "init_func")]
        for function in functions:
            body = defined.get(function.id) if isinstance(function, ast.Name) else None
            if body is not None and not _returns_value(body):
                yield node.lineno, f"`{body.name}` returns no artists"
                break


# --------------------------------------------------------------------------- style files


def _opened_json(tree: ast.Module) -> dict[str, str]:
    """Names bound to ``json.load(f)`` where ``f`` is ``with open('<literal>') as f``."""
    files: dict[str, str] = {}
    loaded: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                call, alias = item.context_expr, item.optional_vars
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "open"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and isinstance(call.args[0].value, str)
                    and isinstance(alias, ast.Name)
                ):
                    files[alias.id] = call.args[0].value
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "load"
                and value.args
                and isinstance(value.args[0], ast.Name)
                and value.args[0].id in files
            ):
                loaded[target.id] = files[value.args[0].id]
    return loaded


def _rcparams_from_files(tree: ast.Module, folder: Path) -> Iterator[tuple[int, str]]:
    """``rcParams.update(style)`` with a style read from a JSON file that holds keys today's
    matplotlib no longer has (``axes.color_cycle``)."""
    styles = _opened_json(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "update" or not ast.unparse(node.func.value).endswith("rcParams"):
            continue
        argument = node.args[0] if len(node.args) == 1 else None
        path = styles.get(argument.id) if isinstance(argument, ast.Name) else None
        if path is None:
            continue
        try:
            style = json.loads((folder / path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        import matplotlib  # the notebook's own library; only its rcParams' keys are read

        unknown = sorted(k for k in style if k not in matplotlib.rcParams) if isinstance(style, dict) else []
        if unknown:
            yield node.lineno, f"{path} sets {unknown[0]}, which matplotlib no longer has"
