"""scipy: the emptied ``scipy.misc``, numpy re-exports, renamed integrators, sparse ``.A``."""

from __future__ import annotations

import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    call_name,
    dotted,
    drop_imported,
    expr,
    kwarg,
    positional,
    qualified,
    set_kwarg,
    string_value,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, moved
from mlemod_tui.assist.rules.sklearn_fixes import FlagOnly, FunctionToMethod

_IE = ("ImportError",)

_SCIPY_STAR = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+scipy[ \t]+import[ \t]+\*[ \t]*(?:#.*)?$")
_NUMPY_STAR = re.compile(r"^[ \t]*from[ \t]+numpy[ \t]+import[ \t]+\*")


def _numpy_name_undefined() -> str:
    """A NameError for one of numpy's public names (what ``from scipy import *`` gave)."""
    try:
        import numpy
    except ImportError:  # no numpy, no such notebook
        return r"^name '(?:linspace|arange|array|zeros|ones)' is not defined"
    names = sorted(n for n in getattr(numpy, "__all__", ()) if not n.startswith("_"))
    return rf"^name '(?:{'|'.join(map(re.escape, names))})' is not defined"


def fix_scipy_star(text: str) -> tuple[str, list[int]]:
    """``from scipy import *`` once brought all of numpy; put that import back before it."""
    lines = text.splitlines(keepends=True)
    fixed: list[int] = []
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        match = _SCIPY_STAR.match(line.rstrip("\r\n"))
        if match and not any(_NUMPY_STAR.match(earlier) for earlier in out):
            out.append(f"{match['indent']}from numpy import *  # scipy no longer re-exports numpy\n")
            fixed.append(number)
        out.append(line)
    return "".join(out), fixed


class _RemovedFunctions(RuleTransformer):
    """Functions that left scipy with no successor there: drop their imports, rewrite calls."""

    functions: frozenset[str] = frozenset()  # qualified names

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        new = drop_imported(
            updated_node, lambda module, alias: f"{module}.{dotted(alias.name)}" in self.functions
        )
        if new is None:
            return updated_node
        self.hit(original_node)
        return new

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx)
        if target not in self.functions:
            return updated_node
        new = self.build(target, updated_node)
        self.hit(original_node, fixed=new is not None)
        return new if new is not None else updated_node

    def build(self, target: str, call: cst.Call) -> cst.BaseExpression | None:
        raise NotImplementedError


class Imread(_RemovedFunctions):
    functions = frozenset({"scipy.misc.imread", "scipy.ndimage.imread", "scipy.misc.imsave"})

    def build(self, target: str, call: cst.Call) -> cst.BaseExpression | None:
        pos = positional(call)
        if target.endswith("imsave") or not pos or len(call.args) > 3:
            return None
        image = self.imported_name("PIL", "Image")
        np = self.module_name("numpy", "np")
        opened = expr(f"{image}.open(__f__)", f=pos[0].value)
        mode = kwarg(call, "mode")
        flatten = kwarg(call, "flatten")
        if flatten is not None and not (
            isinstance(flatten.value, cst.Name) and flatten.value.value == "False"
        ):
            opened = expr("__o__.convert('F')", o=opened)
        elif mode is not None:
            opened = expr("__o__.convert(__m__)", o=opened, m=mode.value)
        return expr(f"{np}.asarray(__o__)", o=opened)


_RESAMPLE = {
    "nearest": "NEAREST",
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "lanczos": "LANCZOS",
    "cubic": "BICUBIC",
}


