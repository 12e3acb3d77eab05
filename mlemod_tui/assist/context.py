"""What a prompt carries: the few facts a model needs to fix one notebook problem, in budget.

Context is the product: a small local model answers well when it sees exactly the failing
cell (numbered), the traceback without library noise, the earlier cells that define the
names the cell uses (found with ``ast``, not the whole notebook), those names' live values
(read silently from the kernel), the library versions involved and the known-erosion hints.

Shrinking order, when a repair context is over its token budget (one step at a time, each
repeated until the context fits or the step has nothing left to take):

1. kernel-state previews: cut short, then removed (types, shapes, columns stay);
2. defining cells: the furthest from the failing cell dropped first;
3. the traceback: only the last frame, then only the final exception line;
4. hints: the last-listed dropped first;
5. then, only if still over: the kernel state, then the environment.

The failing cell with its line numbers and the final exception line are never dropped.
Runtime contexts shrink the timings table, then the least slow of the slowest cells (the
slowest stays), then the environment; score contexts drop the furthest producing cells,
then changed defaults, then the environment (the score and its cell stay).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from mlemod_tui.assist.introspect import describe_names, split_preview
from mlemod_tui.assist.rules.context import collect_imports
from mlemod_tui.assist.rules.source import PLACEHOLDER, mask_magics
from mlemod_tui.core.environment import DISTRIBUTION_NAMES, imported_modules
from mlemod_tui.core.execution import CellError
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.runtime import format_seconds, summarize_runtime
from mlemod_tui.core.scores import Score, compare_scores
from mlemod_tui.errors import MlemodError

REPAIR = "error-repair"
RUNTIME = "runtime-reduction"
SCORE = "score-calibration"
KINDS = (REPAIR, RUNTIME, SCORE)

CHARS_PER_TOKEN = 3.5
MAX_DEFINING_CELLS = 6
MAX_DESCRIBED_NAMES = 12
PREVIEW_CHARS = 200
SHORT_PREVIEW_CHARS = 60
MAX_EXCEPTION_CHARS = 1200
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Section:
    """One titled part of a prompt; lower ``priority`` numbers are dropped or shrunk last."""

    title: str
    text: str
    priority: int


@dataclass(frozen=True)
class PromptContext:
    """What one prompt carries, and what was left out to fit the budget."""

    kind: str
    sections: tuple[Section, ...]
    dropped: tuple[str, ...] = ()

    def render(self) -> str:
        """Markdown the model reads: one ``##`` heading per section, then what was left out."""
        parts = [f"## {s.title}\n{s.text.rstrip()}" for s in self.sections]
        if self.dropped:
            parts.append("(left out to fit the context budget: " + "; ".join(self.dropped) + ")")
        return "\n\n".join(parts) + "\n"

    def tokens(self) -> int:
        return estimate_tokens(self.render())

    def section(self, title_start: str) -> Section | None:
        """The first section whose title starts with ``title_start`` (tests, front ends)."""
        return next((s for s in self.sections if s.title.startswith(title_start)), None)


def estimate_tokens(text: str) -> int:
    """A conservative token count (~3.5 characters a token: code and tracebacks tokenize
    densely), so a context that fits here fits the model."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def numbered(source: str, start: int = 1) -> str:
    """``  1 | code`` lines, numbered like the traceback's ``Cell In[n], line k``."""
    lines = source.splitlines() or [""]
    width = max(3, len(str(start + len(lines) - 1)))
    return "\n".join(f"{start + i:>{width}} | {line}".rstrip() for i, line in enumerate(lines))


