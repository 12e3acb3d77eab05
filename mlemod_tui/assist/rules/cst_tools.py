"""The libcst pieces every rule shares: a base transformer that records hits, and helpers
that edit calls without disturbing the formatting or comments around them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import libcst as cst
from libcst import MaybeSentinel

from mlemod_tui.assist.rules.context import RuleContext

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)

NO_SPACE = cst.SimpleWhitespace("")
PREFERRED_ALIAS = {
    "numpy": "np",
    "pandas": "pd",
    "tensorflow": "tf",
    "lightgbm": "lgb",
    "xgboost": "xgb",
}


@dataclass(frozen=True)
class Hit:
    """A place a rule found: the original node (for its line), the top-level statement it
    sits in, and whether it was rewritten."""

    node: cst.CSTNode
    fixed: bool
    note: str | None = None
    statement: cst.CSTNode | None = None


@dataclass(frozen=True)
class ImportNeed:
    """An import a fix relies on: ``import module as name`` or ``from module import name``."""

    module: str
    name: str
    from_import: bool


class RuleTransformer(cst.CSTTransformer):
    """Base of every rule: detection and fixing in one pass.

    Subclasses call :meth:`hit` with the *original* node whenever they find the erosion (line
    numbers are looked up for original nodes) and return a rewritten node when they can fix
    it. A parent stack stands in for ParentNodeProvider, which would cost a metadata pass.
    """

    whole_module = False  # True: visit the whole cell, not only the statements that trigger
    extra_statements: re.Pattern[str] | None = None  # other statements this rule must visit

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.hits: list[Hit] = []
        self.imports: list[ImportNeed] = []
        self._stack: list[cst.CSTNode] = []

    @property
    def changed(self) -> bool:
        return any(hit.fixed for hit in self.hits)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._stack.append(node)
        return super().on_visit(node)

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        try:
            return super().on_leave(original_node, updated_node)
        finally:
            self._stack.pop()

    def on_failing_line(self, node: cst.CSTNode) -> bool:
        """Is ``node`` on the line the crash's traceback names? False without a crash: the
        crash-only fixes that ask touch nothing a crash did not point at."""
        crash = self.ctx.crash
        return crash is not None and crash.on_failing_line(cst.Module([]).code_for_node(node))

    def parent(self, level: int = 1) -> cst.CSTNode | None:
        """The node ``level`` steps above the one being visited or left."""
        index = len(self._stack) - 1 - level
        return self._stack[index] if index >= 0 else None

    def hit(self, node: cst.CSTNode, *, fixed: bool = True, note: str | None = None) -> None:
        top = (
            self._stack[1]
            if isinstance(self._stack[0], cst.Module) and len(self._stack) > 1
            else (self._stack[0] if self._stack else None)
        )
        self.hits.append(Hit(node, fixed, note, top))

    def module_name(self, module: str, alias: str) -> str:
        """The local name for ``module`` (``np`` for numpy); schedules an import if needed."""
        local = self.ctx.local_name_for(module)
        if local:
            return local
        self._need(ImportNeed(module, alias, from_import=False))
        return alias

    def imported_name(self, module: str, name: str) -> str:
        """The local name for ``module.name``; schedules ``from module import name``."""
        local = self.ctx.local_name_for(f"{module}.{name}")
        if local:
            return local
        self._need(ImportNeed(module, name, from_import=True))
        return name

    def spell(self, qualified_name: str) -> str:
        """Write a qualified name with the notebook's own aliases (``np.interp``)."""
        parts = qualified_name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            local = self.ctx.local_name_for(".".join(parts[:cut]))
            if local:
                return ".".join([local, *parts[cut:]])
        top = parts[0]
        local = self.module_name(top, PREFERRED_ALIAS.get(top, top))
        return ".".join([local, *parts[1:]])

    def _need(self, need: ImportNeed) -> None:
        if need not in self.imports:
            self.imports.append(need)


# --------------------------------------------------------------------------- names


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def qualified(node: cst.CSTNode, ctx: RuleContext) -> str | None:
    """The fully qualified name of a dotted expression, through the notebook's imports."""
    name = dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    target = ctx.lookup(head)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


