"""Which data frames certainly hold text columns, read from the code before anything runs.

pandas 2 made ``numeric_only`` default to False: ``df.corr()``, ``df.mean()`` and
``df.groupby(k).mean()`` now raise on a text column the old pandas dropped silently. That
depends on the data, so the repair rules wait for the traceback; the scan can still tell in the
common cases: a frame built from a literal dict of strings, a column set to a string
(``red['type'] = 'red'``), a CSV beside the notebook whose first rows hold text, and frames
derived from those by row-only operations or ``concat``. Anything the tracker cannot follow
forgets the frame, so a prediction is made only where the text column is certain.
"""

from __future__ import annotations

import ast
import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_READERS = {"read_csv", "read_table"}
_READER_KEYWORDS = {"sep", "delimiter", "header", "names", "index_col", "usecols", "skiprows"}
_SAMPLE_ROWS = 1000
_MAX_FILE_BYTES = 200_000_000
_ROW_ONLY = {
    "copy", "dropna", "fillna", "head", "tail", "sample", "sort_values", "sort_index",
    "drop_duplicates", "reset_index", "query", "astype",
}  # fmt: skip
_REDUCTIONS = {"mean", "median", "std", "var", "sem", "skew", "kurt", "corr", "cov"}
_GROUPED = {"mean", "median", "std", "var", "sem"}
RULE_OF_SINK = {
    "corr": "pandas-corr-numeric-only",
    "cov": "pandas-corr-numeric-only",
    "grouped": "pandas-groupby-numeric-only",
}
_REDUCTION_RULE = "pandas-numeric-only-reduction"


@dataclass(frozen=True)
class TextColumnCrash:
    """A reduction over a frame that certainly holds the text columns named."""

    cell: int
    line: int
    rule_id: str
    frame: str
    columns: tuple[str, ...]


def text_column_crashes(
    cells: Sequence[tuple[int, ast.Module | None]], folder: Path | None
) -> list[TextColumnCrash]:
    """Every top-level reduction that pandas 2+ refuses because of a text column."""
    tracker = _Tracker(folder)
    found: list[TextColumnCrash] = []
    for index, tree in cells:
        if tree is None:
            continue
        for statement in tree.body:
            found += [
                TextColumnCrash(index, line, rule, frame, columns)
                for line, rule, frame, columns in tracker.sinks(statement)
            ]
            tracker.effect(statement)
    return found


def _string_constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node: ast.AST) -> list[str] | None:
    """A literal string or list/tuple of strings, else None."""
    single = _string_constant(node)
    if single is not None:
        return [single]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_string_constant(e) for e in node.elts]
        return [i for i in items if i is not None] if None not in items else None
    return None


def _method(node: ast.AST) -> tuple[ast.expr, str, ast.Call] | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value, node.func.attr, node
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _callee_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        if call.func.value.id in ("pd", "pandas"):
            return call.func.attr
    return None


