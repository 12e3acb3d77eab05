"""seaborn: keyword-only plotting functions (0.12), renamed parameters, removed functions."""

from __future__ import annotations

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    call_name,
    kwarg,
    make_kwarg,
    positional,
    remove_kwargs,
    replace_func,
    set_kwarg,
    string_value,
    with_string,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, kwargs
from mlemod_tui.assist.rules.sklearn_fixes import FlagOnly

SNS = ("seaborn",)
_CATEGORICAL = ("x", "y", "hue", "data")
# Old (0.11 and before) positional order of each function's arguments.
_OLD_ORDER: dict[str, tuple[str, ...]] = {
    **{
        f: _CATEGORICAL
        for f in (
            "countplot",
            "barplot",
            "boxplot",
            "violinplot",
            "stripplot",
            "swarmplot",
            "pointplot",
            "boxenplot",
            "factorplot",
            "catplot",
        )
    },
    "regplot": ("x", "y", "data"),
    "residplot": ("x", "y", "data"),
    "jointplot": ("x", "y", "data"),
    "lmplot": ("x", "y", "data", "hue"),
    "scatterplot": ("x", "y", "hue", "style", "size", "data"),
    "lineplot": ("x", "y", "hue", "size", "style", "data"),
    "relplot": ("x", "y", "hue", "size", "style", "data"),
    "kdeplot": ("x", "y"),
}


def _keywordize(call: cst.Call, order: tuple[str, ...]) -> cst.Call | None:
    """Turn positional arguments into keywords in the old order; None if they don't fit."""
    args = list(call.args)
    pos = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""]
    if len(pos) > len(order) or any(a.star for a in args):
        return None
    taken = {a.keyword.value for a in args if a.keyword is not None}
    for slot, i in enumerate(pos):
        if order[slot] in taken:
            return None
        args[i] = make_kwarg(order[slot], args[i].value).with_changes(comma=args[i].comma)
    return call.with_changes(args=args)


class PositionalArgs(RuleTransformer):
    """``sns.countplot('c', data=df)`` / ``sns.scatterplot(df.x, df.y)`` -> keywords."""

    vectors = False  # False: positionals beside ``data=``; True: two or more vectors, no data
    callee = Callee.of(*_OLD_ORDER, modules=SNS)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = self.callee.matches(original_node, self.ctx)
        if name is None:
            return updated_node
        pos = positional(original_node)
        has_data = kwarg(original_node, "data") is not None
        if self.vectors:
            wanted = len(pos) >= 2 and not has_data
        else:
            wanted = bool(pos) and (has_data or string_value(pos[0].value) is not None)
        if not wanted:
            return updated_node
        new = _keywordize(updated_node, _OLD_ORDER[name])
        if new is None:
            return updated_node
        self.hit(original_node)
        return new


class Distplot(RuleTransformer):
    _PASS = {"bins", "color", "ax", "label", "kde", "hist"}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "distplot":
            return updated_node
        keys = {a.keyword.value for a in original_node.args if a.keyword is not None}
        pos = positional(original_node)
        if keys - self._PASS or len(pos) != 1:
            self.hit(
                original_node,
                fixed=False,
                note="`rug`, `fit`, `hist_kws`... need a person: "
                "`sns.histplot(x, kde=True, stat='density')` plus `sns.rugplot(x)`.",
            )
            return updated_node
        hist = kwarg(original_node, "hist")
        kde = kwarg(original_node, "kde")
        self.hit(original_node)
        call = remove_kwargs(updated_node, ["hist", "kde"])
        if hist is not None and _false(hist.value):
            return replace_func(remove_kwargs(call, ["bins"]), "kdeplot")
        if kde is not None and _false(kde.value):
            return replace_func(call, "histplot")
        call = replace_func(call, "histplot")
        call = set_kwarg(call, "kde", "True")
        return set_kwarg(call, "stat", "'density'")


def _false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