def call_name(call: cst.Call) -> str | None:
    """The last segment of what is called: ``fit`` for ``model.fit(...)``."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


@dataclass(frozen=True)
class Callee:
    """Which calls a rule looks at: by the called name, optionally only from some modules.

    A name that cannot be resolved (an object's method, an unknown alias) still matches:
    old notebooks rarely shadow ``RandomForestClassifier``, and missing a fix costs more.
    """

    names: frozenset[str]
    modules: tuple[str, ...] = ()
    methods_only: bool = False

    @classmethod
    def of(cls, *names: str, modules: Sequence[str] = (), methods_only: bool = False) -> Callee:
        return cls(frozenset(names), tuple(modules), methods_only)

    def matches(self, call: cst.Call, ctx: RuleContext) -> str | None:
        name = call_name(call)
        if name is None or name not in self.names:
            return None
        if self.methods_only and not isinstance(call.func, cst.Attribute):
            return None
        if self.modules:
            target = qualified(call.func, ctx)
            if target is not None and not target.startswith(self.modules):
                return None
        return name


# --------------------------------------------------------------------------- literals


def string_value(node: cst.CSTNode | None) -> str | None:
    """The value of a plain string literal (not f-strings or concatenations)."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def with_string(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """The same literal (prefix and quote style kept) holding ``value``."""
    quote = node.quote
    prefix = node.prefix
    body = value if "r" in prefix.lower() else value.replace("\\", "\\\\")
    if len(quote) == 1:
        body = body.replace(quote, "\\" + quote)
    return node.with_changes(value=f"{prefix}{quote}{body}{quote}")


def string(value: str, quote: str = "'") -> cst.SimpleString:
    return cst.SimpleString(f"{quote}{value}{quote}")


def is_true(node: cst.CSTNode | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node: cst.CSTNode | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


# --------------------------------------------------------------------------- expressions


def expr(template: str, **parts: cst.BaseExpression | str) -> cst.BaseExpression:
    """Parse ``template`` and put ``parts`` in for the names ``__part__``.

    Parts are original nodes, so their own formatting and comments survive.
    """
    tree = parse_expression(template)
    nodes = {
        f"__{key}__": parse_expression(value) if isinstance(value, str) else value
        for key, value in parts.items()
    }
    return tree.visit(_Substitute(nodes))  # type: ignore[return-value]


@lru_cache(maxsize=2048)
def parse_expression(code: str) -> cst.BaseExpression:
    """``cst.parse_expression``, remembered: trees are immutable, so sharing them is safe."""
    return cst.parse_expression(code)


@lru_cache(maxsize=512)
def parse_statement(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


class _Substitute(cst.CSTTransformer):
    def __init__(self, nodes: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.nodes = nodes

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.nodes.get(updated_node.value, updated_node)


_ATOMS = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.Integer,
    cst.Float,
    cst.List,
    cst.Tuple,
    cst.Dict,
    cst.Set,
    cst.ListComp,
    cst.FormattedString,
    cst.ConcatenatedString,
)


def atom(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` safe to put before ``.attr`` or ``[...]``: parenthesized unless already atomic."""
    if isinstance(node, _ATOMS) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[], rpar=[]) if getattr(node, "lpar", None) else node


# --------------------------------------------------------------------------- call arguments


def names_columns(axis: cst.BaseExpression) -> bool:
    """``axis=1`` or ``axis='columns'`` (pandas' two spellings of "across columns")."""
    if isinstance(axis, cst.Integer):
        return axis.value == "1"
    return string_value(axis) == "columns"


def kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and arg.star == ""]


def make_kwarg(name: str, value: cst.BaseExpression | str) -> cst.Arg:
    node = parse_expression(value) if isinstance(value, str) else value
    return cst.Arg(
        value=node,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE),
    )