def fenced(text: str, lang: str = "python") -> str:
    """A fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


# --------------------------------------------------------------------------- tracebacks

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-_]")
_HEADER = re.compile(r"^\S+\s+Traceback \(most recent call last\)")
_USER_FRAME = re.compile(r"^(?:Cell In\s*\[|Input In\s*\[|<ipython-input-|File \"?<ipython-input-)")
_FILE_FRAME = re.compile(
    r"^(?:File\s+\"?(?P<path>[^\"]+?)\"?(?::(?P<line>\d+)|, line (?P<line2>\d+))?,?\s+in\s+"
    r"(?P<func>[\w.<>]+)"
    r"|(?P<oldpath>[/~][^\s]*|[A-Za-z]:\\[^\s]*)\s+in\s+(?P<oldfunc>[\w.<>]+))"
)
_LIBRARY_PATH = re.compile(
    r"(?:site-packages|dist-packages)[/\\]|[/\\]lib[/\\]python\d|[/\\]IPython[/\\]"
    r"|[/\\]ipykernel[/\\]|^<(?!ipython-input)|^[\w.]+[/\\].*\.(?:pyx|pxd|pxi)$"
)
_CHAIN = ("The above exception", "During handling of the above exception")
_CONTEXT_BEFORE = 3


@dataclass(frozen=True)
class _Entry:
    kind: str  # "header", "chain", "user", "library", "exception"
    text: str


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _classify(raw: str) -> _Entry | None:
    text = strip_ansi(raw).strip("\n")
    first = text.strip().split("\n", 1)[0].strip() if text.strip() else ""
    if not first or set(first) <= {"-"}:
        return None
    if _HEADER.match(first):
        return _Entry("header", "Traceback (most recent call last):")
    if first.startswith(_CHAIN):
        return _Entry("chain", first)
    if _USER_FRAME.match(first):
        return _Entry("user", _frame_text(text))
    match = _FILE_FRAME.match(first)
    if match:
        path = match.group("path") or match.group("oldpath") or ""
        kind = "library" if _LIBRARY_PATH.search(path) else "user"
        return _Entry(kind, _frame_text(text) if kind == "user" else _where(path, match))
    return _Entry("exception", _cut(text.strip(), MAX_EXCEPTION_CHARS))


def _where(path: str, match: re.Match[str]) -> str:
    """``pandas/core/frame.py:4330 DataFrame.__getitem__``: a library frame in one phrase."""
    short = re.split(r"(?:site-packages|dist-packages|[/\\]lib[/\\]python[\d.]+)[/\\]", path)[-1]
    line = match.group("line") or match.group("line2")
    func = match.group("func") or match.group("oldfunc") or "?"
    return f"{short}{':' + line if line else ''} {func}"


def _frame_text(text: str) -> str:
    """A user frame: its location line and a few context lines up to the arrow."""
    lines = [ln.rstrip() for ln in text.strip("\n").split("\n")]
    head, body = lines[0].strip(), lines[1:]
    arrow = next((i for i, ln in enumerate(body) if re.match(r"^\s*-+>", ln)), None)
    if arrow is not None:
        body = body[max(0, arrow - _CONTEXT_BEFORE) : arrow + 2]
    return "\n".join([head, *body[:8]])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chains(entries: list[_Entry]) -> list[list[_Entry]]:
    """Split at "The above exception…": each chain ends with its own exception line."""
    chains: list[list[_Entry]] = [[]]
    for entry in entries:
        if entry.kind == "chain" and chains[-1]:
            chains.append([])
        chains[-1].append(entry)
    return [chain for chain in chains if chain]


def _collapse(chain: list[_Entry], keep_user: int) -> list[str]:
    """Runs of library frames become one line; only the last ``keep_user`` user frames stay."""
    users = [i for i, e in enumerate(chain) if e.kind == "user"]
    kept_users = set(users[-keep_user:]) if keep_user > 0 else set()
    out: list[str] = []
    run: list[str] = []
    skipped_users = 0

    def flush() -> None:
        nonlocal skipped_users
        if skipped_users:
            out.append(f"... {skipped_users} earlier frame{'s' * (skipped_users > 1)} ...")
            skipped_users = 0
        if run:
            where = run[0] if len(run) == 1 else f"{run[0]} → {run[-1]}"
            out.append(f"... {len(run)} library frame{'s' * (len(run) > 1)} ({where}) ...")
            run.clear()

    for i, entry in enumerate(chain):
        if entry.kind == "library":
            run.append(entry.text)
        elif entry.kind == "user" and i not in kept_users:
            skipped_users += 1
        else:
            flush()
            out.append(("\n" if entry.kind == "chain" else "") + entry.text)
    flush()
    return out


def clean_traceback(lines: list[str], max_frames: int = 4) -> str:
    """An IPython traceback as a model should read it.

    ANSI colours stripped; IPython/ipykernel, standard-library and site-packages frames
    collapsed into one ``... N library frames ...`` line per run; at most ``max_frames`` user
    frames (the last ones); every exception line kept. ``max_frames=1`` also drops the
    earlier exceptions of a chain; ``max_frames=0`` keeps only the final exception line.
    """
    entries = [e for e in (_classify(raw) for raw in lines) if e is not None]
    if not entries:
        return ""
    chains = _chains(entries)
    if max_frames <= 0:
        return _final_exception(entries)
    if max_frames == 1:
        chains = chains[-1:]
    out: list[str] = []
    for chain in chains:
        out.extend(_collapse(chain, max_frames))
    if out and out[0].lstrip("\n").startswith(_CHAIN):
        out.pop(0)
    return "\n".join(out).strip("\n")


def _final_exception(entries: list[_Entry]) -> str:
    """The last exception line (for a SyntaxError, the last lines of its only entry)."""
    for entry in reversed(entries):
        if entry.kind == "exception":
            return entry.text
        if entry.kind == "user" and re.search(r"^\w[\w.]*(?:Error|Exception)\b", entry.text, re.M):
            return entry.text
    return entries[-1].text


def final_exception_line(error: CellError) -> str:
    """``ename: evalue`` (first 1,200 characters): the one line a context never drops."""
    text = f"{error.ename}: {error.evalue}" if error.evalue else error.ename
    return _cut(strip_ansi(text).strip(), MAX_EXCEPTION_CHARS)


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


class _Definers:
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
    return _defining_cells(_Definers(cells_sources), index, names, cap)


def _defining_cells(definers: _Definers, index: int, names: Iterable[str], cap: int) -> list[int]:
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


# --------------------------------------------------------------------------- environment


def libraries_of(sources: Iterable[str]) -> list[str]:
    """Third-party top-level modules the given cells import, in first-seen order."""
    return [m for m in imported_modules(list(sources)) if m not in sys.stdlib_module_names]


def _version_line(module: str, versions: Mapping[str, str | None]) -> str:
    dist = DISTRIBUTION_NAMES.get(module, module)
    label = dist if dist == module else f"{dist} (import {module})"
    if module in versions or dist in versions:
        version = versions.get(module) if module in versions else versions.get(dist)
        return f"- {label} {version}" if version else f"- {label}: not installed"
    return f"- {label}: version not reported"


def modules_involved(sources: Sequence[str], cells: Sequence[int]) -> list[str]:
    """Third-party libraries the cells import, then those whose imported names they use
    (``pd`` in a cell whose ``import pandas as pd`` sits further up)."""
    return _modules_involved(_Definers(sources), cells)


def _modules_involved(definers: _Definers, cells: Sequence[int]) -> list[str]:
    sources = definers.sources
    modules = libraries_of(sources[j] for j in cells)
    for j in cells:
        for name in definers.facts(j).uses:
            binder = definers.binder(name, j)
            if binder is None or name not in definers.facts(binder).imports:
                continue
            root = collect_imports([sources[binder]]).get(name, name).split(".")[0]
            if root not in modules and root not in sys.stdlib_module_names:
                modules.append(root)
    return modules


def environment_text(python: str, modules: Sequence[str], versions: Mapping[str, str | None]) -> str:
    """Python and the versions of exactly the libraries involved."""
    lines = [f"Python {python}"]
    lines += [_version_line(m, versions) for m in modules]
    return "\n".join(lines)


def _traceback_libraries(lines: Sequence[str], versions: Mapping[str, str | None]) -> list[str]:
    """Top-level packages the traceback passes through that the version probe knows."""
    text = strip_ansi("\n".join(lines))
    found = re.findall(r"(?:site-packages|dist-packages)[/\\]([A-Za-z_]\w*)", text)
    known = [m for m in found if m in versions or DISTRIBUTION_NAMES.get(m, m) in versions]
    return list(dict.fromkeys(known))


# --------------------------------------------------------------------------- fitting the budget

D = TypeVar("D")
Step = Callable[[D], "tuple[D, str] | None"]


def _fit(
    kind: str,
    draft: D,
    compose: Callable[[D], list[Section]],
    steps: Sequence[Step[D]],
    budget_tokens: int,
) -> PromptContext:
    """Apply ``steps`` in order, each as often as needed, until the context fits."""
    dropped: list[str] = []

    def build() -> PromptContext:
        return PromptContext(kind, tuple(compose(draft)), tuple(dropped))

    context = build()
    for step in steps:
        while context.tokens() > budget_tokens:
            taken = step(draft)
            if taken is None:
                break
            draft, label = taken
            if label not in dropped:
                dropped.append(label)
            context = build()
    return context


# --------------------------------------------------------------------------- error repair


@dataclass(frozen=True)
class _RepairDraft:
    index: int
    cell_id: str
    failing: str
    ename: str
    error_line: str
    traceback: tuple[str, ...]
    frames: int
    definers: tuple[tuple[int, str, str], ...]  # (index, id, title) nearest last
    sources: tuple[str, ...]
    state: tuple[tuple[str, str], ...] | None
    preview: int
    hints: tuple[str, ...]
    environment: str | None


def _traceback_text(draft: _RepairDraft) -> str:
    """The cleaned traceback, with the final exception line added when it lacks one."""
    cleaned = clean_traceback(list(draft.traceback), draft.frames) if draft.traceback else ""
    ename = draft.ename.rsplit(".", 1)[-1]
    has_line = ename and re.search(rf"^{re.escape(ename)}\b", cleaned, re.M)
    if not has_line and draft.error_line not in cleaned:
        cleaned = f"{cleaned}\n{draft.error_line}" if cleaned else draft.error_line
    return cleaned


def _state_text(state: Sequence[tuple[str, str]], preview: int) -> str:
    blocks = []
    for name, description in state:
        facts, shown = split_preview(description)
        if shown is not None and preview > 0:
            facts += "\npreview: " + (shown if len(shown) <= preview else shown[: preview - 1] + "…")
        body = facts.replace("\n", "\n    ")
        blocks.append(f"- {name}: {body}")
    return "\n".join(blocks)


def _compose_repair(draft: _RepairDraft) -> list[Section]:
    sections = [
        Section(f"Failing cell {draft.index} (id {draft.cell_id})", fenced(numbered(draft.failing)), 0),
        Section("Error", fenced(_traceback_text(draft), "text"), 3),
    ]
    for j, cell_id, title in draft.definers:
        sections.append(Section(title, fenced(draft.sources[j]), 4))
    if draft.state:
        state = _state_text(draft.state, draft.preview)
        sections.append(Section("Kernel state of the names it uses", state, 5))
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    if draft.hints:
        hints = "\n".join(f"- {h}" for h in draft.hints)
        sections.append(Section("Known erosions that match", hints, 2))
    return sections


def _trim_previews(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    has_preview = any(split_preview(d)[1] is not None for _, d in draft.state or ())
    if not has_preview or draft.preview <= 0:
        return None
    preview = SHORT_PREVIEW_CHARS if draft.preview > SHORT_PREVIEW_CHARS else 0
    return replace(draft, preview=preview), "kernel-state previews"


def _drop_furthest_definer(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if not draft.definers:
        return None
    (j, cell_id, _), rest = draft.definers[0], draft.definers[1:]
    return replace(draft, definers=rest), f"earlier cell {j} (id {cell_id})"


def _shorten_traceback(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if draft.frames <= 0 or not draft.traceback:
        return None
    frames = 1 if draft.frames > 1 else 0
    return replace(draft, frames=frames), "traceback frames before the last"


def _drop_last_hint(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if not draft.hints:
        return None
    return replace(draft, hints=draft.hints[:-1]), f"hint {len(draft.hints)}"


def _drop_state(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    return None if not draft.state else (replace(draft, state=None), "kernel state")


def _drop_environment(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


REPAIR_STEPS: tuple[Step[_RepairDraft], ...] = (
    _trim_previews,
    _drop_furthest_definer,
    _shorten_traceback,
    _drop_last_hint,
    _drop_state,
    _drop_environment,
)


def code_sources(notebook: Notebook) -> list[str]:
    """Every cell's source by index; markdown and raw cells read as empty (they bind nothing)."""
    return [source_text(c) if c.get("cell_type") == "code" else "" for c in notebook.cells]