class Imresize(_RemovedFunctions):
    """``imresize(img, (h, w))`` -> PIL resize; note PIL sizes are (width, height)."""

    functions = frozenset({"scipy.misc.imresize"})

    def build(self, target: str, call: cst.Call) -> cst.BaseExpression | None:
        pos = positional(call)
        if len(pos) < 2:
            return None
        size = pos[1].value
        if isinstance(size, (cst.Tuple, cst.List)) and len(size.elements) == 2:
            h, w = size.elements[0].value, size.elements[1].value
            new_size: cst.BaseExpression = cst.Tuple([cst.Element(w), cst.Element(h)])
        elif isinstance(size, cst.Name):
            new_size = expr("(__s__[1], __s__[0])", s=size)
        else:
            return None  # a scale factor or percentage: needs the image's shape
        interp = kwarg(call, "interp")
        method = (
            string_value(interp.value)
            if interp
            else (string_value(pos[2].value) if len(pos) > 2 else "bilinear")
        )
        if method not in _RESAMPLE:
            return None
        image = self.imported_name("PIL", "Image")
        np = self.module_name("numpy", "np")
        return expr(
            f"{np}.array({image}.fromarray(__img__).resize(__size__, {image}.Resampling.{_RESAMPLE[method]}))",
            img=pos[0].value,
            size=new_size,
        )


class BinomTest(FunctionToMethod):
    """``binom_test(k, n, p)`` -> ``binomtest(k, n, p).pvalue``."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx)
        if target != "scipy.stats.binom_test":
            return updated_node
        if len(positional(original_node)) < 2 and kwarg(original_node, "n") is None:
            self.hit(
                original_node,
                fixed=False,
                note="`binom_test([successes, failures])` has "
                "no one-argument form now: pass `k` and `n`.",
            )
            return updated_node
        self.hit(original_node)
        return expr("__c__.pvalue", c=updated_node)


_SPARSE_MAKERS = {
    "fit_transform",
    "transform",
    "csr_matrix",
    "csc_matrix",
    "coo_matrix",
    "lil_matrix",
    "dok_matrix",
    "tocsr",
    "tocsc",
    "tocoo",
    "kneighbors_graph",
    "radius_neighbors_graph",
}


class SparseA(RuleTransformer):
    """``X_sparse.A`` -> ``X_sparse.toarray()``; statically only where ``X`` is clearly sparse."""

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        attr = original_node.attr.value
        if attr not in ("A", "H"):
            return updated_node
        value = original_node.value
        sparse = isinstance(value, cst.Call) and call_name(value) in _SPARSE_MAKERS
        name = (dotted(value) or "").lower()
        sparse = sparse or any(
            k in name for k in ("sparse", "csr", "csc", "tfidf", "bow", "counts")
        )
        if not sparse and self.ctx.crash is None:
            return updated_node
        if qualified(value, self.ctx) is not None:
            return updated_node  # a module attribute, not a matrix
        self.hit(original_node)
        template = "__v__.toarray()" if attr == "A" else "__v__.conj().T"
        return expr(template, v=updated_node.value)


class ModeKeepdims(RuleTransformer):
    """``stats.mode(a)[0][0]`` indexed the kept axis; keep it explicitly."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if call_name(original_node) != "mode" or kwarg(original_node, "keepdims"):
            return updated_node
        target = qualified(original_node.func, self.ctx)
        if target is not None and target != "scipy.stats.mode":
            return updated_node
        if target is None and not isinstance(original_node.func, cst.Name):
            return updated_node
        parent, grand = self.parent(), self.parent(2)
        double_index = isinstance(parent, cst.Subscript) and isinstance(grand, cst.Subscript)
        field = (
            isinstance(parent, cst.Attribute)
            and parent.attr.value in ("mode", "count")
            and (isinstance(grand, cst.Subscript))
        )
        if not (double_index or field):
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "keepdims", "True")


