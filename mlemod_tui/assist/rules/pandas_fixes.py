"""The pandas erosions that need more than a rename: custom libcst transformers."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    parse_expression,
    Callee,
    RuleTransformer,
    append_arg,
    atom,
    call_name,
    dotted,
    expr,
    has_star_kwargs,
    is_false,
    is_true,
    kwarg,
    make_kwarg,
    positional,
    qualified,
    remove_kwargs,
    replace_func,
    set_kwarg,
    string,
    string_value,
    with_args,
    with_string,
)

PANDAS = ("pandas",)


def _pd(t: RuleTransformer) -> str:
    return t.module_name("pandas", "pd")


def _receiver(call: cst.Call) -> cst.BaseExpression | None:
    return call.func.value if isinstance(call.func, cst.Attribute) else None


# --------------------------------------------------------------------------- append


_PANDAS_APPEND_KW = {"ignore_index", "sort", "verify_integrity"}
_RESULT_USED = (cst.Assign, cst.AnnAssign, cst.Return, cst.Attribute, cst.Subscript)


def _looks_like_row(node: cst.BaseExpression, t: RuleTransformer) -> bool:
    if isinstance(node, cst.Dict):
        return True
    if isinstance(node, cst.Call):
        name = qualified(node.func, t.ctx) or dotted(node.func) or ""
        return name in ("dict", "pandas.Series")
    return False


class Append(RuleTransformer):
    """``df = df.append(x)`` -> ``pd.concat``; a bare ``lst.append(x)`` is a list, left alone."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "append" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        receiver = updated_node.func.value  # type: ignore[attr-defined]
        pandas_kw = any(
            a.keyword is not None and a.keyword.value in _PANDAS_APPEND_KW for a in original_node.args
        )
        if not pandas_kw and not isinstance(self.parent(), _RESULT_USED):
            return updated_node  # list.append returns None: a list's append is never used as a value
        if qualified(original_node.func.value, self.ctx) is not None:  # type: ignore[attr-defined]
            return updated_node  # a module function such as ``np.append``
        args = positional(updated_node)
        if len(args) != 1:
            return updated_node
        other = args[0].value
        note = None
        if _looks_like_row(other, self):
            other = expr("__pd__.DataFrame([__row__])", pd=_pd(self), row=other)
        elif isinstance(other, cst.List) and other.elements and all(
            isinstance(e.value, cst.Dict) for e in other.elements
        ):
            other = expr("__pd__.DataFrame(__rows__)", pd=_pd(self), rows=other)
        elif not isinstance(other, (cst.List, cst.Call)):
            name = dotted(other) or "the argument"
            note = (
                f"If `{name}` is a single row (a dict or a Series), wrap it: "
                f"`pd.DataFrame([{name}])`."
            )
        if isinstance(other, cst.List):
            items = [cst.Element(atom(receiver))] + [
                e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in other.elements
            ]
        else:
            items = [cst.Element(receiver), cst.Element(other)]
        self.hit(original_node, note=note)
        kw = [a for a in updated_node.args if a.keyword is not None]
        first = cst.Arg(cst.List(items))
        new_args = [first] + kw
        if kw:
            new_args[0] = first.with_changes(comma=args[0].comma)
        call = cst.Call(func=parse_expression(f"{_pd(self)}.concat"), args=new_args)
        return call.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)


# --------------------------------------------------------------------------- indexing