def _names_to_describe(used: Sequence[str], definers: _Definers, index: int) -> list[str]:
    """Used names worth a kernel look: all but unshadowed builtins, at most a dozen."""
    wanted = [n for n in used if n not in _BUILTINS or definers.binder(n, index) is not None]
    return wanted[:MAX_DESCRIBED_NAMES]


async def _kernel_state(
    kernel: KernelSession | None, names: list[str]
) -> tuple[tuple[str, str], ...] | None:
    """(name, description) pairs read silently, or None without a kernel or names."""
    if kernel is None or not names:
        return None
    try:
        described = await describe_names(kernel, names, PREVIEW_CHARS)
    except MlemodError as exc:
        return (("(kernel)", f"state not available: {exc}"),)
    return tuple(described.items())


def _definer_titles(
    definers: _Definers, cells: Sequence[int], used: Sequence[str], notebook: Notebook
) -> tuple[tuple[int, str, str], ...]:
    """(index, id, title) per defining cell; the title says which used names it defines."""
    names = dict.fromkeys(used)
    for j in cells:
        names.update(dict.fromkeys(definers.facts(j).uses))
    out = []
    for j in cells:
        cell_id = str(notebook.cells[j].get("id", f"cell-{j}"))
        facts = definers.facts(j)
        bound = [n for n in names if n in facts.binds or n in facts.modifies]
        what = ", ".join(bound[:8])
        title = f"Earlier cell {j} (id {cell_id})" + (f", defines {what}" if what else "")
        out.append((j, cell_id, title))
    return tuple(out)


