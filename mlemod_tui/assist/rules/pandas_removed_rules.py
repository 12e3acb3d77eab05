"""pandas methods, attributes and classes removed in 1.0-3.0 whose successor is one expression.

Named by the crash ("'DataFrame' object has no attribute 'get_value'"), so a list's or a
dict's method of the same name is never touched by the scan alone: each rule's triggers are
specific to the pandas spelling, and the crash-only ones need the pandas message.
"""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    atom,
    call_name,
    dotted,
    expr,
    kwarg,
    make_kwarg,
    names_columns,
    positional,
    qualified,
    remove_kwargs,
    string_value,
    with_string,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import attributes, factory, methods

_AE = ("AttributeError",)
_TE = ("TypeError",)
_OWNERS = r"(?:DataFrame|Series|\w*Index|DataFrameGroupBy|SeriesGroupBy)"


def _no_attr(name: str, owners: str = _OWNERS) -> Crash:
    return Crash(_AE, rf"^'{owners}' object has no attribute '{name}'")


class GetValue(RuleTransformer):
    """``df.get_value(row, col)`` -> ``df.at[row, col]`` (what it was a fast path for)."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "get_value" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        args = positional(updated_node)
        if len(args) not in (1, 2) or len(args) != len(updated_node.args):
            return updated_node
        receiver = updated_node.func.value  # type: ignore[attr-defined]
        self.hit(original_node)
        elements = [cst.SubscriptElement(cst.Index(a.value)) for a in args]
        if len(elements) == 2:
            elements[0] = elements[0].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return cst.Subscript(
            value=cst.Attribute(value=receiver, attr=cst.Name("at")), slice=elements
        )


class Mad(RuleTransformer):
    """``x.mad()`` -> ``(x - x.mean()).abs().mean()``: the mean absolute deviation it was."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "mad" or original_node.args:
            return updated_node
        if not isinstance(original_node.func, cst.Attribute):
            return updated_node
        receiver = original_node.func.value
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Subscript)):
            return updated_node  # the receiver is repeated: only when it has no side effects
        self.hit(original_node)
        value = updated_node.func.value  # type: ignore[attr-defined]
        return expr("(__x__ - __x__.mean()).abs().mean()", x=value)


_OLD_INDEXES = {"Int64Index": "int64", "UInt64Index": "uint64", "Float64Index": "float64"}


class NumericIndex(RuleTransformer):
    """``pd.Int64Index(values)`` -> ``pd.Index(values, dtype='int64')``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx) or dotted(original_node.func) or ""
        name = target.rsplit(".", 1)[-1]
        if name not in _OLD_INDEXES or not target.startswith(("pandas", "pd.")):
            return updated_node
        if kwarg(original_node, "dtype") is not None:
            return updated_node
        self.hit(original_node)
        func = expr(f"{self.module_name('pandas', 'pd')}.Index")
        args = list(updated_node.args)
        if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        dtype = make_kwarg("dtype", repr(_OLD_INDEXES[name]))
        return updated_node.with_changes(func=func, args=[*args, dtype])


class TimeGrouper(RuleTransformer):
    """``pd.TimeGrouper('M')`` -> ``pd.Grouper(freq='M')``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx) or dotted(original_node.func) or ""
        if not target.endswith("TimeGrouper") or not target.startswith(("pandas", "pd.")):
            return updated_node
        args = list(updated_node.args)
        if args and args[0].keyword is None and not args[0].star:
            args[0] = make_kwarg("freq", args[0].value).with_changes(comma=args[0].comma)
        self.hit(original_node)
        func = expr(f"{self.module_name('pandas', 'pd')}.Grouper")
        return updated_node.with_changes(func=func, args=args)


