"""Which names a cell uses and which earlier cells define them, found with ``ast``.

IPython magics are masked first (``files = !ls`` still binds ``files``), so a notebook cell
parses as Python with its line numbers unchanged; a cell that still does not parse (Python 2
``print x``) falls back to regular expressions. Function bodies, comprehensions, lambdas and
class bodies keep their own scopes, so only the names a cell really needs from earlier cells
count.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mlemod_tui.assist.rules.source import PLACEHOLDER, mask_magics

MAX_DEFINING_CELLS = 6


# --------------------------------------------------------------------------- names


_PLACEHOLDER = re.compile(
    r"(?m)^([ \t]*)" + re.escape(PLACEHOLDER).replace(re.escape("{n}"), r"(\d+)") + r"[ \t]*$"
)
_MAGIC_ASSIGNMENT = re.compile(r"^[ \t]*([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)[ \t]*=[ \t]*[%!]")


def _python_text(source: str) -> str | None:
    """The cell as Python: magics masked, ``files = !ls`` kept as an assignment (``= ...``)
    so it still binds ``files``; line numbers unchanged. None for non-Python cell magics."""
    masked = mask_magics(source)
    if masked is None:
        return None

    def assignment(match: re.Match[str]) -> str:
        original = masked.originals.get(int(match.group(2)), "")
        bound = _MAGIC_ASSIGNMENT.match(original)
        return f"{match.group(1)}{bound.group(1)} = ..." if bound else match.group(0)

    return _PLACEHOLDER.sub(assignment, masked.text) if masked.originals else masked.text


def _parse(source: str) -> ast.Module | None:
    """The cell's syntax tree with IPython magics masked; None when it is not Python."""
    text = _python_text(source)
    if text is None:
        return None
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None


_FUNCTION = "function"
_IMMEDIATE = "immediate"  # comprehension and class bodies: run at once, local names


