"""pandas 2/3 changes that only the data reveals: the code looks fine until a value arrives.

Each fix is crash-only and touches the line the traceback names (or, for a changed default,
the calls that set it), spelling out what old pandas did implicitly: positional fallback of
``s[0]``, ``replace`` renaming categories, ``get_dummies`` giving ``uint8``, ``read_csv`` of
bytes that are not UTF-8, plotting booleans as 0/1.
"""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    call_name,
    expr,
    kwarg,
    make_kwarg,
    positional,
    set_kwarg,
    string,
    string_value,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, pin

PD = ("pandas",)


def _looks_positional(node: cst.BaseExpression) -> bool:
    """An integer literal, a loop-variable-like name, arithmetic on those, or a list of
    integer literals (``obj[[1, 3]]``)."""
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, cst.List):
        return bool(node.elements) and all(
            isinstance(e, cst.Element) and isinstance(e.value, (cst.Integer, cst.UnaryOperation))
            for e in node.elements
        )
    if isinstance(node, cst.UnaryOperation):
        return _looks_positional(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _looks_positional(node.left) and _looks_positional(node.right)
    return isinstance(node, cst.Name) and node.value not in ("True", "False", "None")


class PositionalGetitem(RuleTransformer):
    """``series[i]`` on a Series whose index is not made of integers (dates, names) meant the
    i-th value until pandas 3; today it looks for the label ``i``. ``series.iloc[i]`` is what
    it did. The crash names the Series (a plain name with a numeric-looking key on the failing
    line); its other numeric-keyed lookups in the cell are positional for the same reason."""

    whole_module = True  # the Series' other lookups in the cell

    def visit_Module(self, node: cst.Module) -> None:
        self.receivers: set[str] = set()
        finder = _FailingLookups(self)
        node.visit(finder)
        self.receivers = finder.names

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        name = _numeric_lookup(original_node)
        if name is None or name not in getattr(self, "receivers", set()):
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(
            value=cst.Attribute(value=updated_node.value, attr=cst.Name("iloc"))
        )


class _FailingLookups(cst.CSTVisitor):
    """Names subscripted with a numeric-looking key on the failing line."""

    def __init__(self, rule: PositionalGetitem) -> None:
        self.rule = rule
        self.names: set[str] = set()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        name = _numeric_lookup(node)
        if name is not None and self.rule.on_failing_line(node):
            self.names.add(name)


def _numeric_lookup(node: cst.Subscript) -> str | None:
    """``ranked`` for ``ranked[4]`` or ``series[i + n]``, else None."""
    if not isinstance(node.value, cst.Name) or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if not isinstance(index, cst.Index) or not _looks_positional(index.value):
        return None
    return node.value.value


class MissingLabels(RuleTransformer):
    """``s[labels]`` / ``s.loc[labels]`` with labels that are not all in the index gave NaN for
    the missing ones until pandas 1.0; now it raises. ``reindex`` is what it did. A DataFrame's
    ``df[columns]`` raised then too, so an old notebook that ran did this on a Series (or on
    rows with ``.loc``). Only a single list-like key, on the failing line."""

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if len(original_node.slice) == 2:
            return self._rows_and_columns(original_node, updated_node)
        index = original_node.slice[0].slice if len(original_node.slice) == 1 else None
        if not isinstance(index, cst.Index):
            return updated_node
        key = index.value
        if not isinstance(key, (cst.Name, cst.List)):
            return updated_node
        holder = original_node.value
        if isinstance(holder, cst.Attribute) and holder.attr.value == "loc":
            target = updated_node.value.value  # type: ignore[attr-defined]
        elif isinstance(holder, (cst.Name, cst.Attribute)):
            target = updated_node.value
        else:
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        if isinstance(self.parent(), (cst.AssignTarget, cst.Del)):
            return updated_node  # setting or deleting labels is another matter
        self.hit(original_node)
        new_key = updated_node.slice[0].slice.value  # type: ignore[attr-defined]
        return expr("__t__.reindex(__k__)", t=target, k=new_key)

    def _rows_and_columns(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        """``df.loc[rows, columns]`` with list-like keys (or a bare ``:``) ->
        ``df.reindex(index=rows, columns=columns)``."""
        holder = updated_node.value
        if not (isinstance(holder, cst.Attribute) and holder.attr.value == "loc"):
            return updated_node
        axes: list[str] = []
        for name, element in zip(("index", "columns"), updated_node.slice, strict=True):
            key = element.slice
            if isinstance(key, cst.Slice) and key.lower is None and key.upper is None:
                continue
            if not isinstance(key, cst.Index) or not isinstance(key.value, (cst.Name, cst.List)):
                return updated_node
            axes.append(f"{name}={cst.Module([]).code_for_node(key.value)}")
        if not axes or not self.on_failing_line(original_node):
            return updated_node
        if isinstance(self.parent(), (cst.AssignTarget, cst.Del)):
            return updated_node
        self.hit(original_node)
        return expr(f"__t__.reindex({', '.join(axes)})", t=holder.value)


class CategoricalReplace(RuleTransformer):
    """``s.replace({'ARF': 'arf'})`` on a categorical column renamed its categories before
    pandas 3; now it refuses a value that is not a category. ``cat.rename_categories`` is the
    same renaming (order and codes kept); only on the failing line, with one mapping."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "replace" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        args = positional(original_node)
        if len(args) != 1 or len(original_node.args) != 1:
            return updated_node
        if not isinstance(args[0].value, (cst.Dict, cst.Name)):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        receiver = updated_node.func.value  # type: ignore[attr-defined]
        return expr(
            "__s__.cat.rename_categories(__m__)", s=receiver, m=updated_node.args[0].value
        )


class ReadCsvEncoding(RuleTransformer):
    """``read_csv`` of a Latin-1 file: Python 2 pandas read bytes and never decoded them;
    today the default UTF-8 fails. ``encoding='latin-1'`` reads every byte as one character."""

    _READERS = frozenset({"read_csv", "read_table", "read_fwf"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in self._READERS or kwarg(original_node, "encoding"):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        args = list(updated_node.args)
        last = args[-1] if args else None
        if last is not None and last.comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated_node.with_changes(args=[*args, make_kwarg("encoding", string("latin-1"))])


class SpaceSeparatedTrailingBlanks(RuleTransformer):
    """``read_table(f, sep=' ', names=[...])`` of a file whose lines end in a stray space:
    the old parser let the empty last field go, today's counts it ("Expected 3 fields in
    line 22, saw 4"). A run of whitespace as the separator reads the fields the file means."""

    _READERS = frozenset({"read_csv", "read_table"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in self._READERS:
            return updated_node
        separator = kwarg(original_node, "sep") or kwarg(original_node, "delimiter")
        if separator is None or string_value(separator.value) != " ":
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        keyword = separator.keyword.value if separator.keyword is not None else "sep"
        return set_kwarg(updated_node, keyword, "r'\\s+'")


class PlotBooleans(RuleTransformer):
    """``is_snowing.plot()`` on a boolean Series: old pandas plotted True/False as 1/0, pandas
    now finds "no numeric data". ``.astype(int)`` first, on the failing line only."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "plot" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        receiver = original_node.func.value
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Subscript)):
            return updated_node
        if isinstance(receiver, cst.Name) and receiver.value in ("plt", "ax", "axes", "matplotlib"):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        func = updated_node.func
        assert isinstance(func, cst.Attribute)
        return updated_node.with_changes(
            func=func.with_changes(value=expr("__s__.astype(int)", s=func.value))
        )


_INVALID_VALUE = re.compile(r"^Invalid value '(?P<value>.*)' for dtype '(?P<dtype>[^']+)'")


class SetitemUpcast(RuleTransformer):
    """``frame.loc[mask] = -1.`` on integer columns: pandas before 3 upcast the column (to
    float, or to object for booleans and text); now it raises. The fix casts first, as pandas
    did: the one column when the target names it, else the frame. Only the failing line."""

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        crash = self.ctx.crash
        found = _INVALID_VALUE.match(crash.evalue) if crash is not None else None
        if found is None or len(original_node.body) != 1:
            return updated_node
        stmt = original_node.body[0]
        if not isinstance(stmt, cst.Assign) or len(stmt.targets) != 1:
            return updated_node
        target = _cast_target(stmt.targets[0].target)
        new_type = _upcast(found["dtype"], found["value"], self.ctx.notebook_text)
        if target is None or new_type is None or not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        cast = cst.parse_statement(f"{target} = {target}.astype({new_type!r})\n")
        return cst.FlattenSentinel([cast, updated_node])


def _cast_target(node: cst.BaseExpression) -> str | None:
    """``df['col']`` for ``df.loc[rows, 'col']``, ``df`` for ``df.loc[rows]`` or ``df[mask]``."""
    if not isinstance(node, cst.Subscript):
        return None
    holder = node.value
    if isinstance(holder, cst.Attribute) and holder.attr.value in ("loc", "iloc"):
        frame = holder.value
        if not isinstance(frame, cst.Name):
            return None
        column = node.slice[1].slice if len(node.slice) == 2 else None
        label = _string_of(column.value) if isinstance(column, cst.Index) else None
        if holder.attr.value == "loc" and label is not None:
            return f"{frame.value}[{label!r}]"
        return frame.value if len(node.slice) == 1 else None
    if isinstance(holder, cst.Name) and len(node.slice) == 1:
        return holder.value
    return None


def _string_of(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _upcast(dtype: str, value: str, notebook_text: str) -> str | None:
    """What old pandas upcast ``dtype`` to for ``value``: float for a fractional number in an
    integer column, object otherwise. A boolean column made by ``get_dummies`` is left to the
    rule that restores its old ``uint8``."""
    if dtype == "bool":
        return None if "get_dummies" in notebook_text else "object"
    if dtype.lower().startswith(("int", "uint")):
        try:
            float(value)
        except ValueError:
            return "object"
        return "float64"
    return "object"


RULES: list[Rule] = [
    Rule(
        id="pandas-positional-getitem",
        library="pandas",
        changed_in="3.0 (deprecated 2.1)",
        kind="crash",
        summary="`s[0]` on a Series with a non-default index no longer falls back to positions",
        replacement="`s.iloc[0]`",
        triggers=(r"\w\[",),
        transformer=factory(PositionalGetitem),
        # a number, or an array of them ("None of [Index([0, 24, 48], dtype='int64')] ...")
        crash=Crash(
            ("KeyError",), r"^-?\d+$|^[\"']?None of \[Index\(\[[-\d, ]+\], dtype='u?int\d+'"
        ),
        crash_only=True,
        hint="If the number is a position (the first row, the last), use `.iloc[...]`.",
    ),
    Rule(
        id="pandas-missing-labels",
        library="pandas",
        changed_in="1.0 (deprecated 0.21)",
        kind="crash",
        summary="looking up a list of labels some of which are missing no longer gives NaN "
        "for them",
        replacement="`s.reindex(labels)`",
        triggers=(r"\w\[",),
        transformer=factory(MissingLabels),
        crash=Crash(("KeyError",), r"^[\"']?\[.*\] not in index"),
        crash_only=True,
    ),
    Rule(
        id="pandas-categorical-replace",
        library="pandas",
        changed_in="3.0 (deprecated 2.2)",
        kind="crash",
        summary="`replace` on a categorical column no longer renames its categories",
        replacement="`s.cat.rename_categories(mapping)`",
        triggers=(r"\.replace\(",),
        transformer=factory(CategoricalReplace),
        crash=Crash(
            ("TypeError",), r"Cannot setitem on a Categorical with a new category"
        ),
        crash_only=True,
    ),
    Rule(
        id="pandas-get-dummies-bool-setitem",
        library="pandas",
        changed_in="2.0",
        kind="crash",
        summary="`get_dummies` returns booleans now (it returned `uint8`), and a boolean "
        "column refuses other values",
        replacement="`pd.get_dummies(s, dtype='uint8')`",
        triggers=(r"get_dummies\(",),
        transformer=pin(Callee.of("get_dummies", modules=PD), "dtype", "'uint8'"),
        crash=Crash(("TypeError",), r"^Invalid value '.*' for dtype 'bool'"),
        crash_only=True,
    ),
    Rule(
        id="pandas-setitem-upcast",
        library="pandas",
        changed_in="3.0 (deprecated 2.1)",
        kind="crash",
        summary="setting a value the column cannot hold no longer upcasts the column",
        replacement="`df['col'] = df['col'].astype('float64')` before the assignment",
        triggers=(r"\]\s*=[^=]",),
        transformer=factory(SetitemUpcast),
        crash=Crash(("TypeError",), r"^Invalid value '.*' for dtype '[^']+'"),
        crash_only=True,
    ),
    Rule(
        id="pandas-read-csv-encoding",
        library="pandas",
        changed_in="Python 3 (pandas reads text as UTF-8)",
        kind="crash",
        summary="a file that is not UTF-8 (Latin-1 accents) no longer reads as bytes",
        replacement="`pd.read_csv(path, encoding='latin-1')`",
        triggers=(r"read_(?:csv|table|fwf)\(",),
        transformer=factory(ReadCsvEncoding),
        crash=Crash(("UnicodeDecodeError",), r"^'utf-8' codec can't decode byte"),
        crash_only=True,
    ),
    Rule(
        id="pandas-read-space-trailing-blank",
        library="pandas",
        changed_in="1.x (C parser field count)",
        kind="crash",
        summary="`sep=' '` on lines ending in a space now counts an extra empty field",
        replacement="`sep=r'\\s+'` (a run of whitespace separates fields)",
        triggers=(r"read_(?:csv|table)\(",),
        transformer=factory(SpaceSeparatedTrailingBlanks),
        crash=Crash(("ParserError",), r"Expected \d+ fields in line \d+, saw \d+"),
        crash_only=True,
    ),
    Rule(
        id="pandas-plot-booleans",
        library="pandas",
        changed_in="2.0",
        kind="crash",
        summary="plotting a boolean Series finds no numeric data (True/False were 1/0)",
        replacement="`s.astype(int).plot()`",
        triggers=(r"\.plot\(",),
        transformer=factory(PlotBooleans),
        crash=Crash(("TypeError",), r"^no numeric data to plot"),
        crash_only=True,
    ),
]
