"""Read a cell's source to tell what a bare result means.

A cell that ends in ``model.score(...)``, ``f1_score(...)`` or
``model.evaluate(...)`` shows only a number or a list of numbers; the cell's
source (parsed with :mod:`ast`, or by regex when it is not Python) names them.
Keras ``compile(metrics=[...])`` calls name the values after the loss.  Pure
stdlib; :mod:`mlemod_tui.core.scores` is the public API.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mlemod_tui.core.score_text import NAME_RE, Hit, normalise_metric_name


@dataclass(frozen=True)
class ResultHint:
    """What the cell's last statement tells us a bare result means."""

    kind: Literal["scalar", "cv", "evaluate"]
    name: str
    metric_names: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------

_LOOSE_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NP_FLOAT_RE = re.compile(r"(?:np|numpy)\.float(?:16|32|64|128)?\(([^()]*)\)")
_SCALAR_RES = tuple(
    re.compile(pattern, re.DOTALL)
    for pattern in (
        r"(?P<num>" + _LOOSE_NUM + r")",
        r"tensor\((?P<num>" + _LOOSE_NUM + r")(?:,[^()]*)?\)",
        r"tf\.Tensor\((?P<num>" + _LOOSE_NUM + r"), shape=\(\), dtype=\w+\)",
        r"<tf\.Tensor: shape=\(\), dtype=\w+, numpy=(?P<num>" + _LOOSE_NUM + r")>",
    )
)
_SEQUENCE_RE = re.compile(
    r"(?:array\()?\s*[\[(](?P<body>[^\[\]()]*)[\])]\s*(?:,\s*dtype=\w+)?\s*\)?",
    re.DOTALL,
)
_MAGIC_EXPR_RE = re.compile(r"%(?:time|timeit|prun)\s+(.*)")

# --------------------------------------------------------------------------
# Bare results (execute_result of model.score(...), model.evaluate(...))
# --------------------------------------------------------------------------


def _parse_scalar(text: str) -> float | None:
    """A lone number, also as numpy/torch/tf reprs print it."""
    text = _NP_FLOAT_RE.sub(r"\1", text).strip()
    for pattern in _SCALAR_RES:
        match = pattern.fullmatch(text)
        if match:
            return float(match["num"])
    return None


def _parse_sequence(text: str) -> list[float] | None:
    """A flat list/tuple/array of numbers, e.g. ``[0.31, 0.93]``."""
    match = _SEQUENCE_RE.fullmatch(_NP_FLOAT_RE.sub(r"\1", text).strip())
    if not match:
        return None
    items = [item for item in re.split(r"[,\s]+", match["body"]) if item]
    if not items or not all(re.fullmatch(_LOOSE_NUM, item) for item in items):
        return None
    return [float(item) for item in items]


def _evaluate_names(count: int, hint: ResultHint, earlier: Sequence[str]) -> list[str]:
    """Names for Keras ``evaluate`` results: loss first, then the metrics."""
    if len(hint.metric_names) == count - 1:
        return ["loss", *hint.metric_names]
    printed: list[str] = []
    for name in earlier:
        if name not in printed and name != "loss" and not name.startswith("val "):
            printed.append(name)
    if len(printed) == count - 1:
        return ["loss", *printed]
    if count == 2:
        return ["loss", "metric"]
    return ["loss", *(f"metric {i}" for i in range(1, count))]


def bare_hits(text: str, hint: ResultHint | None, earlier: Sequence[str]) -> list[Hit]:
    """Hits for an output that is nothing but a number or a list of numbers; ``earlier`` names
    the metrics the cell printed before it (they name an ``evaluate`` list's values)."""
    if hint is None:
        return []
    shown = text.strip()
    scalar = _parse_scalar(shown)
    if scalar is not None:
        return [Hit(hint.name, scalar, False, shown)]
    values = _parse_sequence(shown)
    if not values:
        return []
    if hint.kind == "cv":
        return [Hit(hint.name, sum(values) / len(values), False, shown)]
    if hint.kind == "evaluate":
        names = _evaluate_names(len(values), hint, earlier)
        return [Hit(name, value, False, shown) for name, value in zip(names, values, strict=True)]
    return []


# --------------------------------------------------------------------------
# Reading the cell source
# --------------------------------------------------------------------------


def _strip_magics(source: str) -> str:
    """Make IPython cells parseable: drop magics, keep ``%time expr`` as ``expr``."""
    lines: list[str] = []
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        timed = _MAGIC_EXPR_RE.match(stripped)
        if stripped.startswith("%%"):
            lines.append("")
        elif timed:
            lines.append(indent + timed.group(1))
        elif stripped.startswith(("%", "!")):
            lines.append(indent + "pass")
        else:
            lines.append(line)
    return "\n".join(lines)


def _parse_module(source: str) -> ast.Module | None:
    """Parse a cell, or None when it is not (modern) Python."""
    try:
        return ast.parse(_strip_magics(source))
    except (SyntaxError, ValueError):
        return None


