"""Notebook-order problems, found from the file alone (no kernel).

Old notebooks were often run out of order, so running them top to bottom today crashes even
though nothing eroded (JunoBench's "notebook-specific" crashes). Two signs are visible before
anything runs:

* ``execution-count-order``: the stored execution counts are not strictly increasing top to
  bottom. Each cell whose count is not above the highest count of the cells above it is
  reported once, against the cell holding that highest count (so n inversions give at most n
  messages, never n²).
* ``used-before-defined``: a cell loads a name at module level (including an attribute base:
  ``model.fit`` loads ``model``) that no cell up to and including it defines, but a later cell
  does. One problem per (using cell, first defining cell) pair.

What counts as a use, and why it is kept simple:

* Only code that runs when the cell runs: module-level statements, class bodies, decorators,
  default values, comprehensions. Function and lambda *bodies* are not checked, because they
  run only when called. So ``def f(): return g()`` in cell 1 with ``def g()`` in cell 2 is not
  reported: calling ``f()`` after cell 2 works top-down too.
* A definition anywhere in the same cell counts (no control-flow analysis within a cell):
  the problem we look for is an order between cells.
* Definitions: assignments (also augmented, annotated, walrus), imports, ``for`` and ``with``
  targets, ``except … as``, ``match`` captures, ``def``/``class``, and ``global`` names assigned
  inside functions. A star import, ``%run`` or ``%pylab`` may define anything: from that cell on
  nothing more is reported.
* Builtins and IPython's own names (``In``, ``Out``, ``display``, ``_``, ``_i3`` …) are never
  reported. Magic (``%``), shell (``!``) and help (``?``) lines are masked; a cell magic
  (``%%…``) skips the whole cell, except ``%%time``/``%%timeit``/``%%capture``/``%%prun``
  whose body is Python. A cell that still does not parse (Python 2, say) reports nothing and
  counts every identifier in it as maybe defined, which keeps false alarms away.

Stored order: code cells sorted by stored execution count (ties keep top-down order). A cell
with no count (never run in the original) stays right after the code cell above it and moves
with it; uncounted cells before the first counted one stay first. So ``stored`` order moves
only cells that were run, and never-run cells keep their top-down neighbourhood.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mlemod_tui.core.notebook import Notebook

OrderKind = Literal["execution-count-order", "used-before-defined"]
RunOrder = Literal["top-down", "stored"]
RUN_ORDERS: tuple[RunOrder, ...] = ("top-down", "stored")

_IPYTHON_NAMES = frozenset(
    {"In", "Out", "get_ipython", "display", "exit", "quit", "_", "__", "___", "_i", "_ii",
     "_iii", "_oh", "_ih", "_dh", "_sh"}
)
_IGNORED = frozenset(dir(builtins)) | _IPYTHON_NAMES
_HISTORY_NAME = re.compile(r"_i?\d+\Z")  # _3, _i3: IPython's output/input history
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_STAR_MAGICS = re.compile(r"%(run|pylab)\b")
_MAGIC_ASSIGN = re.compile(r"^(\s*)([A-Za-z_][\w\s,]*?)\s*=\s*[!%]")
_HELP = re.compile(r"^\s*(\?{1,2}[\w.*]+|[\w.*]+\?{1,2})\s*$")  # np.mean?  ??np.mean
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_STAR_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.MULTILINE)


@dataclass(frozen=True)
class OrderProblem:
    """One sign that the notebook was run out of order; ``cell_index`` is the cell to mark."""

    kind: OrderKind
    cell_index: int
    message: str
    names: tuple[str, ...] = ()
    related_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "cell": self.cell_index,
            "message": self.message,
            "names": list(self.names),
            "related_cell": self.related_index,
        }


@dataclass(frozen=True)
class OrderReport:
    """Every order problem of a notebook and the order its cells were stored as having run."""

    problems: tuple[OrderProblem, ...]
    stored_order: tuple[int, ...]

    @property
    def out_of_order(self) -> bool:
        """True when running in stored order would run the cells differently from top-down
        (the case for offering ``--order stored``; a shared count alone does not reorder)."""
        return list(self.stored_order) != sorted(self.stored_order)

    def cells_with_problems(self) -> set[int]:
        return {problem.cell_index for problem in self.problems}

    def problems_of(self, index: int) -> list[OrderProblem]:
        """The problems to show on one cell (what a cell list marks)."""
        return [problem for problem in self.problems if problem.cell_index == index]

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_of_order": self.out_of_order,
            "stored_order": list(self.stored_order),
            "problems": [problem.to_dict() for problem in self.problems],
        }


# --------------------------------------------------------------------------- public API


def analyze_order(notebook_or_cells: Notebook | Sequence[Mapping[str, Any]]) -> OrderReport:
    """Find order problems from the file only; indices are positions in the cell list.

    For a :class:`Notebook`, execution counts come from the cells as stored on disk
    (``notebook.original``, matched by cell id) because today's run overwrites them, and
    sources from the current cells (what will run).
    """
    cells, counts = _cells_and_counts(notebook_or_cells)
    code = [i for i, cell in enumerate(cells) if cell.get("cell_type") == "code"]
    problems = _count_problems(code, counts)
    problems += _name_problems(code, cells)
    problems.sort(key=lambda p: (p.cell_index, p.kind != "execution-count-order"))
    return OrderReport(tuple(problems), tuple(_stored_order(code, counts)))


def execution_order(
    notebook_or_cells: Notebook | Sequence[Mapping[str, Any]], order: RunOrder
) -> list[int]:
    """The code cell indices to run, top to bottom or in the stored execution order."""
    cells, counts = _cells_and_counts(notebook_or_cells)
    code = [i for i, cell in enumerate(cells) if cell.get("cell_type") == "code"]
    if order == "top-down":
        return code
    if order == "stored":
        return _stored_order(code, counts)
    raise ValueError(f"unknown run order {order!r} (expected one of {', '.join(RUN_ORDERS)})")


# --------------------------------------------------------------------------- execution counts


def _cells_and_counts(
    notebook_or_cells: Notebook | Sequence[Mapping[str, Any]],
) -> tuple[Sequence[Mapping[str, Any]], dict[int, int]]:
    if isinstance(notebook_or_cells, Sequence):
        return notebook_or_cells, _counts(enumerate(notebook_or_cells))
    cells = notebook_or_cells.cells
    stored = {cell.get("id"): cell for cell in notebook_or_cells.original.cells}
    return cells, _counts((i, stored.get(cell.get("id"), cell)) for i, cell in enumerate(cells))


def _counts(indexed: Iterable[tuple[int, Mapping[str, Any]]]) -> dict[int, int]:
    counts = {}
    for index, cell in indexed:
        value = cell.get("execution_count")
        if cell.get("cell_type") == "code" and isinstance(value, int) and not isinstance(value, bool):
            counts[index] = value
    return counts


def _stored_order(code: list[int], counts: dict[int, int]) -> list[int]:
    """Counted cells by count; each uncounted cell travels with the code cell above it."""
    lead: list[int] = []
    groups: list[tuple[int, list[int]]] = []
    for index in code:
        if index in counts:
            groups.append((counts[index], [index]))
        elif groups:
            groups[-1][1].append(index)
        else:
            lead.append(index)
    groups.sort(key=lambda group: group[0])  # stable: equal counts keep top-down order
    return lead + [index for _count, group in groups for index in group]


def _count_problems(code: list[int], counts: dict[int, int]) -> list[OrderProblem]:
    problems = []
    highest: tuple[int, int] | None = None  # (count, cell index) of the highest count above
    for index in code:
        count = counts.get(index)
        if count is None:
            continue
        if highest is not None and count <= highest[0]:
            top_count, top_index = highest
            if count < top_count:
                message = (
                    f"cell {index} ran before cell {top_index} "
                    f"(execution counts {count} and {top_count})"
                )
            else:
                message = (
                    f"cell {index} and cell {top_index} share execution count {count} "
                    "(the kernel was restarted between them)"
                )
            problems.append(
                OrderProblem("execution-count-order", index, message, related_index=top_index)
            )
        if highest is None or count > highest[0]:
            highest = (count, index)
    return problems


# --------------------------------------------------------------------------- names


@dataclass
class _CellNames:
    defines: set[str]
    uses: list[str]  # in first-use order, no repeats
    star: bool = False


def _name_problems(code: list[int], cells: Sequence[Mapping[str, Any]]) -> list[OrderProblem]:
    from mlemod_tui.core.notebook import source_text

    analyzed = {index: cell_names(source_text(cells[index])) for index in code}
    first_definer: dict[str, int] = {}
    for index in code:
        for name in analyzed[index].defines:
            first_definer.setdefault(name, index)
    problems = []
    for index in code:
        names = analyzed[index]
        if names.star:
            break  # a star import (or %run) may define anything from here on
        late: dict[int, list[str]] = {}
        for name in names.uses:
            if name in names.defines or _ignored(name):
                continue
            definer = first_definer.get(name)
            if definer is not None and definer > index:
                late.setdefault(definer, []).append(name)
        for definer, found in sorted(late.items()):
            listed = ", ".join(f"`{name}`" for name in found)
            problems.append(
                OrderProblem(
                    "used-before-defined",
                    index,
                    f"cell {index} uses {listed}, first defined in cell {definer}",
                    names=tuple(found),
                    related_index=definer,
                )
            )
    return problems


def _ignored(name: str) -> bool:
    return name in _IGNORED or _HISTORY_NAME.match(name) is not None


def cell_names(source: str) -> _CellNames:
    """The names a cell defines and the module-level names it loads."""
    text, star = python_source(source)
    if text is None:
        return _CellNames(set(), [], star)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        # Unparseable (Python 2, odd magics): report nothing, and let every identifier count
        # as maybe defined so no later cell is accused on this cell's account.
        return _CellNames(set(_IDENTIFIER.findall(text)), [], star or bool(_STAR_IMPORT.search(text)))
    visitor = _Visitor()
    visitor.visit(tree)
    return _CellNames(visitor.defines, list(visitor.uses), star or visitor.star)


def python_source(source: str) -> tuple[str | None, bool]:
    """The cell as parseable Python with IPython syntax masked, and whether it may define
    anything (``%run``, ``%pylab``); None for a cell magic whose body is not Python."""
    lines = source.split("\n")
    star = False
    if source.lstrip().startswith("%%"):
        first = next(i for i, line in enumerate(lines) if line.strip())
        magic = lines[first].strip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return None, False
        lines[first] = ""
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")):
            star = star or _STAR_MAGICS.match(stripped) is not None
            lines[i] = indent + "pass"
        elif _HELP.match(line) is not None:
            lines[i] = indent + "pass"
        else:
            assigned = _MAGIC_ASSIGN.match(line)
            if assigned is not None:  # files = !ls  /  t = %timeit -o f()
                lines[i] = f"{assigned.group(1)}{assigned.group(2).strip()} = None"
    return "\n".join(lines), star


class _Visitor:
    """Collects module-level definitions and the loads that run when the cell runs.

    Not an ``ast.NodeVisitor``: its generic dispatch made 1,000 cells take about a second;
    a type-keyed table and skipping leaves (constants, contexts) is several times faster.
    """

    def __init__(self) -> None:
        self.defines: set[str] = set()
        self.uses: dict[str, None] = {}  # an ordered set
        self.star = False
        self._scopes: list[tuple[str, set[str]]] = []  # ("class" | "comprehension", names)
        self._handlers: dict[type, Any] = {
            node_type: getattr(self, f"visit_{node_type.__name__}", None)
            for node_type in _HANDLED
        }

    def visit(self, node: ast.AST) -> None:
        handler = self._handlers.get(type(node), _GENERIC)
        if handler is None:
            return  # a leaf that names nothing
        if handler is not _GENERIC:
            handler(node)
            return
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)  # model.fit -> model

    # -- binding -----------------------------------------------------------------------

    def _bind(self, name: str) -> None:
        if self._scopes and self._scopes[-1][0] == "class":
            self._scopes[-1][1].add(name)
        else:
            self.defines.add(name)  # a comprehension's own targets never reach here

    def _load(self, name: str) -> None:
        if not any(name in names for _kind, names in self._scopes):
            self.uses.setdefault(name, None)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._load(node.id)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            if any(kind == "class" for kind, _names in self._scopes):
                self._bind(node.target.id)
            else:
                self.defines.add(node.target.id)  # binds outside any comprehension

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.star = True
            else:
                self._bind(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._bind(node.rest)
        self.generic_visit(node)

    # -- deferred code: only what runs at definition time -------------------------------

    def _signature(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._signature(node.args)
        self._bind(node.name)
        for inner in ast.walk(node):  # `global model; model = …` defines a module name
            if isinstance(inner, ast.Global):
                self.defines.update(inner.names)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._signature(node.args)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        self._scopes.append(("class", set()))
        for statement in node.body:
            self.visit(statement)
        self._scopes.pop()
        self._bind(node.name)

    def _comprehension(self, node: Any, results: list[ast.expr]) -> None:
        generators: list[ast.comprehension] = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        targets = {
            name.id
            for generator in generators
            for name in ast.walk(generator.target)
            if isinstance(name, ast.Name)
        }
        self._scopes.append(("comprehension", targets))
        for position, generator in enumerate(generators):
            if position:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for result in results:
            self.visit(result)
        self._scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])


_GENERIC = object()
_LEAVES = (ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue,
           ast.Global, ast.Nonlocal, ast.alias)
_HANDLED = (*_LEAVES, ast.Name, ast.Attribute, ast.NamedExpr, ast.Import, ast.ImportFrom,
            ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping, ast.FunctionDef,
            ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
            ast.GeneratorExp, ast.DictComp)