def with_args(call: cst.Call, args: Sequence[cst.Arg]) -> cst.Call:
    """``call`` with ``args``; the last keeps the original trailing-comma style."""
    args = list(args)
    if not args:
        return call.with_changes(args=[])
    trailing = call.args[-1].comma if call.args else MaybeSentinel.DEFAULT
    last = args[-1]
    if (
        trailing is MaybeSentinel.DEFAULT
        and isinstance(last.comma, cst.Comma)
        and isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        # the comma goes, a comment or line break after it stays
        last = last.with_changes(whitespace_after_arg=last.comma.whitespace_after)
    args[-1] = last.with_changes(comma=trailing)
    return call.with_changes(args=args)


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Add ``arg`` at the end, following a multi-line call's trailing-comma layout."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        before = args[-2].comma if len(args) >= 2 else MaybeSentinel.DEFAULT
        sep = (
            before
            if isinstance(before, cst.Comma)
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        args[-1] = last.with_changes(comma=sep)
        args.append(arg.with_changes(comma=last.comma))
    else:
        args.append(arg)
    return call.with_changes(args=args)


def remove_kwargs(call: cst.Call, names: Sequence[str]) -> cst.Call:
    kept = [a for a in call.args if a.keyword is None or a.keyword.value not in names]
    return with_args(call, kept)


def rename_kwarg(call: cst.Call, old: str, new: str) -> cst.Call:
    args = [
        a.with_changes(keyword=cst.Name(new))
        if a.keyword is not None and a.keyword.value == old
        else a
        for a in call.args
    ]
    return call.with_changes(args=args)


def set_kwarg(call: cst.Call, name: str, value: cst.BaseExpression | str) -> cst.Call:
    """Replace ``name=``'s value, or append ``name=value``."""
    node = parse_expression(value) if isinstance(value, str) else value
    if kwarg(call, name) is None:
        return append_arg(call, make_kwarg(name, node))
    args = [
        a.with_changes(value=node) if a.keyword is not None and a.keyword.value == name else a
        for a in call.args
    ]
    return call.with_changes(args=args)


def replace_func(call: cst.Call, new_name: str) -> cst.Call:
    """Rename what is called, keeping the receiver: ``x.old(...)`` -> ``x.new(...)``."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return call.with_changes(func=func.with_changes(attr=cst.Name(new_name)))
    return call.with_changes(func=cst.Name(new_name))


# --------------------------------------------------------------------------- statements


def is_import_line(stmt: cst.CSTNode) -> bool:
    """An import line, or a masked magic placeholder, at the top of a cell."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
        return True
    comment = stmt.trailing_whitespace.comment
    return (
        len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Pass)
        and comment is not None
        and comment.value.startswith("# mlemod-magic-")
    )


def add_imports(module: cst.Module, needs: Sequence[ImportNeed]) -> cst.Module:
    """Insert the imports a fix relies on after the cell's leading import block."""
    if not needs:
        return module
    lines = []
    for need in needs:
        if need.from_import:
            code = f"from {need.module} import {need.name}\n"
        else:
            last = need.module.rsplit(".", 1)[-1]
            code = (
                f"import {need.module}\n"
                if need.name == need.module
                else f"import {need.module} as {need.name}\n"
                if need.name != last or "." not in need.module
                else f"from {need.module.rsplit('.', 1)[0]} import {last}\n"
            )
        lines.append(parse_statement(code))
    body = list(module.body)
    at = 0
    while at < len(body) and is_import_line(body[at]):
        at += 1
    return module.with_changes(body=body[:at] + lines + body[at:])


Predicate = Callable[[cst.Call, RuleTransformer], bool]


def drop_imported(
    line: cst.SimpleStatementLine, dropped: Callable[[str, cst.ImportAlias], bool]
) -> cst.SimpleStatementLine | cst.RemovalSentinel | None:
    """``from m import a, b`` without the names ``dropped(module, alias)`` picks: the line
    with the rest, a removal when nothing is left, None when the line is not such an import
    or keeps every name."""
    if len(line.body) != 1 or not isinstance(line.body[0], cst.ImportFrom):
        return None
    stmt = line.body[0]
    module = dotted(stmt.module) if stmt.module is not None else None
    if module is None or isinstance(stmt.names, cst.ImportStar):
        return None
    kept = [alias for alias in stmt.names if not dropped(module, alias)]
    if len(kept) == len(stmt.names):
        return None
    if not kept:
        return cst.RemoveFromParent()
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=[stmt.with_changes(names=kept)])

