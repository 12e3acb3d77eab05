"""The pandas erosions about frame structure: append, indexing, in-place methods, moved
functions and positional arguments (custom libcst transformers)."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    atom,
    call_name,
    dotted,
    expr,
    is_true,
    kwarg,
    make_kwarg,
    names_columns,
    parse_expression,
    positional,
    qualified,
    remove_kwargs,
    replace_func,
    string,
    string_value,
    with_args,
)

PANDAS = ("pandas",)


def pandas_name(t: RuleTransformer) -> str:
    """What the cell calls pandas (``pd`` unless it imports it otherwise)."""
    return t.module_name("pandas", "pd")


def method_receiver(call: cst.Call) -> cst.BaseExpression | None:
    """``df`` of ``df.method(...)``; None for a plain function call."""
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
        if call_name(original_node) != "append" or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        receiver = updated_node.func.value  # type: ignore[attr-defined]
        pandas_kw = any(
            a.keyword is not None and a.keyword.value in _PANDAS_APPEND_KW
            for a in original_node.args
        )
        if not pandas_kw and not isinstance(self.parent(), _RESULT_USED):
            return (
                updated_node  # list.append returns None: a list's append is never used as a value
            )
        if qualified(original_node.func.value, self.ctx) is not None:
            return updated_node  # a module function such as ``np.append``
        args = positional(updated_node)
        if len(args) != 1:
            return updated_node
        other = args[0].value
        note = None
        if _looks_like_row(other, self):
            other = expr("__pd__.DataFrame([__row__])", pd=pandas_name(self), row=other)
        elif (
            isinstance(other, cst.List)
            and other.elements
            and all(isinstance(e.value, cst.Dict) for e in other.elements)
        ):
            other = expr("__pd__.DataFrame(__rows__)", pd=pandas_name(self), rows=other)
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
        call = cst.Call(func=parse_expression(f"{pandas_name(self)}.concat"), args=new_args)
        return call.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)


# --------------------------------------------------------------------------- indexing


# ``.ix`` read integer keys as labels on an axis whose labels are numbers, as positions otherwise.
NUMBER_LABELS = frozenset({"integer", "floating", "mixed-integer-float", "decimal"})


def _has_integers(node: cst.BaseExpression) -> bool:
    """Does this ``.ix`` key hold integers (``3``, ``-1``, ``:3``, ``[0, 2]``)?"""
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _has_integers(node.expression)
    if isinstance(node, (cst.List, cst.Tuple)):
        return any(_has_integers(e.value) for e in node.elements)
    return False


def _key_has_integers(element: cst.SubscriptElement) -> bool:
    key = element.slice
    if isinstance(key, cst.Slice):
        return any(b is not None and _has_integers(b) for b in (key.lower, key.upper))
    return isinstance(key, cst.Index) and _has_integers(key.value)


class Ix(RuleTransformer):
    """``.ix`` -> ``.loc`` or ``.iloc``, or both, by what each key meant on its axis.

    Integer keys were labels on an axis labelled by numbers and positions on any other, so
    with integers in a key the fix depends on the object: the kernel's answer comes in
    ``ctx.axis_types``. Without it, no fix is offered for such a key (a wrong ``.loc`` returns
    other rows silently).
    """

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        func = original_node.value
        if not isinstance(func, cst.Attribute) or func.attr.value != "ix":
            return updated_node
        if qualified(func.value, self.ctx) is not None:
            return updated_node
        keys = list(original_node.slice)
        positional = [_key_has_integers(k) for k in keys]
        assert isinstance(updated_node.value, cst.Attribute)
        receiver = updated_node.value.value
        if not any(positional):
            self.hit(original_node)
            return updated_node.with_changes(value=updated_node.value.with_changes(attr=cst.Name("loc")))
        receiver_code = " ".join(cst.Module([]).code_for_node(func.value).split())
        types = self.ctx.axis_types.get(receiver_code)
        if types is None:
            self.hit(
                original_node,
                fixed=False,
                note="`.ix` read integers as labels when the axis had numbers as labels and as "
                "positions otherwise: `.loc` for labels, `.iloc` for positions.",
            )
            return updated_node
        by_axis = [
            is_int and (types[axis] if axis < 2 else None) not in NUMBER_LABELS
            for axis, is_int in enumerate(positional)
        ]
        self.hit(original_node)
        if not any(by_axis):
            return updated_node.with_changes(value=updated_node.value.with_changes(attr=cst.Name("loc")))
        if all(by_axis):
            return updated_node.with_changes(value=updated_node.value.with_changes(attr=cst.Name("iloc")))
        # one axis by position, the other by label: look the positions' labels up
        elements = list(updated_node.slice)
        for axis, by_position in enumerate(by_axis):
            if not by_position:
                continue
            labels = "index" if axis == 0 else "columns"
            key = elements[axis].slice
            inner = key if isinstance(key, cst.Slice) else cst.ensure_type(key, cst.Index).value
            lookup = cst.Subscript(
                value=cst.Attribute(value=atom(receiver), attr=cst.Name(labels)),
                slice=[cst.SubscriptElement(slice=inner if isinstance(inner, cst.Slice) else cst.Index(inner))],
            )
            elements[axis] = elements[axis].with_changes(slice=cst.Index(lookup))
        return updated_node.with_changes(
            value=updated_node.value.with_changes(attr=cst.Name("loc")), slice=elements
        )


class AsMatrix(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "as_matrix" or not isinstance(
            updated_node.func, cst.Attribute
        ):
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
    "set_categories",
    "rename_categories",
    "add_categories",
    "remove_categories",
    "reorder_categories",
    "remove_unused_categories",
    "as_ordered",
    "as_unordered",
}
CHAINED_METHODS = {
    "fillna",
    "replace",
    "clip",
    "where",
    "mask",
    "interpolate",
    "ffill",
    "bfill",
    "update",
    "sort_values",
    "drop_duplicates",
    "dropna",
    "set_categories",
}
PDEP8_METHODS = {
    "drop",
    "dropna",
    "rename",
    "sort_values",
    "set_index",
    "reset_index",
    "drop_duplicates",
    "sort_index",
    "query",
    "eval",
    "rename_axis",
}


def _column_target(node: cst.BaseExpression) -> cst.BaseAssignTargetExpression | None:
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

    def target_of(self, call: cst.Call) -> cst.BaseAssignTargetExpression | None:
        raise NotImplementedError

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.BaseSmallStatement:
        call = original_node.value
        if not isinstance(call, cst.Call) or not is_true(
            getattr(kwarg(call, "inplace"), "value", None)
        ):
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
        if not isinstance(call, cst.Call) or not is_true(
            getattr(kwarg(call, "inplace"), "value", None)
        ):
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
    def target_of(self, call: cst.Call) -> cst.BaseAssignTargetExpression | None:
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
    def target_of(self, call: cst.Call) -> cst.BaseAssignTargetExpression | None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in PDEP8_METHODS):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Name):
            return receiver
        if (
            isinstance(receiver, cst.Attribute)
            and isinstance(receiver.value, cst.Name)
            and (qualified(receiver, self.ctx) is None)
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
                cst.SubscriptElement(
                    cst.Index(row.value),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
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
        series = expr("__pd__.Series(__v__)", pd=pandas_name(self), v=pos[0].value)
        method = cst.Call(cst.Attribute(series, cst.Name("value_counts")), args=[])
        return with_args(method, rest) if rest else method


_ROLLING = {
    "rolling_mean": ("rolling", "mean"),
    "rolling_std": ("rolling", "std"),
    "rolling_var": ("rolling", "var"),
    "rolling_sum": ("rolling", "sum"),
    "rolling_min": ("rolling", "min"),
    "rolling_max": ("rolling", "max"),
    "rolling_median": ("rolling", "median"),
    "rolling_count": ("rolling", "count"),
    "rolling_skew": ("rolling", "skew"),
    "rolling_kurt": ("rolling", "kurt"),
    "rolling_apply": ("rolling", "apply"),
    "rolling_quantile": ("rolling", "quantile"),
    "expanding_mean": ("expanding", "mean"),
    "expanding_std": ("expanding", "std"),
    "expanding_sum": ("expanding", "sum"),
    "expanding_max": ("expanding", "max"),
    "expanding_min": ("expanding", "min"),
    "ewma": ("ewm", "mean"),
    "ewmstd": ("ewm", "std"),
    "ewmvar": ("ewm", "var"),
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
            a for a in updated_node.args if a.keyword is not None and a not in agg_args
        ]
        self.hit(original_node)
        window = cst.Call(cst.Attribute(atom(series), cst.Name(window_kind)), args=[])
        window = with_args(window, window_args) if window_args else window
        result = cst.Call(cst.Attribute(window, cst.Name(agg)), args=[])
        if agg_args:
            fixed = [
                a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
                if a.keyword and a.keyword.value == "quantile"
                else a
                for a in agg_args
            ]
            result = with_args(result, fixed)
        return result


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
        if not concat and (
            name not in _POSITIONAL or not isinstance(original_node.func, cst.Attribute)
        ):
            return updated_node
        if not concat and qualified(original_node.func, self.ctx) is not None:
            return updated_node  # a module function, not a DataFrame method
        allowed, names = (1, ("axis", "join")) if concat else _POSITIONAL[name or ""]
        args = list(updated_node.args)
        pos = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""]
        extra = pos[allowed:]
        if not extra or len(extra) > len(names) or any(a.star for a in args):
            return updated_node
        if (
            name == "dropna"
            and len(extra) == 1
            and string_value(args[extra[0]].value) in ("any", "all")
        ):
            return updated_node  # unusual enough to leave to a person
        for slot, i in enumerate(extra):
            args[i] = args[i].with_changes(
                keyword=cst.Name(names[slot]),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
        self.hit(original_node)
        return updated_node.with_changes(args=args)


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
        pandas_like = (
            columns is not None
            or kwarg(original_node, "ascending") is not None
            or (
                len(pos) == 1
                and (string_value(pos[0].value) is not None or isinstance(pos[0].value, cst.List))
            )
        )
        if not pandas_like or kwarg(original_node, "key") or kwarg(original_node, "reverse"):
            return updated_node
        self.hit(original_node)
        call = replace_func(updated_node, "sort_values")
        if columns is not None:
            call = call.with_changes(
                args=[
                    a.with_changes(keyword=cst.Name("by"))
                    if a.keyword is not None and a.keyword.value == "columns"
                    else a
                    for a in call.args
                ]
            )
        elif not pos:
            return replace_func(call, "sort_index")  # sort(ascending=...) sorted by the index
        return call


_POSITIONAL_CRASH = re.compile(
    r"^(DataFrame|Series)\.(\w+)\(\) takes (?:from \d+ to )?(\d+) positional arguments? "
    r"but \d+ (?:were|was) given"
)


def _parameter_names(owner: str, method: str) -> list[str]:
    """The installed pandas' parameter names of ``owner.method`` after ``self``, in order:
    arguments that became keyword-only kept their old positional order."""
    try:
        import inspect

        import pandas as pd
    except ImportError:  # pandas not beside the app: the kernel's error still says enough
        return []
    function = getattr(getattr(pd, owner, None), method, None)
    if function is None:
        return []
    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []
    return [p for p in parameters if p not in ("self", "args", "kwargs")]


class PositionalToKeyword(RuleTransformer):
    """Crash-only: ``df.any(1)``, ``df.drop('col', 1)`` -- pandas 2/3 made arguments after the
    first keyword-only. The crash names the method and how many positions it still takes;
    the extra ones get their keyword from the installed pandas' own signature. Only calls on
    the failing line are touched (``np.sum(a, 1)`` elsewhere is fine)."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        match = _POSITIONAL_CRASH.match(crash.evalue) if crash is not None else None
        if crash is None or match is None or call_name(original_node) != match.group(2):
            return updated_node
        if not isinstance(original_node.func, cst.Attribute):
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        allowed = int(match.group(3)) - 1  # the count includes self
        names = _parameter_names(match.group(1), match.group(2))
        args = list(updated_node.args)
        positions = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        extra = positions[allowed:]
        if not extra or len(positions) > len(names):
            return updated_node
        taken = {a.keyword.value for a in args if a.keyword is not None}
        for number, i in enumerate(positions):
            if i in extra:
                if names[number] in taken:
                    return updated_node
                args[i] = make_kwarg(names[number], args[i].value).with_changes(comma=args[i].comma)
        self.hit(original_node)
        return updated_node.with_changes(args=args)