class ResampleHow(RuleTransformer):
    """``ts.resample('M', how='mean')`` -> ``ts.resample('M').mean()`` (``how`` left in 0.25)."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "resample" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        how = kwarg(original_node, "how")
        if how is None:
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["how"])
        method = string_value(how.value)
        if method is not None and method.isidentifier():
            return expr(f"__c__.{method}()", c=call)
        return expr("__c__.agg(__h__)", c=call, h=how.value)


class ConcatJoinAxes(RuleTransformer):
    """``pd.concat(objs, axis=1, join_axes=[idx])``: each object reindexed to ``idx`` first,
    as pandas did (so dtypes are the old ones: no NaN from labels the join then dropped)."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        join = kwarg(original_node, "join_axes")
        if call_name(original_node) != "concat" or join is None:
            return updated_node
        axis = kwarg(original_node, "axis")
        across = axis is not None and names_columns(axis.value)
        joined = join.value
        if isinstance(joined, cst.List) and len(joined.elements) == 1:
            labels: cst.BaseExpression = joined.elements[0].value
        else:
            labels = expr("__j__[0]", j=joined)
        call = remove_kwargs(updated_node, ["join_axes"])
        objects = call.args[0].value if call.args and call.args[0].keyword is None else None
        reindex = "__o__.reindex(__x__)" if across else "__o__.reindex(columns=__x__)"
        self.hit(original_node)
        if isinstance(objects, (cst.List, cst.Tuple)) and all(
            isinstance(e, cst.Element) for e in objects.elements
        ):
            elements = [
                e.with_changes(value=expr(reindex, o=atom(e.value), x=labels))
                for e in objects.elements
            ]
            args = [call.args[0].with_changes(value=objects.with_changes(elements=elements))]
            return call.with_changes(args=[*args, *call.args[1:]])
        return expr(reindex, o=call, x=labels)


