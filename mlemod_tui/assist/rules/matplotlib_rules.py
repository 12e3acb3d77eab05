"""matplotlib: renamed styles and keywords, removed helpers (2.2 to 3.11)."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    Callee,
    RuleTransformer,
    call_name,
    dotted,
    drop_imported,
    expr,
    kwarg,
    parse_expression,
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
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import (
    attributes,
    factory,
    kwargs,
    moved,
    string_args,
)

MPL = ("matplotlib",)
_NOT_SEABORN = ("seaborn", "pandas")
_SEABORN_STYLE = re.compile(r"^seaborn(?P<rest>-(?!v0_8)[a-z-]+)?$")


def _seaborn_style(value: str) -> str | None:
    found = _SEABORN_STYLE.match(value)
    return f"seaborn-v0_8{found.group('rest') or ''}" if found else None


def _not_seaborn(call: cst.Call, t: RuleTransformer) -> bool:
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    target = qualified(receiver, t.ctx) if receiver is not None else None
    return target is None or not target.startswith(_NOT_SEABORN)


class ColorCycle(RuleTransformer):
    """``rcParams['axes.color_cycle'] = colors`` -> ``rcParams['axes.prop_cycle'] =
    matplotlib.cycler(color=colors)``, and ``rc('axes', color_cycle=colors)`` likewise."""

    def _cycler(self, colors: cst.BaseExpression) -> cst.BaseExpression:
        mpl = self.module_name("matplotlib", "matplotlib")
        return expr(f"{mpl}.cycler(color=__c__)", c=colors)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if len(updated_node.targets) != 1:
            return updated_node
        target = updated_node.targets[0].target
        if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
            return updated_node
        key = target.slice[0].slice
        if not isinstance(key, cst.Index) or not isinstance(key.value, cst.SimpleString):
            return updated_node
        if key.value.evaluated_value != "axes.color_cycle":
            return updated_node
        self.hit(original_node)
        new_key = key.with_changes(value=with_string(key.value, "axes.prop_cycle"))
        new_target = target.with_changes(slice=[target.slice[0].with_changes(slice=new_key)])
        return updated_node.with_changes(
            targets=[updated_node.targets[0].with_changes(target=new_target)],
            value=self._cycler(updated_node.value),
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(updated_node, "color_cycle")
        if call_name(original_node) != "rc" or arg is None:
            return updated_node
        self.hit(original_node)
        return set_kwarg(remove_kwargs(updated_node, ["color_cycle"]), "prop_cycle", self._cycler(arg.value))


class AxisBgcolor(RuleTransformer):
    _AXES_MAKERS = {"subplot", "subplots", "axes", "add_subplot", "add_axes", "subplot2grid"}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name == "set_axis_bgcolor" and isinstance(original_node.func, cst.Attribute):
            self.hit(original_node)
            return replace_func(updated_node, "set_facecolor")
        if name in self._AXES_MAKERS and kwarg(original_node, "axisbg") is not None:
            self.hit(original_node)
            return updated_node.with_changes(
                args=[
                    a.with_changes(keyword=cst.Name("facecolor"))
                    if a.keyword is not None and a.keyword.value == "axisbg"
                    else a
                    for a in updated_node.args
                ]
            )
        return updated_node


class GcaProjection(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "gca" or not original_node.args:
            return updated_node
        if not isinstance(original_node.func, cst.Attribute) or positional(original_node):
            return updated_node
        self.hit(original_node)
        receiver = updated_node.func.value  # type: ignore[attr-defined]
        if qualified(original_node.func.value, self.ctx) == "matplotlib.pyplot":
            receiver = expr("__p__.gcf()", p=receiver)
        return updated_node.with_changes(func=cst.Attribute(receiver, cst.Name("add_subplot")))


class Axes3DFigure(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "Axes3D":
            return updated_node
        pos = positional(original_node)
        if len(pos) != 1:
            return updated_node
        self.hit(original_node)
        rest = [a for a in updated_node.args if a.keyword is not None]
        call = cst.ensure_type(expr("__f__.add_subplot(projection='3d')", f=pos[0].value), cst.Call)
        return with_args(call, list(call.args) + rest) if rest else call


class MlabNormpdf(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx)
        if target == "matplotlib.mlab.bivariate_normal":
            self.hit(
                original_node,
                fixed=False,
                note="`bivariate_normal` is gone: use "
                "`scipy.stats.multivariate_normal(mean, cov).pdf(np.dstack((X, Y)))`.",
            )
            return updated_node
        if target != "matplotlib.mlab.normpdf":
            return updated_node
        self.hit(original_node)
        norm = self.imported_name("scipy.stats", "norm")
        return updated_node.with_changes(func=parse_expression(f"{norm}.pdf"))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        """``from matplotlib.mlab import normpdf``: the name is gone, the calls use scipy."""
        new = drop_imported(
            updated_node,
            lambda module, alias: module == "matplotlib.mlab"
            and dotted(alias.name) == "normpdf"
            and alias.asname is None,
        )
        if new is None:
            return updated_node
        self.hit(original_node)
        return new


class PlotDate(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "plot_date" or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        pos = positional(original_node)
        if len(pos) < 2:
            return updated_node
        self.hit(original_node)
        call = remove_kwargs(replace_func(updated_node, "plot"), ["xdate", "ydate", "tz"])
        fmt = kwarg(call, "fmt")
        if len(pos) == 2:  # plot_date drew markers only ('o') unless told otherwise
            args = [a for a in call.args if a is not fmt]
            second = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""][1]
            args.insert(second + 1, cst.Arg(fmt.value if fmt is not None else string("o")))
            call = with_args(call, args)
        return call


class TostringRgb(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "tostring_rgb" or original_node.args:
            return updated_node
        if not isinstance(original_node.func, cst.Attribute):
            return updated_node
        self.hit(original_node)
        np = self.module_name("numpy", "np")
        canvas = cst.ensure_type(updated_node.func, cst.Attribute).value
        return expr(f"{np}.asarray(__c__.buffer_rgba())[..., :3].tobytes()", c=canvas)


class TicklabelsWithoutTicks(RuleTransformer):
    """Flags ``ax.set_xticklabels(names)`` with no ``ax.set_xticks`` in the cell."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        if name not in ("set_xticklabels", "set_yticklabels") or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        receiver = dotted(original_node.func.value) or ""
        axis = name[4]
        if re.search(rf"{re.escape(receiver)}\.set_{axis}ticks\(", self.ctx.source):
            return updated_node
        self.hit(original_node, fixed=False)
        return updated_node