NUMPY_REEXPORTS = (
    "interp",
    "array",
    "zeros",
    "ones",
    "arange",
    "linspace",
    "sqrt",
    "exp",
    "log",
    "log10",
    "mean",
    "std",
    "var",
    "dot",
    "pi",
    "absolute",
    "floor",
    "ceil",
    "cos",
    "sin",
    "tan",
    "arctan",
    "ravel",
    "reshape",
    "concatenate",
    "hstack",
    "vstack",
    "argmax",
    "argmin",
    "isnan",
    "isinf",
    "nan",
    "inf",
    "rand",
    "randn",
    "cumsum",
    "diff",
    "polyfit",
    "polyval",
    "histogram",
    "ndarray",
    "float64",
    "int64",
    "asarray",
    "where",
    "meshgrid",
    "transpose",
)

_REEXPORTED = "|".join(NUMPY_REEXPORTS)

RULES: list[Rule] = [
    Rule(
        id="scipy-star-numpy",
        library="scipy",
        changed_in="1.12",
        kind="crash",
        summary="`from scipy import *` no longer brings numpy's names (`linspace`, `array`, "
        "`pi` ...)",
        replacement="`from numpy import *` before `from scipy import *`, as scipy itself did",
        triggers=(r"from\s+scipy\s+import\s+\*",),
        text_fix=fix_scipy_star,
        crash=Crash(("NameError",), _numpy_name_undefined()),
    ),
    Rule(
        id="scipy-misc-imread",
        library="scipy",
        changed_in="1.2 (deprecated 1.0)",
        kind="crash",
        summary="`scipy.misc.imread` / `imsave` (and `scipy.ndimage.imread`) were removed",
        replacement="`np.asarray(PIL.Image.open(f))` (what scipy did), or `imageio.v3.imread`",
        triggers=(r"\bimread\b|\bimsave\b",),
        transformer=factory(Imread),
        crash=Crash(_IE + ("AttributeError",), r"imread|imsave"),
        hint="For `imsave`, use `PIL.Image.fromarray(arr).save(path)`; scipy rescaled non-uint8 "
        "arrays to 0..255 first, so convert with care.",
    ),
    Rule(
        id="scipy-misc-imresize",
        library="scipy",
        changed_in="1.3 (deprecated 1.0)",
        kind="crash",
        summary="`scipy.misc.imresize` was removed",
        replacement="`np.array(PIL.Image.fromarray(img).resize((w, h)))`",
        triggers=(r"\bimresize\b",),
        transformer=factory(Imresize),
        crash=Crash(_IE, r"cannot import name 'imresize'"),
        hint="PIL takes (width, height), imresize took (height, width); a scale factor needs the "
        "image's shape. scipy also rescaled non-uint8 images to 0..255 first.",
    ),
    Rule(
        id="scipy-misc-comb",
        library="scipy",
        changed_in="1.3 (deprecated 1.0)",
        kind="crash",
        summary="`comb`, `factorial` and `logsumexp` left `scipy.misc`",
        replacement="`from scipy.special import comb, factorial, logsumexp`",
        triggers=(
            r"scipy\.misc|\bmisc\.(?:comb|factorial|logsumexp)|from\s+scipy\s+import\s[^\n]*\bmisc\b",
        ),
        transformer=moved(
            {"scipy.misc": "scipy.special"},
            only={"scipy.misc": {"comb", "factorial", "factorial2", "factorialk", "logsumexp"}},
        ),
        crash=Crash(
            _IE, r"cannot import name '(?:comb|factorial\w*|logsumexp)' from 'scipy\.misc'"
        ),
    ),
    Rule(
        id="scipy-binom-test",
        library="scipy",
        changed_in="1.12 (deprecated 1.10)",
        kind="crash",
        summary="`scipy.stats.binom_test` was removed",
        replacement="`binomtest(k, n, p).pvalue`",
        triggers=(r"binom_test",),
        transformer=factory(
            BinomTest,
            moves={"scipy.stats.binom_test": "scipy.stats.binomtest"},
            only={},
            methods={},
        ),
        crash=Crash(_IE + ("AttributeError",), r"binom_test"),
    ),
    Rule(
        id="scipy-interp",
        library="scipy",
        changed_in="1.12",
        kind="crash",
        summary="scipy no longer re-exports numpy functions (`scipy.interp`, `scipy.array`...)",
        replacement="`np.interp`",
        triggers=(
            rf"\b(?:scipy|sp)\.(?:{_REEXPORTED})\b|from\s+scipy\s+import\s[^\n]*\b(?:{_REEXPORTED})\b",
        ),
        transformer=moved({f"scipy.{n}": f"numpy.{n}" for n in NUMPY_REEXPORTS}),
        crash=Crash(_IE + ("AttributeError",), r"(?:from|[Mm]odule) 'scipy'"),
    ),
    Rule(
        id="scipy-integrate-simps",
        library="scipy",
        changed_in="1.14 (deprecated 1.12)",
        kind="crash",
        summary="`simps`, `trapz` and `cumtrapz` were renamed",
        replacement="`simpson`, `trapezoid`, `cumulative_trapezoid`",
        triggers=(r"\b(?:simps|trapz|cumtrapz)\b",),
        transformer=moved(
            {
                "scipy.integrate.simps": "scipy.integrate.simpson",
                "scipy.integrate.trapz": "scipy.integrate.trapezoid",
                "scipy.integrate.cumtrapz": "scipy.integrate.cumulative_trapezoid",
            }
        ),
        crash=Crash(_IE + ("AttributeError",), r"'(?:simps|trapz|cumtrapz)'"),
    ),
    Rule(
        id="scipy-sparse-A",
        library="scipy",
        changed_in="1.14 (deprecated 1.11)",
        kind="crash",
        summary="sparse matrices lost `.A` and `.H`",
        replacement="`X_sparse.toarray()` / `X_sparse.conj().T`",
        triggers=(r"\.[AH]\b",),
        transformer=factory(SparseA),
        crash=Crash(("AttributeError",), r"_(?:matrix|array)' object has no attribute '[AH]'"),
    ),
    Rule(
        id="scipy-stats-mode-keepdims",
        library="scipy",
        changed_in="1.11",
        kind="crash",
        summary="`stats.mode` drops the reduced axis now (`keepdims` default True -> False)",
        replacement="`stats.mode(a, keepdims=True)[0][0]` or `stats.mode(a).mode`",
        triggers=(r"\bmode\(",),
        transformer=factory(ModeKeepdims),
        crash=Crash(("IndexError",), r"invalid index to scalar variable"),
    ),
    Rule(
        id="scipy-interp2d",
        library="scipy",
        changed_in="1.14 (deprecated 1.10)",
        kind="crash",
        summary="`scipy.interpolate.interp2d` was removed",
        replacement="`RegularGridInterpolator((x, y), z.T)` or `RectBivariateSpline`",
        triggers=(r"interp2d",),
        transformer=factory(FlagOnly, names=frozenset({"interp2d"})),
        crash=Crash(("NotImplementedError", "ImportError"), r"interp2d"),
        hint="For data on a grid, `RectBivariateSpline(x, y, z.T)` is closest; note the "
        "transposed `z` and that it is called as `f(x_new, y_new)`.",
    ),
    Rule(
        id="scipy-ndimage-filters-namespace",
        library="scipy",
        changed_in="deprecated 1.8 (removal in 2.0)",
        kind="warning-only",
        summary="private submodules such as `scipy.ndimage.filters` are deprecated",
        replacement="`from scipy.ndimage import gaussian_filter`",
        triggers=(
            r"ndimage\.(?:filters|interpolation|measurements|morphology|fourier)|stats\.stats|signal\.signaltools",
        ),
        transformer=moved(
            {
                **{
                    f"scipy.ndimage.{m}": "scipy.ndimage"
                    for m in ("filters", "interpolation", "measurements", "morphology", "fourier")
                },
                "scipy.stats.stats": "scipy.stats",
                "scipy.signal.signaltools": "scipy.signal",
            }
        ),
    ),
]