class _Tracker:
    """Known frames (name -> text columns), updated statement by statement in run order."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.frames: dict[str, frozenset[str]] = {}
        self.functions: set[str] = set()

    # ------------------------------------------------------------------ sinks

    def sinks(self, statement: ast.stmt) -> Iterator[tuple[int, str, str, tuple[str, ...]]]:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        for node in ast.walk(statement):
            found = self._sink(node)
            if found is not None:
                yield found

    def _sink(self, node: ast.AST) -> tuple[int, str, str, tuple[str, ...]] | None:
        method = _method(node)
        if method is None:
            return None
        receiver, name, call = method
        if _keyword(call, "numeric_only") is not None:
            return None
        if name in _REDUCTIONS and not call.args:
            frame = self._frame_name(receiver)
            text = self.frames.get(frame) if frame else None
            if frame and text:
                rule = RULE_OF_SINK.get(name, _REDUCTION_RULE)
                return call.lineno, rule, frame, tuple(sorted(text))
        grouped = _method(receiver)
        if name in _GROUPED and not call.args and grouped and grouped[1] == "groupby":
            frame = self._frame_name(grouped[0])
            keys = _strings(grouped[2].args[0]) if grouped[2].args else None
            text = self.frames.get(frame) if frame else None
            if frame and text and keys is not None and _keyword(grouped[2], "axis") is None:
                left = text - set(keys)
                if left:
                    return call.lineno, RULE_OF_SINK["grouped"], frame, tuple(sorted(left))
        return None

    def _frame_name(self, node: ast.AST) -> str | None:
        return node.id if isinstance(node, ast.Name) and node.id in self.frames else None

    # ------------------------------------------------------------------ effects

    def effect(self, statement: ast.stmt) -> None:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.functions.add(statement.name)
            self.frames.pop(statement.name, None)
            return
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            self._assign(statement.targets[0], statement.value)
            self._escapes(statement.value)
            return
        if isinstance(statement, ast.Expr):
            self._in_place(statement.value)
            self._escapes(statement.value)
            return
        if isinstance(statement, ast.With):
            for inner in statement.body:
                self.effect(inner)
            return
        self._forget_assigned(statement)

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            derived = self._derive(value)
            if derived is None:
                self.frames.pop(target.id, None)
            else:
                self.frames[target.id] = derived
            return
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            frame = target.value.id
            if frame not in self.frames:
                return
            column = _string_constant(target.slice)
            if column is None:
                self.frames.pop(frame)  # columns set by a computed key: no longer known
            elif _string_constant(value) is not None:
                self.frames[frame] = self.frames[frame] | {column}
            else:
                self.frames[frame] = self.frames[frame] - {column}
            return
        self._forget_assigned_target(target)

    def _derive(self, value: ast.expr) -> frozenset[str] | None:
        if isinstance(value, ast.Name):
            return self.frames.get(value.id)
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
            base = self.frames.get(value.value.id)
            keys = _strings(value.slice) if isinstance(value.slice, ast.List) else None
            return base & set(keys) if base is not None and keys is not None else None
        if not isinstance(value, ast.Call):
            return None
        name = _callee_name(value)
        if name == "DataFrame":
            return _literal_frame(value)
        if name in _READERS:
            return self._read(value)
        if name == "concat" and value.args and isinstance(value.args[0], (ast.List, ast.Tuple)):
            parts = [self._derive(e) for e in value.args[0].elts]
            known = [p for p in parts if p is not None]
            return frozenset().union(*known) if known else None
        method = _method(value)
        if method is None:
            return None
        base = self._derive(method[0])
        return None if base is None else _after_method(base, method[1], method[2])

    def _in_place(self, value: ast.expr) -> None:
        method = _method(value)
        if method is None or not isinstance(method[0], ast.Name):
            return
        frame = method[0].id
        if frame not in self.frames or _keyword(method[2], "inplace") is None:
            return
        after = _after_method(self.frames[frame], method[1], method[2])
        if after is None:
            self.frames.pop(frame)
        else:
            self.frames[frame] = after

    def _escapes(self, value: ast.expr) -> None:
        """A frame handed to the notebook's own function may be changed there: forget it."""
        for node in ast.walk(value):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in self.functions:
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        if isinstance(arg, ast.Name):
                            self.frames.pop(arg.id, None)

    def _forget_assigned(self, statement: ast.stmt) -> None:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.frames.pop(node.id, None)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self._forget_assigned_target(node)
            elif isinstance(node, ast.Call):
                self._escapes(node)
                method = _method(node)
                if method and isinstance(method[0], ast.Name) and method[1] != "groupby":
                    if _keyword(method[2], "inplace") is not None:
                        self.frames.pop(method[0].id, None)

    def _forget_assigned_target(self, target: ast.expr) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.frames.pop(node.id, None)

    def _read(self, call: ast.Call) -> frozenset[str] | None:
        path = _string_constant(call.args[0]) if call.args else None
        if path is None or self.folder is None or len(call.args) > 1:
            return None
        file = self.folder / path
        kwargs: dict[str, object] = {}
        for keyword in call.keywords:
            if keyword.arg not in _READER_KEYWORDS:
                continue
            value = _literal(keyword.value)
            if value is None and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is None
            ):
                return None
            kwargs[keyword.arg] = value
        return _text_columns_of(file, _callee_name(call) or "read_csv", kwargs)


def _after_method(base: frozenset[str], name: str, call: ast.Call) -> frozenset[str] | None:
    if name in _ROW_ONLY and name != "astype":
        return base
    if name == "drop":
        columns = _keyword(call, "columns")
        axis = _keyword(call, "axis")
        if columns is None and call.args and axis is not None:
            columns = call.args[0] if _literal(axis) in (1, "columns") else None
        dropped = _strings(columns) if columns is not None else None
        return base - set(dropped) if dropped is not None else None
    if name == "set_index" and call.args:
        keys = _strings(call.args[0])
        return base - set(keys) if keys is not None else None
    if name == "rename":
        mapping = _keyword(call, "columns")
        if isinstance(mapping, ast.Dict) and None not in mapping.keys:
            renamed: dict[str, str] = {}
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                old = _string_constant(key) if key is not None else None
                new = _string_constant(value)
                if old is None or new is None:
                    return None
                renamed[old] = new
            return frozenset(renamed.get(c, c) for c in base)
    return None


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None


def _literal_frame(call: ast.Call) -> frozenset[str] | None:
    data = call.args[0] if call.args else _keyword(call, "data")
    if not isinstance(data, ast.Dict) or len(call.args) > 1 or call.keywords:
        return None
    text: set[str] = set()
    for key, value in zip(data.keys, data.values, strict=True):
        name = _string_constant(key) if key is not None else None
        if name is None:
            return None
        if isinstance(value, (ast.List, ast.Tuple)) and value.elts:
            if all(_string_constant(e) is not None for e in value.elts):
                text.add(name)
    return frozenset(text)


def _text_columns_of(file: Path, reader: str, kwargs: dict[str, object]) -> frozenset[str] | None:
    """Text columns of the first rows of a CSV beside the notebook (None: cannot tell)."""
    try:
        if not file.is_file() or file.stat().st_size > _MAX_FILE_BYTES:
            return None
    except OSError:
        return None
    import pandas as pd  # the scan's only data read; pandas is the notebook's own library

    read = pd.read_table if reader == "read_table" else pd.read_csv
    with warnings.catch_warnings(), contextlib.suppress(Exception):
        warnings.simplefilter("ignore")
        frame = read(file, nrows=_SAMPLE_ROWS, **kwargs)
        return frozenset(
            str(column)
            for column, dtype in frame.dtypes.items()
            if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        )
    return None