class Vert(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) not in ("boxplot", "violinplot", "bxp"):
            return updated_node
        vert = kwarg(original_node, "vert")
        if vert is None or not _not_seaborn(original_node, self):
            return updated_node
        value = vert.value
        if isinstance(value, cst.Name) and value.value == "False":
            self.hit(original_node)
            return set_kwarg(remove_kwargs(updated_node, ["vert"]), "orientation", "'horizontal'")
        if isinstance(value, cst.Name) and value.value == "True":
            self.hit(original_node)
            return remove_kwargs(updated_node, ["vert"])
        return updated_node


class SubplotInts(RuleTransformer):
    """Crash-only: a grid size or index computed with ``/`` (``n / 2`` is 2.0 in Python 3).

    matplotlib before 3.3 truncated such floats with ``int()``; today it raises. The fix
    spells that ``int()`` out, on the argument the message names, on the failing line only.
    """

    _CALLS = frozenset({"subplot", "add_subplot", "subplots"})
    _WHICH = {"rows": (0, "nrows"), "columns": (1, "ncols"), "num": (2, "")}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        if crash is None or call_name(original_node) not in self._CALLS:
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        found = re.match(r"(?:Number of )?(rows|columns|num)\b", crash.evalue)
        if found is None:
            return updated_node
        position, keyword = self._WHICH[found.group(1)]
        args = list(updated_node.args)
        numbered = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        at = next(
            (i for i, a in enumerate(args) if keyword and a.keyword and a.keyword.value == keyword),
            None,
        )
        if at is None and position < len(numbered):
            at = numbered[position]
        if at is None:
            return updated_node
        value = args[at].value
        if isinstance(value, cst.Integer) or (
            isinstance(value, cst.Call) and call_name(value) == "int"
        ):
            return updated_node
        self.hit(original_node)
        args[at] = args[at].with_changes(value=expr("int(__v__)", v=value))
        return updated_node.with_changes(args=args)