class _UsedNames(ast.NodeVisitor):
    """Names a cell reads before (or without) binding them itself.

    Top-level code counts a name read before the cell binds it. Function bodies run later,
    so their free names count unless the cell binds them anywhere at top level.
    Comprehension and lambda variables, parameters and function locals never count.
    """

    def __init__(self) -> None:
        self.used: dict[str, None] = {}
        self.bound: set[str] = set()
        self.deferred: dict[str, None] = {}
        self.scopes: list[tuple[str, set[str]]] = []

    def result(self) -> list[str]:
        late = [n for n in self.deferred if n not in self.bound and n not in self.used]
        return list(self.used) + late

    def load(self, name: str) -> None:
        if any(name in names for _, names in self.scopes):
            return
        if any(kind == _FUNCTION for kind, _ in self.scopes):
            self.deferred.setdefault(name, None)
        elif name not in self.bound:
            self.used.setdefault(name, None)

    def store(self, name: str) -> None:
        if self.scopes:
            self.scopes[-1][1].add(name)
        else:
            self.bound.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.store(node.id)
        else:
            self.load(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
            self.store(node.target.id)
        else:
            self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.store(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.store(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        for name in node.names:
            self.store(name)

    visit_Nonlocal = visit_Global

    def _arguments(self, args: ast.arguments) -> tuple[list[ast.expr], set[str]]:
        defaults = [d for d in [*args.defaults, *args.kw_defaults] if d is not None]
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            if arg.annotation is not None:
                defaults.append(arg.annotation)
        return defaults, {arg.arg for arg in every}

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, params = self._arguments(node.args)
        for expr in [*node.decorator_list, *outer, *([node.returns] if node.returns else [])]:
            self.visit(expr)
        self.store(node.name)
        self.scopes.append((_FUNCTION, params | _locals_of(node.body)))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        outer, params = self._arguments(node.args)
        for expr in outer:
            self.visit(expr)
        self.scopes.append((_FUNCTION, params))
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.scopes.append((_IMMEDIATE, set()))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self.store(node.name)

    def _comprehension(self, node: Any, results: list[ast.expr]) -> None:
        generators: list[ast.comprehension] = node.generators
        self.visit(generators[0].iter)
        self.scopes.append((_IMMEDIATE, set()))
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self.visit(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for expr in results:
            self.visit(expr)
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.store(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.store(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self.store(node.rest)


def _locals_of(body: list[ast.stmt]) -> set[str]:
    """Names a function body binds (its locals), not looking into nested scopes."""
    found: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
    return found | _definitions(body)


def _walk_scope(body: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of one scope; nested functions, classes, lambdas and comprehensions are
    not entered (only their names and outer expressions belong here)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend([*node.decorator_list, *node.args.defaults])
            stack.extend(d for d in node.args.kw_defaults if d is not None)
        elif isinstance(node, ast.ClassDef):
            stack.extend([*node.decorator_list, *node.bases])
        elif isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            stack.append(node.generators[0].iter)
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
        else:
            stack.extend(ast.iter_child_nodes(node))


def _definitions(body: Iterable[ast.AST]) -> set[str]:
    """Names bound by def, class, import, except-as and match patterns in one scope."""
    found: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= _import_names(node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
    return found


def _import_names(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}


_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")


def _names_by_regex(source: str) -> list[str]:
    """A cell that does not parse (Python 2 ``print x``): every identifier not after a dot."""
    text = re.sub(r"#.*", "", source)
    text = re.sub(r"(['\"])(?:\\.|(?!\1).)*\1", "''", text)
    found = (m.group(1) for m in _IDENTIFIER.finditer(text))
    return list(dict.fromkeys(n for n in found if not keyword.iskeyword(n)))


def names_used(source: str) -> list[str]:
    """Names the cell reads and does not bind before reading them, in first-read order.

    Builtins are included (an earlier cell may have shadowed ``list``); IPython magic lines
    are masked first; a cell that does not parse falls back to its identifiers.
    """
    tree = _parse(source)
    if tree is None:
        return [] if mask_magics(source) is None else _names_by_regex(source)
    return _uses_of(tree)


def _uses_of(tree: ast.Module) -> list[str]:
    visitor = _UsedNames()
    for stmt in tree.body:
        visitor.visit(stmt)
    return visitor.result()


# --------------------------------------------------------------------------- defining cells


@dataclass(frozen=True)
class _CellFacts:
    """What one cell does to names at top level."""

    binds: frozenset[str]
    imports: frozenset[str]
    modifies: frozenset[str]
    uses: tuple[str, ...]


def _base_name(node: ast.expr) -> str | None:
    """``df`` for ``df``, ``df['a']``, ``df.loc[:, 'a']``, ``model.named_steps['x']``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# Methods called as a statement that change their object (``model.fit(X, y)``); any call
# with ``inplace=True`` counts too. Others (``df.head()``, ``plt.show()``) only read.
MUTATING_METHODS = frozenset({
    "fit", "partial_fit", "fit_generator", "train", "compile", "build", "load_state_dict",
    "load_weights", "set_params", "to", "cuda", "eval", "append", "extend", "insert",
    "update", "pop", "remove", "clear", "sort", "reverse", "add", "discard", "setdefault",
})


def _mutates(method: str, call: ast.Call) -> bool:
    if method in MUTATING_METHODS:
        return True
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _cell_facts(source: str) -> _CellFacts:
    tree = _parse(source)
    if tree is None:
        return _regex_facts(source)
    binds: set[str] = set(_definitions(tree.body))
    imports: set[str] = set()
    modifies: set[str] = set()
    for node in _walk_scope(tree.body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            binds.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports |= _import_names(node)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(
            node.ctx, (ast.Store, ast.Del)
        ):
            name = _base_name(node)
            if name:
                modifies.add(name)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and _mutates(func.attr, node.value):
                name = _base_name(func.value)
                if name:
                    modifies.add(name)
    uses = tuple(_uses_of(tree))
    return _CellFacts(frozenset(binds), frozenset(imports), frozenset(modifies), uses)


_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:[-+*/]?=)(?!=)", re.M)
_IMPORTED = re.compile(r"^\s*(?:from\s+\S+\s+)?import\s+(.+)$", re.M)


def _regex_facts(source: str) -> _CellFacts:
    """Best effort for cells that do not parse: ``name = …`` and import lines."""
    binds = {n.strip() for m in _ASSIGNED.finditer(source) for n in m.group(1).split(",")}
    imports: set[str] = set()
    for match in _IMPORTED.finditer(source):
        for part in match.group(1).strip("()").split(","):
            words = part.split()
            if words:
                imports.add(words[-1].split(".")[0] if "as" in words else words[0].split(".")[0])
    return _CellFacts(frozenset(binds | imports), frozenset(imports), frozenset(), ())


class Definers:
    """Lookups of which earlier cell binds or changes a name (facts computed once a cell)."""

    def __init__(self, sources: Sequence[str]) -> None:
        self.sources = sources
        self._facts: dict[int, _CellFacts] = {}

    def facts(self, index: int) -> _CellFacts:
        if index not in self._facts:
            self._facts[index] = _cell_facts(self.sources[index])
        return self._facts[index]

    def binds(self, j: int, name: str) -> bool:
        # The substring test spares parsing the many cells that never mention the name.
        return name in self.sources[j] and name in self.facts(j).binds

    def modifies(self, j: int, name: str) -> bool:
        return name in self.sources[j] and name in self.facts(j).modifies

    def binder(self, name: str, before: int) -> int | None:
        return next((j for j in range(before - 1, -1, -1) if self.binds(j, name)), None)

    def cells_for(self, name: str, before: int) -> list[int]:
        """The latest binder; for a non-module, also the latest later cell that changes it
        (``df['x'] = …``, ``model.fit(…)``), whose own uses then lead back to the binder."""
        bound = self.binder(name, before)
        if bound is None:
            return []
        if name in self.facts(bound).imports:
            return [bound]
        changed = next((j for j in range(before - 1, bound, -1) if self.modifies(j, name)), None)
        return [bound] if changed is None else [changed, bound]


def defining_cells(
    cells_sources: list[str], index: int, names: Iterable[str], *, cap: int = MAX_DEFINING_CELLS
) -> list[int]:
    """Earlier cells that bind ``names`` (the latest binder of each), plus one level of the
    cells those definers need; nearest first when capped, returned in notebook order."""
    return defining_cells_in(Definers(cells_sources), index, names, cap)


def defining_cells_in(definers: Definers, index: int, names: Iterable[str], cap: int) -> list[int]:
    """``defining_cells`` with the cells' facts already at hand in ``definers``."""
    direct: list[int] = []
    for name in dict.fromkeys(names):
        direct.extend(j for j in definers.cells_for(name, index) if j not in direct)
    second: list[int] = []
    for j in direct:
        for name in definers.facts(j).uses:
            second.extend(k for k in definers.cells_for(name, j) if k not in direct and k not in second)
    chosen = sorted(direct, reverse=True)[:cap]
    chosen += sorted(second, reverse=True)[: max(0, cap - len(chosen))]
    return sorted(set(chosen))