class PeriodIndexFields(RuleTransformer):
    """``pd.PeriodIndex(year=y, quarter=q, name='date')`` ->
    ``pd.PeriodIndex.from_fields(year=y, quarter=q).rename('date')`` (fields left in 3.0)."""

    _FIELDS = frozenset({"year", "quarter", "month", "day", "hour", "minute", "second"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx) or dotted(original_node.func) or ""
        if not target.endswith("PeriodIndex") or positional(original_node):
            return updated_node
        keywords = {a.keyword.value for a in original_node.args if a.keyword is not None}
        if not keywords & self._FIELDS or keywords - self._FIELDS - {"freq", "name"}:
            return updated_node
        self.hit(original_node)
        name = kwarg(updated_node, "name")
        fields = remove_kwargs(updated_node, ["name"])
        kept = list(fields.args)
        kept[-1] = kept[-1].with_changes(
            comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")
        )
        call = fields.with_changes(
            args=kept,
            func=cst.Attribute(value=updated_node.func, attr=cst.Name("from_fields"))
        )
        return expr("__c__.rename(__n__)", c=call, n=name.value) if name is not None else call


class SeriesSortInPlace(RuleTransformer):
    """Crash-only: ``s.sort()`` sorted a Series in place (and returned None)."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "sort" or not isinstance(original_node.func, cst.Attribute):
            return updated_node
        if original_node.args or not self.on_failing_line(original_node):
            return updated_node
        self.hit(original_node)
        func = updated_node.func
        assert isinstance(func, cst.Attribute)
        inplace = make_kwarg("inplace", "True")
        return updated_node.with_changes(
            func=func.with_changes(attr=cst.Name("sort_values")), args=[inplace]
        )


# Short option names that also name a Styler option since pandas 1.3/1.4: ambiguous now.
_AMBIGUOUS_OPTIONS = frozenset({"precision", "max_rows", "max_columns", "encoding"})
_OPTION_CALLS = frozenset({"set_option", "get_option", "option_context", "reset_option"})


class AmbiguousOption(RuleTransformer):
    """``pd.set_option('precision', 2)`` meant ``display.precision``; the Styler's options of
    the same name make the short pattern match two keys today."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in _OPTION_CALLS:
            return updated_node
        args = list(updated_node.args)
        touched = False
        step = 1 if call_name(original_node) in ("get_option", "reset_option") else 2
        for i in range(0, len(args), step):
            node = args[i].value
            key = string_value(node)
            if args[i].keyword is None and key in _AMBIGUOUS_OPTIONS:
                assert isinstance(node, cst.SimpleString)
                args[i] = args[i].with_changes(value=with_string(node, f"display.{key}"))
                touched = True
        if not touched:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(args=args)


RULES: list[Rule] = [
    Rule(
        id="pandas-ambiguous-option",
        library="pandas",
        changed_in="1.4 (Styler options)",
        kind="crash",
        summary="a short option name such as `'precision'` now matches a display and a Styler "
        "option",
        replacement="`pd.set_option('display.precision', 2)`",
        triggers=(r"_option\(\s*['\"](?:precision|max_rows|max_columns|encoding)['\"]",),
        transformer=factory(AmbiguousOption),
        crash=Crash(("OptionError", "KeyError"), r"Pattern matched multiple keys"),
    ),
    Rule(
        id="pandas-get-value",
        library="pandas",
        changed_in="1.0 (deprecated 0.21)",
        kind="crash",
        summary="`get_value` was removed",
        replacement="`df.at[row, col]`",
        triggers=(r"\.get_value\(",),
        transformer=factory(GetValue),
        crash=_no_attr("get_value"),
    ),
    Rule(
        id="pandas-renamed-methods",
        library="pandas",
        changed_in="1.0-2.0",
        kind="crash",
        summary="`reindex_axis` and `get_values` left DataFrame, Series and Index",
        replacement="`reindex`, `to_numpy()`",
        triggers=(r"\.(?:reindex_axis|get_values)\(",),
        transformer=methods(
            {"reindex_axis": "reindex", "get_values": "to_numpy"}, not_modules=("numpy",)
        ),
        crash=_no_attr("(?:reindex_axis|get_values)"),
    ),
    Rule(
        id="pandas-is-monotonic",
        library="pandas",
        changed_in="2.0 (deprecated 1.5)",
        kind="crash",
        summary="`is_monotonic` was removed",
        replacement="`is_monotonic_increasing`",
        triggers=(r"\.is_monotonic\b(?!_)",),
        transformer=attributes({"is_monotonic": "is_monotonic_increasing"}),
        crash=_no_attr("is_monotonic"),
    ),
    Rule(
        id="pandas-mad",
        library="pandas",
        changed_in="2.0 (deprecated 1.5)",
        kind="crash",
        summary="`mad()` (mean absolute deviation) was removed",
        replacement="`(s - s.mean()).abs().mean()`",
        triggers=(r"\.mad\(\s*\)",),
        transformer=factory(Mad),
        crash=_no_attr("mad"),
    ),
    Rule(
        id="pandas-numeric-index",
        library="pandas",
        changed_in="2.0 (deprecated 1.4)",
        kind="crash",
        summary="`Int64Index`, `UInt64Index` and `Float64Index` were removed",
        replacement="`pd.Index(values, dtype='int64')`",
        triggers=(r"\b(?:U?Int64|Float64)Index\b",),
        transformer=factory(NumericIndex),
        crash=Crash(_AE + ("ImportError",), r"(?:U?Int64|Float64)Index"),
    ),
    Rule(
        id="pandas-time-grouper",
        library="pandas",
        changed_in="1.0 (deprecated 0.21)",
        kind="crash",
        summary="`pd.TimeGrouper` was removed",
        replacement="`pd.Grouper(freq='M')`",
        triggers=(r"\bTimeGrouper\(",),
        transformer=factory(TimeGrouper),
        crash=Crash(_AE, r"has no attribute 'TimeGrouper'"),
    ),
    Rule(
        id="pandas-resample-how",
        library="pandas",
        changed_in="0.25 (deprecated 0.18)",
        kind="crash",
        summary="`resample(how=...)` was removed: the aggregation is a method of the resampler",
        replacement="`ts.resample('ME').mean()`",
        triggers=(r"resample\([^)]*\bhow\s*=",),
        transformer=factory(ResampleHow),
        crash=Crash(_TE, r"resample\(\) got an unexpected keyword argument 'how'"),
    ),
    Rule(
        id="pandas-concat-join-axes",
        library="pandas",
        changed_in="1.0 (deprecated 0.25)",
        kind="crash",
        summary="`concat(join_axes=...)` was removed",
        replacement="reindex the objects first: `pd.concat([s1.reindex(idx), s4.reindex(idx)], "
        "axis=1)`",
        triggers=(r"join_axes\s*=",),
        transformer=factory(ConcatJoinAxes),
        crash=Crash(_TE, r"concat\(\) got an unexpected keyword argument 'join_axes'"),
    ),
    Rule(
        id="pandas-periodindex-fields",
        library="pandas",
        changed_in="3.0 (deprecated 2.2)",
        kind="crash",
        summary="`PeriodIndex(year=..., quarter=...)` no longer builds from fields",
        replacement="`pd.PeriodIndex.from_fields(year=y, quarter=q).rename('date')`",
        triggers=(r"PeriodIndex\(",),
        transformer=factory(PeriodIndexFields),
        crash=Crash(_TE, r"PeriodIndex.__new__\(\) got an unexpected keyword argument"),
    ),
    Rule(
        id="pandas-series-sort-inplace",
        library="pandas",
        changed_in="0.20 (deprecated 0.17)",
        kind="crash",
        summary="`Series.sort()` (which sorted in place) was removed",
        replacement="`s.sort_values(inplace=True)`",
        triggers=(r"\.sort\(\s*\)",),
        transformer=factory(SeriesSortInPlace),
        crash=Crash(_AE, r"^'Series' object has no attribute 'sort'"),
        crash_only=True,
    ),
]