class Ix(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        parent = self.parent()
        if original_node.attr.value != "ix" or not isinstance(parent, cst.Subscript):
            return updated_node
        if qualified(original_node.value, self.ctx) is not None:
            return updated_node
        note = None
        index_code = cst.Module([]).code_for_node(parent.slice[0]) if parent.slice else ""
        if re.search(r"(?<![\w'\"])\d", index_code):
            note = (
                "`.ix` read integers as labels when the index had them and as positions "
                "otherwise: use `.iloc` if positions were meant."
            )
        self.hit(original_node, note=note)
        return updated_node.with_changes(attr=cst.Name("loc"))


class AsMatrix(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "as_matrix" or not isinstance(updated_node.func, cst.Attribute):
            return updated_node
        receiver = updated_node.func.value
        columns = kwarg(updated_node, "columns")
        pos = positional(updated_node)
        self.hit(original_node)
        if columns is None and not pos:
            return replace_func(updated_node, "to_numpy").with_changes(args=[])
        cols = columns.value if columns is not None else pos[0].value
        return expr("__df__[__cols__].to_numpy()", df=atom(receiver), cols=cols)


class GroupbyTupleColumns(RuleTransformer):
    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        value = original_node.value
        if len(original_node.slice) < 2 or not (
            isinstance(value, cst.Call) and call_name(value) == "groupby"
        ):
            return updated_node
        if not all(isinstance(s.slice, cst.Index) for s in original_node.slice):
            return updated_node
        elements = [
            cst.Element(
                s.slice.value,  # type: ignore[attr-defined]
                comma=s.comma if i < len(updated_node.slice) - 1 else cst.MaybeSentinel.DEFAULT,
            )
            for i, s in enumerate(updated_node.slice)
        ]
        self.hit(original_node)
        return updated_node.with_changes(
            slice=[cst.SubscriptElement(cst.Index(cst.List(elements)))]
        )


# --------------------------------------------------------------------------- in-place statements


_CAT_METHODS = {
    "set_categories", "rename_categories", "add_categories", "remove_categories",
    "reorder_categories", "remove_unused_categories", "as_ordered", "as_unordered",
}
CHAINED_METHODS = {
    "fillna", "replace", "clip", "where", "mask", "interpolate", "ffill", "bfill",
    "update", "sort_values", "drop_duplicates", "dropna", "set_categories",
}
PDEP8_METHODS = {
    "drop", "dropna", "rename", "sort_values", "set_index", "reset_index", "drop_duplicates",
    "sort_index", "query", "eval", "rename_axis",
}


def _column_target(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``df['a']`` stays; ``df.a`` becomes ``df['a']`` (an attribute cannot be assigned a column)."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, (cst.Name, cst.Attribute)):
        return node
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return cst.Subscript(
            value=node.value,
            slice=[cst.SubscriptElement(cst.Index(string(node.attr.value)))],
        )
    return None


class _InplaceToAssignment(RuleTransformer):
    """``<target>.<method>(..., inplace=True)`` as a statement -> ``target = target.method(...)``."""

    def target_of(self, call: cst.Call) -> cst.BaseExpression | None:
        raise NotImplementedError

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.BaseSmallStatement:
        call = original_node.value
        if not isinstance(call, cst.Call) or not is_true(getattr(kwarg(call, "inplace"), "value", None)):
            return updated_node
        target = self.target_of(call)
        if target is None:
            return updated_node
        new_call = remove_kwargs(cst.ensure_type(updated_node.value, cst.Call), ["inplace"])
        func = cst.ensure_type(new_call.func, cst.Attribute)
        new_call = new_call.with_changes(func=func.with_changes(value=target))
        self.hit(original_node)
        return cst.Assign(targets=[cst.AssignTarget(target)], value=new_call)


class CatInplace(RuleTransformer):
    """``s.cat.set_categories(c, inplace=True)`` -> ``s = s.cat.set_categories(c)``."""

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.BaseSmallStatement:
        call = original_node.value
        if not isinstance(call, cst.Call) or not is_true(getattr(kwarg(call, "inplace"), "value", None)):
            return updated_node
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _CAT_METHODS):
            return updated_node
        cat = func.value
        if not (isinstance(cat, cst.Attribute) and cat.attr.value == "cat"):
            return updated_node
        series = _column_target(cat.value) if not isinstance(cat.value, cst.Name) else cat.value
        if series is None:
            return updated_node
        self.hit(original_node)
        new_call = remove_kwargs(cst.ensure_type(updated_node.value, cst.Call), ["inplace"])
        return cst.Assign(targets=[cst.AssignTarget(series)], value=new_call)


class ChainedInplace(_InplaceToAssignment):
    def target_of(self, call: cst.Call) -> cst.BaseExpression | None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in CHAINED_METHODS):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Attribute) and qualified(receiver, self.ctx) is not None:
            return None
        if isinstance(receiver, cst.Attribute) and (
            receiver.attr.value in ("loc", "iloc", "cat", "str", "dt")
            or dotted(receiver.value) == "self"
        ):
            return None
        return _column_target(receiver) if not isinstance(receiver, cst.Name) else None