class Factorplot(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "factorplot":
            return updated_node
        call = _keywordize(updated_node, _CATEGORICAL)
        if call is None:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        call = replace_func(call, "catplot").with_changes(
            args=[
                a.with_changes(keyword=cst.Name("height"))
                if a.keyword is not None and a.keyword.value == "size"
                else a
                for a in call.args
            ]
        )
        if kwarg(call, "kind") is None:
            call = set_kwarg(call, "kind", "'point'")  # factorplot's default; catplot's is 'strip'
        return call


class CiErrorbar(RuleTransformer):
    callee = Callee.of("barplot", "pointplot", "lineplot", "catplot", "relplot", modules=SNS)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        ci = kwarg(original_node, "ci")
        if (
            ci is None
            or kwarg(original_node, "errorbar")
            or not self.callee.matches(original_node, self.ctx)
        ):
            return updated_node
        value = ci.value
        if isinstance(value, cst.Name) and value.value == "None":
            new: cst.BaseExpression | str = "None"
        elif string_value(value) == "sd":
            new = value
        elif isinstance(value, (cst.Integer, cst.Float)):
            new = f"('ci', {value.value})"
        else:
            return updated_node
        self.hit(original_node)
        args = [
            make_kwarg("errorbar", new).with_changes(comma=a.comma)
            if a.keyword is not None and a.keyword.value == "ci"
            else a
            for a in updated_node.args
        ]
        return updated_node.with_changes(args=args)


class PaletteWithoutHue(RuleTransformer):
    callee = Callee.of(
        "countplot",
        "barplot",
        "boxplot",
        "violinplot",
        "stripplot",
        "swarmplot",
        "pointplot",
        "boxenplot",
        modules=SNS,
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if kwarg(original_node, "palette") is None or kwarg(original_node, "hue") is not None:
            return updated_node
        if not self.callee.matches(original_node, self.ctx) or positional(original_node):
            return updated_node
        x, y = kwarg(original_node, "x"), kwarg(original_node, "y")
        orient_arg = kwarg(original_node, "orient")
        orient = string_value(orient_arg.value) if orient_arg else None
        axis = y if (orient in ("h", "y") or x is None) else x
        if axis is None:
            return updated_node
        self.hit(original_node)
        call = set_kwarg(updated_node, "hue", axis.value)
        return set_kwarg(call, "legend", "False")


class ScatterKwsLinewidth(RuleTransformer):
    """``lmplot(..., scatter_kws=dict(linewidth=0.5))``: seaborn itself passes ``linewidths``,
    and matplotlib now refuses both aliases at once. The user's value won before; it is
    renamed ``linewidths`` so it still wins (seaborn only sets a default)."""

    _ALIASES = ("linewidth", "lw")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in ("lmplot", "regplot"):
            return updated_node
        arg = kwarg(updated_node, "scatter_kws")
        if arg is None:
            return updated_node
        new = self._renamed(arg.value)
        if new is None:
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(
            args=[a.with_changes(value=new) if a is arg else a for a in updated_node.args]
        )

    def _renamed(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(value, cst.Call) and call_name(value) == "dict":
            keys = [a.keyword.value for a in value.args if a.keyword is not None]
            if "linewidths" in keys or not set(keys) & set(self._ALIASES):
                return None
            return value.with_changes(
                args=[
                    a.with_changes(keyword=cst.Name("linewidths"))
                    if a.keyword is not None and a.keyword.value in self._ALIASES
                    else a
                    for a in value.args
                ]
            )
        if isinstance(value, cst.Dict):
            names = [
                string_value(e.key) if isinstance(e, cst.DictElement) else None
                for e in value.elements
            ]
            if "linewidths" in names or not set(names) & set(self._ALIASES):
                return None
            return value.with_changes(
                elements=[
                    e.with_changes(key=with_string(e.key, "linewidths"))
                    if isinstance(e, cst.DictElement)
                    and isinstance(e.key, cst.SimpleString)
                    and string_value(e.key) in self._ALIASES
                    else e
                    for e in value.elements
                ]
            )
        return None


RULES: list[Rule] = [
    Rule(
        id="sns-positional-data",
        library="seaborn",
        changed_in="0.12 (deprecated 0.11)",
        kind="crash",
        summary="seaborn's plotting functions take only `data` by position",
        replacement="`sns.countplot(x='c', data=df)`",
        triggers=(r"\w+plot\(\s*['\"]|\w+plot\(\s*[\w.\[\]'\"]+\s*,[^)]*\bdata\s*=",),
        transformer=factory(PositionalArgs, vectors=False),
        crash=Crash(("TypeError",), r"\w+\(\) got multiple values for argument 'data'"),
    ),
    Rule(
        id="sns-positional-vectors",
        library="seaborn",
        changed_in="0.12 (deprecated 0.11)",
        kind="crash",
        summary="x and y vectors must be passed by keyword",
        replacement="`sns.scatterplot(x=df.x, y=df.y)`",
        triggers=(r"\w+plot\(\s*[^\s=(),]+(?:\([^()]*\))?\s*,\s*[^\s=(),]+(?:\([^()]*\))?\s*[,)]",),
        transformer=factory(PositionalArgs, vectors=True),
        crash=Crash(
            ("TypeError",), r"\w+\(\) takes from 0 to 1 positional arguments? but \d+ were given"
        ),
    ),
    Rule(
        id="sns-factorplot",
        library="seaborn",
        changed_in="0.12 (renamed 0.9)",
        kind="crash",
        summary="`sns.factorplot` was renamed `catplot` (whose default kind is 'strip')",
        replacement="`sns.catplot(..., kind='point')`",
        triggers=(r"factorplot\(",),
        transformer=factory(Factorplot),
        crash=Crash(("AttributeError",), r"module 'seaborn' has no attribute 'factorplot'"),
    ),
    Rule(
        id="sns-size-height",
        library="seaborn",
        changed_in="0.12 (renamed 0.9)",
        kind="crash",
        summary="figure-level functions' `size=` was renamed `height=`",
        replacement="`height=3`",
        triggers=(r"\bsize\s*=",),
        transformer=kwargs(
            Callee.of(
                "FacetGrid",
                "PairGrid",
                "JointGrid",
                "lmplot",
                "catplot",
                "pairplot",
                "jointplot",
                modules=SNS,
            ),
            rename={"size": "height"},
        ),
        crash=Crash(("TypeError",), r"unexpected keyword argument 'size'"),
    ),
    Rule(
        id="sns-distplot",
        library="seaborn",
        changed_in="deprecated 0.11 (removal in 0.14)",
        kind="warning-only",
        summary="`sns.distplot` is deprecated",
        replacement="`sns.histplot(x, kde=True, stat='density')`",
        triggers=(r"distplot\(",),
        transformer=factory(Distplot),
    ),
    Rule(
        id="sns-tsplot",
        library="seaborn",
        changed_in="0.10",
        kind="crash",
        summary="`sns.tsplot` was removed",
        replacement="`sns.lineplot(data=long_df, x=..., y=...)`",
        triggers=(r"tsplot",),
        transformer=factory(FlagOnly, names=frozenset({"tsplot"})),
        crash=Crash(("AttributeError",), r"has no attribute 'tsplot'"),
        hint="tsplot took a wide array (units x time); melt it to long form and use "
        "`sns.lineplot(data=df, x='time', y='value', errorbar=('ci', 68))`.",
    ),
    Rule(
        id="sns-jointplot-stat-func",
        library="seaborn",
        changed_in="0.11 (deprecated 0.9)",
        kind="crash",
        summary="`jointplot(stat_func=)` was removed",
        replacement="drop `stat_func`; annotate `scipy.stats.pearsonr(x, y)` yourself",
        triggers=(r"stat_func",),
        transformer=kwargs(Callee.of("jointplot", "JointGrid", modules=SNS), drop=["stat_func"]),
        crash=Crash(("AttributeError", "TypeError"), r"unexpected keyword argument 'stat_func'"),
        hint="The statistic is no longer printed on the plot.",
    ),
    Rule(
        id="sns-stripplot-split",
        library="seaborn",
        changed_in="0.12 (renamed 0.9)",
        kind="crash",
        summary="`stripplot(split=)` was renamed `dodge=`",
        replacement="`dodge=True`",
        triggers=(r"split\s*=",),
        transformer=kwargs(
            Callee.of("stripplot", "swarmplot", modules=SNS), rename={"split": "dodge"}
        ),
        crash=Crash(("AttributeError", "TypeError"), r"unexpected keyword argument 'split'"),
    ),
    Rule(
        id="sns-ci-errorbar",
        library="seaborn",
        changed_in="deprecated 0.12",
        kind="warning-only",
        summary="`ci=` is deprecated in favour of `errorbar=`",
        replacement="`errorbar=None` / `errorbar='sd'` / `errorbar=('ci', 68)`",
        triggers=(r"\bci\s*=",),
        transformer=factory(CiErrorbar),
    ),
    Rule(
        id="sns-palette-without-hue",
        library="seaborn",
        changed_in="deprecated 0.13",
        kind="warning-only",
        summary="`palette` without `hue` is deprecated",
        replacement="`sns.countplot(x='c', hue='c', data=df, palette='Set2', legend=False)`",
        triggers=(r"palette\s*=",),
        transformer=factory(PaletteWithoutHue),
    ),
    Rule(
        id="sns-kdeplot-shade",
        library="seaborn",
        changed_in="deprecated 0.11",
        kind="warning-only",
        summary="`kdeplot(shade=)` is deprecated",
        replacement="`sns.kdeplot(x=x, fill=True)`",
        triggers=(r"shade\s*=",),
        transformer=kwargs(Callee.of("kdeplot", modules=SNS), rename={"shade": "fill"}),
    ),
    Rule(
        id="sns-scatter-kws-linewidth",
        library="seaborn",
        changed_in="matplotlib 3.3 (aliases checked)",
        kind="crash",
        summary="`scatter_kws` with `linewidth` now clashes with the `linewidths` seaborn sets",
        replacement="`scatter_kws=dict(linewidths=0.5)`",
        triggers=(r"scatter_kws",),
        transformer=factory(ScatterKwsLinewidth),
        crash=Crash(("TypeError",), r"Got both '(?:linewidth|lw)' and 'linewidths'"),
    ),
]