class EmptyScatterColour(RuleTransformer):
    """``scatter(..., c='')``: hollow markers in old matplotlib, an error today."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "scatter":
            return updated_node
        colour = kwarg(original_node, "c")
        if colour is None or string_value(colour.value) != "":
            return updated_node
        self.hit(original_node)
        args = [
            a.with_changes(keyword=cst.Name("facecolors"), value=with_string(a.value, "none"))
            if a.keyword is not None and a.keyword.value == "c" and isinstance(a.value, cst.SimpleString)
            else a
            for a in updated_node.args
        ]
        return updated_node.with_changes(args=args)


class AnimationWithoutBlit(RuleTransformer):
    """Crash-only: ``FuncAnimation(..., blit=True)`` whose ``init_func`` or ``func`` returns no
    artists. matplotlib now refuses it when the figure is first drawn (after the cell's last
    line, so no line of the cell is in the traceback); blitting only makes redraws faster,
    so ``blit=False`` draws the same frames."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.ctx.crash is None or call_name(original_node) != "FuncAnimation":
            return updated_node
        blit = kwarg(original_node, "blit")
        if blit is None or not (isinstance(blit.value, cst.Name) and blit.value.value == "True"):
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "blit", "False")


class PcolorArrayFlat(RuleTransformer):
    """Crash-only: ``img = ax.pcolor(values)`` then ``zip(img.get_paths(), img.get_array())``.
    ``get_array()`` of a ``pcolor`` mesh was the flattened values until matplotlib 3.5; it is
    the 2-D grid now, so the loop gets rows and ``'%.2f' % value`` fails. ``.ravel()`` gives
    the old flat values back, in the same order as the paths."""

    whole_module = True  # the mesh is made in one statement and read in another

    def visit_Module(self, node: cst.Module) -> bool:
        self.meshes = set(re.findall(r"(\w+)\s*=[^=\n]*?\.pcolor(?:mesh)?\(", node.code))
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if self.ctx.crash is None or call_name(original_node) != "get_array":
            return updated_node
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return updated_node
        parent = self.parent()
        if func.value.value not in self.meshes or (
            isinstance(parent, cst.Attribute) and parent.attr.value == "ravel"
        ):
            return updated_node
        self.hit(original_node)
        return expr("__a__.ravel()", a=updated_node)