async def build_repair_context(
    notebook: Notebook,
    index: int,
    error: CellError,
    *,
    kernel: KernelSession | None,
    versions: Mapping[str, str | None],
    python: str,
    hints: Sequence[str] = (),
    budget_tokens: int = 6000,
) -> PromptContext:
    """The error-repair context for code cell ``index`` that raised ``error``."""
    sources = code_sources(notebook)
    failing = sources[index]
    used = names_used(failing)
    definers = _Definers(sources)
    cells = _defining_cells(definers, index, used, MAX_DEFINING_CELLS)
    modules = _modules_involved(definers, [index, *cells])
    modules += [m for m in _traceback_libraries(error.traceback, versions) if m not in modules]
    draft = _RepairDraft(
        index=index,
        cell_id=str(notebook.cells[index].get("id", f"cell-{index}")),
        failing=failing,
        ename=error.ename,
        error_line=final_exception_line(error),
        traceback=tuple(error.traceback),
        frames=4,
        definers=_definer_titles(definers, cells, used, notebook),
        sources=tuple(sources),
        state=await _kernel_state(kernel, _names_to_describe(used, definers, index)),
        preview=PREVIEW_CHARS,
        hints=tuple(h.strip() for h in hints if h and h.strip()),
        environment=environment_text(python, modules, versions),
    )
    return _fit(REPAIR, draft, _compose_repair, REPAIR_STEPS, budget_tokens)


