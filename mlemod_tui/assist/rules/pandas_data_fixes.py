"""The pandas erosions about data: readers, dtypes, dates and frequencies, reductions."""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
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
    with_string,
)
from mlemod_tui.assist.rules.pandas_fixes import method_receiver, pandas_name

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
            updated_node = updated_node.with_changes(
                args=[
                    make_kwarg("on_bad_lines", mode).with_changes(comma=a.comma)
                    if a.keyword is not None and a.keyword.value == "error_bad_lines"
                    else a
                    for a in updated_node.args
                ]
            )
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
                if a.keyword is not None and a.keyword.value == "delim_whitespace"
                else a
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
            if a.keyword is not None and a.keyword.value == "date_parser"
            else a
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
        if call_name(original_node) != "fillna" or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        method = kwarg(original_node, "method")
        if method is None:
            return updated_node
        value = string_value(method.value)
        new = {"ffill": "ffill", "pad": "ffill", "bfill": "bfill", "backfill": "bfill"}.get(
            value or ""
        )
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
            isinstance(func, cst.Attribute)
            and func.attr.value == "replace"
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "str"
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
            if (string_value(args[i].value) or "").endswith("max_colwidth") and _is_minus_one(
                args[i + 1].value
            ):
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
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
        and node.expression.value == "1"
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
        series = method_receiver(counts)
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
        combined = expr(
            f"__a__ {joiner} __b__",
            a=atom(updated_node.with_changes(lpar=[], rpar=[])),
            b=atom(second),
        )
        return (
            atom(combined)
            if not isinstance(self.parent(), (cst.Index, cst.Arg, cst.Assign))
            else combined
        )


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
        base = cst.ensure_type(
            cst.ensure_type(updated_node.left, cst.Call).func, cst.Attribute
        ).value
        if isinstance(base, cst.Attribute) and base.attr.value == "values":
            base = base.value
        self.hit(original_node)
        op = "//" if isinstance(original_node.operator, cst.FloorDivide) else "/"
        pd = pandas_name(self)
        return (
            atom(
                expr(
                    f"(__d__ - __pd__.Timestamp('1970-01-01')) {op} __pd__.Timedelta('1s')",
                    d=atom(base),
                    pd=pd,
                )
            )
            if isinstance(self.parent(), (cst.BinaryOperation, cst.Attribute))
            else expr(
                f"(__d__ - __pd__.Timestamp('1970-01-01')) {op} __pd__.Timedelta('1s')",
                d=atom(base),
                pd=pd,
            )
        )


def _is_1e9(node: cst.BaseExpression) -> bool:
    code = cst.Module([]).code_for_node(node).replace(" ", "")
    return code in ("10**9", "1e9", "1000000000", "(10**9)", "1E9", "10**9.0")


# --------------------------------------------------------------------------- frequency aliases

_MONTH_END = {
    "M": "ME",
    "Q": "QE",
    "A": "YE",
    "Y": "YE",
    "BM": "BME",
    "BQ": "BQE",
    "BA": "BYE",
    "BY": "BYE",
    "SM": "SME",
    "CBM": "CBME",
    "AS": "YS",
    "BAS": "BYS",
}
_HOURLY = {
    "H": "h",
    "T": "min",
    "S": "s",
    "L": "ms",
    "U": "us",
    "N": "ns",
    "BH": "bh",
    "CBH": "cbh",
}
_FREQ = re.compile(r"^(?P<n>\d*)(?P<alias>[A-Za-z]+)(?P<anchor>-[A-Za-z]+)?$")


def _convert_freq(table: dict[str, str]) -> Callable[[str], str | None]:
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
    "resample": 0,
    "asfreq": 0,
    "date_range": 3,
    "bdate_range": 3,
    "Grouper": None,
    "shift": None,
    "floor": 0,
    "ceil": 0,
    "round": 0,
    "rolling": 0,
    "to_offset": 0,
    "timedelta_range": 3,
    "interval_range": None,
    "infer_freq": None,
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
                args[i] = arg.with_changes(
                    value=with_string(cst.ensure_type(arg.value, cst.SimpleString), new)
                )
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(args=args)


class HourlyAliases(FrequencyAliases):
    convert = staticmethod(convert_hourly)


# --------------------------------------------------------------------------- numeric_only (crash-only)

_REDUCTIONS = {
    "mean",
    "median",
    "std",
    "var",
    "sum",
    "prod",
    "min",
    "max",
    "sem",
    "skew",
    "kurt",
    "quantile",
}


def _reduction_from_crash(t: RuleTransformer) -> set[str]:
    crash = t.ctx.crash
    found = (
        re.search(r"(?:reduction|operation) '(\w+)'|how->(\w+)", crash.evalue) if crash else None
    )
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
        new_value = expr(
            "__v__.to_numpy(copy=True)", v=cst.ensure_type(updated_node.value, cst.Attribute).value
        )
        return updated_node.with_changes(value=new_value)


class GroupbyApply(RuleTransformer):
    """Crash-only, no patch: point at ``groupby(...).apply(f)`` when a KeyError follows."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) == "apply" and isinstance(original_node.func, cst.Attribute):
            if _in_groupby(original_node.func.value):
                self.hit(original_node, fixed=False)
        return updated_node


class GroupbyObserved(RuleTransformer):
    """Grouping by ``pd.cut``/``pd.qcut`` bins (categoricals): pandas 3 drops empty bins."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "groupby" or kwarg(original_node, "observed") is not None:
            return updated_node
        keys = positional(original_node)[:1] + [a for a in original_node.args if _is_by(a)]
        if not any(_binned(a.value, self) for a in keys):
            return updated_node
        self.hit(original_node)
        return append_arg(updated_node, make_kwarg("observed", "False"))


def _is_by(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value == "by"


def _binned(node: cst.BaseExpression, t: RuleTransformer) -> bool:
    items = [e.value for e in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]
    return any(
        isinstance(item, cst.Call) and qualified(item.func, t.ctx) in ("pandas.cut", "pandas.qcut")
        for item in items
    )
