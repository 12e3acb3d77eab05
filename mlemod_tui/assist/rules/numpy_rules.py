"""numpy: removed aliases (1.24, 2.0), removed functions, stricter defaults."""

from __future__ import annotations

import builtins
import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    atom,
    expr,
    kwarg,
    positional,
    qualified,
    replace_func,
    set_kwarg,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory, methods, module_attrs

NP = ("numpy",)


def _alias_rule(
    rule_id: str,
    changed_in: str,
    mapping: dict[str, str],
    summary: str,
    replacement: str,
    crash: str,
) -> Rule:
    """An alias removed from the numpy namespace, rewritten wherever ``np.<alias>`` is used
    (and, after ``from numpy import *``, wherever the bare name is)."""
    _TYPED.update(mapping)
    names = "|".join(mapping)
    bare = "|".join(name for name in mapping if name not in _BUILTINS)
    # A NameError names the erosion only for names nobody would define by mistake.
    unusual = "|".join(name for name in mapping if name not in _BUILTINS | _COMMON_WORDS)
    return Rule(
        id=rule_id,
        library="numpy",
        changed_in=changed_in,
        kind="crash",
        summary=summary,
        replacement=replacement,
        # ``np.str`` but not the pandas ``.str.`` accessor
        triggers=(rf"(?<![\w.])\w+\.(?:{names})\b(?!\s*[.\[])",)
        + ((rf"(?<![\w.])(?:{bare})\b",) if bare else ()),
        transformer=module_attrs("numpy", mapping),
        crash=Crash(
            ("AttributeError", "NameError"),
            crash + (rf"|^name '(?:{unusual})' is not defined" if unusual else ""),
        ),
    )


_TYPED: set[str] = set()  # names the hand-written alias rules already cover
_BUILTINS = frozenset(dir(builtins))
_COMMON_WORDS = frozenset({"mat", "product", "source", "who", "cast", "deprecate"})
_USE = re.compile(
    r"^(?:Use|It's still available as|Now it's available under|It's now available from) "
    r"`(-?np(?:\.\w+)+|-?\d+(?:\.\d*)?)`(?: instead)?\.?$"
)


def expired_attributes() -> dict[str, str]:
    """numpy's own table of what 2.0 removed and what replaces it, read from the installed
    numpy (``numpy._expired_attrs_2_0``): name -> the replacement as an expression template,
    for every entry whose note names a plain replacement (``Use `np.float64` instead.``).

    Read at run time so a numpy release that adds entries is covered without a new rule.
    """
    try:
        from numpy._expired_attrs_2_0 import __expired_attributes__ as table
    except ImportError:  # numpy < 2, or numpy not installed beside the app
        return {}
    found = {}
    for name, note in table.items():
        match = _USE.match(str(note).strip())
        if match is None or name in _TYPED:
            continue
        replacement = match.group(1)
        if str(note).startswith("It's now available from"):
            replacement += f".{name}"  # the module it moved to, not the name itself
        found[name] = re.sub(r"\bnp\.", "{mod}.", replacement)
    return found