def _call_name(call: ast.Call) -> str | None:
    """``model.score(...)`` -> ``score``; ``f1_score(...)`` -> ``f1_score``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _is_metric_function(name: str) -> bool:
    """sklearn-style metric functions: ``*_score``, ``*_error``, ``*_loss``."""
    return name.endswith(("_score", "_error", "_loss")) or name in {
        "matthews_corrcoef",
        "log_loss",
    }


def _keyword_is_false(call: ast.Call, keyword: str) -> bool:
    """True when the call passes ``keyword=False`` (e.g. ``squared=False``)."""
    return any(
        kw.arg == keyword and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in call.keywords
    )


def _call_hint(call: ast.Call, sqrt_seen: bool, metric_names: tuple[str, ...]) -> ResultHint | None:
    """What a scoring call in the last statement means for its result."""
    name = _call_name(call)
    if name is None:
        return None
    if name == "cross_val_score":
        return ResultHint("cv", "cv score")
    if name == "evaluate":
        return ResultHint("evaluate", "loss", metric_names)
    if name == "score":
        return ResultHint("scalar", "score")
    if not _is_metric_function(name):
        return None
    metric = normalise_metric_name(name)
    if metric == "mse" and (sqrt_seen or _keyword_is_false(call, "squared")):
        metric = "rmse"
    return ResultHint("scalar", metric)


def _metric_identifier(identifier: str) -> str | None:
    """A variable named like a metric (``test_acc``, ``rmse``) names its value."""
    text = identifier.strip("_")
    if not text or NAME_RE.fullmatch(text) is None:
        return None
    return normalise_metric_name(text)


def _identifier_hint(node: ast.expr) -> ResultHint | None:
    """Hint for a last line that is just a metric-named variable or attribute."""
    if isinstance(node, ast.Name):
        identifier = node.id
    elif isinstance(node, ast.Attribute):
        identifier = node.attr
    else:
        return None
    name = _metric_identifier(identifier)
    return ResultHint("scalar", name) if name else None


def _expr_hint(
    node: ast.expr, assigned: Mapping[str, ResultHint], metric_names: tuple[str, ...]
) -> ResultHint | None:
    """The outermost scoring call (or scored variable) in an expression."""
    sqrt_seen = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if _call_name(sub) == "sqrt":
                sqrt_seen = True
                continue
            hint = _call_hint(sub, sqrt_seen, metric_names)
            if hint is not None:
                return hint
        elif isinstance(sub, ast.Name) and sub.id in assigned:
            hint = assigned[sub.id]
            if sqrt_seen and hint.name == "mse":
                return ResultHint("scalar", "rmse")
            return hint
    return _identifier_hint(node)


def _tuple_hints(target: ast.Tuple | ast.List, hint: ResultHint) -> dict[str, ResultHint]:
    """``loss, acc = model.evaluate(...)``: name each unpacked value."""
    out: dict[str, ResultHint] = {}
    for index, element in enumerate(target.elts):
        if not isinstance(element, ast.Name):
            continue
        name = _metric_identifier(element.id)
        if name is None and index == 0:
            name = "loss"
        elif name is None and index - 1 < len(hint.metric_names):
            name = hint.metric_names[index - 1]
        out[element.id] = ResultHint("scalar", name or "metric")
    return out


def _assigned_hints(
    statements: Sequence[ast.stmt], metric_names: tuple[str, ...]
) -> dict[str, ResultHint]:
    """Variables assigned from scoring calls earlier in the cell."""
    assigned: dict[str, ResultHint] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        hint = _expr_hint(value, assigned, metric_names)
        for target in targets:
            if isinstance(target, ast.Name):
                if hint is None:
                    assigned.pop(target.id, None)
                else:
                    assigned[target.id] = hint
            elif isinstance(target, (ast.Tuple, ast.List)) and hint and hint.kind == "evaluate":
                assigned.update(_tuple_hints(target, hint))
    return assigned


def _last_code_line(source: str) -> str:
    """Last non-blank, non-comment line, for cells that do not parse."""
    for line in reversed(source.splitlines()):
        if line.strip() and not line.strip().startswith("#"):
            return line
    return ""


def _regex_hint(source: str, metric_names: tuple[str, ...]) -> ResultHint | None:
    """Best-effort hint when the cell is not parseable Python."""
    line = _last_code_line(source)
    if "cross_val_score(" in line:
        return ResultHint("cv", "cv score")
    if ".evaluate(" in line:
        return ResultHint("evaluate", "loss", metric_names)
    if ".score(" in line:
        return ResultHint("scalar", "score")
    match = re.search(r"\b(\w+_(?:score|error|loss)|matthews_corrcoef)\(", line)
    if not match:
        return None
    metric = normalise_metric_name(match.group(1))
    if metric == "mse" and ("sqrt(" in line or "squared=False" in line):
        metric = "rmse"
    return ResultHint("scalar", metric)


def result_hint(source: str, metric_names: tuple[str, ...]) -> ResultHint | None:
    """How to read a bare result, judged from the cell's last statement."""
    if not source.strip():
        return None
    tree = _parse_module(source)
    if tree is None:
        return _regex_hint(source, metric_names)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    assigned = _assigned_hints(tree.body[:-1], metric_names)
    return _expr_hint(tree.body[-1].value, assigned, metric_names)


def _metric_label(node: ast.expr) -> str | None:
    """Name of one entry of Keras ``metrics=[...]``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return normalise_metric_name(node.value)
    if isinstance(node, ast.Call):
        node = node.func
    identifier = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    if not isinstance(identifier, str):
        return None
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", identifier)
    return normalise_metric_name(snake)


def keras_metric_names(source: str) -> tuple[str, ...] | None:
    """Metric names from ``model.compile(..., metrics=[...])`` in a cell."""
    if ".compile(" not in source:
        return None
    tree = _parse_module(source)
    if tree is None:
        found = re.search(r"metrics\s*=\s*\[([^\]]*)\]", source)
        if not found:
            return None
        quoted = re.findall(r"['\"]([^'\"]+)['\"]", found.group(1))
        return tuple(normalise_metric_name(item) for item in quoted)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "compile":
            for keyword in node.keywords:
                if keyword.arg == "metrics" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                    labels = (_metric_label(element) for element in keyword.value.elts)
                    return tuple(label for label in labels if label)
    return None