class InplacePdep8(_InplaceToAssignment):
    def target_of(self, call: cst.Call) -> cst.BaseExpression | None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in PDEP8_METHODS):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Name):
            return receiver
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name) and (
            qualified(receiver, self.ctx) is None
        ):
            return receiver if receiver.value.value == "self" else None
        return None


_MASK_CALLS = {"isnull", "isna", "notnull", "notna", "isin", "between", "contains", "duplicated"}
_FRAME_NAME = re.compile(r"(?i)(^|_)(df|data|dataset|train|test|frame|full|all)(_|\d|$)|df$")


class ChainedSetitem(RuleTransformer):
    """``df['b'][mask] = v`` -> ``df.loc[mask, 'b'] = v``."""

    def leave_AssignTarget(
        self, original_node: cst.AssignTarget, updated_node: cst.AssignTarget
    ) -> cst.AssignTarget:
        target = original_node.target
        if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Subscript)):
            return updated_node
        inner = target.value
        if len(inner.slice) != 1 or len(target.slice) != 1:
            return updated_node
        column = inner.slice[0].slice
        row = target.slice[0].slice
        if not (isinstance(column, cst.Index) and isinstance(row, cst.Index)):
            return updated_node
        if string_value(column.value) is None:
            return updated_node
        base = inner.value
        if not isinstance(base, (cst.Name, cst.Attribute)):
            return updated_node
        base_name = dotted(base) or ""
        if not (_is_mask(row.value) or _FRAME_NAME.search(base_name.rsplit(".", 1)[-1])):
            return updated_node  # ``d['k'][0] = v`` on a dict of lists is fine as it is
        self.hit(original_node)
        new = cst.Subscript(
            value=cst.Attribute(value=base, attr=cst.Name("loc")),
            slice=[
                cst.SubscriptElement(cst.Index(row.value), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.SubscriptElement(cst.Index(column.value)),
            ],
        )
        return updated_node.with_changes(target=new)


def _is_mask(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Comparison, cst.BooleanOperation)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr)):
        return True
    return isinstance(node, cst.Call) and call_name(node) in _MASK_CALLS


# --------------------------------------------------------------------------- module functions


