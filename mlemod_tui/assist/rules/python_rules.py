"""Python itself: Python 2 syntax and builtins, and standard-library removals (3.8-3.13).

Python 2 ``print x`` and ``except E, e:`` make a cell unparseable, so those two rules work on
the text (line by line, only on single-line statements) before libcst sees the cell.
"""

from __future__ import annotations

import io
import re
import tokenize

import libcst as cst

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import (
    RuleTransformer,
    atom,
    call_name,
    dotted,
    expr,
    kwarg,
    parse_expression,
    qualified,
    set_kwarg,
)
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import MovedNames, factory, is_reference, module_attrs, moved
from mlemod_tui.assist.rules.sklearn_fixes import FlagOnly
from mlemod_tui.assist.rules.source import statement_starts

_PRINT = re.compile(r"^(?P<indent>\s*)print(?P<rest>(?:\s+(?!\()|\s*>>).*|\s*)$")
_EXCEPT = re.compile(r"^(?P<head>\s*except\s+)(?P<types>\([^()]*\)|[\w.]+)\s*,\s*(?P<name>\w+)\s*:")


def _split_comment(text: str) -> tuple[str, str]:
    """(code, comment) of one line; the comment keeps its leading spaces."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                start = tok.start[1]
                code = text[:start]
                return code.rstrip(), text[len(code.rstrip()) :]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return text, ""
    return text, ""


def _balanced(code: str) -> bool:
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return depth == 0 and not code.rstrip().endswith("\\")


def fix_print_statements(text: str) -> tuple[str, list[int]]:
    """``print x, y`` -> ``print(x, y)``; ``print >>f, x`` -> ``print(x, file=f)``."""
    lines = text.splitlines(keepends=True)
    fixed: list[int] = []
    starts = statement_starts(lines)
    for number, (line, start) in enumerate(zip(lines, starts, strict=True), 1):
        body = line.rstrip("\r\n")
        found = _PRINT.match(body) if start else None
        if not found:
            continue
        code, comment = _split_comment(body)
        rest = code[len(found.group("indent")) + len("print") :].strip()
        if not _balanced(rest):
            continue
        target = None
        if rest.startswith(">>"):
            target, _, rest = rest[2:].partition(",")
            target, rest = target.strip(), rest.strip()
        end = ""
        if rest.endswith(","):
            rest, end = rest[:-1].rstrip(), "end=' '"
        args = [a for a in (rest, end, f"file={target}" if target else "") if a]
        new = f"{found.group('indent')}print({', '.join(args)}){comment}"
        lines[number - 1] = new + line[len(body) :]
        fixed.append(number)
    return "".join(lines), fixed


def fix_except_comma(text: str) -> tuple[str, list[int]]:
    """``except ValueError, e:`` -> ``except ValueError as e:``."""
    lines = text.splitlines(keepends=True)
    fixed = []
    for number, line in enumerate(lines, 1):
        new = _EXCEPT.sub(r"\g<head>\g<types> as \g<name>:", line, count=1)
        if new != line:
            lines[number - 1] = new
            fixed.append(number)
    return "".join(lines), fixed


_BUILTINS = {
    "xrange": "range",
    "raw_input": "input",
    "unicode": "str",
    "basestring": "str",
    "unichr": "chr",
    "long": "int",
}


class _Bound(cst.CSTVisitor):
    """Names a cell binds itself (assignments, defs, parameters, imports, loop targets)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        return None

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound = node.asname.name if node.asname else node.name
        self._add(bound)

    def _add(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._add(element.value)


class Py2Builtins(RuleTransformer):
    whole_module = True  # needs names bound anywhere in the cell

    def visit_Module(self, node: cst.Module) -> None:
        collector = _Bound()
        node.visit(collector)
        self.bound = collector.names

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        name = original_node.value
        if name not in _BUILTINS and name != "reduce":
            return updated_node
        if name in self.bound or self.ctx.imported(name) or not is_reference(self, original_node):
            return updated_node
        if isinstance(self.parent(), (cst.ImportAlias, cst.AsName)):
            return updated_node
        self.hit(original_node)
        if name == "reduce":
            self.imported_name("functools", "reduce")
            return updated_node
        return updated_node.with_changes(value=_BUILTINS[name])


class DictIter(RuleTransformer):
    _RENAME = {"itervalues": "values", "iterkeys": "keys"}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = call_name(original_node)
        func = original_node.func
        if not isinstance(func, cst.Attribute) or qualified(func.value, self.ctx) is not None:
            return updated_node
        if name in self._RENAME and not original_node.args:
            self.hit(original_node)
            new_func = cst.ensure_type(updated_node.func, cst.Attribute).with_changes(
                attr=cst.Name(self._RENAME[name])
            )
            return updated_node.with_changes(func=new_func)
        if name == "has_key" and len(original_node.args) == 1:
            self.hit(original_node)
            receiver = cst.ensure_type(updated_node.func, cst.Attribute).value
            test = expr("__k__ in __d__", k=atom(updated_node.args[0].value), d=atom(receiver))
            parent = self.parent()
            return (
                atom(test)
                if isinstance(
                    parent, (cst.Attribute, cst.Subscript, cst.BinaryOperation, cst.Comparison)
                )
                else test
            )
        return updated_node


class LazyIterators(RuleTransformer):
    _LAZY = {"map", "filter", "zip"}
    _VIEWS = {"keys", "values", "items"}

    def _lazy(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.Call):
            return False
        name = call_name(node)
        if isinstance(node.func, cst.Name) and name in self._LAZY:
            return not self.ctx.imported(name or "")
        return (
            isinstance(node.func, cst.Attribute)
            and name in self._VIEWS
            and not node.args
            and (qualified(node.func.value, self.ctx) is None)
        )

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if not self._lazy(original_node.value):
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(value=expr("list(__v__)", v=updated_node.value))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not (isinstance(original_node.func, cst.Name) and original_node.func.value == "len"):
            return updated_node
        if len(original_node.args) != 1 or not self._lazy(original_node.args[0].value):
            return updated_node
        # _lazy holds only for a call
        if call_name(cst.ensure_type(original_node.args[0].value, cst.Call)) in self._VIEWS:
            return updated_node  # len(d.keys()) works in Python 3
        self.hit(original_node)
        return updated_node.with_changes(
            args=[
                updated_node.args[0].with_changes(
                    value=expr("list(__v__)", v=updated_node.args[0].value)
                )
            ]
        )


class IntegerDivision(RuleTransformer):
    """``x[:len(x)/2]`` / ``range(n/2)``: Python 2's ``/`` of ints was floor division."""

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.depth = 0

    def _integer_context(self) -> bool:
        for level in range(1, len(self._stack)):
            node = self.parent(level)
            if isinstance(node, (cst.Slice,)):
                return True
            if isinstance(node, cst.Index):
                holder = self.parent(level + 2)
                return not (
                    isinstance(holder, cst.Subscript)
                    and dotted(holder.value) is not None
                    and (dotted(holder.value) or "").endswith((".loc", ".at"))
                )
            if isinstance(node, cst.Arg):
                call = self.parent(level + 1)
                return isinstance(call, cst.Call) and call_name(call) in ("range", "xrange")
            if isinstance(node, (cst.SimpleStatementLine, cst.Call, cst.Lambda, cst.Subscript)):
                return False
        return False

    def leave_BinaryOperation(
        self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation
    ) -> cst.BaseExpression:
        if not isinstance(original_node.operator, cst.Divide) or not self._integer_context():
            return updated_node
        if isinstance(original_node.left, cst.Float) or isinstance(original_node.right, cst.Float):
            return updated_node
        self.hit(original_node)
        op = original_node.operator
        return updated_node.with_changes(
            operator=cst.FloorDivide(
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after
            )
        )


_PY2_MODULES = {
    "cPickle": "pickle",
    "cStringIO": "io",
    "StringIO": "io",
    "urllib2": "urllib.request",
    "Queue": "queue",
    "ConfigParser": "configparser",
    "httplib": "http.client",
    "urlparse": "urllib.parse",
    "HTMLParser": "html.parser",
    "Tkinter": "tkinter",
    "__builtin__": "builtins",
    "cookielib": "http.cookiejar",
    "commands": "subprocess",
}
_PY2_URLLIB = {
    "urllib.urlretrieve": "urllib.request.urlretrieve",
    "urllib.urlopen": "urllib.request.urlopen",
    "urllib.urlencode": "urllib.parse.urlencode",
    "urllib.quote": "urllib.parse.quote",
    "urllib.unquote": "urllib.parse.unquote",
    "urllib.quote_plus": "urllib.parse.quote_plus",
}


class Py2Modules(MovedNames):
    """``import cPickle`` -> ``import pickle as cPickle`` (the usual 2/3 idiom: uses stay)."""

    def _import(self, stmt: cst.Import) -> list[cst.BaseSmallStatement] | None:
        names = []
        moved_any = False
        for alias in stmt.names:
            name = dotted(alias.name) or ""
            new = _PY2_MODULES.get(name)
            if new is None:
                names.append(alias)
                continue
            moved_any = True
            # ``import x as y``: the alias is always a plain name
            local = cst.ensure_type(alias.asname.name, cst.Name).value if alias.asname else name
            asname = None if local == new else cst.AsName(name=cst.Name(local))
            names.append(alias.with_changes(name=parse_expression(new), asname=asname))
        return [stmt.with_changes(names=names)] if moved_any else None

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return updated_node  # module aliases keep every use working as it is

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if (qualified(original_node, self.ctx) or "") not in _PY2_URLLIB:
            return updated_node
        return super().leave_Attribute(original_node, updated_node)


class PickleEncoding(RuleTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = qualified(original_node.func, self.ctx) or ""
        if target.split(".")[-1] not in ("load", "loads") or target.split(".")[0] not in (
            "pickle",
            "cPickle",
            "_pickle",
            "six",
        ):
            return updated_node
        if kwarg(original_node, "encoding") is not None:
            return updated_node
        self.hit(original_node)
        return set_kwarg(updated_node, "encoding", "'latin1'")


class Imp(RuleTransformer):
    """``import imp`` / ``imp.reload(m)`` -> ``importlib``; other ``imp`` functions need a person."""

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = [dotted(a.name) for a in original_node.names]
        if "imp" not in names:
            return updated_node
        text = (self.ctx.notebook_text or "") + "\n" + self.ctx.source
        others = set(re.findall(r"\bimp\.(\w+)", text)) - {"reload"}
        if others:
            self.hit(
                original_node,
                fixed=False,
                note=f"`imp.{sorted(others)[0]}` has no one-line "
                "importlib equivalent; see importlib.util.",
            )
            return updated_node
        self.hit(original_node)
        return updated_node.with_changes(
            names=[
                a.with_changes(name=cst.Name("importlib"))
                if dotted(a.name) == "imp" and a.asname is None
                else a
                for a in updated_node.names
            ]
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if qualified(original_node, self.ctx) != "imp.reload":
            return updated_node
        self.hit(original_node)
        if (
            self.ctx.cell_imports.get("imp") == "imp"
        ):  # this cell's ``import imp`` becomes importlib
            return parse_expression("importlib.reload")
        return parse_expression(self.spell("importlib.reload"))


_ABCS = {
    "Iterable",
    "Iterator",
    "Mapping",
    "MutableMapping",
    "Sequence",
    "MutableSequence",
    "Set",
    "MutableSet",
    "Callable",
    "Hashable",
    "Sized",
    "Container",
    "Generator",
    "Collection",
    "KeysView",
    "ItemsView",
    "ValuesView",
    "Awaitable",
    "Coroutine",
    "AsyncIterable",
    "AsyncIterator",
    "Reversible",
    "ByteString",
    "MappingView",
}

RULES: list[Rule] = [
    Rule(
        id="py-itertools-izip",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`itertools.izip`, `imap`, `ifilter` became the built-ins `zip`, `map`, `filter`",
        replacement="`zip(a, b)`; `itertools.zip_longest` for `izip_longest`",
        triggers=(r"\bi(?:zip|map|filter)(?:_longest)?\b",),
        transformer=moved(
            {
                "itertools.izip": "builtins.zip",
                "itertools.imap": "builtins.map",
                "itertools.ifilter": "builtins.filter",
                "itertools.izip_longest": "itertools.zip_longest",
            }
        ),
        crash=Crash(
            ("ImportError", "AttributeError"), r"(?:cannot import name|no attribute) 'i(?:zip|map|filter)"
        ),
    ),
    Rule(
        id="py-sys-maxint",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`sys.maxint` is gone (integers have no maximum)",
        replacement="`sys.maxsize`",
        triggers=(r"\bmaxint\b",),
        transformer=module_attrs("sys", {"maxint": "{mod}.maxsize"}),
        crash=Crash(("AttributeError",), r"module 'sys' has no attribute 'maxint'"),
    ),
    Rule(
        id="py-string-letters",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`string.letters`, `lowercase` and `uppercase` are gone",
        replacement="`string.ascii_letters`, `ascii_lowercase`, `ascii_uppercase`",
        triggers=(r"\b(?:letters|lowercase|uppercase)\b",),
        transformer=module_attrs(
            "string",
            {
                "letters": "{mod}.ascii_letters",
                "lowercase": "{mod}.ascii_lowercase",
                "uppercase": "{mod}.ascii_uppercase",
            },
        ),
        crash=Crash(
            ("AttributeError",), r"module 'string' has no attribute '(?:letters|lowercase|uppercase)'"
        ),
    ),
    Rule(
        id="py-print-statement",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`print` is a function in Python 3",
        replacement="`print('hello')`",
        triggers=(r"^\s*print\b(?!\s*\()",),
        text_fix=fix_print_statements,
        crash=Crash(
            ("SyntaxError", "TypeError"),
            r"Missing parentheses in call to 'print'|"
            r"unsupported operand type\(s\) for >>: 'builtin_function_or_method'",
        ),
    ),
    Rule(
        id="py-except-comma",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`except E, e:` is Python 2 syntax",
        replacement="`except ValueError as e:`",
        triggers=(r"except\s+[^:]*,\s*\w+\s*:",),
        text_fix=fix_except_comma,
        crash=Crash(("SyntaxError",), r"multiple exception types must be parenthesized"),
    ),
    Rule(
        id="py2-builtins",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`xrange`, `raw_input`, `unicode`, `basestring`, `unichr`, `long`, `reduce` "
        "are not builtins any more",
        replacement="`range`, `input`, `str`, `str`, `chr`, `int`, `functools.reduce`",
        triggers=(r"\b(?:xrange|raw_input|unicode|basestring|unichr|long|reduce)\b",),
        transformer=factory(Py2Builtins),
        crash=Crash(
            ("NameError",),
            r"name '(?:xrange|raw_input|unicode|basestring|unichr|long|reduce)' is not defined",
        ),
    ),
    Rule(
        id="py2-dict-iteritems",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="dicts lost `itervalues`, `iterkeys` and `has_key`",
        replacement="`d.values()` / `d.keys()` / `k in d`",
        triggers=(r"\.(?:itervalues|iterkeys|has_key)\(",),
        transformer=factory(DictIter),
        crash=Crash(
            ("AttributeError",), r"'dict' object has no attribute '(?:itervalues|iterkeys|has_key)'"
        ),
    ),
    Rule(
        id="py2-lazy-iterators",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="`map`, `filter`, `zip` and dict views are lazy: they cannot be indexed",
        replacement="`list(map(f, xs))[0]` / `next(iter(d))`",
        triggers=(
            r"\b(?:map|filter|zip)\([^\n]*\)\s*\[|len\(\s*(?:map|filter|zip)\(|\.(?:keys|values|items)\(\)\s*\[",
        ),
        transformer=factory(LazyIterators),
        crash=Crash(
            ("TypeError",),
            r"'(?:map|filter|zip|dict_keys|dict_values|dict_items)' object is not subscriptable|has no len\(\)",
        ),
    ),
    Rule(
        id="py2-integer-division",
        library="python",
        changed_in="Python 3.0",
        kind="silent-score-change",
        summary="`/` is true division: `len(X) / 2` is a float, and a float cannot index",
        replacement="`//` where integer division was meant",
        triggers=(r"\[[^\]\n]*[^/\s]\s*/\s*[^/=\s]|x?range\([^\n]*[^/]/[^/=]",),
        transformer=factory(IntegerDivision),
        purpose_override="error-repair",
        crash=Crash(
            ("TypeError",),
            r"(?:slice )?indices must be integers|'float' object cannot be interpreted as an integer",
        ),
    ),
    Rule(
        id="py2-modules",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="Python 2 modules such as `cPickle`, `urllib2`, `StringIO` were renamed",
        replacement="`import pickle`, `urllib.request`, `io.StringIO`, `queue`, `configparser`",
        triggers=(r"\b(?:" + "|".join(_PY2_MODULES) + r"|urllib)\b",),
        transformer=factory(
            Py2Modules, moves={**{k: v for k, v in _PY2_MODULES.items()}, **_PY2_URLLIB}, only={}
        ),
        crash=Crash(
            ("ModuleNotFoundError",), r"No module named '(?:" + "|".join(_PY2_MODULES) + r")'"
        ),
    ),
    Rule(
        id="py2-pickle-encoding",
        library="python",
        changed_in="Python 3.0",
        kind="crash",
        summary="unpickling a Python 2 pickle decodes its strings as ASCII",
        replacement="`pickle.load(f, encoding='latin1')`",
        triggers=(r"\.loads?\(",),
        transformer=factory(PickleEncoding),
        crash=Crash(("UnicodeDecodeError",), r"'ascii' codec can't decode"),
        crash_only=True,
    ),
    Rule(
        id="py-collections-abc",
        library="python",
        changed_in="Python 3.10 (deprecated 3.3)",
        kind="crash",
        summary="the abstract base classes left the `collections` namespace",
        replacement="`from collections.abc import Iterable`",
        triggers=(r"collections",),
        transformer=moved({"collections": "collections.abc"}, only={"collections": _ABCS}),
        crash=Crash(("ImportError", "AttributeError"), r"(?:from|module) 'collections'"),
    ),
    Rule(
        id="py-time-clock",
        library="python",
        changed_in="Python 3.8 (deprecated 3.3)",
        kind="crash",
        summary="`time.clock()` was removed",
        replacement="`time.perf_counter()`",
        triggers=(r"\bclock\b",),
        transformer=moved({"time.clock": "time.perf_counter"}),
        crash=Crash(("AttributeError", "ImportError"), r"'time'.*'clock'|name 'clock'"),
    ),
    Rule(
        id="py-imp",
        library="python",
        changed_in="Python 3.12 (deprecated 3.4)",
        kind="crash",
        summary="the `imp` module was removed",
        replacement="`import importlib; importlib.reload(m)`",
        triggers=(r"\bimp\b",),
        transformer=factory(Imp),
        crash=Crash(("ModuleNotFoundError",), r"No module named 'imp'"),
    ),
    Rule(
        id="py-distutils",
        library="python",
        changed_in="Python 3.12 (deprecated 3.10)",
        kind="crash",
        summary="`distutils` was removed",
        replacement="`from packaging.version import Version`",
        triggers=(r"distutils",),
        transformer=moved(
            {
                "distutils.version.LooseVersion": "packaging.version.Version",
                "distutils.version.StrictVersion": "packaging.version.Version",
            }
        ),
        crash=Crash(("ModuleNotFoundError",), r"No module named 'distutils'"),
        hint="`Version` is strict about the version format (PEP 440); other distutils helpers "
        "have stdlib successors (`shutil.copytree(..., dirs_exist_ok=True)` for `copy_tree`).",
    ),
    Rule(
        id="py-imghdr",
        library="python",
        changed_in="Python 3.13 (deprecated 3.11)",
        kind="crash",
        summary="the `imghdr` module was removed",
        replacement="`PIL.Image.open(path).format` (after `Image.open(path).verify()`)",
        triggers=(r"imghdr",),
        transformer=factory(FlagOnly, names=frozenset({"imghdr"})),
        crash=Crash(("ModuleNotFoundError",), r"No module named 'imghdr'"),
        hint="PIL names formats in capitals ('JPEG') where imghdr said 'jpeg', and raises on a "
        "file that is not an image instead of returning None.",
    ),
    Rule(
        id="ipython-set-matplotlib-formats",
        library="IPython",
        changed_in="8.0 (deprecated 7.23)",
        kind="crash",
        summary="`IPython.display.set_matplotlib_formats` moved to matplotlib-inline",
        replacement="`from matplotlib_inline.backend_inline import set_matplotlib_formats`",
        triggers=(r"set_matplotlib_formats",),
        transformer=moved(
            {
                "IPython.display.set_matplotlib_formats": (
                    "matplotlib_inline.backend_inline.set_matplotlib_formats"
                ),
                "IPython.core.display.set_matplotlib_formats": (
                    "matplotlib_inline.backend_inline.set_matplotlib_formats"
                ),
            }
        ),
        crash=Crash(
            ("ImportError", "AttributeError"),
            r"(?:cannot import name|has no attribute) 'set_matplotlib_formats'",
        ),
        hint="If the import sits in a helper module beside the notebook (a preamble.py), "
        "change it there: the notebook's cells cannot.",
    ),
]