class TicklabelsToTicks(RuleTransformer):
    """Crash-only: more or fewer labels than ticks. matplotlib before 3.5 paired them with
    ``zip``: surplus labels were dropped, ticks without one stayed blank. The fix does the
    same with the counts the message gives, on the failing line only."""

    _CALLS = frozenset({"set_ticklabels", "set_xticklabels", "set_yticklabels"})
    _TICKS_AND_LABELS = frozenset({"xticks", "yticks", "set_xticks", "set_yticks", "set_ticks"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        crash = self.ctx.crash
        name = call_name(original_node)
        if crash is None or name not in self._CALLS | self._TICKS_AND_LABELS:
            return updated_node
        counts = re.search(r"locations \((\d+)\).*labels \((\d+)\)", crash.evalue)
        args = list(updated_node.args)
        at = 1 if name in self._TICKS_AND_LABELS else 0  # plt.xticks(ticks, labels)
        if counts is None or len(args) <= at or args[at].keyword is not None or args[at].star:
            return updated_node
        if not self.on_failing_line(original_node):
            return updated_node
        ticks, labels = int(counts.group(1)), int(counts.group(2))
        value = args[at].value
        if isinstance(value, cst.List) and len(value.elements) == labels:
            kept = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in value.elements[:ticks]]
            kept += [cst.Element(string("")) for _ in range(ticks - labels)]
            new: cst.BaseExpression = value.with_changes(elements=kept)
        elif ticks < labels:
            new = expr(f"list(__v__)[:{ticks}]", v=value)
        else:
            new = expr(f"list(__v__) + [''] * {ticks - labels}", v=value)
        self.hit(original_node)
        args[at] = args[at].with_changes(value=new)
        return updated_node.with_changes(args=args)


class RcParamsFromData(RuleTransformer):
    """Crash-only: ``matplotlib.rcParams.update(style)`` with a style read from a file (a
    JSON beside the notebook) that holds keys today's matplotlib rejects. ``axes.color_cycle``
    becomes the ``axes.prop_cycle`` it was replaced by; keys matplotlib removed (they did
    nothing any more, like ``examples.directory``) are left out. Only the failing line."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if call_name(original_node) != "update" or not isinstance(func, cst.Attribute):
            return updated_node
        receiver = dotted(func.value) or ""
        if receiver.split(".")[-1] not in ("rcParams", "rcParamsDefault"):
            return updated_node
        args = positional(original_node)
        if len(args) != 1 or len(original_node.args) != 1 or isinstance(args[0].value, cst.Dict):
            return updated_node
        crash = self.ctx.crash
        if crash is None or not self.on_failing_line(original_node):
            return updated_node
        base = receiver.rpartition(".")[0] or self.module_name("matplotlib", "matplotlib")
        self.hit(original_node)
        modern = expr(
            "{('axes.prop_cycle' if k == 'axes.color_cycle' else k): "
            f"({base}.cycler(color=v) if k == 'axes.color_cycle' else v) "
            f"for k, v in __s__.items() if k in {receiver} or k == 'axes.color_cycle'}}",
            s=updated_node.args[0].value,
        )
        return updated_node.with_changes(args=[updated_node.args[0].with_changes(value=modern)])


RULES: list[Rule] = [
    Rule(
        id="mpl-style-seaborn",
        library="matplotlib",
        changed_in="3.8 (deprecated 3.6)",
        kind="crash",
        summary="the `seaborn*` style names were renamed `seaborn-v0_8*`",
        replacement="`plt.style.use('seaborn-v0_8-whitegrid')`, or `sns.set_theme()`",
        triggers=(r"['\"]seaborn",),
        transformer=string_args(
            Callee.of("use", "context", modules=MPL),
            _seaborn_style,
            keywords=("style",),
            position=0,
        ),
        crash=Crash(("OSError",), r"'seaborn[\w-]*' is not a valid package style"),
    ),
    Rule(
        id="mpl-hist-normed",
        library="matplotlib",
        changed_in="3.1 (deprecated 2.1)",
        kind="crash",
        summary="`hist(normed=)` was renamed `density=` (numpy's `histogram` too)",
        replacement="`plt.hist(x, density=True)`",
        triggers=(r"normed\s*=",),
        transformer=kwargs(
            Callee.of("hist", "hist2d", "histogram", "histogram2d", "histogramdd"),
            rename={"normed": "density"},
        ),
        crash=Crash(("AttributeError", "TypeError"), r"unexpected keyword argument 'normed'"),
    ),
    Rule(
        id="mpl-cm-get-cmap",
        library="matplotlib",
        changed_in="3.11 (deprecated 3.7)",
        kind="crash",
        summary="`matplotlib.cm.get_cmap` was removed",
        replacement="`plt.get_cmap(name)` or `matplotlib.colormaps[name]`",
        triggers=(r"get_cmap",),
        transformer=moved(
            {
                "matplotlib.cm.get_cmap": "matplotlib.pyplot.get_cmap",
                "matplotlib.pyplot.cm.get_cmap": "matplotlib.pyplot.get_cmap",
            }
        ),
        crash=Crash(("AttributeError", "ImportError"), r"'matplotlib\.cm'.*'get_cmap'|get_cmap"),
    ),
    Rule(
        id="mpl-color-cycle",
        library="matplotlib",
        changed_in="2.0 (deprecated 1.5)",
        kind="crash",
        summary="the `axes.color_cycle` rcParam was replaced by `axes.prop_cycle`",
        replacement="`plt.rcParams['axes.prop_cycle'] = matplotlib.cycler(color=colors)`",
        triggers=(r"color_cycle",),
        transformer=factory(ColorCycle),
        crash=Crash(("KeyError", "ValueError"), r"'axes\.color_cycle' is not a valid value for rcParam"),
    ),
    Rule(
        id="mpl-set-axis-bgcolor",
        library="matplotlib",
        changed_in="2.2 (deprecated 2.0)",
        kind="crash",
        summary="`set_axis_bgcolor` / `axisbg=` were renamed `set_facecolor` / `facecolor=`",
        replacement="`ax.set_facecolor('w')`",
        triggers=(r"axis_bgcolor|axisbg",),
        transformer=factory(AxisBgcolor),
        crash=Crash(("AttributeError",), r"set_axis_bgcolor|axisbg"),
    ),
    Rule(
        id="mpl-gca-projection",
        library="matplotlib",
        changed_in="3.6 (deprecated 3.4)",
        kind="crash",
        summary="`gca()` no longer takes arguments such as `projection=`",
        replacement="`ax = fig.add_subplot(projection='3d')`",
        triggers=(r"\.gca\(\s*\w",),
        transformer=factory(GcaProjection),
        crash=Crash(("TypeError",), r"gca\(\) got an unexpected keyword argument"),
    ),
    Rule(
        id="mpl-axes3d-fig",
        library="matplotlib",
        changed_in="3.6 (deprecated 3.4)",
        kind="silent-score-change",
        summary="`Axes3D(fig)` no longer adds itself to the figure: the plot comes out blank",
        replacement="`ax = fig.add_subplot(projection='3d')`",
        triggers=(r"Axes3D\(",),
        transformer=factory(Axes3DFigure),
        purpose_override="error-repair",
    ),
    Rule(
        id="mpl-mlab-normpdf",
        library="matplotlib",
        changed_in="3.1 (deprecated 2.2)",
        kind="crash",
        summary="`matplotlib.mlab.normpdf` (and `bivariate_normal`) were removed",
        replacement="`scipy.stats.norm.pdf(bins, mu, sigma)`",
        triggers=(r"normpdf|bivariate_normal",),
        transformer=factory(MlabNormpdf),
        crash=Crash(
            ("AttributeError", "ImportError"),
            r"'matplotlib\.mlab' has no attribute|cannot import name 'normpdf' from 'matplotlib\.mlab'",
        ),
    ),
    Rule(
        id="mpl-grid-b",
        library="matplotlib",
        changed_in="3.7 (renamed 3.5)",
        kind="crash",
        summary="`grid(b=...)` was renamed `visible=`",
        replacement="`plt.grid(visible=True)`",
        triggers=(r"grid\(.*\bb\s*=",),
        transformer=kwargs(Callee.of("grid"), rename={"b": "visible"}),
        crash=Crash(("ValueError", "TypeError"), r"keyword grid_b is not recognized|argument 'b'"),
    ),
    Rule(
        id="mpl-boxplot-labels",
        library="matplotlib",
        changed_in="3.11 (renamed 3.9)",
        kind="crash",
        summary="`boxplot(labels=)` was renamed `tick_labels=`",
        replacement="`plt.boxplot(data, tick_labels=names)`",
        triggers=(r"boxplot\((?:[^()]|\([^()]*\))*\blabels\s*=",),
        transformer=kwargs(
            Callee.of("boxplot", "bxp"), rename={"labels": "tick_labels"}, guard=_not_seaborn
        ),
        crash=Crash(("TypeError",), r"boxplot\(\) got an unexpected keyword argument 'labels'"),
    ),
    Rule(
        id="mpl-plot-date",
        library="matplotlib",
        changed_in="3.11 (deprecated 3.9)",
        kind="crash",
        summary="`plot_date` was removed",
        replacement="`ax.plot(dates, values, 'o')`",
        triggers=(r"plot_date\(",),
        transformer=factory(PlotDate),
        crash=Crash(("AttributeError",), r"has no attribute 'plot_date'"),
    ),
    Rule(
        id="mpl-tostring-rgb",
        library="matplotlib",
        changed_in="3.10 (deprecated 3.8)",
        kind="crash",
        summary="`canvas.tostring_rgb()` was removed",
        replacement="`np.asarray(fig.canvas.buffer_rgba())[..., :3]`",
        triggers=(r"tostring_rgb",),
        transformer=factory(TostringRgb),
        crash=Crash(("AttributeError",), r"has no attribute 'tostring_rgb'"),
    ),
    Rule(
        id="mpl-legend-handles",
        library="matplotlib",
        changed_in="3.9 (deprecated 3.7)",
        kind="crash",
        summary="`Legend.legendHandles` was renamed `legend_handles`",
        replacement="`leg.legend_handles`",
        triggers=(r"legendHandles",),
        transformer=attributes({"legendHandles": "legend_handles"}),
        crash=Crash(("AttributeError",), r"has no attribute 'legendHandles'"),
    ),
    Rule(
        id="mpl-ticklabels-without-ticks",
        library="matplotlib",
        changed_in="3.3",
        kind="warning-only",
        summary="`set_xticklabels` without `set_xticks` warns: labels may land on the wrong ticks",
        replacement="`ax.set_xticks(positions, labels=names)`",
        triggers=(r"set_[xy]ticklabels\(",),
        transformer=factory(TicklabelsWithoutTicks),
        hint="Set the tick positions first: `ax.set_xticks(range(len(names)), labels=names)`.",
    ),
    Rule(
        id="mpl-vert-deprecated",
        library="matplotlib",
        changed_in="3.11 deprecation (removal in 3.13)",
        kind="warning-only",
        summary="`boxplot(vert=...)` is deprecated",
        replacement="`orientation='horizontal'`",
        triggers=(r"vert\s*=",),
        transformer=factory(Vert),
    ),
    Rule(
        id="mpl-subplot-float-size",
        library="matplotlib",
        changed_in="3.5 (deprecated 3.3)",
        kind="crash",
        summary="a float grid size or subplot index (`n / 2` in Python 3) is no longer "
        "truncated",
        replacement="`plt.subplot(int(n / 2), 2, i)`, as matplotlib did before",
        triggers=(r"subplots?\(",),
        transformer=factory(SubplotInts),
        crash=Crash(
            ("ValueError", "TypeError"),
            r"^(?:Number of (?:rows|columns) must be a positive integer|num must be an integer"
            r" with 1 <= num <= \d+), not \d+\.\d+",
        ),
        crash_only=True,
    ),
    Rule(
        id="mpl-scatter-empty-colour",
        library="matplotlib",
        changed_in="3.1 (deprecated 2.2)",
        kind="crash",
        summary="`scatter(c='')` (hollow markers) is no longer a colour",
        replacement="`scatter(..., facecolors='none', edgecolor='black')`",
        triggers=(r"\bc\s*=\s*(?:''|\"\")",),
        transformer=factory(EmptyScatterColour),
        crash=Crash(("ValueError",), r"'c' argument must be a color.*not ''"),
    ),
    Rule(
        id="mpl-ticklabels-count",
        library="matplotlib",
        changed_in="3.5 (warned 3.3)",
        kind="crash",
        summary="tick labels must match the ticks in number; matplotlib used to pair them "
        "and drop the rest",
        replacement="as many labels as ticks (blank ones for the ticks that had none)",
        triggers=(r"set_[xy]?ticklabels\(", r"\b(?:set_)?[xy]?ticks\("),
        transformer=factory(TicklabelsToTicks),
        crash=Crash(
            ("ValueError",),
            r"The number of FixedLocator locations \(\d+\).*does not match the number of labels",
        ),
        crash_only=True,
    ),
    Rule(
        id="mpl-animation-blit-returns",
        library="matplotlib",
        changed_in="3.x (checked when first drawn)",
        kind="crash",
        summary="a blitted `FuncAnimation` whose functions return nothing is refused",
        replacement="`blit=False` (the same frames, redrawn whole), or return the artists",
        triggers=(r"FuncAnimation\(",),
        transformer=factory(AnimationWithoutBlit),
        crash=Crash(
            ("RuntimeError",),
            r"When blit=True, the init_func must return|The animation function must return",
        ),
        crash_only=True,
    ),
    Rule(
        id="mpl-pcolor-array-2d",
        library="matplotlib",
        changed_in="3.5",
        kind="crash",
        summary="`get_array()` of a `pcolor` mesh is the 2-D grid now, not the flat values",
        replacement="`img.get_array().ravel()`",
        triggers=(r"\.get_array\(",),
        transformer=factory(PcolorArrayFlat),
        crash=Crash(("TypeError",), r"^Only length-1 arrays can be converted to Python scalars"),
        crash_only=True,
    ),
    Rule(
        id="mpl-rcparams-from-data",
        library="matplotlib",
        changed_in="2.0-3.x (rcParams removed)",
        kind="crash",
        summary="a style read from a file sets rcParams today's matplotlib no longer has",
        replacement="`axes.color_cycle` as `axes.prop_cycle`, removed keys left out",
        triggers=(r"rcParams\w*\.update\(",),
        transformer=factory(RcParamsFromData),
        crash=Crash(("KeyError", "ValueError"), r"'[\w.]+' is not a valid value for rcParam"),
        crash_only=True,
    ),
]