class PdNp(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        inner = original_node.value
        if not (isinstance(inner, cst.Attribute) and inner.attr.value == "np"):
            return updated_node
        if qualified(inner.value, self.ctx) != "pandas":
            return updated_node
        self.hit(original_node)
        return cst.Attribute(
            value=cst.Name(self.module_name("numpy", "np")), attr=updated_node.attr
        )


class PdDatetime(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if qualified(original_node, self.ctx) != "pandas.datetime":
            return updated_node
        self.hit(original_node)
        local = self.ctx.local_name_for("datetime")
        if local:
            return parse_expression(f"{local}.datetime")
        return cst.Name(self.imported_name("datetime", "datetime"))


class ValueCountsTopLevel(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if qualified(original_node.func, self.ctx) != "pandas.value_counts":
            return updated_node
        pos = positional(updated_node)
        if not pos:
            return updated_node
        self.hit(original_node)
        rest = [a for a in updated_node.args if a is not pos[0]]
        series = expr("__pd__.Series(__v__)", pd=_pd(self), v=pos[0].value)
        method = cst.Call(cst.Attribute(series, cst.Name("value_counts")), args=[])
        return with_args(method, rest) if rest else method


_ROLLING = {
    "rolling_mean": ("rolling", "mean"), "rolling_std": ("rolling", "std"),
    "rolling_var": ("rolling", "var"), "rolling_sum": ("rolling", "sum"),
    "rolling_min": ("rolling", "min"), "rolling_max": ("rolling", "max"),
    "rolling_median": ("rolling", "median"), "rolling_count": ("rolling", "count"),
    "rolling_skew": ("rolling", "skew"), "rolling_kurt": ("rolling", "kurt"),
    "rolling_apply": ("rolling", "apply"), "rolling_quantile": ("rolling", "quantile"),
    "expanding_mean": ("expanding", "mean"), "expanding_std": ("expanding", "std"),
    "expanding_sum": ("expanding", "sum"), "expanding_max": ("expanding", "max"),
    "expanding_min": ("expanding", "min"), "ewma": ("ewm", "mean"),
    "ewmstd": ("ewm", "std"), "ewmvar": ("ewm", "var"),
}
_AGG_ARGS = {"apply": {"func"}, "quantile": {"quantile", "q"}}


class RollingFunctions(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = qualified(original_node.func, self.ctx) or ""
        module, _, function = name.rpartition(".")
        if module != "pandas" or function not in _ROLLING:
            return updated_node
        window_kind, agg = _ROLLING[function]
        pos = positional(updated_node)
        if not pos:
            return updated_node
        series, rest = pos[0].value, pos[1:]
        agg_args: list[cst.Arg] = []
        if agg in _AGG_ARGS:  # rolling_apply(s, w, func) / rolling_quantile(s, w, q)
            wanted = _AGG_ARGS[agg]
            if window_kind == "rolling" and len(rest) >= 2:
                agg_args.append(rest[1])
                rest = rest[:1]
            agg_args += [a for a in updated_node.args if a.keyword and a.keyword.value in wanted]
        window_args = rest + [
            a for a in updated_node.args
            if a.keyword is not None and a not in agg_args
        ]
        self.hit(original_node)
        window = cst.Call(cst.Attribute(atom(series), cst.Name(window_kind)), args=[])
        window = with_args(window, window_args) if window_args else window
        result = cst.Call(cst.Attribute(window, cst.Name(agg)), args=[])
        if agg_args:
            fixed = [a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) if a.keyword and a.keyword.value == "quantile" else a for a in agg_args]
            result = with_args(result, fixed)
        return result


# --------------------------------------------------------------------------- read_csv and friends


_READERS = Callee.of("read_csv", "read_table", "read_fwf")


class ErrorBadLines(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not _READERS.matches(original_node, self.ctx):
            return updated_node
        error = kwarg(original_node, "error_bad_lines")
        warn = kwarg(original_node, "warn_bad_lines")
        if error is None and warn is None:
            return updated_node
        self.hit(original_node)
        if error is not None and is_false(error.value):
            mode = "'warn'" if warn is not None and is_true(warn.value) else "'skip'"
            updated_node = updated_node.with_changes(args=[
                make_kwarg("on_bad_lines", mode).with_changes(comma=a.comma)
                if a.keyword is not None and a.keyword.value == "error_bad_lines" else a
                for a in updated_node.args
            ])
            return remove_kwargs(updated_node, ["warn_bad_lines"])
        return remove_kwargs(updated_node, ["error_bad_lines", "warn_bad_lines"])


class Squeeze(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "squeeze")
        if arg is None or not _READERS.matches(original_node, self.ctx):
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["squeeze"])
        if is_true(arg.value):
            return expr("__c__.squeeze('columns')", c=call)
        return call


class DelimWhitespace(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "delim_whitespace")
        if arg is None or not _READERS.matches(original_node, self.ctx):
            return updated_node
        self.hit(original_node)
        if is_true(arg.value):
            args = [
                make_kwarg("sep", "r'\\s+'").with_changes(comma=a.comma)
                if a.keyword is not None and a.keyword.value == "delim_whitespace" else a
                for a in updated_node.args
            ]
            return updated_node.with_changes(args=args)
        return remove_kwargs(updated_node, ["delim_whitespace"])


class DateParser(RuleTransformer):
    """``date_parser=lambda x: datetime.strptime(x, FMT)`` -> ``date_format=FMT``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "date_parser")
        if arg is None or not _READERS.matches(original_node, self.ctx):
            return updated_node
        fmt = _strptime_format(arg.value, self.ctx.source + "\n" + self.ctx.notebook_text)
        if fmt is None:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        args = [
            make_kwarg("date_format", fmt).with_changes(comma=a.comma)
            if a.keyword is not None and a.keyword.value == "date_parser" else a
            for a in updated_node.args
        ]
        return updated_node.with_changes(args=args)


_STRPTIME = re.compile(
    r"(?:strptime|to_datetime)\(\s*\w+\s*,\s*(?:format\s*=\s*)?(?P<fmt>'[^']*'|\"[^\"]*\")\s*\)"
)


def _strptime_format(node: cst.BaseExpression, text: str) -> str | None:
    """The format literal a date parser applies, from a lambda or a named one-liner."""
    if isinstance(node, cst.Lambda):
        code = cst.Module([]).code_for_node(node)
        found = _STRPTIME.search(code)
        return found.group("fmt") if found else None
    if isinstance(node, cst.Name):
        pattern = re.compile(
            rf"(?:^|\n)\s*(?:{node.value}\s*=\s*lambda[^\n]*|def\s+{node.value}\([^\n]*\)\s*:"
            r"\s*(?:\n\s+)?return[^\n]*)"
        )
        for found in pattern.finditer(text):
            inner = _STRPTIME.search(found.group(0))
            if inner:
                return inner.group("fmt")
    return None


# --------------------------------------------------------------------------- fillna(method=)


class FillnaMethod(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "fillna" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        method = kwarg(original_node, "method")
        if method is None:
            return updated_node
        value = string_value(method.value)
        new = {"ffill": "ffill", "pad": "ffill", "bfill": "bfill", "backfill": "bfill"}.get(value or "")
        if new is None or positional(original_node) or kwarg(original_node, "value"):
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        return replace_func(remove_kwargs(updated_node, ["method"]), new)


# --------------------------------------------------------------------------- small rewrites


class StrReplaceRegex(RuleTransformer):
    """``s.str.replace('[$,]', '')`` meant a regex (the old default): say so."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not (
            isinstance(func, cst.Attribute) and func.attr.value == "replace"
            and isinstance(func.value, cst.Attribute) and func.value.attr.value == "str"
        ):
            return updated_node
        if kwarg(original_node, "regex") is not None or has_star_kwargs(original_node):
            return updated_node
        pos = positional(original_node)
        pattern = string_value(pos[0].value) if pos else None
        if pattern is None or len(pattern) < 2 or not re.search(r"[\[\](){}.*+?^$|\\]", pattern):
            return updated_node  # one character, or no metacharacters: literal either way
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("regex", "True"))


class MaxColwidth(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "set_option":
            return updated_node
        args = list(updated_node.args)
        for i in range(len(args) - 1):
            if (string_value(args[i].value) or "").endswith("max_colwidth") and _is_minus_one(args[i + 1].value):
                self.hit(original_node)
                args[i + 1] = args[i + 1].with_changes(value=cst.Name("None"))
                return updated_node.with_changes(args=args)
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        targets = [dotted(t.target) or "" for t in original_node.targets]
        if any(t.endswith("max_colwidth") for t in targets) and _is_minus_one(original_node.value):
            self.hit(original_node)
            return updated_node.with_changes(value=cst.Name("None"))
        return updated_node


def _is_minus_one(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer) and node.expression.value == "1"
    )


class DtWeek(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if original_node.attr.value not in ("week", "weekofyear"):
            return updated_node
        value = original_node.value
        if not (isinstance(value, cst.Attribute) and value.attr.value == "dt"):
            return updated_node
        self.hit(original_node)
        return expr("__dt__.isocalendar().week", dt=updated_node.value)


class ValueCountsResetIndex(RuleTransformer):
    """``s.value_counts().reset_index()``: the old columns were ``index`` and the series name."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if call_name(original_node) != "reset_index" or original_node.args:
            return updated_node
        counts = func.value if isinstance(func, cst.Attribute) else None
        if not (isinstance(counts, cst.Call) and call_name(counts) == "value_counts"):
            return updated_node
        series = _receiver(counts)
        column = None
        if isinstance(series, cst.Subscript) and len(series.slice) == 1:
            index = series.slice[0].slice
            if isinstance(index, cst.Index):
                column = string_value(index.value)
        elif isinstance(series, cst.Attribute) and isinstance(series.value, cst.Name):
            column = series.attr.value
        if column is None:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        new_counts = cst.ensure_type(updated_node.func, cst.Attribute).value
        return expr(
            "__c__.rename_axis('index').reset_index(name=__n__)", c=new_counts, n=string(column)
        )


_OBJECT = {"object", "O", "numpy.object", "numpy.object_"}


class DtypeObjectCheck(RuleTransformer):
    """``x.dtype == 'object'`` no longer finds text columns (they are ``str`` now)."""

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        if len(original_node.comparisons) != 1:
            return updated_node
        left = original_node.left
        if not (isinstance(left, cst.Attribute) and left.attr.value in ("dtype", "dtypes")):
            return updated_node
        target = original_node.comparisons[0]
        op = target.operator
        if not isinstance(op, (cst.Equal, cst.NotEqual)):
            return updated_node
        right = target.comparator
        value = string_value(right) or dotted(right)
        if value is None or (value not in _OBJECT and qualified(right, self.ctx) not in _OBJECT):
            return updated_node
        self.hit(original_node)
        quote = right.quote if isinstance(right, cst.SimpleString) else "'"
        str_literal = string("str", quote)
        if left.attr.value == "dtype":
            choices = cst.Tuple([cst.Element(right), cst.Element(str_literal)])
            new_op = cst.In() if isinstance(op, cst.Equal) else cst.NotIn()
            return updated_node.with_changes(
                comparisons=[target.with_changes(operator=new_op, comparator=choices)]
            )
        joiner = "|" if isinstance(op, cst.Equal) else "&"
        symbol = "==" if isinstance(op, cst.Equal) else "!="
        second = expr(f"__l__ {symbol} __s__", l=updated_node.left, s=str_literal)
        combined = expr(f"__a__ {joiner} __b__", a=atom(updated_node.with_changes(lpar=[], rpar=[])), b=atom(second))
        return atom(combined) if not isinstance(self.parent(), (cst.Index, cst.Arg, cst.Assign)) else combined


class SelectDtypesObject(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "select_dtypes":
            return updated_node
        args = list(updated_node.args)
        touched = False
        for i, arg in enumerate(args):
            if arg.keyword is None or arg.keyword.value not in ("include", "exclude"):
                continue
            new = _with_string_dtype(arg.value, self)
            if new is not None:
                args[i] = arg.with_changes(value=new)
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(args=args)


def _is_object_dtype(node: cst.BaseExpression, t: RuleTransformer) -> bool:
    value = string_value(node)
    if value is not None:
        return value in ("object", "O")
    return dotted(node) == "object" or qualified(node, t.ctx) in ("numpy.object_", "numpy.object")


def _with_string_dtype(node: cst.BaseExpression, t: RuleTransformer) -> cst.BaseExpression | None:
    if _is_object_dtype(node, t):
        quote = node.quote if isinstance(node, cst.SimpleString) else "'"
        return cst.List([cst.Element(node), cst.Element(string("string", quote))])
    if isinstance(node, (cst.List, cst.Tuple)):
        values = [string_value(e.value) for e in node.elements]
        if any(v in ("string", "str") for v in values):
            return None
        if any(_is_object_dtype(e.value, t) for e in node.elements):
            last = node.elements[-1]
            quote = last.value.quote if isinstance(last.value, cst.SimpleString) else "'"
            elements = list(node.elements)
            elements[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            elements.append(cst.Element(string("string", quote), comma=last.comma))
            return node.with_changes(elements=elements)
    return None


class DatetimeInt64Unit(RuleTransformer):
    """``d.astype('int64') // 10**9`` assumed nanoseconds; datetimes may be microseconds now."""

    def leave_BinaryOperation(
        self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation
    ) -> cst.BaseExpression:
        if not isinstance(original_node.operator, (cst.FloorDivide, cst.Divide)):
            return updated_node
        if not _is_1e9(original_node.right):
            return updated_node
        left = original_node.left
        if not (isinstance(left, cst.Call) and call_name(left) in ("astype", "view")):
            return updated_node
        dtype = positional(left)[0].value if positional(left) else None
        dtype_name = string_value(dtype) if dtype is not None else None
        if dtype_name is None and dtype is not None:
            dtype_name = (dotted(dtype) or "").rsplit(".", 1)[-1]
        if dtype_name not in ("int64", "int", "i8", "<i8"):
            return updated_node
        base = cst.ensure_type(cst.ensure_type(updated_node.left, cst.Call).func, cst.Attribute).value
        if isinstance(base, cst.Attribute) and base.attr.value == "values":
            base = base.value
        self.hit(original_node)
        op = "//" if isinstance(original_node.operator, cst.FloorDivide) else "/"
        pd = _pd(self)
        return atom(expr(
            f"(__d__ - __pd__.Timestamp('1970-01-01')) {op} __pd__.Timedelta('1s')",
            d=atom(base), pd=pd,
        )) if isinstance(self.parent(), (cst.BinaryOperation, cst.Attribute)) else expr(
            f"(__d__ - __pd__.Timestamp('1970-01-01')) {op} __pd__.Timedelta('1s')",
            d=atom(base), pd=pd,
        )


def _is_1e9(node: cst.BaseExpression) -> bool:
    code = cst.Module([]).code_for_node(node).replace(" ", "")
    return code in ("10**9", "1e9", "1000000000", "(10**9)", "1E9", "10**9.0")


# --------------------------------------------------------------------------- frequency aliases

_MONTH_END = {"M": "ME", "Q": "QE", "A": "YE", "Y": "YE", "BM": "BME", "BQ": "BQE",
              "BA": "BYE", "BY": "BYE", "SM": "SME", "CBM": "CBME", "AS": "YS", "BAS": "BYS"}
_HOURLY = {"H": "h", "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns", "BH": "bh",
           "CBH": "cbh"}
_FREQ = re.compile(r"^(?P<n>\d*)(?P<alias>[A-Za-z]+)(?P<anchor>-[A-Za-z]+)?$")


def _convert_freq(table: dict[str, str]):  # type: ignore[no-untyped-def]
    def convert(value: str) -> str | None:
        found = _FREQ.match(value.strip())
        if not found or found.group("alias") not in table:
            return None
        return f"{found.group('n')}{table[found.group('alias')]}{found.group('anchor') or ''}"

    return convert


convert_month_end = _convert_freq(_MONTH_END)
convert_hourly = _convert_freq(_HOURLY)

# Where a frequency string goes: positional index (or None) and the keywords.
_FREQ_CALLS: dict[str, int | None] = {
    "resample": 0, "asfreq": 0, "date_range": 3, "bdate_range": 3, "Grouper": None,
    "shift": None, "floor": 0, "ceil": 0, "round": 0, "rolling": 0, "to_offset": 0,
    "timedelta_range": 3, "interval_range": None, "infer_freq": None,
}


class FrequencyAliases(RuleTransformer):
    convert = staticmethod(convert_month_end)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in _FREQ_CALLS:
            return updated_node
        position = _FREQ_CALLS[name]
        args = list(updated_node.args)
        touched = False
        index = 0
        for i, arg in enumerate(args):
            is_pos = arg.keyword is None and arg.star == ""
            wanted = (arg.keyword is not None and arg.keyword.value in ("freq", "rule")) or (
                is_pos and index == position
            )
            if is_pos:
                index += 1
            value = string_value(arg.value) if wanted else None
            new = self.convert(value) if value is not None else None
            if new is not None:
                args[i] = arg.with_changes(value=with_string(cst.ensure_type(arg.value, cst.SimpleString), new))
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(args=args)


class HourlyAliases(FrequencyAliases):
    convert = staticmethod(convert_hourly)


# --------------------------------------------------------------------------- positional arguments

# method -> (positional arguments still allowed, names of the ones that became keywords)
_POSITIONAL: dict[str, tuple[int, tuple[str, ...]]] = {
    "drop": (1, ("axis", "index", "columns", "level", "inplace", "errors")),
    "dropna": (0, ("axis", "how", "thresh", "subset", "inplace")),
    "sort_values": (1, ("axis", "ascending", "inplace", "kind", "na_position")),
    "fillna": (1, ("method", "axis", "inplace", "limit")),
    "drop_duplicates": (1, ("keep", "inplace")),
    "reset_index": (1, ("drop", "inplace", "col_level", "col_fill")),
    "set_index": (1, ("drop", "append", "inplace", "verify_integrity")),
    "pivot": (0, ("index", "columns", "values")),
    "rename": (1, ("index", "columns", "axis", "copy", "inplace", "level", "errors")),
}


class PositionalArgs(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        concat = name == "concat" and qualified(original_node.func, self.ctx) == "pandas.concat"
        if not concat and (name not in _POSITIONAL or not isinstance(original_node.func, cst.Attribute)):
            return updated_node
        if not concat and qualified(original_node.func, self.ctx) is not None:
            return updated_node  # a module function, not a DataFrame method
        allowed, names = (1, ("axis", "join")) if concat else _POSITIONAL[name or ""]
        args = list(updated_node.args)
        pos = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""]
        extra = pos[allowed:]
        if not extra or len(extra) > len(names) or any(a.star for a in args):
            return updated_node
        if name == "dropna" and len(extra) == 1 and string_value(args[extra[0]].value) in ("any", "all"):
            return updated_node  # unusual enough to leave to a person
        for slot, i in enumerate(extra):
            args[i] = args[i].with_changes(
                keyword=cst.Name(names[slot]),
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
            )
        self.hit(original_node)
        return updated_node.with_changes(args=args)


# --------------------------------------------------------------------------- numeric_only (crash-only)

_REDUCTIONS = {"mean", "median", "std", "var", "sum", "prod", "min", "max", "sem", "skew",
               "kurt", "quantile"}


def _reduction_from_crash(t: RuleTransformer) -> set[str]:
    crash = t.ctx.crash
    found = re.search(r"(?:reduction|operation) '(\w+)'|how->(\w+)", crash.evalue) if crash else None
    name = (found.group(1) or found.group(2)) if found else None
    return {name} if name in _REDUCTIONS else set(_REDUCTIONS)


def _in_groupby(node: cst.BaseExpression) -> bool:
    while True:
        if isinstance(node, cst.Call):
            if call_name(node) == "groupby":
                return True
            node = node.func
        elif isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        else:
            return False


class NumericOnly(RuleTransformer):
    """Add ``numeric_only=True`` where text columns now make a reduction raise."""

    grouped = False
    names: frozenset[str] = frozenset()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        wanted = self.names or _reduction_from_crash(self)
        if name not in wanted or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        if kwarg(original_node, "numeric_only") is not None or positional(original_node):
            return updated_node
        receiver = original_node.func.value
        if qualified(receiver, self.ctx) is not None or _in_groupby(receiver) != self.grouped:
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "numeric_only", "True")


class GroupbyNumericOnly(NumericOnly):
    grouped = True


class CorrNumericOnly(NumericOnly):
    names = frozenset({"corr", "cov"})


class ValuesReadonly(RuleTransformer):
    """Crash-only: ``y = df['t'].values`` is a read-only view under Copy-on-Write."""

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        value = original_node.value
        if not (isinstance(value, cst.Attribute) and value.attr.value == "values"):
            return updated_node
        self.hit(original_node)
        new_value = expr("__v__.to_numpy(copy=True)", v=cst.ensure_type(updated_node.value, cst.Attribute).value)
        return updated_node.with_changes(value=new_value)


class GroupbyApply(RuleTransformer):
    """Crash-only, no patch: point at ``groupby(...).apply(f)`` when a KeyError follows."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) == "apply" and isinstance(original_node.func, cst.Attribute):
            if _in_groupby(original_node.func.value):
                self.hit(original_node, fixed=False)
        return updated_node


class Sort(RuleTransformer):
    """``df.sort(columns='b')`` -> ``df.sort_values('b')``; ``s.order()`` -> ``s.sort_values()``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if not isinstance(original_node.func, cst.Attribute) or name not in ("sort", "order"):
            return updated_node
        if qualified(original_node.func.value, self.ctx) is not None:
            return updated_node  # np.sort(...)
        pos = positional(original_node)
        if name == "order":
            if original_node.args and not kwarg(original_node, "ascending"):
                return updated_node
            self.hit(original_node)
            return replace_func(updated_node, "sort_values")
        columns = kwarg(original_node, "columns")
        pandas_like = columns is not None or kwarg(original_node, "ascending") is not None or (
            len(pos) == 1 and (string_value(pos[0].value) is not None or isinstance(pos[0].value, cst.List))
        )
        if not pandas_like or kwarg(original_node, "key") or kwarg(original_node, "reverse"):
            return updated_node
        self.hit(original_node)
        call = replace_func(updated_node, "sort_values")
        if columns is not None:
            call = call.with_changes(args=[
                a.with_changes(keyword=cst.Name("by")) if a.keyword is not None and a.keyword.value == "columns" else a
                for a in call.args
            ])
        elif not pos:
            return replace_func(call, "sort_index")  # sort(ascending=...) sorted by the index
        return call