class MplStyleOption(RuleTransformer):
    """``pd.set_option('display.mpl_style', 'default')`` -> ``matplotlib.style.use('ggplot')``:
    the option (removed in pandas 0.20) switched matplotlib to a ggplot-like look."""

    def _style(self) -> cst.BaseExpression:
        mpl = self.module_name("matplotlib", "matplotlib")
        return parse_expression(f"{mpl}.style.use('ggplot')")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "set_option" or not original_node.args:
            return updated_node
        if string_value(original_node.args[0].value) not in ("display.mpl_style", "mpl_style"):
            return updated_node
        if len(original_node.args) > 2:
            return updated_node  # more options in the same call: leave it to a person
        self.hit(original_node)
        return self._style()

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.BaseSmallStatement:
        target = dotted(original_node.targets[0].target) if len(original_node.targets) == 1 else None
        if target is None or not target.endswith("options.display.mpl_style"):
            return updated_node
        self.hit(original_node)
        return cst.Expr(self._style())


_LEVEL_REDUCTIONS = frozenset(
    {"sum", "mean", "median", "min", "max", "std", "var", "prod", "count", "any", "all", "sem",
     "skew", "kurt", "mad"}
)


class LevelReduction(RuleTransformer):
    """``s.sum(level=0)`` -> ``s.groupby(level=0).sum()``: reductions lost ``level=`` in 2.0."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        level = kwarg(updated_node, "level")
        if name not in _LEVEL_REDUCTIONS or level is None:
            return updated_node
        if not isinstance(updated_node.func, cst.Attribute):
            return updated_node
        if qualified(original_node.func.value, self.ctx) is not None:  # type: ignore[attr-defined]
            return updated_node  # np.sum(..., level=) is not a pandas reduction
        axis = kwarg(updated_node, "axis")
        across = axis is not None and names_columns(axis.value)
        if axis is not None and not across and not (
            isinstance(axis.value, cst.Integer) and axis.value.value == "0"
        ):
            self.hit(original_node, fixed=False, note="For `axis=1`: `df.T.groupby(level=...).sum().T`.")
            return updated_node
        rest = remove_kwargs(updated_node, ["level", "axis"] if across else ["level"])
        self.hit(original_node)
        # across columns: group the transposed frame's rows, reduce, transpose back (the old
        # result exactly: rows kept, columns one per level value)
        template = "__r__.T.groupby(level=__l__)" if across else "__r__.groupby(level=__l__)"
        grouped = expr(template, r=atom(updated_node.func.value), l=level.value)
        reduced = rest.with_changes(func=cst.Attribute(value=grouped, attr=cst.Name(name or "sum")))
        return cst.Attribute(value=reduced, attr=cst.Name("T")) if across else reduced