# --------------------------------------------------------------------------- runtime


@dataclass(frozen=True)
class _RuntimeDraft:
    summary: str
    rows: tuple[str, ...]  # timing rows, slowest first
    slow: tuple[tuple[str, str], ...]  # (title, fenced source), slowest first
    environment: str | None


def _timing_rows(
    notebook: Notebook, today: Mapping[int, float], stored: Mapping[int, float]
) -> list[str]:
    """Table rows, slowest first (by the larger of today's and the stored time)."""

    def slowness(i: int) -> float:
        return -max(today.get(i, 0.0), stored.get(i, 0.0))

    indices = sorted(set(today) | set(stored), key=slowness)
    rows = []
    for i in indices:
        cell_id = notebook.cells[i].get("id", f"cell-{i}") if 0 <= i < len(notebook.cells) else "?"
        now, then = today.get(i), stored.get(i)
        ratio = f"x{now / then:.1f}" if now is not None and then else "—"
        rows.append(f"| {i} | {cell_id} | {format_seconds(now)} | {format_seconds(then)} | {ratio} |")
    return rows


def _runtime_summary(
    notebook: Notebook,
    today: Mapping[int, float],
    stored: Mapping[int, float],
    budget: float | None,
) -> str:
    remaining = [i for i in notebook.code_cell_indices() if i not in today]
    summary = summarize_runtime(today, stored, remaining, budget)
    lines = [
        f"Budget: {format_seconds(budget) if budget is not None else 'none set'}",
        f"Today so far: {format_seconds(summary.total_today)} over {len(today)} cell(s)",
        "Original (stored) total: "
        + (format_seconds(sum(stored.values())) if stored else "not recorded"),
    ]
    if summary.ratio is not None:
        lines.append(f"Today / original on cells measured both ways: x{summary.ratio:.2f}")
    if summary.projected_total is not None and remaining:
        projected = format_seconds(summary.projected_total)
        lines.append(f"Projected total with the {len(remaining)} cell(s) not run yet: {projected}")
    if budget is not None:
        lines.append("Over budget." if summary.over_budget else "Within budget so far.")
    return "\n".join(lines)