class _Asscalar(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if qualified(original_node.func, self.ctx) != "numpy.asscalar":
            return updated_node
        args = positional(updated_node)
        if len(args) != 1 or len(updated_node.args) != 1:
            self.hit(original_node, fixed=False)
            return updated_node
        self.hit(original_node)
        return expr("__a__.item()", a=atom(args[0].value))


class _NumpyCall(RuleTransformer):
    """Base for fixes on one numpy function's calls."""

    function = ""

    def matches(self, call: cst.Call) -> bool:
        return qualified(call.func, self.ctx) == f"numpy.{self.function}"


class _Fromstring(_NumpyCall):
    function = "fromstring"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.matches(original_node) or kwarg(original_node, "sep") is not None:
            return updated_node
        if len(positional(original_node)) > 3:
            return updated_node  # a positional ``sep``: text mode, still supported
        self.hit(original_node)
        return replace_func(updated_node, "frombuffer")


class _RaggedArray(_NumpyCall):
    """Crash-only: ``np.array(seqs)`` of unequal lengths needs ``dtype=object`` now."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = qualified(original_node.func, self.ctx)
        if name not in ("numpy.array", "numpy.asarray") or kwarg(original_node, "dtype"):
            return updated_node
        if len(original_node.args) != 1:
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "dtype", "object")


class _LoadPickle(_NumpyCall):
    """Crash-only: an object array in a ``.npy`` needs ``allow_pickle=True``."""

    function = "load"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.matches(original_node) or kwarg(original_node, "allow_pickle"):
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "allow_pickle", "True")


class _PrintThreshold(_NumpyCall):
    function = "set_printoptions"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        arg = kwarg(original_node, "threshold")
        if not self.matches(original_node) or arg is None:
            return updated_node
        if qualified(arg.value, self.ctx) not in ("numpy.nan", "numpy.NaN"):
            return updated_node
        self.hit(original_node)
        sys_name = self.module_name("sys", "sys")
        return set_kwarg(updated_node, "threshold", f"{sys_name}.maxsize")


class _NpWarnings(RuleTransformer):
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if qualified(original_node, self.ctx) != "numpy.warnings":
            return updated_node
        self.hit(original_node)
        return cst.Name(self.module_name("warnings", "warnings"))


class _RandomIntegers(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if qualified(original_node.func, self.ctx) != "numpy.random.random_integers":
            return updated_node
        args = list(updated_node.args)
        pos = [i for i, a in enumerate(args) if a.keyword is None and a.star == ""]
        if not pos or any(a.keyword and a.keyword.value in ("low", "high") for a in args):
            self.hit(original_node, fixed=False)
            return updated_node
        if len(pos) == 1:  # random_integers(high) drew from 1..high
            high = args[pos[0]]
            args[pos[0]] = high.with_changes(value=expr("__h__ + 1", h=atom(high.value)))
            args.insert(0, cst.Arg(cst.Integer("1")))
        else:
            high = args[pos[1]]
            args[pos[1]] = high.with_changes(value=expr("__h__ + 1", h=atom(high.value)))
        self.hit(original_node)
        return replace_func(updated_node, "randint").with_changes(args=args)


RULES: list[Rule] = [
    _alias_rule(
        "numpy-np-float",
        "1.24 (deprecated 1.20)",
        {"float": "float", "complex": "complex"},
        "`np.float` (and `np.complex`) were aliases of the Python builtins and are gone",
        "`float` (or `np.float64` for the numpy type)",
        r"module 'numpy' has no attribute '(?:float|complex)'",
    ),
    _alias_rule(
        "numpy-np-int",
        "1.24 (deprecated 1.20)",
        {"int": "int"},
        "`np.int` was an alias of the builtin `int` and is gone",
        "`int` (or `np.int64`)",
        r"module 'numpy' has no attribute 'int'",
    ),
    _alias_rule(
        "numpy-np-object",
        "1.24 (deprecated 1.20)",
        {"object": "object"},
        "`np.object` was an alias of the builtin `object` and is gone",
        "`object`",
        r"module 'numpy' has no attribute 'object'",
    ),
    _alias_rule(
        "numpy-np-str",
        "1.24 (deprecated 1.20)",
        {"str": "str", "unicode": "str"},
        "`np.str` / `np.unicode` were aliases of the builtin `str` and are gone",
        "`str`",
        r"module 'numpy' has no attribute '(?:str|unicode)'",
    ),
    _alias_rule(
        "numpy-NaN",
        "2.0",
        {"NaN": "{mod}.nan", "NAN": "{mod}.nan"},
        "`np.NaN` was removed in NumPy 2.0",
        "`np.nan`",
        r"`np\.(?:NaN|NAN)` was removed",
    ),
    _alias_rule(
        "numpy-Inf",
        "2.0",
        {
            "Inf": "{mod}.inf",
            "PINF": "{mod}.inf",
            "infty": "{mod}.inf",
            "Infinity": "{mod}.inf",
            "NINF": "-{mod}.inf",
        },
        "`np.Inf`, `np.PINF`, `np.NINF`, `np.infty` and `np.Infinity` were removed in NumPy 2.0",
        "`np.inf` / `-np.inf`",
        r"`np\.(?:Inf|PINF|NINF|infty|Infinity)` was removed",
    ),
    _alias_rule(
        "numpy-product",
        "2.0 (deprecated 1.25)",
        {
            "product": "{mod}.prod",
            "cumproduct": "{mod}.cumprod",
            "sometrue": "{mod}.any",
            "alltrue": "{mod}.all",
            "round_": "{mod}.round",
            "mat": "{mod}.asmatrix",
        },
        "numpy 2.0 removed the function aliases `product`, `cumproduct`, `sometrue`, "
        "`alltrue`, `round_` and `mat`",
        "`np.prod`, `np.cumprod`, `np.any`, `np.all`, `np.round`, `np.asmatrix`",
        r"(?:no attribute '|`np\.)(?:product|cumproduct|sometrue|alltrue|round_|mat)\b",
    ),
    Rule(
        id="numpy-asscalar",
        library="numpy",
        changed_in="1.23 (deprecated 1.16)",
        kind="crash",
        summary="`np.asscalar(a)` was removed",
        replacement="`a.item()`",
        triggers=(r"\basscalar\b",),
        transformer=factory(_Asscalar),
        crash=Crash(("AttributeError",), r"no attribute 'asscalar'"),
    ),
    _alias_rule(
        "numpy-float_",
        "2.0",
        {
            "float_": "{mod}.float64",
            "complex_": "{mod}.complex128",
            "cfloat": "{mod}.complex128",
            "longfloat": "{mod}.longdouble",
            "singlecomplex": "{mod}.complex64",
            "clongfloat": "{mod}.clongdouble",
            "longcomplex": "{mod}.clongdouble",
        },
        "numpy 2.0 removed the type aliases `np.float_`, `np.complex_` and their kin",
        "`np.float64`, `np.complex128`, `np.longdouble`, `np.clongdouble`",
        r"`np\.(?:float_|complex_|cfloat|longfloat|singlecomplex|clongfloat|longcomplex)` was removed",
    ),
    _alias_rule(
        "numpy-string_",
        "2.0",
        {"string_": "{mod}.bytes_", "unicode_": "{mod}.str_"},
        "`np.string_` and `np.unicode_` were removed in NumPy 2.0",
        "`np.bytes_` / `np.str_`",
        r"`np\.(?:string_|unicode_)` was removed",
    ),
    _alias_rule(
        "numpy-trapz",
        "2.4 (deprecated 2.0)",
        {"trapz": "{mod}.trapezoid"},
        "`np.trapz` was removed in NumPy 2.4",
        "`np.trapezoid(y, x)`",
        r"module 'numpy' has no attribute 'trapz'",
    ),
    _alias_rule(
        "numpy-rank-alen",
        "1.18 (deprecated 1.10 and 1.18)",
        {"rank": "{mod}.ndim", "alen": "len"},
        "`np.rank` (the number of dimensions) and `np.alen` were removed",
        "`np.ndim(a)` / `len(a)`",
        r"module 'numpy' has no attribute '(?:rank|alen)'",
    ),
    Rule(
        id="numpy-tostring",
        library="numpy",
        changed_in="2.3 (deprecated 1.19)",
        kind="crash",
        summary="`ndarray.tostring()` was removed",
        replacement="`a.tobytes()` (the same bytes)",
        triggers=(r"\.tostring\(",),
        transformer=methods({"tostring": "tobytes"}),
        crash=Crash(("AttributeError",), r"'numpy\.ndarray' object has no attribute 'tostring'"),
    ),
    _alias_rule(
        "numpy-in1d",
        "2.4 (deprecated 2.0)",
        {"in1d": "{mod}.isin"},
        "`np.in1d` was removed in NumPy 2.4",
        "`np.isin(a, values)` (it keeps the shape of `a`; `in1d` flattened it)",
        r"module 'numpy' has no attribute 'in1d'",
    ),
    Rule(
        id="numpy-ragged-array",
        library="numpy",
        changed_in="1.24 (deprecated 1.20)",
        kind="crash",
        summary="`np.array` of sequences of unequal length no longer makes an object array",
        replacement="`np.array(seqs, dtype=object)`, or pad the sequences first",
        triggers=(r"\b(?:as)?array\(",),
        transformer=factory(_RaggedArray),
        crash=Crash(("ValueError",), r"inhomogeneous shape"),
        crash_only=True,
        hint="If the rows were meant to be equal, pad them (keras.utils.pad_sequences).",
    ),
    Rule(
        id="numpy-fromstring-binary",
        library="numpy",
        changed_in="2.3 (deprecated 1.14)",
        kind="crash",
        summary="the binary mode of `np.fromstring` was removed",
        replacement="`np.frombuffer(buf, dtype)`",
        triggers=(r"\bfromstring\(",),
        transformer=factory(_Fromstring),
        crash=Crash(("ValueError",), r"binary mode of fromstring is removed"),
    ),
    Rule(
        id="numpy-load-allow-pickle",
        library="numpy",
        changed_in="1.16.3",
        kind="crash",
        summary="`np.load` refuses object arrays unless `allow_pickle=True` (default flipped)",
        replacement="`np.load(path, allow_pickle=True)` for files you trust",
        triggers=(r"\bload\(",),
        transformer=factory(_LoadPickle),
        crash=Crash(("ValueError",), r"Object arrays cannot be loaded when allow_pickle=False"),
        crash_only=True,
        hint="Unpickling runs code from the file: only do it for files you trust.",
    ),
    Rule(
        id="numpy-set-printoptions-nan",
        library="numpy",
        changed_in="1.16",
        kind="crash",
        summary="`np.set_printoptions(threshold=np.nan)` is rejected",
        replacement="`np.set_printoptions(threshold=sys.maxsize)`",
        triggers=(r"set_printoptions\(",),
        transformer=factory(_PrintThreshold),
        crash=Crash(("ValueError",), r"threshold must be non-NAN"),
    ),
    Rule(
        id="numpy-np-warnings",
        library="numpy",
        changed_in="1.24",
        kind="crash",
        summary="`np.warnings` was an accidental re-export of the `warnings` module",
        replacement="`import warnings; warnings.filterwarnings(...)`",
        triggers=(r"\.warnings\.",),
        transformer=factory(_NpWarnings),
        crash=Crash(("AttributeError",), r"module 'numpy' has no attribute 'warnings'"),
    ),
    Rule(
        id="numpy-nep50-uint8-overflow",
        library="numpy",
        changed_in="2.0 (NEP 50)",
        kind="crash",
        summary="a Python int out of a small integer dtype's range no longer upcasts the array",
        replacement="cast first: `img.astype(np.int16) + 300`",
        crash=Crash(("OverflowError",), r"Python integer -?\d+ out of bounds for u?int\d+"),
        crash_only=True,
        hint="Cast the array to a wider type before the arithmetic (e.g. `.astype(np.int16)`), "
        "then clip and cast back if an image is needed.",
    ),
    Rule(
        id="numpy-random-integers",
        library="numpy",
        changed_in="deprecated (still present)",
        kind="warning-only",
        summary="`np.random.random_integers` is deprecated",
        replacement="`np.random.randint(low, high + 1)`",
        triggers=(r"random_integers\(",),
        transformer=factory(_RandomIntegers),
    ),
]

_EXPIRED = expired_attributes()
if _EXPIRED:
    RULES.append(
        _alias_rule(
            "numpy-expired-2-0",
            "2.0",
            _EXPIRED,
            "numpy 2.0 removed these names from its namespace (numpy's own table of expired "
            "attributes, read from the installed numpy)",
            "what numpy's note says: " + ", ".join(
                f"`np.{k}` -> `{v.replace('{mod}', 'np')}`" for k, v in sorted(_EXPIRED.items())
            ),
            r"`np\.(?:" + "|".join(map(re.escape, _EXPIRED)) + r")` was removed in the NumPy 2\.0",
        )
    )