def _compose_runtime(draft: _RuntimeDraft) -> list[Section]:
    table = "| cell | id | today | stored | today/stored |\n|---|---|---|---|---|\n"
    table += "\n".join(draft.rows)
    sections = [Section("Runtime and budget", draft.summary + "\n\n" + table, 0)]
    sections += [Section(title, text, 2 + rank) for rank, (title, text) in enumerate(draft.slow)]
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    return sections


def _trim_rows(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    keep = max(len(draft.slow), 1)
    if len(draft.rows) <= keep:
        return None
    rows = draft.rows[: max(keep, len(draft.rows) // 2)]
    return replace(draft, rows=rows), "timings of the faster cells"


def _drop_least_slow(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    if len(draft.slow) <= 1:
        return None
    return replace(draft, slow=draft.slow[:-1]), f"source of {draft.slow[-1][0].split(',')[0].lower()}"


def _drop_runtime_environment(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


RUNTIME_STEPS: tuple[Step[_RuntimeDraft], ...] = (
    _trim_rows,
    _drop_least_slow,
    _drop_runtime_environment,
)


def build_runtime_context(
    notebook: Notebook,
    *,
    today: Mapping[int, float],
    stored: Mapping[int, float],
    budget: float | None,
    slowest: int = 3,
    versions: Mapping[str, str | None] | None = None,
    python: str = "unknown",
    budget_tokens: int = 6000,
) -> PromptContext:
    """The runtime-reduction context: per-cell timings, the budget, the slowest cells."""
    sources = code_sources(notebook)
    ranked = sorted(
        (i for i in set(today) | set(stored) if 0 <= i < len(sources) and sources[i].strip()),
        key=lambda i: -(today[i] if i in today else stored.get(i, 0.0)),
    )[:slowest]
    slow = []
    for i in ranked:
        took = today.get(i, stored.get(i))
        when = "today" if i in today else "originally"
        cell_id = notebook.cells[i].get("id", f"cell-{i}")
        title = f"Slow cell {i} (id {cell_id}), {format_seconds(took)} {when}"
        slow.append((title, fenced(numbered(sources[i]))))
    modules = modules_involved(sources, ranked) if ranked else libraries_of(sources)
    draft = _RuntimeDraft(
        summary=_runtime_summary(notebook, today, stored, budget),
        rows=tuple(_timing_rows(notebook, today, stored)),
        slow=tuple(slow),
        environment=environment_text(python, modules, versions or {}),
    )
    return _fit(RUNTIME, draft, _compose_runtime, RUNTIME_STEPS, budget_tokens)


# --------------------------------------------------------------------------- score


@dataclass(frozen=True)
class _ScoreDraft:
    summary: str
    score_cell: Section | None
    producers: tuple[tuple[int, str, str], ...]  # (index, title, fenced source), furthest first
    defaults: tuple[str, ...]
    environment: str | None


def _score_line(label: str, score: Score) -> str:
    pct = "%" if score.percent else ""
    where = f" (cell {score.cell_index})" if score.cell_index >= 0 else ""
    printed = score.text.strip()[:120]
    return f"{label}: {score.name} = {score.value:g}{pct}{where}, printed as `{printed}`"


def _score_summary(reference: Score, today: Score | None, tolerance: float) -> str:
    comparison = compare_scores(reference, today, tolerance)
    direction = "lower" if reference.lower_is_better else "higher"
    lines = [_score_line("Reference (stored)", reference)]
    lines.append(_score_line("Today", today) if today else "Today: not produced yet")
    if comparison.relative is not None:
        sign = "better" if comparison.improved else "worse"
        lines.append(
            f"Difference: {comparison.difference:+.4g} ({comparison.relative:.1%}, {sign}); "
            f"{direction} is better"
        )
    lines.append(f"Tolerance: {tolerance:.1%} relative; verdict: {comparison.verdict}")
    return "\n".join(lines)


def _compose_score(draft: _ScoreDraft) -> list[Section]:
    sections = [Section("Score", draft.summary, 0)]
    if draft.score_cell is not None:
        sections.append(draft.score_cell)
    sections += [Section(title, text, 4) for _, title, text in draft.producers]
    if draft.defaults:
        defaults = "\n".join(f"- {d}" for d in draft.defaults)
        sections.append(Section("Library defaults that changed", defaults, 2))
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    return sections


def _drop_furthest_producer(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    if not draft.producers:
        return None
    j = draft.producers[0][0]
    return replace(draft, producers=draft.producers[1:]), f"earlier cell {j}"


def _drop_last_default(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    if not draft.defaults:
        return None
    return replace(draft, defaults=draft.defaults[:-1]), f"changed default {len(draft.defaults)}"


def _drop_score_environment(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


SCORE_STEPS: tuple[Step[_ScoreDraft], ...] = (
    _drop_furthest_producer,
    _drop_last_default,
    _drop_score_environment,
)


def _score_cell_index(notebook: Notebook, reference: Score, today: Score | None) -> int | None:
    for score in (reference, today):
        if score is None:
            continue
        if score.cell_id is not None:
            try:
                return notebook.index_of(score.cell_id)
            except KeyError:
                pass
        if 0 <= score.cell_index < len(notebook.cells):
            return score.cell_index
    return None


def build_score_context(
    notebook: Notebook,
    *,
    reference: Score,
    today: Score | None,
    tolerance: float,
    changed_defaults: Sequence[str] = (),
    versions: Mapping[str, str | None] | None = None,
    python: str = "unknown",
    budget_tokens: int = 6000,
) -> PromptContext:
    """The score-calibration context: reference vs today, the cells that produce the score,
    the parameters whose library defaults changed."""
    sources = code_sources(notebook)
    index = _score_cell_index(notebook, reference, today)
    score_cell = None
    producers: list[tuple[int, str, str]] = []
    involved: list[str] = []
    if index is not None:
        cell_id = notebook.cells[index].get("id", f"cell-{index}")
        title = f"Cell {index} (id {cell_id}) that reports the score"
        score_cell = Section(title, fenced(numbered(sources[index])), 0)
        cells = defining_cells(sources, index, names_used(sources[index]))
        for j in cells:
            title = f"Earlier cell {j} (id {notebook.cells[j].get('id', f'cell-{j}')}) that produces it"
            producers.append((j, title, fenced(sources[j])))
        involved = modules_involved(sources, [index, *cells])
    draft = _ScoreDraft(
        summary=_score_summary(reference, today, tolerance),
        score_cell=score_cell,
        producers=tuple(producers),
        defaults=tuple(d.strip() for d in changed_defaults if d and d.strip()),
        environment=environment_text(python, involved or libraries_of(sources), versions or {}),
    )
    return _fit(SCORE, draft, _compose_score, SCORE_STEPS, budget_tokens)
